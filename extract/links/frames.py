"""Claim frames: a printed percent and the figure and base it was computed from, found by the grammar
of the clause around it (the words are data: rules/frames.toml).

A percent that its rule read without both numbers ("đạt 81,3% chỉ tiêu Bộ Tài chính giao (6.300 tỷ
đồng)", "chiếm 79% tổng thu", "(63%)") is completed here:
  - its relation comes from the words right before it: a share (đạt, bằng, chiếm, tỷ lệ …), an
    increase (vượt, tăng) or a decrease (giảm) against its base;
  - its figure (value) is the one its clause prints before it, skipping figures closed in brackets
    (the base of an earlier percent of a chain) and a base tied to a figure by "trên tổng số";
    or the figure after "tương đương"; or, when the clause prints none before, the one after it;
  - its base (plan) is, by certainty: the figure in brackets after its base words, or after "trên
    tổng số" / "trong tổng số"; the earlier figure whose words the base words name ("tổng thu",
    "kế hoạch vốn"); the base of the percent before it in the same list; and, when nothing names
    the base, the one earlier figure of the same unit in the paragraph.
Where several earlier figures could be the base and none is named, the percent keeps the one that
agrees with it (plan_source "agrees"): a figure that agrees is evidence of the pairing, one that does
not is none, so such a guess never becomes a mismatch. A percent whose figure or base cannot be
found is left as it was: the checks list it as unverifiable.

Each completed percent keeps where its numbers came from (value_from, plan_from, plan_source), so
the check (CK02) cites all three places.
"""
from __future__ import annotations

import bisect
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

import regex

from extract.facts.numbers import parse_number
from extract.facts.sentences import closed_bracket_between
from extract.records import Document, Fact
from extract.rulebook.frames import FrameWords, spaced

PERCENT_KINDS = ("percent", "share", "change", "ratio")
CUE_WINDOW = 40          # characters before a percent searched for its relation word
FIGURE_AFTER_CUE = 12    # characters between "tương đương" and its figure ("hơn ", "khoảng ")
WORD = regex.compile(r"[\p{L}\p{M}]+|\d+")
# Base words run from the percent to the end of its phrase: a bracket, a clause mark, a figure, a new verb.
BASE_WORDS = regex.compile(r"[^\d%;:()\[\],.]*")
# What lies between a percent's base words and the bracket holding its base: "… giao (6.300 tỷ đồng)",
# "…) so với cùng kỳ (8.860 tỷ đồng)" — no figure, percent or clause mark.
TO_BRACKET = regex.compile(r"[^\d%;()]{0,100}?(?:\)[^\d%;()]{0,60}?)?\(\s*(?P<inner>[^\d()%;]{0,40}?)\s*(?=\d)")
SAME_PARAGRAPH_SENTENCES = 4   # how far back an unnamed base is looked for
NAME_AFTER = 60                # characters after a figure that may name it
EARLIER_FIGURES = 400          # how many earlier figures a named base is looked for among (a long report's tail)


def percent_span(fact: Fact, text: str) -> tuple[int, int]:
    """Where the percent's number and its sign are, within the fact's text ("chiếm tỷ trọng 63,42%")."""
    if fact.percent_raw:
        m = regex.search(regex.escape(fact.percent_raw) + r"\s*%", text[fact.char_start:fact.char_end])
        if m:
            return fact.char_start + m.start(), fact.char_start + m.end()
    return fact.char_start, fact.char_end


def needs_frame(fact: Fact) -> bool:
    return (fact.percent is not None and fact.kind in PERCENT_KINDS and fact.flag is None and fact.comparator is None
            and fact.plan_source is None and (fact.value is None or fact.plan is None))


def prints_figure(fact: Fact) -> bool:
    """A fact whose figure is printed where it is, not borrowed from another fact ("5.120 tỷ đồng, đạt 81,3%"
    prints 5.120 tỷ đồng)."""
    return fact.value is not None and fact.value_from is None and fact.unit != "%" and fact.kind != "annex_row"


