"""Turn a Document's sentences and table rows into Facts, driven by the rule files.

The engine knows no rule by name. For each sentence it
  1. marks the spans that are not figures (kind "nonfact": dates, document numbers, years …);
  2. runs the fact rules from the highest priority down; a match is kept when its primary
     number (the percent, else the value) is not already part of a kept fact and none of its
     numbers sits in a non-fact span;
  3. builds each fact from the match's named groups, parsing numbers strictly and multiplying
     scale words and units (lexicon.toml) into base units.
Annex tables are read column by column (rules/tables.toml), one fact per data row.
"""
from __future__ import annotations

import bisect
from dataclasses import replace
from decimal import Decimal
from functools import lru_cache

import regex

from extract.normalize import SUPERSCRIPT_DIGITS
from extract.numbers import NumberFormatError, read_vn_number
from extract.records import Document, Fact, Problem, Sentence, SourceDoc, SourceLine, TableRow
from extract.rulebook import RULES_DIR, Lexicon, Rule, Rulebook, load_rulebook
from extract.scan import finditer_overlapped

NUMBER_GROUPS = ("value", "plan", "percent", "value_high", "prev", "percent_low", "delta")
CHANGE_WORDS = {"tăng": "increase", "giảm": "decrease", "tăng thêm": "increase", "giảm thêm": "decrease"}
WORD = regex.compile(r"[\p{L}\p{M}]+")
DIGIT = regex.compile(r"\d")
SPACES = regex.compile(r"\s+")
# Where a label's clause starts: punctuation, brackets, a dash, "…, trong đó", a percent before it.
# Characters before a figure searched for its label: far more than a clause. Searching back to the
# sentence start made a sentence of n figures cost n² (a 1 MB line of figures never finished).
LABEL_WINDOW = 2000
CLAUSE_CUT = regex.compile(r"[;:.!?]\s|\(|\)|\s[-–]\s|,\s(?=(?:trong\s+đó|gồm|bao\s+gồm)\b)|\d\s*%")
PARENTHETICAL = regex.compile(r"\s*\([^()]*\)")
DATE_OR_YEAR = regex.compile(r"\b(?:ngày\s+)?\d{1,2}/\d{1,2}/\d{4}\b|\bnăm\s+\d{4}\b")
SUPERSCRIPT_RUN = regex.compile(rf"[{SUPERSCRIPT_DIGITS}]+")
# Verbs and connectives trimmed from the end of a label: "thu ngân sách đạt" -> "thu ngân sách".
LABEL_TAIL = regex.compile(
    r"(?:\s+|^)(?:ước\s+(?:đạt|thực\s+hiện|tính)|thực\s+hiện\s+(?:đạt|được)|đạt\s+được|đạt|bằng|là|được|có|"
    r"thực\s+hiện|ước|với|tổng\s+số|gồm|khoảng|hơn|gần|trên|dưới|của|cho|tới|đến|còn|chiếm|tăng|giảm|"
    r"số\s+tiền|kinh\s+phí|trị\s+giá|với\s+tổng\s+số\s+tiền|tổng\s+cộng|và|hiện\s+có)[\s:,]*$", regex.I)
LABEL_HEAD = regex.compile(r"^(?:[-–+•]\s*|\(|trong\s+đó[:,]?\s*|gồm[:,]?\s*|bao\s+gồm[:,]?\s*|và\s+|"
                           r"(?:ước\s+|dự\s+ước\s+)?(?:tính\s+)?đến(?:\s+nay|\s+ngày)?,?\s+|hiện\s+nay,?\s+|"
                           r"\d{1,2}(?:\.\d{1,2})*\.\s+|[a-zđ]\)\s+)+", regex.I)


@lru_cache(maxsize=4)
def default_rulebook() -> Rulebook:
    return load_rulebook(RULES_DIR)


# --- small pure helpers -------------------------------------------------------------------------

def lookup_unit(raw: str | None, lexicon: Lexicon) -> tuple[str | None, Decimal]:
    """Normalised unit and scale factor of a printed unit such as 'tỷ đồng' or 'nghìn tấn'.

    >>> lexicon = default_rulebook().lexicon
    >>> lookup_unit("tỷ đồng", lexicon)
    ('VND', Decimal('1E+9'))
    >>> lookup_unit("ha", lexicon)
    ('ha', Decimal('1'))
    >>> lookup_unit("triệu đồng/ha", lexicon)
    ('VND/ha', Decimal('1E+6'))
    """
    if not raw:
        return None, Decimal(1)
    key = ("lookup", raw)
    if key not in lexicon.unit_memo:
        lexicon.unit_memo[key] = _lookup_unit(raw, lexicon)
    return lexicon.unit_memo[key]


