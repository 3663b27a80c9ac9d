"""The case runner (extract/cases.py) on cases made to fail: each case runs through the whole
rulebook, so a rule that loses its text to another one fails its own example."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from extract.cases import explain_case
from extract.rulebook import RULES_DIR, Case, default_rulebook, load_rulebook

CH03_TEXT = ("diện tích thiệt hại 26,8 ha (gồm: rừng trồng 24,5 ha, rừng tự nhiên 2,3 ha), "
             "giảm 4,7 ha so với năm 2022 (31,5 ha).")
CH03_MATCH = "giảm 4,7 ha so với năm 2022 (31,5 ha)"


def example(rule: str, text: str, match: str | None, **fields) -> Case:
    return Case(rule, "example", 1, text, match, fields)


def counterexample(rule: str, text: str) -> Case:
    return Case(rule, "counterexample", 1, text, None, {})


@pytest.fixture()
def rules(tmp_path) -> Path:
    copy = tmp_path / "rules"
    shutil.copytree(RULES_DIR, copy)
    return copy


def test_an_example_that_holds_in_the_full_rulebook():
    # a lower-priority rule reads the free delta "giảm 4,7 ha" inside the match as a value of its
    # own: CH03 won its text, so the example holds
    assert explain_case(example("CH03", CH03_TEXT, CH03_MATCH, delta="4.7", value="26.8"), default_rulebook()) is None


@pytest.mark.parametrize("case, why", [
    (example("PC01", "Tổng đàn gia súc tăng 3,79% so với cùng kỳ", "3,79%"),
     "no fact reads «3,79%»; the facts are: CH02 «tăng 3,79% so với cùng kỳ»"),
    (example("PC01", "Tổng đàn gia súc tăng 3,79% so với cùng kỳ", "tăng 3,79% so với cùng kỳ"),
     "«tăng 3,79% so với cùng kỳ» is read by CH02 «tăng 3,79% so với cùng kỳ», expected PC01 alone"),
    (example("FR01", "Xã Nông Thượng đã đạt 15/19 tiêu chí", "15/19 tiêu chí", plan="20"),
     "plan is 19, expected '20'"),
    (example("FR01", "Xã Nông Thượng đã đạt 15/19 tiêu chí", None), "states no match"),
    (counterexample("FR01", "Xã Nông Thượng đã đạt 15/19 tiêu chí"),
     "should find nothing, but finds FR01 «15/19 tiêu chí»"),
    (example("NF01", "đạt 259/269 hồ sơ", "259/269"), "does not mask «259/269»; masks nothing"),
    (example("NF01", "Dự kiến đến tháng 12/2023 đạt", "12/2023 đạt"),
     "does not mask «12/2023 đạt»; masks «tháng 12/2023», «12/2023»"),
    (counterexample("NF01", "Ước đến 31/12/2023 thu ngân sách"), "should mask nothing, but masks «31/12/2023»"),
], ids=["taken by a higher rule", "read by another rule", "a field", "no match", "a counterexample",
        "not masked", "masked otherwise", "a non-fact counterexample"])
def test_a_case_that_does_not_hold_says_why(case, why):
    assert explain_case(case, default_rulebook()) == why


def add_rule(rules: Path, code: str, priority: int, pattern: str, text: str) -> None:
    """A value rule of the given priority, with an example and a counterexample of its own."""
    (rules / f"{code}_test.toml").write_text(f"""
code     = "{code}"
name     = "value.test"
kind     = "value"
priority = {priority}
summary  = "a rule made for this test"
pattern  = '''{pattern}'''

[[examples]]
text  = "{text}"
match = "{text}"

[[counterexamples]]
text  = "không có số"
""", encoding="utf-8")


def test_a_rule_that_loses_an_overlap_fails_its_example(rules):
    """A rule above CH03 reads the change "giảm 4,7 ha": CH03 still finds its fact (on the previous
    figure, which is free), but it no longer owns its text."""
    add_rule(rules, "VA09", 60, r"giảm \s+ (?P<value>{num}) \s* (?P<unit>{unit})", "giảm 4,7 ha")
    why = explain_case(example("CH03", CH03_TEXT, CH03_MATCH), load_rulebook(rules))
    assert why == "VA09 (priority 60) reads «giảm 4,7 ha» over the match: it wins that text from CH03 (priority 51)"


def test_a_lower_rule_reading_across_the_edge_of_a_match_fails_it(rules):
    add_rule(rules, "VA09", 11, r"(?P<value>{num}) \s* (?P<unit>{unit}) \s* \( [^)]* \) , \s* giảm",
             "26,8 ha (gồm: 2,3 ha), giảm")
    why = explain_case(example("CH03", CH03_TEXT, CH03_MATCH), load_rulebook(rules))
    assert why == ("VA09 reads «26,8 ha (gồm: rừng trồng 24,5 ha, rừng tự nhiên 2,3 ha), giảm» "
                   "across the edge of the match")
