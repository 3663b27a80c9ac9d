"""Load and validate the rule files in rules/, and compile their patterns once.

A rule file is TOML: code, name, kind, priority, summary, pattern (built from named pieces
such as {num}, {unit}, {basis}), optional constant `fields`, and its own examples and
counterexamples. `load_rulebook` checks every file and raises one `RulebookError` listing
every problem with file and line, so a broken rule set is refused before anything is ingested.
"""
from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import regex

from extract.rulebook.frames import FrameWords, load_frame_words
from extract.rulebook.patterns import compile_pattern, kept_patterns
from extract.rulebook.prefilter import BROADER_PIECES, Prefilter
from extract.rulebook.scan import branch_sources

# Case-insensitive parts of a rule fold case letter by letter. Full case folding (version 1's
# default: "ß" = "ss", "ﬁ" = "fi") changes nothing for Vietnamese, whose letters all fold one to
# one, and makes compiling the rules' unit alternations three times slower.
SIMPLE_CASE_FOLDING = "(?-f)"

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"

# Named groups a pattern may use, and the fact fields they fill.
GROUP_FIELDS = {
    "value", "plan", "percent", "unit", "value_unit", "plan_unit", "basis", "change",
    "comparator", "qualifier", "value_high", "prev", "prev_unit", "label", "period", "percent_low", "delta",
    "value_rest",   # the rest of an amount in two scale words ("5 tỷ 500 triệu đồng"), in the unit's scale
}
# Fields an example may assert on (attributes of extract.records.Fact).
EXAMPLE_FIELDS = {
    "match", "value", "plan", "percent", "unit", "unit_raw", "base", "base_raw", "change",
    "comparator", "qualifier", "value_high", "kind", "percent_decimals", "label", "period",
    "status", "flag", "indicator", "percent_low", "delta",
}
RULE_KEYS = {"code", "name", "kind", "priority", "summary", "why", "pattern", "fields",
             "examples", "counterexamples", "aliases"}
KINDS = {"ratio", "percent", "change", "share", "value", "fraction", "target", "nonfact", "malformed", "difference"}
CODE_FAMILIES = {"RT", "PC", "CH", "SH", "VA", "FR", "TG", "NF", "MF"}


