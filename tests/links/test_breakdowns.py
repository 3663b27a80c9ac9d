"""Breakdowns: which figures are the parts of a total (extract/links/breakdowns.py), read by the whole
per-document stage on invented sentences."""
from __future__ import annotations

from decimal import Decimal

from extract.document import process_document
from extract.facts.engine import document_from_text
from extract.rulebook import default_rulebook


def parts_of(text: str) -> dict[Decimal, list[Decimal]]:
    """Total's value -> the values of its parts."""
    facts = process_document(document_from_text(text), default_rulebook(), "sha").facts
    by_key = {f.key: f for f in facts}
    found: dict[Decimal, list[Decimal]] = {}
    for f in facts:
        if f.part_of is not None:
            found.setdefault(by_key[f.part_of].value, []).append(f.value)
    return found


def test_a_change_in_a_list_of_parts_is_no_part():
    text = ("Tổng vốn đầu tư 1.000 tỷ đồng, trong đó vốn ngân sách 800 tỷ đồng, tăng 50 tỷ đồng so với năm trước, "
            "vốn doanh nghiệp 200 tỷ đồng.")
    assert parts_of(text) == {Decimal("1000e9"): [Decimal("800e9"), Decimal("200e9")]}


def test_yields_of_the_seasons_are_no_parts_of_the_years_yield():
    text = ("Năng suất lúa bình quân cả năm 54,98 tạ/ha, gồm vụ xuân 58,2 tạ/ha, vụ mùa 52,5 tạ/ha. "
            "Diện tích lúa cả năm 12.300 ha, gồm vụ xuân 6.100 ha, vụ mùa 6.200 ha.")
    assert parts_of(text) == {Decimal("12300"): [Decimal("6100"), Decimal("6200")]}
