"""Link a figure in the text to the same indicator elsewhere: its annex row, or an earlier sentence.

The cross check (CK20) then compares the two figures. Two places are taken to speak of the same
indicator when
  - both print the same plan (within rounding) and their subjects share words, or
  - their subjects read alike (word overlap, `MIN_SIMILARITY`) and their units agree — a percent in
    the text against a "%" annex row, a value against a row of its unit;
the best candidate must clearly beat the next one, otherwise nothing is linked (no guess, no false alarm).
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from functools import lru_cache

import regex

from extract.records import Fact

# Words that say little about which indicator is meant.
COMMON = {"tỷ", "lệ", "số", "tổng", "các", "được", "và", "của", "trên", "địa", "bàn", "đạt", "là", "có", "năm",
          "học", "toàn", "thành", "phố", "huyện", "tỉnh", "xã", "kế", "hoạch", "kh", "thực", "hiện", "ước", "với",
          "trong", "đó", "cho", "theo", "đã", "về", "chỉ", "tiêu", "duy", "trì"}
MIN_SIMILARITY = 0.75
MIN_COVERAGE = 0.7
MIN_SHARED_WITH_PLAN = 0.34
MARGIN = 0.15
MAX_RATIO = 2  # without a shared plan, figures more than twice apart are different things, not a typo
TEXT_KINDS = ("ratio", "fraction", "value", "percent")
WORD_OR_NUMBER = regex.compile(r"[\p{L}\p{M}]+|\d+")
BOUNDS = ("above", "below", "at_least", "at_most", "approx", "approx_below")


@lru_cache(maxsize=16384)
def words(label: str | None) -> frozenset[str]:
    """Content words of a label, lower case; digits kept ("lớp 1" ≠ "lớp 6").

    Cached: every text figure is compared with every annex row, so a label is read many times.

    >>> sorted(words("Tỷ lệ huy động trẻ 6 tuổi vào lớp 1"))
    ['1', '6', 'huy', 'lớp', 'trẻ', 'tuổi', 'vào', 'động']
    """
    return frozenset(w for w in WORD_OR_NUMBER.findall((label or "").lower()) if w not in COMMON)


def similarity(a: set[str], b: set[str]) -> float:
    """Dice coefficient of two word sets."""
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def coverage(text_words: set[str], row_words: set[str]) -> float:
    """Share of the annex row's words found in the text's subject ("diện tích" covers 2/3 of "diện tích ngô")."""
    return len(text_words & row_words) / len(row_words) if row_words else 0.0


def _close(a: Decimal | None, b: Decimal | None) -> bool:
    if a is None or b is None or b == 0:
        return False
    return abs(a - b) <= Decimal("0.005") * abs(b)


def _comparable_unit(fact: Fact, row: Fact) -> str | None:
    """Which column of the text fact to compare with the annex actual: 'percent' or 'value'."""
    if row.unit == "%":
        return "percent" if fact.percent is not None and fact.kind in ("percent", "ratio") else None
    if fact.value is not None and (fact.unit == row.unit or row.unit is None or fact.unit is None):
        return "value"
    return None


def _plausible(here: Decimal | None, there: Decimal | None) -> bool:
    if here is None or there is None or here <= 0 or there <= 0:
        return False
    return 1 / MAX_RATIO <= here / there <= MAX_RATIO


def best_annex_row(fact: Fact, rows: list[Fact]) -> tuple[Fact, str] | None:
    subject = words(fact.label)
    scored = []
    for row in rows:
        column = _comparable_unit(fact, row)
        if column is None or row.value is None:
            continue
        row_words = words(row.label)
        score = similarity(subject, row_words)
        same_plan = column == "value" and fact.plan_source is None and _close(fact.plan, row.plan)
        alike = (score >= MIN_SIMILARITY and coverage(subject, row_words) >= MIN_COVERAGE and fact.part_of is None
                 and _plausible(fact.percent if column == "percent" else fact.value, row.value))
        if (same_plan and score >= MIN_SHARED_WITH_PLAN) or alike:
            scored.append((score + (1 if same_plan else 0), row, column))
    if not scored:
        return None
    scored.sort(key=lambda t: -t[0])
    if len(scored) > 1 and scored[0][0] - scored[1][0] < MARGIN:
        return None
    return scored[0][1], scored[0][2]


def rows_by_unit(rows: list[Fact]) -> dict:
    """Annex rows with an actual figure, by unit, with their positions (once per report, not per figure)."""
    index: dict = {}
    for position, row in enumerate(rows):
        if row.value is not None:
            index.setdefault(row.unit, []).append((position, row))
    return index


def candidate_rows(fact: Fact, index: dict) -> list[Fact]:
    """The annex rows in a unit `_comparable_unit` can accept for this fact, in report order."""
    picks = []
    if fact.percent is not None and fact.kind in ("percent", "ratio"):
        picks += index.get("%", [])
    if fact.value is not None:
        if fact.unit is None:
            picks += [pair for unit, pairs in index.items() if unit != "%" for pair in pairs]
        else:
            picks += (index.get(fact.unit, []) if fact.unit != "%" else []) + index.get(None, [])
    return [row for _, row in sorted(picks, key=lambda pair: pair[0])]


def best_earlier_text(fact: Fact, earlier: list[Fact]) -> Fact | None:
    """An earlier figure of the same indicator with the same plan: the same claim printed twice."""
    if fact.plan is None or fact.value is None or fact.plan_source is not None:
        return None
    subject = words(fact.label)
    for other in reversed(earlier):
        if (other.indicator == fact.indicator and other.unit == fact.unit and _close(other.plan, fact.plan)
                and other.plan_source is None and other.value is not None
                and similarity(subject, words(other.label)) >= MIN_SHARED_WITH_PLAN):
            return other
    return None


YEAR = regex.compile(r"\b(?:năm|cùng\s+kỳ)\s+((?:19|20)\d\d)\b", regex.I)


def about_another_year(fact: Fact, text: str, clause_start: int, year: int | None) -> bool:
    """"năm 2022 đạt 1.200 ha" in a 2023 report speaks of last year: not the annex's figure."""
    if year is None:
        return False
    before = text[max(clause_start, fact.char_start - 60):fact.char_start]
    return any(int(y) != year for y in YEAR.findall(before))