def relation_and_cue(fact: Fact, text: str, start: int, floor: int, words: FrameWords) -> tuple[str | None, str]:
    """(ratio / increase / decrease, the word that says so), from the words right before the percent;
    (None, "") when none states it. A percent alone in brackets after a figure ("60,5 tỷ đồng (63%)") is a
    share, its word "("; so is one followed by the name of a plan or a whole ("giải ngân 58,2% dự toán").
    """
    before = text[max(floor, start - CUE_WINDOW):start]
    m = words.relation_cue.search(before)
    cue = spaced(m.group("cue")) if m else ("(" if before.rstrip().endswith("(") else "")
    if fact.change in ("increase", "decrease"):
        return fact.change, cue
    if m:
        return words.relation_of[cue], cue
    if cue == "(" or fact.base in ("plan", "budget", "total"):   # "đã giải ngân 58,2% dự toán": a share of its base
        return "ratio", cue
    return None, ""


def in_clause(text: str, start: int, end: int) -> bool:
    """No clause mark (';') between two places of one sentence."""
    return ";" not in text[start:end]


def figure_after_cue(percent_end: int, figures: list[Fact], text: str, limit: int, words: FrameWords) -> Fact | None:
    """The figure that "tương đương" / "tương ứng" puts after the percent."""
    m = words.value_after.match(text, percent_end, limit)
    if not m:
        return None
    return next((f for f in figures if m.end() <= f.char_start <= m.end() + FIGURE_AFTER_CUE), None)


def figure_and_base_before(start: int, figures: list[Fact], text: str, words: FrameWords) -> tuple[Fact | None, Fact | None]:
    """(figure, base) printed before the percent in its clause: the nearest figure not closed in brackets;
    when the words before it tie it to the figure before as its base ("… trên tổng số 41.500 hộ"), that
    one is the figure and this one the base."""
    before = [f for f in figures if f.char_end <= start and in_clause(text, f.char_end, start)
              and not closed_bracket_between(text, f.char_end, start)]
    if not before:
        return None, None
    nearest = before[-1]
    if len(before) > 1 and words.part_of.match(text, before[-2].char_end, nearest.char_start):
        return before[-2], nearest
    return nearest, None


def part_before(fact: Fact, figures: list[Fact], text: str, words: FrameWords) -> Fact | None:
    """The figure a fact's own figure is the base of: "28.450 hộ trên tổng số [31.020 hộ, đạt tỷ lệ 91,7%]"."""
    before = [f for f in figures if f.char_end <= fact.char_start and in_clause(text, f.char_end, fact.char_start)]
    if before and words.part_of.match(text, before[-1].char_end, fact.char_start):
        return before[-1]
    return None


def figure_after(percent_end: int, figures: list[Fact], text: str, limit: int) -> Fact | None:
    """The first figure after the percent in its clause: "chiếm tỷ trọng 3,65%, đạt 118,9 triệu USD"."""
    return next((f for f in figures if percent_end <= f.char_start < limit and in_clause(text, percent_end, f.char_start)
                 and "(" not in text[percent_end:f.char_start]), None)


def base_in_brackets(percent_end: int, value: Fact, figures: list[Fact], text: str, limit: int,
                     words: FrameWords) -> Fact | None:
    """The figure in brackets after the percent's base words, in the unit of the percent's figure:
    "… chỉ tiêu phấn đấu (340.000 tỷ đồng)". A bracket that lists parts ("(trong đó …") or gives the
    figure ("(tương đương …") holds no base."""
    m = TO_BRACKET.match(text, percent_end, limit)
    if not m or words.value_after.match(text, m.start("inner") - 1, limit) or words.not_a_base.match(m.group("inner")):
        return None
    base = next((f for f in figures if f.char_start == m.end()), None)
    return base if base is not None and same_unit(base, value, words) else None


def base_phrase(percent_end: int, text: str, limit: int) -> str:
    """The words after a percent up to the end of its phrase: a bracket, a clause mark, a figure, a conjunction
    or a new verb ("… tổng mức và tăng 10,97%" -> " tổng mức")."""
    phrase = BASE_WORDS.match(text, percent_end, limit).group(0)
    return regex.split(r"\s(?:và|nhưng|song|do|vì|tăng|giảm|đạt|vượt)\s", " " + phrase + " ", maxsplit=1)[0]


def base_words(percent_end: int, text: str, limit: int, words: FrameWords) -> frozenset[str]:
    """The words naming the base after the percent, without openers, who set it, and common words:
    "% so với chỉ tiêu Bộ Tài chính giao" -> {"chỉ", "tiêu"}; "% trong tổng kim ngạch" -> {"tổng", "kim", "ngạch"}."""
    phrase = base_phrase(percent_end, text, limit)
    phrase = words.base_opener.sub("", phrase)
    phrase = words.base_qualifiers.sub(" ", phrase)
    return frozenset(w for w in WORD.findall(phrase.lower()) if w not in words.common_words)