class RulebookError(Exception):
    """Every problem found in the rule files, one per line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("rule files refused:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class Case:
    """One example or counterexample of a rule, as its file states it; extract/cases.py runs it."""
    rule: str
    kind: str            # "example" or "counterexample"
    number: int          # 1-based, among the rule's examples or among its counterexamples
    text: str
    match: str | None    # an example's fact exactly as printed (a non-fact rule's: the text it masks)
    expected: dict       # fact field -> the string it must equal
    xfail: str | None = None
    source: str = ""     # the rule file's name
    line: int = 1        # the line of the case's [[examples]] / [[counterexamples]] header

    @property
    def id(self) -> str:
        return f"{self.rule}/{self.kind}s/{self.number}"

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    kind: str
    priority: int
    summary: str
    source: str
    pattern: regex.Pattern
    fields: dict = field(default_factory=dict)
    cases: tuple[Case, ...] = ()
    broad_source: str = ""  # the pattern with broader placeholders, for the prefilter


@dataclass(frozen=True)
class UnitEntry:
    """One [[units]] entry of lexicon.toml, kept for its examples (run by tests/facts/test_units.py)."""
    unit: str
    kind: str
    forms: tuple[str, ...]
    scale: Decimal
    examples: tuple[str, ...]
    line: int            # of its [[units]] header in lexicon.toml


@dataclass(frozen=True)
class Lexicon:
    units: dict          # lower-cased surface form -> (unit, kind, scale Decimal)
    scales: dict         # lower-cased form -> Decimal factor
    bases: dict          # lower-cased form -> base
    qualifiers: dict
    comparators: dict
    pieces: dict         # placeholder name -> regex source
    breakdown_triggers: regex.Pattern | None = None
    indicator_counts: dict = field(default_factory=dict)
    structure_triggers: regex.Pattern | None = None
    kinds: dict = field(default_factory=dict)        # kind -> exact: is a whole number of it a count of things?
    not_summed: frozenset = frozenset()              # kinds whose figures do not add up to a total (rates, yields)
    unit_kinds: dict = field(default_factory=dict)   # normalised unit ("VND", "tạ/ha") -> kind
    per_kind: str | None = None                      # kind of a unit built with a `per` denominator
    unknown_exact: bool = True                       # is a figure of a unit the lexicon does not know exact?
    changes: dict = field(default_factory=dict)      # lower-cased change word -> increase / decrease
    entries: tuple[UnitEntry, ...] = ()
    # printed unit -> what engine.lookup_unit and engine.display_unit make of it (a report prints
    # a few dozen units, each hundreds of times)
    unit_memo: dict = field(default_factory=dict, compare=False, repr=False)

    def is_exact(self, kind: str | None) -> bool:
        """Is a whole number printed in a unit of this kind exact (a count of things), rather than a
        measurement rounded to its last digit? A unit without a kind follows `unknown_exact`."""
        return self.kinds[kind] if kind in self.kinds else self.unknown_exact


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    direction: str       # "higher" or "lower": which way is better
    synonyms: tuple[regex.Pattern, ...]


@dataclass(frozen=True)
class Rulebook:
    rules: tuple[Rule, ...]
    lexicon: Lexicon
    version: str         # hash of every rule file: facts record which rules made them
    indicators: tuple[Indicator, ...] = ()
    plan_words: tuple[regex.Pattern, ...] = ()
    target_headings: tuple[regex.Pattern, ...] = ()
    tables: dict = field(default_factory=dict)  # annex column roles and labels (tables.toml)
    prefilter: Prefilter | None = None          # which rules may match a sentence (extract/rulebook/prefilter.py)
    frames: FrameWords | None = None            # the words of claim frames (frames.toml)

    def rule(self, code: str) -> Rule:
        return next(r for r in self.rules if r.code == code)


def _alternation(forms) -> str:
    """Regex alternation of literal forms, longest first so 'tỷ đồng' beats 'tỷ' (the same source every run)."""
    return "|".join(regex.escape(f).replace(r"\ ", r"\s+") for f in sorted(set(forms), key=lambda f: (-len(f), f)))


UNIT_KEYS = {"unit", "kind", "forms", "scale", "examples"}
# An example of a unit: "<number> <printed unit> = <value in base units> <facts.unit>".
UNIT_EXAMPLE = regex.compile(r"(?P<number>\d[\d.,]*)\s*(?P<printed>.+?)\s+=\s+(?P<value>\S+)\s+(?P<unit>.+)")


def check_lexicon(data: dict, text: str) -> list[str]:
    """Problems of lexicon.toml's units, kinds and change words, as 'lexicon.toml:line: …'."""
    problems = []
    kinds = data.get("kinds", {})
    where = lambda key: f"lexicon.toml:{(_key_lines(text, key) or [1])[0]}"  # noqa: E731
    for kind, spec in kinds.items():
        if (not isinstance(spec, dict) or "exact" not in spec or not set(spec) <= {"exact", "sums"}
                or not all(isinstance(v, bool) for v in spec.values())):
            problems.append(f"{where(kind)}: kind {kind!r} needs `exact = true` or `exact = false` "
                            f"(and may say `sums = false`)")
    if "per_kind" in data and data["per_kind"] not in kinds:
        problems.append(f"{where('per_kind')}: per_kind {data['per_kind']!r} is not one of the [kinds] {sorted(kinds)}")
    if not isinstance(data.get("unknown_exact", True), bool):
        problems.append(f"{where('unknown_exact')}: unknown_exact must be true or false")
    headers = _key_lines(text, "[[units]]")
    seen_kind = {}
    for number, entry in enumerate(data.get("units", [])):
        line = f"lexicon.toml:{headers[number] if number < len(headers) else 1}"
        name = entry.get("unit")
        for key in sorted(set(entry) - UNIT_KEYS):
            problems.append(f"{line}: unit {name!r} has unknown key {key!r}; known: {sorted(UNIT_KEYS)}")
        for key in ("unit", "kind", "forms"):
            if not entry.get(key):
                problems.append(f"{line}: unit {name!r} has no {key!r}")
        kind = entry.get("kind")
        if kind and kind not in kinds:
            problems.append(f"{line}: unit {name!r} has unknown kind {kind!r}; one of the [kinds] {sorted(kinds)}")
        if name and kind and seen_kind.setdefault(name, kind) != kind:
            problems.append(f"{line}: unit {name!r} is of kind {kind!r} here but {seen_kind[name]!r} in another entry")
        try:
            Decimal(entry.get("scale", "1"))
        except (ArithmeticError, TypeError, ValueError):
            problems.append(f"{line}: unit {name!r} has a scale that is not a number: {entry.get('scale')!r}")
        examples = entry.get("examples")
        if not examples:
            problems.append(f"{line}: unit {name!r} needs examples: "
                            f"[\"<number> <printed unit> = <value in base units> <unit>\", …]")
        for example in examples or ():
            if not isinstance(example, str) or not UNIT_EXAMPLE.fullmatch(example):
                problems.append(f"{line}: unit {name!r} example {example!r} does not read "
                                f"'<number> <printed unit> = <value in base units> <unit>'")
    if not data.get("changes"):
        problems.append("lexicon.toml:1: no [[changes]]: the {change} placeholder needs the words for a change")
    for entry in data.get("changes", []):
        if not entry.get("change") or not entry.get("forms"):
            problems.append(f"{where('[[changes]]')}: a [[changes]] entry needs `change` and `forms`")
    return problems