def link_same_indicator(facts: list[Fact], text: str = "", sentence_starts: dict | None = None,
                        year: int | None = None) -> list[Fact]:
    """Mark text facts with the place (`same_as`) that prints the same indicator."""
    rows = [f for f in facts if f.kind == "annex_row"]
    sentence_starts = sentence_starts or {}
    by_unit = rows_by_unit(rows)
    out, earlier = [], {}  # earlier text figures by (indicator, unit): the only ones best_earlier_text takes
    for fact in sorted(facts, key=lambda f: f.char_start):
        # thresholds ("≥ 95%", "trên 94%"), targets, changes ("giảm 38 vụ") and other years are not
        # the levels the annex prints
        if (fact.kind in TEXT_KINDS and fact.status != "chỉ tiêu" and fact.flag is None and fact.change is None
                and fact.comparator is None and fact.qualifier not in BOUNDS
                and not about_another_year(fact, text, sentence_starts.get(fact.sentence, 0), year)):
            found = best_annex_row(fact, candidate_rows(fact, by_unit))
            if found is not None:
                row, column = found
                fact = replace(fact, same_as=row.key, same_as_column=column)
            else:
                other = best_earlier_text(fact, earlier.get((fact.indicator, fact.unit), []))
                if other is not None:
                    fact = replace(fact, same_as=other.key, same_as_column="value")
            earlier.setdefault((fact.indicator, fact.unit), []).append(fact)
        out.append(fact)
    return out