def unit_words(fact: Fact, words: FrameWords) -> frozenset[str]:
    """The words of a figure's counted noun and its synonyms, and "tổng": "tổng số HTX" names the whole of
    what "18 HTX" counts, no particular earlier figure."""
    if not fact.unit or fact.unit_kind != "count":
        return frozenset()
    noun = words.noun_of.get(spaced(fact.unit), spaced(fact.unit))
    nouns = [n for n, first in words.noun_of.items() if first == noun] or [noun]
    return frozenset(w for n in nouns for w in WORD.findall(n)) | {"tổng"}


def figure_words(fact: Fact, text: str, words: FrameWords) -> frozenset[str]:
    """What names a figure: its label, and the words right after it in its phrase ("96.400 ha đất nông
    nghiệp")."""
    after = BASE_WORDS.match(text, fact.char_end, min(len(text), fact.char_end + NAME_AFTER)).group(0)
    return frozenset(w for w in WORD.findall(f"{fact.label or ''} {after}".lower()) if w not in words.common_words)


def same_unit(a: Fact, b: Fact, words: FrameWords | None = None) -> bool:
    """Same unit, counting nouns that name the same things alike ("HTX", "hợp tác xã")."""
    if a.unit is None or b.unit is None:
        return False
    if a.unit == b.unit:
        return True
    noun_of = words.noun_of if words is not None else {}
    first, second = spaced(a.unit), spaced(b.unit)
    return noun_of.get(first, first) == noun_of.get(second, second)


def agrees(value: Decimal, plan: Decimal, percent: Decimal, decimals: int | None, relation: str) -> bool:
    """Does the percent, rounded as printed, follow from value and plan? (The pairing test of a guessed base.)

    >>> agrees(Decimal(41), Decimal(512), Decimal(8), 0, "ratio"), agrees(Decimal(41), Decimal(400), Decimal(8), 0, "ratio")
    (True, False)
    """
    if plan <= 0:
        return False
    computed = 100 * value / plan
    computed = {"increase": computed - 100, "decrease": 100 - computed}.get(relation, computed)
    step = Decimal(1).scaleb(-(decimals or 0))
    return computed.quantize(step, rounding=ROUND_HALF_UP) == percent.quantize(step)


def named_base(fact: Fact, value: Fact, named: frozenset[str], earlier: list[Fact], text: str,
               words: FrameWords) -> Fact | None:
    """The nearest earlier figure whose words hold most of the base words ("tổng thu" → "Tổng thu NSNN …"),
    in the figure's unit, no smaller than the figure when the percent is a share of it."""
    best, best_score = None, 0.0
    for candidate in reversed(earlier):
        if candidate.key == value.key or not same_unit(candidate, value, words):
            continue
        if fact.percent <= 100 and candidate.value < value.value:
            continue
        score = len(named & figure_words(candidate, text, words)) / len(named)
        if score > best_score and score >= 0.5:
            best, best_score = candidate, score
    return best


def unnamed_base(fact: Fact, value: Fact, relation: str, cue: str, earlier: list[Fact], nearby: list[Fact],
                 words: FrameWords) -> tuple[Fact | None, str]:
    """(base, how) when nothing names it. After a word that makes the percent a proportion of a population
    ("tỷ lệ 8%", "chiếm 9%", "(63%)"), the only figure of the same counted unit `nearby` ("implicit");
    otherwise, among the `earlier` figures of the unit, the nearest that agrees with the percent ("agrees")."""
    def fits(c: Fact) -> bool:
        return (c.key != value.key and same_unit(c, value, words) and bool(c.value) and c.value > 0
                and not (relation == "ratio" and fact.percent <= 100 and c.value < value.value))
    population = [c for c in nearby if fits(c)]
    if len(population) == 1 and cue in words.proportion_cues and value.unit_kind == "count":
        return population[0], "implicit"
    # a whole number printed without a unit the lexicon knows may count the same things ("49/63 Sở …" then
    # "14 tỉnh (chiếm 22 % số tỉnh)"): only agreeing with the percent can say so
    bare_count = value.unit_kind == "count"
    candidates = [c for c in earlier if fits(c) or (bare_count and c.unit is None and c.value and c.value > 0
                                                    and c.value == c.value.to_integral_value() and c.key != value.key)]
    for candidate in reversed(candidates):
        if agrees(value.value, candidate.value, fact.percent, fact.percent_decimals, relation):
            return candidate, "agrees"
    return None, ""


