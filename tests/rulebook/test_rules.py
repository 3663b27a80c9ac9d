"""Every rule file's examples and counterexamples, one test each, run by the runner that ingest,
reextract and `rules` use before they accept a rule set (extract/cases.py)."""
import pytest

from extract.cases import explain_case
from extract.rulebook import default_rulebook, load_cases

CASES = [pytest.param(case, id=case.id,
                      marks=[pytest.mark.xfail(reason=case.xfail, strict=True)] if case.xfail else [])
         for case in load_cases()]


@pytest.mark.parametrize("case", CASES)
def test_rule_case(case):
    why = explain_case(case, default_rulebook())
    assert why is None, f"{case.where}: {case.id} does not hold: {why}"
