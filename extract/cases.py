"""The one runner of the rule files' examples and counterexamples. Every command that loads rules
(ingest, reextract, rules, pipeline.inspect) runs every case first and refuses the rule set, with
file and line, when one does not hold; tests/rulebook/test_rules.py runs the same cases one by one
(strict xfail for `xfail = "…"`, which the commands skip).

A case runs through the whole rulebook, as a report's sentence does, so it also fails when another
rule claims its text:
  - an example's `match` is the raw text of exactly one fact, made by the example's rule, with the
    example's fields. No fact of a rule of the same or a higher priority overlaps the match (that
    rule wins the text); a fact of a lower-priority rule may touch it only from inside: it reads a
    number the example's rule leaves free, such as the "giảm 4,7 ha" of a CH03 change, which is
    also a value of its own. Facts elsewhere in the text do not matter;
  - a counterexample yields no fact of its rule;
  - a non-fact rule's example masks its `match` (one of the rule's matches is exactly that text)
    and no fact touches it; its counterexample masks nothing.

The rule set's cases (120) run in about 0.1 s, less than loading the rules, so every command runs
them each time rather than remembering which files were checked.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

from extract.facts.engine import extract_from_text
from extract.facts.sentences import candidate_rules
from extract.records import Fact, Sentence
from extract.rulebook import Case, Rulebook, RulebookError, load_rulebook
from extract.rulebook.scan import finditer_overlapped

NUMERIC = {"value", "plan", "percent", "value_high", "percent_decimals", "percent_low", "delta"}


def same_value(field: str, got, want) -> bool:
    """Does a fact's field equal the example's string? Numbers compare as Decimals ("77.660" = "77.66").

    >>> same_value("percent", Decimal("77.660"), "77.66"), same_value("unit", "ha", "ha"), same_value("value", None, "1")
    (True, True, False)
    """
    if field in NUMERIC:
        try:
            return got is not None and Decimal(str(got)) == Decimal(str(want))
        except InvalidOperation:
            return False
    return str(got) == str(want)


def explain_case(case: Case, rulebook: Rulebook) -> str | None:
    """Why a case does not hold in the full rulebook, or None when it does.

    >>> from extract.rulebook import default_rulebook
    >>> rulebook = default_rulebook()
    >>> explain_case(Case("PC01", "example", 1, "Tổng đàn gia súc tăng 3,79% so với cùng kỳ", "3,79%", {}), rulebook)
    'no fact reads «3,79%»; the facts are: CH02 «tăng 3,79% so với cùng kỳ»'
    """
    rule = rulebook.rule(case.rule)
    facts, _ = extract_from_text(case.text, rulebook)
    if rule.kind == "nonfact":
        return _explain_mask(case, rulebook, facts)
    own = [f for f in facts if f.rule == case.rule]
    if case.kind == "counterexample":
        return f"should find nothing, but finds {_listed(own)}" if own else None
    if case.match is None:   # refused when the rules are loaded; a Case made by hand may lack it
        return "states no match"
    claimed = [f for f in facts if f.raw == case.match]
    if not claimed:
        return f"no fact reads «{case.match}»; the facts are: {_listed(facts) or 'none'}"
    if [f.rule for f in claimed] != [case.rule]:
        return f"«{case.match}» is read by {_listed(claimed)}, expected {case.rule} alone"
    fact = claimed[0]
    for other in facts:
        if other.rule == case.rule or not _overlap(other, fact):
            continue
        priority = rulebook.rule(other.rule).priority
        if priority >= rule.priority:
            return (f"{other.rule} (priority {priority}) reads «{other.raw}» over the match: it wins that "
                    f"text from {case.rule} (priority {rule.priority})")
        if not (fact.char_start <= other.char_start and other.char_end <= fact.char_end):
            return f"{other.rule} reads «{other.raw}» across the edge of the match"
    for field, want in case.expected.items():
        got = getattr(fact, field, None)
        if not same_value(field, got, want):
            return f"{field} is {_shown(got)}, expected {want!r}"
    return None


def _explain_mask(case: Case, rulebook: Rulebook, facts: list[Fact]) -> str | None:
    """A non-fact case: what the rule masks, through the engine's own prefilter and scan."""
    masked = _masks(case.text, case.rule, rulebook)
    if case.kind == "counterexample":
        return f"should mask nothing, but masks {_quoted(case.text, masked)}" if masked else None
    if case.match is None:
        return "states no match"
    spans = [(start, end) for start, end in masked if case.text[start:end] == case.match]
    if not spans:
        return f"does not mask «{case.match}»; masks {_quoted(case.text, masked) or 'nothing'}"
    start, end = spans[0]
    for fact in facts:
        if fact.char_start < end and start < fact.char_end:
            return f"{fact.rule} reads «{fact.raw}» over the masked «{case.match}»"
    return None


def _masks(text: str, code: str, rulebook: Rulebook) -> list[tuple[int, int]]:
    """Spans of `text` that rule `code` masks in the engine (extract/facts/sentences.py nonfact_spans)."""
    index = next(i for i, r in enumerate(rulebook.rules) if r.code == code)
    candidates = candidate_rules(text, Sentence(0, 0, len(text), "body", ""), rulebook)
    if candidates is not None and index not in candidates:
        return []
    branches = candidates[index] if candidates is not None else None
    return [m.span() for m in finditer_overlapped(rulebook.rules[index].pattern, text, 0, len(text), branches)]


def _overlap(a: Fact, b: Fact) -> bool:
    return a.char_start < b.char_end and b.char_start < a.char_end


def _listed(facts: list[Fact]) -> str:
    return ", ".join(f"{f.rule} «{f.raw}»" for f in facts)


def _quoted(text: str, spans: list[tuple[int, int]]) -> str:
    return ", ".join(f"«{text[start:end]}»" for start, end in spans)


def _shown(got) -> str:
    return str(got) if isinstance(got, Decimal) else repr(got)


def check_cases(rulebook: Rulebook) -> list[str]:
    """Every case that does not hold, as 'file:line: RT01 example 2 does not hold: why'.
    Known failures (`xfail`) are not run: the tests see to them."""
    return [f"{case.where}: {case.rule} {case.kind} {case.number} does not hold: {why}"
            for rule in rulebook.rules for case in rule.cases
            if not case.xfail and (why := explain_case(case, rulebook))]


def load_checked_rulebook(rules_dir: Path | str | None = None) -> Rulebook:
    """load_rulebook, then every case run: one RulebookError lists every case that does not hold.
    Every command that reads or extracts with the rules loads them here."""
    rulebook = load_rulebook(rules_dir) if rules_dir else load_rulebook()
    if problems := check_cases(rulebook):
        raise RulebookError(problems)
    return rulebook