def whole_broken_out(fact: Fact, value: Fact, figures: list[Fact], text: str, words: FrameWords) -> Fact | None:
    """The figure the percent's figure was broken out of: "45.120 ha lúa mùa, …; trong đó lúa chất lượng cao
    18.300 ha, chiếm 40,6%" — the nearest earlier figure of the sentence in the same unit and no smaller, when
    "trong đó" / "gồm" stands between them (the later parts of the list take it as their sibling's base)."""
    if fact.percent > 100:
        return None
    for whole in reversed([f for f in figures if f.char_end <= value.char_start]):
        if not same_unit(whole, value, words) or whole.value is None or whole.value < value.value:
            continue
        between = text[whole.char_end:value.char_start]
        if not words.whole_before.search(between):
            return None
        return whole
    return None


def as_base(fact: Fact) -> Fact:
    """A fact as a candidate base: its own figure, or, for a fraction or a share printed with its whole
    ("2.186/23.058 hộ"), that whole — never the part. A share of a plan ("14.215 tỷ đồng, bằng 108,4% dự
    toán (13.110 tỷ đồng)") offers its figure: a plan is no whole that other shares are of."""
    if fact.plan is None or fact.base not in (None, "total") or fact.change is not None:
        return fact
    return replace(fact, value=fact.plan, value_raw=fact.plan_raw, value_scale=fact.plan_scale)


def complete(fact: Fact, value: Fact, base: Fact | None, how: str, relation: str) -> Fact:
    """The percent with its figure and base, and where they came from."""
    changes: dict = {"kind": "ratio" if fact.kind in ("percent", "share") else fact.kind}
    if relation in ("increase", "decrease"):
        changes["change"] = relation
    if fact.value is None:
        changes |= {"value": value.value, "value_raw": value.value_raw, "value_scale": value.value_scale,
                    "value_from": value.key}
        if value.label:   # the percent measures what its figure measures
            changes |= {"label": value.label, "indicator": value.indicator}
        if fact.unit in (None, "%"):
            changes |= {"unit": value.unit, "unit_kind": value.unit_kind, "unit_exact": value.unit_exact}
    if base is not None:
        changes |= {"plan": base.value, "plan_raw": base.value_raw, "plan_scale": base.value_scale,
                    "plan_from": base.key, "plan_source": how}
    return replace(fact, **changes)


SIZES_A_CHANGE_ONLY = "change"   # change_of_figure's answer for a percent of a change whose figure cannot be told
PERIOD_YEAR = regex.compile(r"(?i:năm)\s+((?:19|20)\d\d)(?!\d)")
CLAUSE_END = regex.compile(r"[;,.()]")


def period_named(phrase: str, words: FrameWords) -> str | None:
    """The period a phrase compares with: "so với đầu năm" -> "đầu năm", "so với năm 2022" -> "2022"."""
    m = words.period_words.search(phrase)
    if m:
        return spaced(m.group(0))
    year = PERIOD_YEAR.search(phrase)
    return year.group(1) if year else None


def same_comparison(delta: Fact, start: int, end: int, text: str, limit: int, words: FrameWords) -> bool:
    """Do a change and the percent after it compare with the same period? "tăng 3.200 tỷ đồng so với đầu năm,
    tăng 8,1% so với cùng kỳ" do not; a percent that names none ("(+7,5%)") takes the change's."""
    clause = CLAUSE_END.search(text, end, limit)
    delta_period = period_named(text[delta.char_end:start], words)
    percent_period = period_named(text[end:clause.start() if clause else limit], words)
    return delta_period is None or percent_period is None or delta_period == percent_period