def _lookup_unit(raw: str, lexicon: Lexicon) -> tuple[str | None, Decimal]:
    text = SPACES.sub(" ", raw.strip()).lower()
    per = ""
    if "/" in text and text not in lexicon.units:
        text, _, per = text.partition("/")
        per = "/" + per
    if text in lexicon.units:
        unit, _, scale = lexicon.units[text]
        return (unit + per if unit != "count" or not per else unit + per), scale
    for form, factor in sorted(lexicon.scales.items(), key=lambda kv: -len(kv[0])):
        if text == form:
            return None, factor
        if text.startswith(form + " ") or (text.startswith(form) and text[len(form):] in lexicon.units):
            rest = text[len(form):].strip()
            if rest in lexicon.units:
                unit, _, scale = lexicon.units[rest]
                return unit + per, factor * scale
    return text + per, Decimal(1)


def display_unit(raw: str | None, lexicon: Lexicon) -> str | None:
    """The unit as readers say it: counting nouns keep their noun ("hộ"), others the normal form."""
    key = ("display", raw)
    if key not in lexicon.unit_memo:
        lexicon.unit_memo[key] = _display_unit(raw, lexicon)
    return lexicon.unit_memo[key]


def _display_unit(raw: str | None, lexicon: Lexicon) -> str | None:
    unit, _ = lookup_unit(raw, lexicon)
    if unit is None:
        return None
    if unit.startswith("count"):
        noun = SPACES.sub(" ", raw.strip())
        for form in sorted(lexicon.scales, key=len, reverse=True):
            if noun.lower().startswith(form + " "):
                noun = noun[len(form) + 1:]
                break
        return noun.lower() if noun.isupper() is False else noun
    return unit


def lookup_base(raw: str | None, lexicon: Lexicon) -> str | None:
    """Normalised base of a printed basis: 'KH tỉnh giao' -> 'plan', 'so với cùng kỳ' -> 'same_period'."""
    if not raw:
        return None
    text = SPACES.sub(" ", raw.strip()).lower()
    best = None
    for form, base in lexicon.bases.items():
        if (text.startswith(form) or text.startswith("so với " + form)) and (best is None or len(form) > len(best[0])):
            best = (form, base)
    return best[1] if best else None


def parse_number(raw: str | None) -> tuple[Decimal | None, int | None, str | None]:
    """(value, decimals, problem) of a printed number; a malformed one gives its reason."""
    if raw is None:
        return None, None, None
    try:
        number = read_vn_number(raw)
    except NumberFormatError as exc:
        return None, None, str(exc)
    return number.value, number.decimals, None


def derive_label(text: str, start: int, floor: int) -> str | None:
    """The words before a figure that say what it measures, within its clause.

    >>> derive_label("Ước đến 31/12/2023 thu ngân sách đạt 201,922/260", 37, 0)
    'thu ngân sách'
    >>> derive_label("Tổng sản lượng lương thực có hạt năm 2023 ước đạt: 3.915,37/3.803 tấn", 51, 0)
    'Tổng sản lượng lương thực có hạt'
    """
    before = _drop_parentheticals(text[max(floor, start - LABEL_WINDOW):start])
    cuts = [0] + [m.end() for m in CLAUSE_CUT.finditer(before)]
    label = None
    for clause_start in reversed(cuts):  # an empty clause ("ước đạt: 3.915") falls back to the one before
        label = _clean_label(before[clause_start:])
        if label:
            break
    return label


def _drop_parentheticals(text: str) -> str:
    """'Tổng vốn năm 2023 (bao gồm cả vốn kéo dài) là' -> 'Tổng vốn năm 2023 là' (closed brackets only)."""
    previous = None
    while previous != text and "(" in text:
        previous, text = text, PARENTHETICAL.sub("", text)
    return text


