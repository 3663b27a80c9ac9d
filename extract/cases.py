"""Run every rule file's examples and counterexamples, so that a rule that no longer does what its
own examples say is refused before an ingest starts, with file and line.

The 112 cases of the rule set run in about 0.1 s, a tenth of loading the rules, so ingest runs
them every time rather than remembering which files were checked. tests/rulebook/test_rules.py runs the
same cases one by one, with strict xfail for the known failures (`xfail = "…"`), which are
skipped here.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

from extract.facts.engine import extract_from_text
from extract.rulebook import RULES_DIR, Case, Rulebook, RulebookError, load_rulebook

NUMERIC = {"value", "plan", "percent", "value_high", "percent_decimals"}


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
    """Why a case does not hold, or None when it does."""
    rule = rulebook.rule(case.rule)
    if rule.kind == "nonfact":
        found = [m.group(0) for m in rule.pattern.finditer(case.text)]
        if case.kind == "counterexample":
            return f"should not match, but matches {found}" if found else None
        if not found:
            return "does not match"
        want = case.expected.get("match")
        return None if want is None or want in found else f"matches {found}, expected {want!r}"
    facts, _ = extract_from_text(case.text, rulebook, only=case.rule)
    if case.kind == "counterexample":
        return f"should find nothing, but finds {[f.raw for f in facts]}" if facts else None
    if "match" in case.expected:
        facts = [f for f in facts if f.raw == case.expected["match"]]
    if len(facts) != 1:
        return f"should find one fact, finds {[f.raw for f in facts]}"
    for field, want in case.expected.items():
        got = facts[0].raw if field == "match" else getattr(facts[0], field, None)
        if not same_value(field, got, want):
            return f"{field} is {got!r}, expected {want!r}"
    return None


def case_line(source: str, case: Case) -> int:
    """Line of the case's [[examples]] / [[counterexamples]] header in its rule file (1 if not found)."""
    header = f"[[{case.kind}s]]"
    seen = 0
    for number, line in enumerate(source.splitlines(), 1):
        if line.strip() == header:
            seen += 1
            if seen == case.number:
                return number
    return 1


def check_examples(rulebook: Rulebook, rules_dir: Path = RULES_DIR) -> list[str]:
    """Every case that does not hold, as 'file:line: rule example n: why'."""
    problems = []
    for rule in rulebook.rules:
        source = None
        for case in rule.cases:
            if case.xfail:
                continue
            why = explain_case(case, rulebook)
            if why:
                source = source if source is not None else (Path(rules_dir) / rule.source).read_text(encoding="utf-8")
                problems.append(f"{rule.source}:{case_line(source, case)}: {rule.code} {case.kind} {case.number} "
                                f"does not hold: {why}")
    return problems


def load_checked_rulebook(rules_dir: Path | None = None) -> Rulebook:
    """load_rulebook, then every example run: RulebookError lists every case that fails."""
    rules_dir = Path(rules_dir) if rules_dir else RULES_DIR
    rulebook = load_rulebook(rules_dir)
    if problems := check_examples(rulebook, rules_dir):
        raise RulebookError(problems)
    return rulebook