def change_of_figure(fact: Fact, start: int, end: int, relation: str | None, cue: str, figures: list[Fact],
                     text: str, limit: int, words: FrameWords) -> Fact | str | None:
    """A percent that sizes a change against the figure it changed: "dư nợ đạt 45.600 tỷ đồng, tăng 3.200 tỷ
    đồng (+7,5%)" is 3.200 of 45.600 − 3.200. The change D stands just before the percent in its clause,
    which says no other relation than D's (or restates it: "tương ứng", a bare bracket), and no base is printed for it
    ("giảm 13 tỷ đồng (tương ứng 21%) so với cùng kỳ (63 tỷ đồng)" is 13 of 63: None, for the usual frame).
    The figure X it changed is the one just before D in the clause, in D's unit; else, earlier in the
    sentence ("45 vụ tai nạn, …; so với năm 2022 giảm 5 vụ (10%)"), the nearest of D's unit that agrees.
    Stored as X against its previous value X − D (X + D after a decrease), whose source is the change
    (plan_source "less_change"). A change whose figure cannot be told gives SIZES_A_CHANGE_ONLY: its
    percent is of no population nearby, and stays unpaired."""
    before = [f for f in figures if f.char_end <= start and in_clause(text, f.char_end, start)]
    if not before:
        return None
    delta = before[-1]
    if (delta.change not in ("increase", "decrease") or delta.value is None
            or not (relation in (None, delta.change) or cue == "(" or cue in words.restating)
            or "%" in text[delta.char_end:start] or base_in_brackets(end, delta, figures, text, limit, words) is not None):
        return None

    def previous_of(current: Fact) -> Decimal:
        return current.value - delta.value if delta.change == "increase" else current.value + delta.value

    def changed(current: Fact) -> bool:
        return (current.change is None and current.value is not None and same_unit(current, delta, words)
                and previous_of(current) > 0)

    adjacent = before[-2] if len(before) > 1 else None
    if adjacent is not None and changed(adjacent) and not closed_bracket_between(text, adjacent.char_end, delta.char_start):
        current = adjacent
    else:
        earlier = [f for f in figures if f.char_end <= delta.char_start and changed(f)]
        current = next((f for f in reversed(earlier)
                        if agrees(f.value, previous_of(f), fact.percent, fact.percent_decimals, delta.change)), None)
    if current is None or not same_comparison(delta, start, end, text, limit, words):
        return SIZES_A_CHANGE_ONLY
    sized = complete(fact, current, None, "", delta.change)
    return replace(sized, plan=previous_of(current), plan_raw=None, plan_scale=current.value_scale, plan_from=delta.key,
                   plan_source="less_change", delta=delta.value, delta_raw=delta.value_raw,
                   delta_scale=delta.value_scale)


PLANNED_RATE_OPENING = regex.compile(r"[^\d%();,]{0,30}\(\s*[^\d%()]{0,20}")   # " KH (KH ", " kế hoạch (chỉ tiêu: "
EARLIER_RATE_OPENING = regex.compile(r"(?:[^\d%();]|(?<!\d)(?:19|20)\d\d(?!\d)){0,60}?\(\s*")   # " so với năm 2022 ("
DIGIT = regex.compile(r"\d")


def rates_around(fact: Fact, start: int, after: int, opening: regex.Pattern, percents: list[Fact],
                 text: str) -> tuple[Fact, Fact] | None:
    """(the rate just before a percent, the rate in the bracket after it): bare percents of its clause, none
    of them the percent itself, no figure between the first and the percent, and `opening` (the words up to
    the bracket) filling the text from `after` to the second."""
    rates = [p for p in percents if p.kind == "percent" and p.value is None and p.change is None and p.key != fact.key]
    before = [p for p in rates if p.char_end <= start and in_clause(text, p.char_end, start)]
    later = [p for p in rates if p.char_start >= after and in_clause(text, after, p.char_start)]
    if not before or not later:
        return None
    rate, other = before[-1], later[0]
    if DIGIT.search(text, rate.char_end, start) or not opening.fullmatch(text, after, other.char_start):
        return None
    return rate, other


def as_rate_against(fact: Fact, rate: Fact, other: Fact, **changes) -> Fact:
    """The percent computed from one rate against another, both taken as its figure and base."""
    return replace(fact, unit="%", unit_kind=rate.unit_kind, value=rate.percent, value_raw=rate.percent_raw,
                   value_scale=Decimal(1), value_from=rate.key, plan=other.percent, plan_raw=other.percent_raw,
                   plan_scale=Decimal(1), plan_from=other.key, label=rate.label or fact.label,
                   indicator=rate.indicator or fact.indicator, **changes)


