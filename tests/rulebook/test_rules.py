"""Every rule file's examples and counterexamples, run by one generic runner (Duckling-style)."""
from decimal import Decimal

import pytest

from extract.rulebook import default_rulebook
from extract.facts.engine import extract_from_text
from extract.rulebook import load_cases

NUMERIC = {"value", "plan", "percent", "value_high", "percent_decimals"}


def _cases():
    for case in load_cases():
        marks = [pytest.mark.xfail(reason=case.xfail, strict=True)] if case.xfail else []
        yield pytest.param(case, id=case.id, marks=marks)


def _same(field, got, want):
    if field in NUMERIC:
        return got is not None and Decimal(str(got)) == Decimal(want)
    return str(got) == want


@pytest.mark.parametrize("case", list(_cases()))
def test_rule_case(case):
    rule = default_rulebook().rule(case.rule)
    if rule.kind == "nonfact":
        matches = [m.group(0) for m in rule.pattern.finditer(case.text)]
        if case.kind == "counterexample":
            assert not matches, f"{case.id} should not match, got {matches}"
        else:
            assert matches, f"{case.id}: no match in {case.text!r}"
            assert "match" not in case.expected or case.expected["match"] in matches
        return
    facts, _ = extract_from_text(case.text, only=case.rule)
    if case.kind == "counterexample":
        assert facts == [], f"{case.id} should stay silent, got {[f.raw for f in facts]}"
        return
    if "match" in case.expected:
        facts = [f for f in facts if f.raw == case.expected["match"]]
    assert len(facts) == 1, f"{case.id}: expected one fact, got {[f.raw for f in facts]}"
    fact = facts[0]
    for field, want in case.expected.items():
        got = fact.raw if field == "match" else getattr(fact, field)
        assert _same(field, got, want), f"{case.id}: {field} = {got!r}, expected {want!r}"
