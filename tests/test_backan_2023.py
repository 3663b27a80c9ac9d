"""The main sample, end to end: every printed percent read once, every annex row a fact, no non-fact read
as a figure, and the inconsistencies the report contains found by the checks."""
from decimal import Decimal

import pytest
import regex

from extract.rulebook import default_rulebook
from extract.document import process_file

from conftest import SAMPLE_TXT


@pytest.fixture(scope="module")
def processed():
    return process_file(SAMPLE_TXT, default_rulebook(), "0" * 64)


def test_every_percent_in_text_and_footnotes_is_read_exactly_once(processed):
    document = processed.document
    percent_facts = [f for f in processed.facts if f.percent_raw is not None and f.kind != "annex_row"]
    annex_start = min(r.start for r in document.table_rows)
    for m in regex.finditer(r"%", document.text[:annex_start]):
        holders = [f for f in percent_facts if f.char_start <= m.start() < f.char_end]
        assert len(holders) == 1, (document.text[max(m.start() - 40, 0):m.end()], [f.raw for f in holders])


def test_every_annex_data_row_is_a_fact(processed):
    rows = [r for r in processed.document.table_rows if not r.header and len(r.cells) > 1 and r.cells[1].text]
    annex_facts = [f for f in processed.facts if f.kind == "annex_row"]
    assert len(annex_facts) == len(rows)
    budget = next(f for f in annex_facts if f.label.startswith("Thu ngân sách"))
    assert (budget.plan, budget.value, budget.unit, budget.assessment) == (260_000_000_000, 201_922_000_000, "VND", "Không đạt")
    ceiling = next(f for f in annex_facts if f.label.startswith("Tỷ lệ trẻ em dưới 5 tuổi suy dinh dưỡng"))
    assert (ceiling.comparator, ceiling.plan, ceiling.value) == ("<", 12, Decimal("11.4"))


NON_FACTS = [
    r"\d{1,2}/\d{1,2}/\d{4}",          # dates: 24/11/2023
    r"\d+/[A-ZĐ][\w-]*(?:/[\w-]+)*",     # document numbers: 277/TB-HĐND, 81/2021/NĐ-CP
    r"\d+-NQ/TU",                      # Nghị quyết số 29-NQ/TU
    r"tỷ lệ 1/\d[\d.]*",               # map scales
    r"ISO 9001:2015",
    r"năm (?:19|20)\d\d",              # years
    r"(?:19|20)\d\d\s*-\s*(?:19|20)\d\d",  # year ranges
    r"Covid-19", r"chợ 4\.0", r"Phân khu N2", r"kỳ họp thứ 7", r"lần thứ IV",
]


@pytest.mark.parametrize("pattern", NON_FACTS)
def test_no_non_fact_is_read_as_a_figure(processed, pattern):
    text = processed.document.text
    spans = [m.span() for m in regex.finditer(pattern, text)]
    assert spans, f"the sample should contain {pattern}"
    for fact in processed.facts:
        for group in ("value_raw", "plan_raw", "percent_raw"):
            raw = getattr(fact, group)
            if not raw or fact.kind == "annex_row":
                continue
            where = text.find(raw, fact.char_start, fact.char_end)
            assert not any(s <= where < e for s, e in spans), (pattern, fact.raw)


def test_no_figure_takes_digits_from_a_footnote_marker(processed):
    # "so với cùng kỳ⁶", "năm 2023¹⁶", "Ngân hàng²": the superscripts are markers, never digits
    for fact in processed.facts:
        for raw in (fact.value_raw, fact.plan_raw, fact.percent_raw):
            assert not regex.search(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]", raw or ""), fact.raw
    assert not any(f.value in (202316, 20236) for f in processed.facts)


def test_facts_know_indicator_period_and_status(processed):
    budget = next(f for f in processed.facts if f.raw.startswith("201,922/260"))
    assert (budget.indicator, budget.period, budget.status) == ("thu_ngan_sach", "năm 2023", "ước thực hiện")
    target = next(f for f in processed.facts if f.raw == "317 tỷ đồng")
    assert (target.status, target.period) == ("chỉ tiêu", "năm 2024")


def test_malformed_figures_are_kept_with_a_reason(processed):
    flagged = {f.raw: f.flag for f in processed.facts if f.flag}
    assert any("99,%" in raw for raw in flagged)
    assert any("2.596/10/361,8" in raw for raw in flagged)