def rate_against_planned_rate(fact: Fact, start: int, end: int, percents: list[Fact], text: str) -> Fact | None:
    """A rate's share of its planned rate: "tỷ lệ che phủ rừng đạt 73,2%, đạt 101,5% KH (KH 73%)" is 73,2 of
    73. The rate stands just before the percent in its clause, with no figure between, and the planned
    rate in the bracket that opens after the percent's base words."""
    found = rates_around(fact, start, end, PLANNED_RATE_OPENING, percents, text)
    return None if found is None else as_rate_against(fact, *found, kind="ratio", plan_source="bracket")


def rate_change_against_earlier_rate(fact: Fact, start: int, relation: str | None, percents: list[Fact],
                                     text: str) -> Fact | None:
    """A rate's change against its earlier rate printed in brackets: "tỷ lệ hộ nghèo còn 3,2%, giảm 1,1% so với năm
    2022 (4,3%)". Reports print such a change in percentage points as often as relative to the earlier rate: the
    relative reading is kept when it agrees (a percent change, CK02), else the points reading (a difference,
    CK15: 4,3 − 3,2 = 1,1), which is also the one a wrong figure is judged by."""
    if relation not in ("increase", "decrease"):
        return None
    found = rates_around(fact, start, fact.char_end, EARLIER_RATE_OPENING, percents, text)
    if found is None or found[1].percent <= 0:
        return None
    rate, earlier = found
    if agrees(rate.percent, earlier.percent, fact.percent, fact.percent_decimals, relation):
        return as_rate_against(fact, rate, earlier, kind="change", change=relation, plan_source="bracket")
    return as_rate_against(fact, rate, earlier, kind="difference", change=relation, delta=fact.percent,
                           delta_raw=fact.percent_raw, delta_scale=Decimal(1))


def fact_figure(fact: Fact, figures: list[Fact], earlier: list[Fact]) -> Fact | None:
    """The figure a percent already has: its own (read by its rule) or the one it borrowed."""
    if fact.value is None:
        return None
    if fact.value_from is not None:
        return next((f for f in reversed(earlier + figures) if f.key == fact.value_from), fact)
    return fact


def find_figure(fact: Fact, start: int, end: int, figures: list[Fact], text: str, limit: int,
                words: FrameWords) -> tuple[Fact | None, Fact | None]:
    """(figure, base tied to it by "trên tổng số") of a percent without its own figure."""
    figure = figure_after_cue(end, figures, text, limit, words)
    if figure is not None:
        return figure, None
    figure, base = figure_and_base_before(fact.char_start, figures, text, words)
    if figure is not None:
        return figure, base
    return figure_after(end, figures, text, limit), None


