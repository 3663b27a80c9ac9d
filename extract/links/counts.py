"""Counting statements: "03 xã (Nà Phòn, Tân Lập, Khe Mo)" and "6/50 chỉ tiêu dự kiến không đạt".

  - An enumeration: a count of things followed by a bracket listing them by name (no figures in the
    list). The items are counted (`listed_count`; `listed_alt` when the last item
    may hold two joined by "và"), for the count check to compare.
  - A count of the report's own indicators: "<N> chỉ tiêu" followed by words that say which annex rows
    it counts (rules/lexicon.toml `indicator_counts`: not_met, met, rows) → `counts`.
"""
from __future__ import annotations

from dataclasses import replace

import regex

from extract.links.breakdowns import is_count
from extract.records import Document, Fact

MAX_GAP = 40  # words between the count and its bracket: "03 xã thuộc huyện (…)"
INTRODUCED = regex.compile(r"^\s*\*?\s*(?:bao\s+gồm|gồm|là|cụ\s+thể)\b", regex.I)


def listed_items(text: str) -> list[str]:
    """Items of a bracketed list of names, after an optional "gồm:".

    >>> listed_items("gồm: tiêu chí số 10 về Thu nhập; tiêu chí số 11 về Nghèo đa chiều")
    ['tiêu chí số 10 về Thu nhập', 'tiêu chí số 11 về Nghèo đa chiều']
    """
    text = regex.sub(r"^\s*(?:bao\s+gồm|gồm|là|cụ\s+thể)\s*[:,]?\s*", "", text.strip(" *"), flags=regex.I)
    separator = ";" if ";" in text else ","  # "diện tích sản xuất VietGAP, hữu cơ; tổng đàn trâu" is two items
    return [item.strip() for item in text.strip(" .;*").split(separator) if item.strip()]


def find_enumeration(fact: Fact, text: str, sentence_end: int, facts: list[Fact]) -> tuple[int, int] | None:
    """(items, items if the last 'A và B' counts as two) of the list right after a count, or None."""
    if fact.value is None or fact.kind != "value" or not is_count(fact):
        return None
    opening = text.find("(", fact.char_end, min(fact.char_end + MAX_GAP, sentence_end))
    if opening < 0 or regex.search(r"\d", text[fact.char_end:opening]):
        return None
    closing = text.find(")", opening, sentence_end)
    if closing < 0 or "(" in text[opening + 1:closing]:
        return None
    if any(opening < f.char_start < closing for f in facts if f.value is not None or f.percent is not None):
        return None
    inside = text[opening + 1:closing]
    items = listed_items(inside)
    if len(items) < 2 or any(len(item.split()) > 12 for item in items):
        return None
    # a list of kinds ("14 đợt thiên tai (mưa lớn, dông lốc, …)") is not a list of the things counted:
    # count only lists introduced by "gồm"/"là" or made of names
    if not INTRODUCED.match(inside) and not all(item[:1].isupper() for item in items):
        return None
    last_parts = regex.split(r"\s+và\s+", items[-1])
    return len(items), len(items) - 1 + len(last_parts)


def mark_counts(document: Document, facts: list[Fact], indicator_counts: dict[str, regex.Pattern]) -> list[Fact]:
    """Add listed_count / counts to the facts that state them."""
    text = document.text
    ends = {s.index: s.end for s in document.sentences}
    out = []
    for fact in facts:
        end = ends.get(fact.sentence, len(text))
        enumeration = find_enumeration(fact, text, end, facts)
        if enumeration:
            fact = replace(fact, listed_count=enumeration[0], listed_alt=enumeration[1])
        if (fact.unit or "").lower() == "chỉ tiêu" and fact.kind in ("value", "fraction"):
            after = text[fact.char_end:end]
            what = next((kind for kind, pattern in indicator_counts.items() if pattern.match(after)), None)
            if what:
                fact = replace(fact, counts=what)
        out.append(fact)
    return out