def _key_lines(text: str, key: str) -> list[int]:
    """Lines where `key` starts a line of a TOML file: a key ("per_kind") or a header ("[[units]]")."""
    escaped = regex.escape(key).replace(r"\ ", r"\s*")
    follows = r"\s*$" if key.startswith("[") else r"\s*="
    return [text.count("\n", 0, m.start()) + 1 for m in regex.finditer(rf"(?m)^[ \t]*{escaped}{follows}", text)]


def _unit_entries(data: dict, text: str) -> tuple[UnitEntry, ...]:
    headers = _key_lines(text, "[[units]]")
    return tuple(UnitEntry(e["unit"], e["kind"], tuple(e["forms"]), Decimal(e.get("scale", "1")),
                           tuple(e.get("examples", ())), headers[i] if i < len(headers) else 1)
                 for i, e in enumerate(data.get("units", [])))


def build_lexicon(data: dict, text: str = "") -> Lexicon:
    units, scales, bases, changes = {}, {}, {}, {}
    for entry in data.get("units", []):
        for form in entry["forms"]:
            units[form.lower()] = (entry["unit"], entry["kind"], Decimal(entry.get("scale", "1")))
    for entry in data.get("changes", []):
        for form in entry["forms"]:
            changes[form.lower()] = entry["change"]
    for entry in data.get("scales", []):
        for form in entry["forms"]:
            scales[form.lower()] = Decimal(entry["factor"])
    for entry in data.get("bases", []):
        for form in entry["forms"]:
            bases[form.lower()] = entry["base"]
    end = r"(?![\p{L}\p{M}\d])"
    unit_alt = _alternation(f for e in data.get("units", []) if e["kind"] != "percent" for f in e["forms"])
    scale_alt = _alternation(scales)
    per_alt = _alternation(data.get("per", []))
    base_alt = _alternation(bases)
    suffix_alt = _alternation(data.get("base_suffixes", []))
    pieces = {
        # Generous: any run of digits with '.' or ',' between; parse_vn_number decides.
        "num": r"(?<![\d.,])\d++(?:[.,]\d++)*+(?![.,]\d)",
        "scale": rf"(?i:(?:{scale_alt})){end}",
        "unit": rf"(?i:(?:(?:{scale_alt})\s*)?(?:{unit_alt})(?:/(?:{per_alt}))?{end}|(?:{scale_alt}){end})",
        "basis": rf"(?i:(?:{base_alt}){end}(?:\s+(?:{suffix_alt}){end})*(?:\s+(?:19|20)\d\d(?!\d))?)",
        # not inside a word: "ngân sách nhà nước 10.367" holds no "ước"
        "qualifier": rf"(?<![\p{{L}}\p{{M}}])(?i:{_alternation(data.get('qualifiers', {}))}){end}",
        "change": rf"(?i:{_alternation(changes)})",
        "comparator": _alternation(data.get("comparators", {})),
        "year": r"(?:19|20)\d\d(?!\d)",
    }
    triggers = data.get("breakdown_triggers", [])
    trigger_pattern = compile_pattern("|".join(f"(?:{t})" for t in triggers), regex.I) if triggers else None
    counts = {kind: compile_pattern(pattern, regex.I) for kind, pattern in data.get("indicator_counts", {}).items()}
    structures = data.get("structure_triggers", [])
    structure_pattern = compile_pattern("|".join(f"(?:{t})" for t in structures), regex.I) if structures else None
    return Lexicon(units, scales, bases, dict(data.get("qualifiers", {})),
                   dict(data.get("comparators", {})), pieces, trigger_pattern, counts, structure_pattern,
                   kinds={kind: spec["exact"] for kind, spec in data.get("kinds", {}).items()},
                   not_summed=frozenset(kind for kind, spec in data.get("kinds", {}).items() if not spec.get("sums", True)),
                   unit_kinds={e["unit"]: e["kind"] for e in data.get("units", [])},
                   per_kind=data.get("per_kind"), unknown_exact=data.get("unknown_exact", True),
                   changes=changes, entries=_unit_entries(data, text))