def frame_sentence(percents: list[Fact], figures: list[Fact], earlier: list[Fact], document: Document,
                   blocks: list[int], words: FrameWords, claimed: set) -> dict:
    """Fact key -> the completed percent, for the percents of one sentence (in text order).

    A percent read with both its numbers only gets the relation its words state ("12.375,3/10.200 triệu
    đồng, vượt 21,3% kế hoạch" is an increase), and lends its base to the shares after it in the list.
    `claimed` gathers the figures percents are computed from: such a figure is a part, not a population
    ("242 hộ, tỷ lệ 1,97%; hộ cận nghèo: 121 hộ, tỷ lệ 0,98%": 242 is not the population of 0,98%)."""
    text = document.text
    done, previous_base = {}, None
    for fact in percents:
        sentence = document.sentences[fact.sentence]
        start, end = percent_span(fact, text)
        relation, cue = relation_and_cue(fact, text, start, sentence.start, words)
        if fact.value_from is not None:
            claimed.add(fact.value_from)
        if not needs_frame(fact):
            if fact.value is not None and fact.value_from is None:
                claimed.add(fact.key)
            if relation in ("increase", "decrease") and fact.change is None and fact.value is not None:
                done[fact.key] = replace(fact, change=relation)
            if fact.plan is not None and fact.change is None and fact.base in (None, "total"):
                previous_base = as_base(fact)   # a share of a whole lends its whole, never its plan
            continue
        sized = change_of_figure(fact, start, end, relation, cue, figures, text, sentence.end, words) \
            if fact.value is None else None
        if sized == SIZES_A_CHANGE_ONLY:
            continue
        if sized is not None:
            done[fact.key] = sized
            claimed.update((sized.value_from, sized.plan_from))
            continue
        if (fact.value is None and fact.base in ("plan", "budget") and relation == "ratio"
                and (rated := rate_against_planned_rate(fact, start, end, percents, text)) is not None):
            done[fact.key] = rated
            continue
        if fact.value is None and (rated := rate_change_against_earlier_rate(fact, start, relation, percents,
                                                                             text)) is not None:
            done[fact.key] = rated
            continue
        if relation is None:
            continue
        value, base = fact_figure(fact, figures, earlier), None
        if value is fact and fact.plan is None and (part := part_before(fact, figures, text, words)) is not None:
            # "28.450 hộ trên tổng số 31.020 hộ, đạt tỷ lệ 91,7%": the rule read the base as the figure
            done[fact.key] = replace(fact, value=part.value, value_raw=part.value_raw, value_scale=part.value_scale,
                                     value_from=part.key, plan=fact.value, plan_raw=fact.value_raw,
                                     plan_scale=fact.value_scale, plan_from=fact.key, plan_source="part_of")
            claimed.add(part.key)
            continue
        if value is None:
            value, base = find_figure(fact, start, end, figures, text, sentence.end, words)
        if value is None:
            continue
        claimed.add(value.key)
        how = "part_of" if base is not None else ""
        if fact.plan is None and base is None:
            base = base_in_brackets(end, value, figures, text, sentence.end, words)
            how = "bracket"
        if (fact.plan is None and base is None and fact.base not in ("plan", "budget", "same_period")
                and not words.period_words.search(base_phrase(end, text, sentence.end))):
            # a plan, a budget or last year's figure stated elsewhere is for plans.py (section, annex) or CK40
            before = [as_base(f) for f in earlier + figures if f.char_end <= fact.char_start]
            named = base_words(end, text, sentence.end, words) - unit_words(value, words)
            if named:
                base, how = named_base(fact, value, named, before, text, words), "named"
            if base is None and (cue in words.proportion_cues or fact.base == "total"):
                base, how = whole_broken_out(fact, value, figures, text, words), "breakdown"
            if base is None and not named:
                if previous_base is not None and same_unit(previous_base, value, words) and fact.kind == "share":
                    base, how = previous_base, "sibling"
                else:
                    near = before if fact.percent_decimals else in_block(before, fact, blocks)
                    population = [f for f in in_block(before, fact, blocks) if f.key not in claimed]
                    base, how = unnamed_base(fact, value, relation, cue, near, population, words)
        if base is not None and base.key == value.key:
            base = None
        if base is None and (fact.value is not None or fact.base not in ("plan", "budget")):
            continue   # a figure alone helps only a share of a plan, whose plan plans.py may find
        done[fact.key] = complete(fact, value, base, how, relation)
        if base is not None and how in ("bracket", "named", "sibling", "part_of", "breakdown") and fact.base in (None, "total"):
            previous_base = base
    return done


def in_block(candidates: list[Fact], fact: Fact, blocks: list[int]) -> list[Fact]:
    """The candidates in the fact's block (paragraph), a few sentences back at most (`blocks`: block starts)."""
    begin = blocks[bisect.bisect_right(blocks, fact.char_start) - 1] if blocks else 0
    return [c for c in candidates if begin <= c.char_start and c.sentence is not None
            and fact.sentence - SAME_PARAGRAPH_SENTENCES <= c.sentence]


def frame_claims(facts: list[Fact], document: Document, words: FrameWords | None) -> list[Fact]:
    """Every percent printed without its figure or base, completed where the grammar says what they are."""
    if words is None:
        return facts
    by_sentence: dict[int, list[Fact]] = {}
    for f in sorted(facts, key=lambda f: f.char_start):
        if f.sentence is not None and f.kind != "annex_row":
            by_sentence.setdefault(f.sentence, []).append(f)
    blocks = [b.start for b in document.blocks]
    completed: dict = {}
    earlier: list[Fact] = []
    claimed: set = set()
    for number in sorted(by_sentence):
        in_sentence = by_sentence[number]
        figures = [f for f in in_sentence if prints_figure(f)]
        percents = [f for f in in_sentence if f.percent is not None and f.kind in PERCENT_KINDS]
        if percents:
            completed |= frame_sentence(percents, figures, earlier[-EARLIER_FIGURES:], document, blocks, words, claimed)
        earlier.extend(figures)
    return [completed.get(f.key, f) for f in facts]


def parse_percent(raw: str) -> Decimal:
    """A percent as printed in an example ("78,8") as a Decimal."""
    value, _, problem = parse_number(raw)
    if problem:
        raise ValueError(problem)
    return value
