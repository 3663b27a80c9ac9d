"""Give each fact an indicator key, period and status, so the same indicator lines up across places.

The synonyms and directions live in rules/indicators.toml; this module only applies them.
"""
from __future__ import annotations

import unicodedata
from dataclasses import replace
from functools import lru_cache

import regex

from extract.rulebook.prefilter import IGNORE_CASE, Prefilter
from extract.records import Document, Fact
from extract.rulebook import Rulebook
from extract.rulebook.scan import UNSPLITTABLE

ESTIMATE = regex.compile(r"\b(?:ước|dự\s+ước|dự\s+kiến)\b", regex.I)
PERIOD_IN_TEXT = regex.compile(r"\b(\d{1,2})\s+tháng(?:\s+(?:đầu\s+)?năm)?\b", regex.I)


def indicator_key(label: str | None, indicators: tuple) -> str | None:
    r"""Normalised indicator key of a label: a synonym's key, else the label folded to ASCII words.

    >>> from extract.rulebook import Indicator
    >>> budget = Indicator("thu_ngan_sach", "Thu ngân sách", "higher", (regex.compile("thu\\s+ngân\\s+sách", regex.I),))
    >>> indicator_key("Thu ngân sách nhà nước trên địa bàn", (budget,))
    'thu_ngan_sach'
    >>> indicator_key("Diện tích chuyển đổi cơ cấu cây trồng", ())
    'dien_tich_chuyen_doi_co_cau_cay_trong'
    """
    if not label:
        return None
    key = first_indicator(label, indicators)
    return key if key is not None else slug(label)


def first_indicator(label: str, indicators: tuple) -> str | None:
    """Key of the first indicator (in file order) with a synonym in the label, else None.

    Most labels name no listed indicator: one Hyperscan pass over the label (extract/rulebook/prefilter.py)
    says which indicators may be named, and only their synonyms are searched."""
    prefilter = synonym_prefilter(indicators)
    candidates = prefilter.candidates(label, 0, len(label))
    if len(candidates) == len(indicators):  # no Hyperscan: one search with every synonym rules most labels out
        anything = any_synonym(indicators)
        if anything is not None and anything.search(label) is None:
            return None
    for position in sorted(candidates):
        if any(p.search(label) for p in indicators[position].synonyms):
            return indicators[position].key
    return None


_PER_INDICATORS: dict[tuple[str, int], tuple] = {}


def _once_per_indicators(kind: str, indicators: tuple, build):
    """build(indicators), made once per indicators tuple (kept, so its id is not reused)."""
    cached = _PER_INDICATORS.get((kind, id(indicators)))
    if cached is None or cached[0] is not indicators:
        cached = (indicators, build(indicators))
        _PER_INDICATORS[(kind, id(indicators))] = cached
    return cached[1]


def synonym_prefilter(indicators: tuple) -> Prefilter:
    """A prefilter with one expression per indicator: all its synonyms, read case-insensitively."""
    return _once_per_indicators("prefilter", indicators, lambda indicators: Prefilter(
        tuple("|".join(f"(?:{p.pattern})" for p in i.synonyms) or "(?!)" for i in indicators), IGNORE_CASE))


def any_synonym(indicators: tuple) -> regex.Pattern | None:
    """One pattern that finds a label iff some synonym does; None if unsafe."""
    return _once_per_indicators("any", indicators,
                                lambda indicators: _join_synonyms([p for i in indicators for p in i.synonyms]))


def _join_synonyms(patterns: list) -> regex.Pattern | None:
    flags = {p.flags for p in patterns}
    if not patterns or len(flags) > 1 or any(UNSPLITTABLE.search(p.pattern) for p in patterns):
        return None
    try:
        return regex.compile("|".join(f"(?:{p.pattern})" for p in patterns), flags.pop())
    except regex.error:
        return None


@lru_cache(maxsize=16384)
def slug(text: str) -> str:
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    words = regex.findall(r"[a-z0-9]+", ascii_text)
    return "_".join(words[:10]) or None