def _toml_problem(name: str, source: str, exc: tomllib.TOMLDecodeError) -> str:
    r"""tomllib's message as 'file:line: invalid TOML: …' (it ends its message with the position).

    >>> _toml_problem("RT01_x.toml", "a = 1\nb = [x\n", tomllib.TOMLDecodeError("Invalid value (at line 2, column 6)"))
    'RT01_x.toml:2: invalid TOML: Invalid value (column 6)'
    """
    message = str(exc)
    if at := re.search(r"\s*\(at line (\d+), column (\d+)\)$", message):
        return f"{name}:{at[1]}: invalid TOML: {message[:at.start()]} (column {at[2]})"
    return f"{name}:{source.count(chr(10)) + 1}: invalid TOML: {message}"   # "… (at end of document)"


def _line_of(source: str, needle: str, default: int = 1) -> int:
    index = source.find(needle)
    return source.count("\n", 0, index) + 1 if index >= 0 else default


def _expand(pattern: str, pieces: dict) -> str:
    """Replace {name} placeholders; unknown names raise KeyError."""
    out, i = [], 0
    for m in regex.finditer(r"\{([a-z_]+)\}", pattern):
        out.append(pattern[i:m.start()])
        out.append(f"(?:{pieces[m.group(1)]})")
        i = m.end()
    out.append(pattern[i:])
    return "".join(out)


def _load_rule(path: Path, lexicon: Lexicon, problems: list[str]) -> Rule | None:
    text = path.read_text(encoding="utf-8")
    where = lambda key, default=1: f"{path.name}:{_line_of(text, key, default)}"  # noqa: E731
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.append(_toml_problem(path.name, text, exc))
        return None
    before = len(problems)
    for key in sorted(set(data) - RULE_KEYS):
        problems.append(f"{where(key)}: unknown key {key!r}")
    for key in ("code", "name", "kind", "priority", "summary", "pattern"):
        if key not in data:
            problems.append(f"{path.name}:1: missing key {key!r}")
    if len(problems) > before:
        return None
    code = data["code"]
    if not path.stem.startswith(code + "_"):
        problems.append(f"{where('code')}: code {code!r} does not match the file name {path.name}")
    if code[:2] not in CODE_FAMILIES:
        problems.append(f"{where('code')}: code {code!r} is not in a known family {sorted(CODE_FAMILIES)}")
    if data["kind"] not in KINDS:
        problems.append(f"{where('kind')}: unknown kind {data['kind']!r}; one of {sorted(KINDS)}")
    try:
        source = _expand(data["pattern"], lexicon.pieces)
        pattern = compile_pattern(SIMPLE_CASE_FOLDING + source, regex.VERBOSE | regex.V1)
        broad_source = _expand(data["pattern"], lexicon.pieces | BROADER_PIECES)
    except KeyError as exc:
        problems.append(f"{where('pattern')}: unknown placeholder {{{exc.args[0]}}}")
        return None
    except regex.error as exc:
        problems.append(f"{where('pattern')}: pattern does not compile: {exc}")
        return None
    for group in sorted(set(pattern.groupindex) - GROUP_FIELDS):
        problems.append(f"{where('pattern')}: unknown group (?P<{group}>…); known: {sorted(GROUP_FIELDS)}")
    cases = _load_cases(path.name, text, code, data, problems)
    return Rule(code, data["name"], data["kind"], int(data["priority"]), data["summary"],
                path.name, pattern, dict(data.get("fields", {})), tuple(cases), broad_source)