def _clean_label(clause: str) -> str | None:
    clause = DATE_OR_YEAR.sub(" ", clause)
    clause = SUPERSCRIPT_RUN.sub("", clause)
    clause = SPACES.sub(" ", clause).strip(" ,;:-–")
    for _ in range(4):
        trimmed = LABEL_TAIL.sub("", clause).strip(" ,;:-–")
        trimmed = LABEL_HEAD.sub("", trimmed).strip(" ,;:-–")
        if trimmed == clause:
            break
        clause = trimmed
    # After a comma a new subject of three words or more starts ("…đầu năm, tổng diện tích trồng rừng").
    head, _, tail = clause.rpartition(", ")
    if head and len(tail.split()) >= 3:
        clause = tail
    words = clause.split()
    if len(words) > 14:
        clause = " ".join(words[:14])
    return clause or None


# --- rule matching ------------------------------------------------------------------------------

class Coverage:
    """The characters of a sentence covered by spans: an overlap test costs the span's length, not the
    number of spans (a list of spans made a sentence with n figures cost n²)."""

    def __init__(self, start: int, end: int, spans=()):
        self.start, self.marks = start, bytearray(end - start)
        for span in spans:
            self.add(span)

    def add(self, span: tuple[int, int]) -> None:
        s, e = span[0] - self.start, span[1] - self.start
        self.marks[s:e] = b"\1" * (e - s)

    def overlaps(self, span: tuple[int, int]) -> bool:
        return self.marks.find(1, span[0] - self.start, span[1] - self.start) >= 0


def nonfact_spans(text: str, start: int, end: int, rulebook: Rulebook,
                  candidates=None) -> list[tuple[int, int]]:
    """Spans of text[start:end] that non-fact rules match (only `candidates`' rules and branches, when
    given: Prefilter.candidates)."""
    spans = []
    for index, rule in enumerate(rulebook.rules):
        if rule.kind == "nonfact" and (candidates is None or index in candidates):
            branches = candidates[index] if candidates is not None else None
            spans.extend(m.span() for m in finditer_overlapped(rule.pattern, text, start, end, branches))
    return spans


def candidate_rules(text: str, sentence: Sentence, rulebook: Rulebook):
    """Rule position -> the branches of it that may match the sentence (Prefilter.candidates); None means all rules."""
    if rulebook.prefilter is None:
        return None
    return rulebook.prefilter.candidates(text, sentence.start, sentence.end)


def build_fact(rule: Rule, match: regex.Match, text: str, lexicon: Lexicon, sentence: Sentence | None,
               floor: int) -> Fact:
    """Make a Fact from one rule match: parse its numbers and apply units and scale words."""
    groups = {k: v for k, v in match.groupdict().items() if v is not None}
    fields = {k: v for k, v in rule.fields.items() if k not in ("value_from", "same_unit")}
    problems = []

    unit_raw = groups.get("unit") or groups.get("value_unit") or groups.get("plan_unit") or groups.get("prev_unit")
    value_unit_raw = groups.get("value_unit") or groups.get("unit") or groups.get("plan_unit")
    plan_unit_raw = groups.get("plan_unit") or groups.get("unit") or groups.get("value_unit")
    prev_unit_raw = groups.get("prev_unit") or value_unit_raw
    _, value_scale = lookup_unit(value_unit_raw, lexicon)
    _, plan_scale = lookup_unit(plan_unit_raw, lexicon)
    _, prev_scale = lookup_unit(prev_unit_raw, lexicon)

    def number(name, scale=Decimal(1)):
        value, decimals, problem = parse_number(groups.get(name))
        if problem:
            problems.append(problem)
        return (value * scale if value is not None else None), decimals

    value, _ = number("value", value_scale)
    value_high, _ = number("value_high", value_scale)
    plan, _ = number("plan", plan_scale)
    prev, _ = number("prev", prev_scale)
    percent, percent_decimals = number("percent")
    percent_low, _ = number("percent_low")
    delta, _ = number("delta", value_scale)
    if prev is not None and plan is None:
        plan = prev
    basis = groups.get("basis") or fields.pop("basis", None)
    base = fields.pop("base", None) or lookup_base(basis, lexicon)
    change_raw = (groups.get("change") or "").lower().strip()
    change = CHANGE_WORDS.get(change_raw) or fields.pop("change", None)
    comparator = groups.get("comparator")
    comparator = lexicon.comparators.get(comparator, comparator) if comparator else fields.pop("comparator", None)
    qualifier = groups.get("qualifier")
    qualifier = lexicon.qualifiers.get(SPACES.sub(" ", qualifier.lower()), qualifier) if qualifier else None
    kind = fields.pop("kind", rule.kind)
    unit = display_unit(unit_raw, lexicon)
    if kind in ("percent", "change", "share") and percent is not None and value is None and not unit:
        unit = "%"
    start, end = match.span()
    return Fact(
        rule=rule.code, kind=kind, raw=text[start:end], char_start=start, char_end=end,
        sentence=sentence.index if sentence else None,
        value=value, plan=plan, percent=percent,
        value_raw=groups.get("value"), plan_raw=groups.get("plan") or groups.get("prev"),
        percent_raw=groups.get("percent"), percent_decimals=percent_decimals,
        unit=unit, unit_raw=unit_raw, base=base, base_raw=basis, change=change,
        comparator=comparator, qualifier=qualifier, value_high=value_high, percent_low=percent_low,
        delta=delta, delta_raw=groups.get("delta"),
        label=derive_label(text, start, floor),
        flag="; ".join(problems) or fields.pop("flag", None),
        in_footnote=sentence.footnote if sentence else None,
    )