def assign_indicators(facts: list[Fact], document: Document, rulebook: Rulebook, info: dict) -> list[Fact]:
    """Fill indicator, period and status on every fact from its label, sentence and section.

    Facts share sentences, heading paths and labels: what depends only on those is worked out once."""
    sentences = {s.index: s for s in document.sentences}
    headings_above = heading_index(document)
    year = info.get("year")
    title_period = PERIOD_IN_TEXT.search(info.get("title") or "")
    directions = {i.key: i.direction for i in reversed(rulebook.indicators)}  # the first of a key wins
    periods: dict[int | None, regex.Match | None] = {}
    estimates: dict[int | None, int | None] = {}   # sentence -> end of its first "ước", if any
    targets: dict[tuple, tuple[bool, int | None]] = {}
    keys: dict[str | None, str | None] = {}
    known = frozenset(i.key for i in rulebook.indicators)

    def key_of(text: str | None) -> str | None:
        if text not in keys:
            keys[text] = indicator_key(text, rulebook.indicators)
        return keys[text]

    out = []
    for fact in facts:
        sentence = sentences.get(fact.sentence)
        heading_path = headings_above(fact.char_start)
        if heading_path not in targets:
            targets[heading_path] = (any(p.search(h) for p in rulebook.target_headings for h in heading_path),
                                     _heading_year(" / ".join(heading_path)))
        under_target, target_year = targets[heading_path]
        is_target = fact.kind != "annex_row" and under_target
        if fact.sentence not in periods:
            text = document.text[sentence.start:sentence.end] if sentence else ""
            periods[fact.sentence] = PERIOD_IN_TEXT.search(text) or title_period
            first = ESTIMATE.search(text)
            estimates[fact.sentence] = sentence.start + first.end() if first else None
        period_match = periods[fact.sentence]
        period = f"{period_match.group(1)} tháng" if period_match else "năm"
        period_year = target_year if is_target and target_year else year
        if period_year:
            period = f"{period} {period_year}"
        status = fact_status(fact, estimates[fact.sentence], is_target, rulebook)
        indicator = fact_indicator(fact, rulebook, key_of, known)
        out.append(replace(fact, indicator=indicator, period=period, status=status,
                           direction=directions.get(indicator, "higher")))
    return out


def fact_indicator(fact: Fact, rulebook: Rulebook, key_of=None, known: frozenset[str] | None = None) -> str | None:
    """Indicator of a fact: its label first; else the words printed around its numbers ("4.086 hộ kinh doanh").

    `key_of(text)` is indicator_key with the rulebook's indicators and `known` their keys (a report's
    facts share labels: assign_indicators passes a memoised key_of, and the keys once)."""
    key_of = key_of or (lambda text: indicator_key(text, rulebook.indicators))
    known = known if known is not None else frozenset(i.key for i in rulebook.indicators)
    by_label = key_of(fact.label)
    if fact.label and by_label in known:
        return by_label
    around = key_of(f"{fact.label or ''} {fact.raw}")
    return around if around in known else by_label


def fact_status(fact: Fact, estimate_end: int | None, is_target: bool, rulebook: Rulebook) -> str:
    """chỉ tiêu (a target for next year), kế hoạch (a plan or allocation), ước thực hiện or thực hiện.

    `estimate_end` is where the sentence's first "ước" (dự ước, dự kiến) ends: a fact after it is an
    estimate. Passing the offset, not the text before the fact, keeps a sentence of n figures linear."""
    if is_target:
        return "chỉ tiêu"
    if fact.kind == "value" and fact.label and any(p.search(fact.label) for p in rulebook.plan_words):
        return "kế hoạch"
    return "ước thực hiện" if estimate_end is not None and estimate_end <= fact.char_start else "thực hiện"


YEAR = regex.compile(r"\b(?:19|20)\d\d\b")


def _heading_year(headings: str) -> int | None:
    years = YEAR.findall(headings)
    return int(years[-1]) if years else None


def heading_index(document: Document):
    """A lookup offset -> the heading texts above it, outermost first (computed once per document)."""
    import bisect
    titles: dict[str, str] = {}
    starts, paths = [], []
    for block in document.blocks:
        if block.kind == "heading":
            titles[block.section] = document.text[block.start:block.end]
        chain, path = [], ""
        for label in block.section.split(" > ") if block.section else []:
            path = f"{path} > {label}" if path else label
            if path in titles:
                chain.append(titles[path])
        starts.append(block.start)
        paths.append(tuple(chain))

    def headings_above(offset: int) -> tuple[str, ...]:
        i = bisect.bisect_right(starts, offset) - 1
        return paths[i] if i >= 0 else ()
    return headings_above