def _case_lines(source: str, kind: str) -> list[int]:
    """Lines of the [[examples]] (or [[counterexamples]]) headers of a rule file, in order."""
    header = f"[[{kind}s]]"
    return [number for number, line in enumerate(source.splitlines(), 1)
            if "".join(line.split("#", 1)[0].split()) == header]


def _load_cases(name: str, source: str, code: str, data: dict, problems: list[str]) -> tuple[Case, ...]:
    """The examples and counterexamples of a rule file, each with its line; what is wrong with them
    goes to `problems`.

    An example has a text, a `match` (the exact text of the fact it is about, or for a non-fact rule
    the text it masks: required) and the fields that fact must have; a counterexample only a text. Either may
    carry `xfail = "why"`: a known failure, which the tests expect to fail and loading does not run.
    """
    cases = []
    for kind in ("example", "counterexample"):
        entries = data.get(kind + "s", [])
        if not entries:
            problems.append(f"{name}:1: needs at least one [[{kind}s]] entry")
        if not isinstance(entries, list):
            continue
        lines = _case_lines(source, kind)
        if len(lines) != len(entries):   # written as an inline array: its key's line for all
            lines = [_line_of(source, f"{kind}s")] * len(entries)
        for number, (entry, line) in enumerate(zip(entries, lines), 1):
            where = f"{name}:{line}: {kind} {number}"
            if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
                problems.append(f"{where} has no text")
                continue
            allowed = {"text", "xfail"}
            if kind == "example":
                allowed |= {"match"} if data.get("kind") == "nonfact" else EXAMPLE_FIELDS
            for key in sorted(set(entry) - allowed):
                problems.append(f"{where} has unknown field {key!r}")
            xfail = entry.get("xfail")
            if xfail is not None and not (isinstance(xfail, str) and xfail.strip()):
                problems.append(f"{where}: xfail must say why it fails, as a string")
            match = entry.get("match")
            if kind == "example" and match is None:
                what = "it masks" if data.get("kind") == "nonfact" else "of the fact it is about"
                problems.append(f"{where} has no match: add match = \"…\", the exact text {what}")
            elif match is not None and not (isinstance(match, str) and match in entry["text"]):
                problems.append(f"{where}: match {match!r} is not part of its text")
            expected = {k: v for k, v in entry.items() if k not in ("text", "xfail", "match")}
            cases.append(Case(code, kind, number, entry["text"], match, expected, xfail, name, line))
    return tuple(cases)


def load_rulebook(rules_dir: Path | str = RULES_DIR) -> Rulebook:
    """Read lexicon.toml and every rule file; raise RulebookError listing all problems.

    The compiled patterns of a rule set are kept between runs (extract/rulebook/patterns.py)."""
    rules_dir = Path(rules_dir)
    with kept_patterns(sorted(rules_dir.glob("*.toml"))):
        return _read_rulebook(rules_dir)