def extract_sentence(text: str, sentence: Sentence, rulebook: Rulebook, only: str | None = None) -> list[Fact]:
    """Every fact of one sentence, at most one per primary number.

    A figure is printed with digits, so a sentence without one is not scanned (about half of a
    report's sentences); the non-fact spans are found only once a rule has matched a number."""
    if not DIGIT.search(text, sentence.start, sentence.end):
        return []
    masks = None
    used = Coverage(sentence.start, sentence.end)
    facts: list[Fact] = []
    candidates = candidate_rules(text, sentence, rulebook)
    for index, rule in enumerate(rulebook.rules):
        if rule.kind == "nonfact" or (only and rule.code != only):
            continue
        if candidates is not None and index not in candidates:
            continue
        branches = candidates[index] if candidates is not None else None
        for match in finditer_overlapped(rule.pattern, text, sentence.start, sentence.end, branches):
            groups = match.groupdict()
            numbers = [match.span(g) for g in NUMBER_GROUPS if groups.get(g) is not None]
            if not numbers:
                continue
            primary = match.span("percent") if groups.get("percent") is not None else numbers[0]
            if used.overlaps(primary):   # the cheaper test first: most low-priority matches stop here
                continue
            if masks is None:
                masks = Coverage(sentence.start, sentence.end,
                                 nonfact_spans(text, sentence.start, sentence.end, rulebook, candidates))
            if any(masks.overlaps(n) for n in numbers):
                continue
            if rule.fields.get("same_unit") and not _same_unit(match, rulebook.lexicon):
                continue
            fact = build_fact(rule, match, text, rulebook.lexicon, sentence, sentence.start)
            facts.append(fact)
            for number in _claimed_spans(match, text):
                used.add(number)
    facts.sort(key=lambda f: f.char_start)
    return [borrow_preceding_value(f, facts, rulebook, text) for f in facts]


def _claimed_spans(match: regex.Match, text: str) -> list[tuple[int, int]]:
    """The numbers a kept match takes. Two stay free for a fact of their own: last year's percent in
    brackets ("(58,45%)") stays a percent, and an absolute change ("giảm 4,7 ha") a value."""
    spans = []
    for group in NUMBER_GROUPS:
        if group in match.re.groupindex and match.group(group) is not None:
            start, end = match.span(group)
            if group == "delta" or (group == "prev" and text[end:end + 2].lstrip().startswith("%")):
                continue
            spans.append((start, end))
    return spans


def _same_unit(match: regex.Match, lexicon: Lexicon) -> bool:
    """Rules with `same_unit = true` hold only when value and plan are in the same unit (a part of a total)."""
    groups = match.groupdict()   # by name: a branch's match (scan.py) has only its own groups
    return display_unit(groups.get("value_unit"), lexicon) == display_unit(groups.get("plan_unit"), lexicon)


def closed_bracket_between(text: str, start: int, end: int) -> bool:
    """Does a bracket opened before `start` close before `end`? ("(gồm: …, 2,3 ha), giảm 4,7 ha")"""
    depth = 0
    for ch in text[start:end]:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return True
    return False


