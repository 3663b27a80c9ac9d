"""Facts of one sentence: the rule patterns matched from the highest priority down, at most one fact
per primary number, none on a number that a non-fact rule claims."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import regex

from extract.facts.labels import derive_label
from extract.facts.numbers import format_vn_number, parse_number
from extract.facts.units import SPACES, display_unit, lookup_base, lookup_unit
from extract.records import Fact, Sentence
from extract.rulebook import Lexicon, Rule, Rulebook
from extract.rulebook.scan import finditer_overlapped

NUMBER_GROUPS = ("value", "plan", "percent", "value_high", "prev", "percent_low", "delta", "value_rest")
DIGIT = regex.compile(r"\d")


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
    value_scale = lookup_unit(value_unit_raw, lexicon).scale
    plan_scale = lookup_unit(plan_unit_raw, lexicon).scale
    prev_scale = lookup_unit(prev_unit_raw, lexicon).scale

    def number(name, scale=Decimal(1)):
        value, decimals, problem = parse_number(groups.get(name))
        if problem:
            problems.append(problem)
        return (value * scale if value is not None else None), decimals

    value, _ = number("value", value_scale)
    value_raw = groups.get("value")
    if groups.get("value_rest") is not None and value is not None:
        # "5 tỷ 500 triệu đồng": the rest is in the unit's scale, and so is the figure as written out
        rest_scale = lookup_unit(unit_raw, lexicon).scale
        rest, _ = number("value_rest", rest_scale)
        if rest is not None:
            value += rest
            value_scale, value_raw = rest_scale, format_vn_number(value / rest_scale)
    value_high, _ = number("value_high", value_scale)
    plan, _ = number("plan", plan_scale)
    prev, _ = number("prev", prev_scale)
    percent, percent_decimals = number("percent")
    percent_low, _ = number("percent_low")
    delta, _ = number("delta", value_scale)
    if prev is not None and plan is None:
        plan, plan_scale = prev, prev_scale
    basis = groups.get("basis") or fields.pop("basis", None)
    base = fields.pop("base", None) or lookup_base(basis, lexicon)
    change_raw = SPACES.sub(" ", groups.get("change") or "").lower().strip()
    change = lexicon.changes.get(change_raw) or fields.pop("change", None)
    comparator = groups.get("comparator")
    comparator = lexicon.comparators.get(comparator, comparator) if comparator else fields.pop("comparator", None)
    qualifier = groups.get("qualifier")
    qualifier = lexicon.qualifiers.get(SPACES.sub(" ", qualifier.lower()), qualifier) if qualifier else None
    kind = fields.pop("kind", rule.kind)
    unit = display_unit(unit_raw, lexicon)
    unit_kind = lookup_unit(unit_raw, lexicon).kind
    if kind in ("percent", "change", "share") and percent is not None and value is None and not unit:
        unit = "%"
        unit_kind = lookup_unit(unit, lexicon).kind
    start, end = without_trailing_space(text, *match.span())
    return Fact(
        rule=rule.code, kind=kind, raw=text[start:end], char_start=start, char_end=end,
        sentence=sentence.index if sentence else None,
        value=value, plan=plan, percent=percent,
        value_raw=value_raw, plan_raw=groups.get("plan") or groups.get("prev"),
        percent_raw=groups.get("percent"), percent_decimals=percent_decimals,
        unit=unit, unit_raw=unit_raw, unit_kind=unit_kind, unit_exact=lexicon.is_exact(unit_kind),
        value_scale=value_scale if value is not None else None, plan_scale=plan_scale if plan is not None else None,
        delta_scale=value_scale if delta is not None else None,
        base=base, base_raw=basis, change=change,
        comparator=comparator, qualifier=qualifier, value_high=value_high, percent_low=percent_low,
        delta=delta, delta_raw=groups.get("delta"),
        label=derive_label(text, start, floor),
        flag="; ".join(problems) or fields.pop("flag", None),
        in_footnote=sentence.footnote if sentence else None,
    )


def extract_sentence(text: str, sentence: Sentence, rulebook: Rulebook) -> list[Fact]:
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
        if rule.kind == "nonfact":
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
        return replace(fact, value=source.percent, value_raw=source.percent_raw, value_scale=Decimal(1),
                       value_from=source.key)
    before = [f for f in facts if f.char_end <= fact.char_start and f.value is not None
              and f.kind not in ("percent", "change", "share", "difference")
              and (f.unit == fact.unit or fact.unit in (None, "%"))
              and not closed_bracket_between(text, f.char_end, fact.char_start)]
    if not before:
        return fact
    source = before[-1]
    owner = fact if fact.unit else source   # the fact's own unit, else the borrowed figure's
    return replace(fact, value=source.value, value_raw=source.value_raw, value_scale=source.value_scale,
                   unit=owner.unit, unit_kind=owner.unit_kind, unit_exact=owner.unit_exact,
                   value_from=source.key)


def without_trailing_space(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of a match less the blanks it ends with: a rule's optional tail (`\\s* (?P<unit>…)?`)
    takes the blank before a unit that is not there.

    >>> without_trailing_space("đạt 02 cơ sở; 15 ", 14, 17)
    (14, 16)
    """
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