def _read_rulebook(rules_dir: Path) -> Rulebook:
    problems: list[str] = []
    digest = hashlib.sha256()
    try:
        lexicon_text = (rules_dir / "lexicon.toml").read_text(encoding="utf-8")
        lexicon_data = tomllib.loads(lexicon_text)
    except OSError as exc:
        raise RulebookError([f"lexicon.toml:1: cannot be read: {exc}"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise RulebookError([_toml_problem("lexicon.toml", lexicon_text, exc)]) from exc
    if lexicon_problems := check_lexicon(lexicon_data, lexicon_text):
        raise RulebookError(lexicon_problems)
    lexicon = build_lexicon(lexicon_data, lexicon_text)
    digest.update(lexicon_text.encode())
    rules, seen = [], {}
    for path in sorted(rules_dir.glob("[A-Z][A-Z][0-9][0-9]_*.toml")):
        digest.update(path.name.encode() + path.read_bytes())
        rule = _load_rule(path, lexicon, problems)
        if rule is None:
            continue
        if rule.code in seen:
            problems.append(f"{path.name}:1: duplicate code {rule.code!r} (also in {seen[rule.code]})")
            continue
        seen[rule.code] = path.name
        rules.append(rule)
    indicators, plan_words, target_headings = (), (), ()
    indicator_file = rules_dir / "indicators.toml"
    if indicator_file.exists():
        digest.update(indicator_file.read_bytes())
        indicators, plan_words, target_headings = _load_indicators(indicator_file, problems)
    tables = {}
    tables_file = rules_dir / "tables.toml"
    if tables_file.exists():
        digest.update(tables_file.read_bytes())
        tables = _load_tables(tables_file, problems, seen)
    frames = None
    frames_file = rules_dir / "frames.toml"
    if frames_file.exists():
        digest.update(frames_file.read_bytes())
        frames = load_frame_words(frames_file, problems)
    if problems:
        raise RulebookError(problems)
    rules.sort(key=lambda r: (-r.priority, r.code))
    prefilter = Prefilter(tuple(branch_sources(rule.pattern, rule.broad_source) or rule.broad_source
                                for rule in rules))
    return Rulebook(tuple(rules), lexicon, digest.hexdigest()[:12], indicators, plan_words, target_headings, tables,
                    prefilter, frames)


def _load_tables(path: Path, problems: list[str], rule_files: dict | None = None) -> dict:
    """The annex rows' rule code, column roles [(role, [header patterns])], and label -> assessment code.

    `rule_files` (code -> file name) are the rule files' codes, which the annex rows' code must not be."""
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.append(_toml_problem(path.name, text, exc))
        return {}
    codes = {}
    for key, what in (("code", "annex rows"), ("cell_code", "table cells"), ("difference_code", "difference cells")):
        code, line = data.get(key), (_key_lines(text, key) or [1])[0]
        if not isinstance(code, str) or not regex.fullmatch(r"[A-Z]{2}\d\d", code):
            problems.append(f"{path.name}:{line}: `{key}` (the rule code of {what}, two capitals and two "
                            f"digits such as \"TB01\") is missing or malformed: {code!r}")
        elif code in (rule_files or {}) or code in codes.values():
            problems.append(f"{path.name}:{line}: code {code!r} of the {what} is also the code of "
                            f"{(rule_files or {}).get(code) or 'other table facts'}")
        codes[key] = code
    columns = []
    for entry in data.get("columns", []):
        patterns = []
        for header in entry.get("headers", []):
            try:
                patterns.append(compile_pattern(header, regex.I))
            except regex.error as exc:
                problems.append(f"{path.name}:{_line_of(text, header)}: header pattern {header!r} does not compile: {exc}")
        columns.append((entry.get("column"), patterns))
    return codes | {"columns": columns, "labels": dict(data.get("labels", {}))}


def _compile_list(data: dict, key: str, text: str, path: Path, problems: list[str]) -> tuple[regex.Pattern, ...]:
    out = []
    for item in data.get(key, []):
        try:
            out.append(compile_pattern(item, regex.I | regex.M))
        except regex.error as exc:
            problems.append(f"{path.name}:{_line_of(text, key)}: {key} entry {item!r} does not compile: {exc}")
    return tuple(out)


def _load_indicators(path: Path, problems: list[str]) -> tuple:
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.append(_toml_problem(path.name, text, exc))
        return (), (), ()
    entries = data.get("indicators", [])
    plan_words = _compile_list(data, "plan_words", text, path, problems)
    target_headings = _compile_list(data, "target_headings", text, path, problems)
    out, seen = [], set()
    for entry in entries:
        key = entry.get("key")
        where = f"{path.name}:{_line_of(text, f'key = {key!r}'.replace(chr(39), chr(34)))}"
        if not key or key in seen:
            problems.append(f"{where}: indicator without a key or with a duplicate key {key!r}")
            continue
        seen.add(key)
        if entry.get("direction", "higher") not in ("higher", "lower"):
            problems.append(f"{where}: direction must be 'higher' or 'lower'")
        patterns = []
        for synonym in entry.get("synonyms", []):
            try:
                patterns.append(compile_pattern(synonym, regex.I))
            except regex.error as exc:
                problems.append(f"{where}: synonym {synonym!r} does not compile: {exc}")
        out.append(Indicator(key, entry.get("name", key), entry.get("direction", "higher"), tuple(patterns)))
    return tuple(out), plan_words, target_headings


def load_cases(rules_dir: Path | str = RULES_DIR) -> list[Case]:
    return [case for rule in load_rulebook(rules_dir).rules for case in rule.cases]


@lru_cache(maxsize=4)
def default_rulebook() -> Rulebook:
    """The rules of rules/, loaded once per process."""
    return load_rulebook(RULES_DIR)