def borrow_preceding_value(fact: Fact, facts: list[Fact], rulebook: Rulebook, text: str = "") -> Fact:
    """Give a fact whose rule says `value_from = "preceding"` the figure printed just before it.

    "đạt 56.820 ha, đạt 99,7% KH (57.000 ha), bằng 98,9% so với năm 2022 (57.450 ha)": the
    second percent compares the same 56.820 ha with last year's figure.
    """
    if fact.value is not None or rulebook.rule(fact.rule).fields.get("value_from") != "preceding":
        return fact
    if fact.unit == "điểm %":  # "58,62%, tăng 0,17 điểm phần trăm so với năm 2022 (58,45%)": the percent before
        percents = [f for f in facts if f.char_end <= fact.char_start and f.percent is not None and f.value is None]
        if not percents:
            return fact
        source = percents[-1]
        return replace(fact, value=source.percent, value_raw=source.percent_raw,
                       extra={**fact.extra, "value_from": source.char_start})
    before = [f for f in facts if f.char_end <= fact.char_start and f.value is not None
              and f.kind not in ("percent", "change", "share", "difference")
              and (f.unit == fact.unit or fact.unit in (None, "%"))
              and not closed_bracket_between(text, f.char_end, fact.char_start)]
    if not before:
        return fact
    source = before[-1]
    return replace(fact, value=source.value, value_raw=source.value_raw, unit=fact.unit or source.unit,
                   extra={**fact.extra, "value_from": source.char_start})


# --- annex tables -------------------------------------------------------------------------------

def map_columns(header: TableRow, config: dict) -> dict[int, str]:
    """Column index -> role (stt, indicator, unit, plan, actual, percent, assessment, previous).

    Several "TH <year>" columns: the earliest year is the previous period, the latest the actual.
    """
    roles: dict[int, str] = {}
    actual_candidates: list[tuple[int, int]] = []
    for index, cell in enumerate(header.cells):
        name = regex.sub(r"\s+", " ", cell.text).strip().lower()
        for role, patterns in config["columns"]:
            if not any(p.search(name) for p in patterns):
                continue
            if role == "actual":
                year = regex.search(r"(?:19|20)\d\d", name)
                actual_candidates.append((int(year.group(0)) if year else 9999, index))
                break
            if role not in roles.values():  # "Chỉ tiêu NQ giao" after "Chỉ tiêu": try the next role
                roles[index] = role
                break
    actual_candidates.sort()
    for position, (_, index) in enumerate(actual_candidates):
        roles[index] = "actual" if position == len(actual_candidates) - 1 else "previous"
    return roles


COMPARATOR_CELL = regex.compile(r"^\s*(?P<comparator>[<>≤≥]=?|trên|dưới|tối thiểu|tối đa)?\s*(?P<number>\d[\d.,]*)"
                                r"(?:\s*[-–]\s*(?P<high>\d[\d.,]*))?\s*$")
COMPARATOR_WORDS = {"trên": ">", "dưới": "<", "tối thiểu": ">=", "tối đa": "<=", "≥": ">=", "≤": "<=",
                    ">=": ">=", "<=": "<=", ">": ">", "<": "<"}


def parse_cell(text: str) -> tuple[Decimal | None, str | None, Decimal | None, str | None]:
    """(number, comparator, high end of a range, problem) of an annex cell: '<12', '>99', '7-8', '3.803'.

    >>> parse_cell(">99")
    (Decimal('99'), '>', None, None)
    >>> parse_cell("7-8")
    (Decimal('7'), 'range', Decimal('8'), None)
    """
    m = COMPARATOR_CELL.match(text.strip())
    if not m:
        return None, None, None, None
    value, _, problem = parse_number(m.group("number"))
    high, _, problem_high = parse_number(m.group("high"))
    comparator = COMPARATOR_WORDS.get(m.group("comparator") or "")
    if high is not None:
        comparator = "range"
    return value, comparator, high, problem or problem_high


def extract_table_rows(document: Document, rulebook: Rulebook) -> list[Fact]:
    """One annex_row fact per data row of every table whose header names its columns."""
    config = rulebook.tables
    starts = [sentence.start for sentence in document.sentences]
    facts: list[Fact] = []
    roles: dict[int, str] = {}
    current_table = None
    for row in document.table_rows:
        if row.table != current_table:
            current_table, roles = row.table, {}
        if row.header:
            roles = map_columns(row, config)
            continue
        if not roles or "indicator" not in roles.values():
            continue
        cells = {roles[i]: c for i, c in enumerate(row.cells) if i in roles}
        indicator = cells.get("indicator")
        if indicator is None or not indicator.text:
            continue
        plan_cell, actual_cell = cells.get("plan"), cells.get("actual")
        unit_cell = cells.get("unit")
        unit, scale = lookup_unit(unit_cell.text if unit_cell else None, rulebook.lexicon)
        if unit == "%":
            scale = Decimal(1)
        plan, comparator, plan_high, p1 = parse_cell(plan_cell.text) if plan_cell else (None, None, None, None)
        actual, actual_cmp, _, p2 = parse_cell(actual_cell.text) if actual_cell else (None, None, None, None)
        prev_cell = cells.get("previous")
        previous, _, _, p3 = parse_cell(prev_cell.text) if prev_cell else (None, None, None, None)
        pct_cell = cells.get("percent")
        percent, percent_decimals, p4 = parse_number(pct_cell.text) if pct_cell and COMPARATOR_CELL.match(pct_cell.text) else (None, None, None)
        label_cell = cells.get("assessment")
        stt_cell = cells.get("stt")
        scaled = lambda x: x * scale if x is not None else None  # noqa: E731
        start = row.cells[0].start if row.cells else row.start
        facts.append(Fact(
            rule="TB01", kind="annex_row", raw=document.text[row.start:row.end], char_start=row.start,
            char_end=row.end, sentence=_sentence_at(document, starts, row.start),
            value=scaled(actual), plan=scaled(plan), percent=percent,
            value_raw=actual_cell.text if actual_cell else None, plan_raw=plan_cell.text if plan_cell else None,
            percent_raw=pct_cell.text if pct_cell else None, percent_decimals=percent_decimals if percent is not None else None,
            unit=display_unit(unit_cell.text, rulebook.lexicon) if unit_cell and unit_cell.text else None,
            unit_raw=unit_cell.text if unit_cell else None, base="plan" if plan is not None else None,
            comparator=comparator or actual_cmp, value_high=scaled(plan_high) if plan_high is not None else None,
            label=indicator.text, assessment=label_cell.text if label_cell and label_cell.text else None,
            stt=stt_cell.text if stt_cell and stt_cell.text else None, table_row=row.row,
            flag="; ".join(p for p in (p1, p2, p3, p4) if p) or None,
            extra={"previous": scaled(previous), "plan_text": plan_cell.text if plan_cell else None,
                   "table": row.table, "start": start,
                   "assessment_code": assessment_code(label_cell.text if label_cell else None, config)},
        ))
    return facts


def assessment_code(label: str | None, config: dict) -> str | None:
    """met / exceeded / not_met for an annex label such as "Đạt", "Vượt KH", "Không đạt"."""
    if not label:
        return None
    return config["labels"].get(SPACES.sub(" ", label.strip().lower()))


def _sentence_at(document: Document, starts: list[int], offset: int) -> int | None:
    """The sentence holding `offset` (sentences are in text order and do not overlap; `starts` are theirs)."""
    i = bisect.bisect_right(starts, offset) - 1
    if i >= 0 and offset < document.sentences[i].end:
        return document.sentences[i].index
    return None


# --- entry points -------------------------------------------------------------------------------

def extract_facts(document: Document, rulebook: Rulebook | None = None) -> tuple[list[Fact], list[Problem]]:
    """All facts of a document: sentence rules over body, footnotes and headings; annex rows."""
    rulebook = rulebook or default_rulebook()
    facts: list[Fact] = []
    for sentence in document.sentences:
        if sentence.kind == "table":
            continue
        facts.extend(extract_sentence(document.text, sentence, rulebook))
    facts.extend(extract_table_rows(document, rulebook))
    problems = [Problem("number.malformed", f.flag, f.char_start, f.char_end) for f in facts if f.flag]
    return facts, problems


def extract_from_text(text: str, rulebook: Rulebook | None = None, only: str | None = None) -> tuple[list[Fact], list[Problem]]:
    """Facts of a short text treated as one sentence (used by the rule examples)."""
    rulebook = rulebook or default_rulebook()
    sentence = Sentence(0, 0, len(text), "body", "")
    facts = extract_sentence(text, sentence, rulebook)
    if only:
        facts = [f for f in facts if f.rule == only]
    return facts, [Problem("number.malformed", f.flag, f.char_start, f.char_end) for f in facts if f.flag]


def document_from_text(text: str, doc: str = "inline") -> Document:
    """A Document from a text string, as if read from a .txt file (for tests and examples)."""
    from extract.segment import segment_document
    lines = tuple(SourceLine(1, i, line) for i, line in enumerate(text.split("\n"), 1))
    return segment_document(SourceDoc(f"{doc}.txt", "txt", lines, 1), doc)
