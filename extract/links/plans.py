"""Find the plan of a share printed without it, elsewhere in the report.

"Tổng nguồn vốn được giao: 4.969 triệu đồng … Ước thực hiện năm 4.772 triệu đồng, đạt 90,03%":
the share's plan is the allocation stated a sentence earlier. A plan is taken from
  1. a part of an allocation named like the share's subject ("… bao gồm: vốn đầu tư phát
     triển 562.400 triệu đồng …" then "vốn đầu tư 428.615 triệu đồng, đạt 76,2%"); or
  2. the nearest earlier figure of the same section announced as a plan (status "kế hoạch",
     from rules/indicators.toml `plan_words`), in the same unit, a few sentences back at most;
     it serves only the first share after it, since later shares are usually its parts; or
  3. the annex row of the same indicator, when exactly one row matches; or
  4. the head figure of the sentence just before, in the same paragraph, for a share printed "…% KH".
The fact keeps where its plan came from (`plan_source`, `plan_from`), so the check can
cite both places.
"""
from __future__ import annotations

from dataclasses import replace

import regex

from extract.records import Document, Fact
from extract.rulebook.frames import FrameWords

MAX_SENTENCES_BACK = 2  # an allocation is announced in the sentence before, rarely further back
MAX_SENTENCES_BACK_NAMED = 6  # a part named like the share may sit a few sentences up
WORD = regex.compile(r"[\p{L}\p{M}]+|\d+")
PHRASE_AFTER = 60  # characters after a percent that name its base ("% chỉ tiêu phấn đấu")
LONG_NAME = 4      # words of a part's name that make it the same item wherever it is printed again
LISTS_PARTS = regex.compile(r"\s*(?i:trong\s+đó|bao\s+gồm|gồm)\b")


def _needs_plan(fact: Fact) -> bool:
    return (fact.kind == "ratio" and fact.plan is None and fact.value is not None and fact.percent is not None
            and fact.flag is None and (fact.base or "plan") in ("plan", "budget"))


def _section_of(document: Document, fact: Fact) -> str | None:
    if fact.sentence is None:
        return None
    return document.sentences[fact.sentence].section


def find_section_plan(fact: Fact, facts: list[Fact], document: Document, used: set[int]) -> Fact | None:
    section = _section_of(document, fact)
    candidates = [g for g in facts
                  if g.status == "kế hoạch" and g.kind == "value" and g.value and g.value > 0 and g.key != fact.value_from
                  and g.char_start not in used
                  and g.char_end <= fact.char_start and g.unit == fact.unit
                  and g.sentence is not None and fact.sentence is not None
                  and fact.sentence - MAX_SENTENCES_BACK <= g.sentence <= fact.sentence
                  and _section_of(document, g) == section
                  # a plan in brackets is the base of the words before it, not announced for later shares:
                  # "TP.HCM …, vượt chỉ tiêu dự toán (108.800 tỷ đồng) …; Hải Phòng …, vượt 38,26% chỉ tiêu dự toán"
                  and not document.text[max(0, g.char_start - 8):g.char_start].rstrip().endswith("(")]
    return max(candidates, key=lambda g: g.char_start) if candidates else None


def _words(label: str | None) -> list[str]:
    """The words of a label, without punctuation: "thu từ hoạt động xuất, nhập khẩu" -> [..., "xuất", "nhập", "khẩu"]."""
    return WORD.findall((label or "").lower())


def find_allocation_part(fact: Fact, facts: list[Fact], document: Document, plan_words) -> Fact | None:
    """An earlier part of an allocation whose name begins like the share's subject."""
    subject = _words(fact.label)
    if len(subject) < 2:
        return None
    section = _section_of(document, fact)
    candidates = []
    for g in facts:
        if (g.kind != "value" or not g.value or g.char_end > fact.char_start or g.unit != fact.unit or g.key == fact.value_from
                or g.sentence is None or fact.sentence is None or (g.value < fact.value and _is_share(fact))):
            continue
        name = _words(g.label)
        if len(name) < 2 or (name[:len(subject)] != subject and subject[:len(name)] != name):
            continue
        # a long name printed word for word is the same item wherever it stands ("c) Chi trả lãi các khoản do
        # chính quyền địa phương vay: 11,4 tỷ đồng, đạt 100% dự toán" under a later heading)
        same_name = name == subject and len(name) >= LONG_NAME
        if not same_name and (not fact.sentence - MAX_SENTENCES_BACK_NAMED <= g.sentence <= fact.sentence
                              or _section_of(document, g) != section):
            continue
        if announces_plan(document, g.sentence, plan_words):
            candidates.append(g)
    return max(candidates, key=lambda g: g.char_start) if candidates else None


def announces_plan(document: Document, index: int, plan_words) -> bool:
    """Does the sentence name a plan, or, when it lists the parts of the sentence before ("Trong đó: …"),
    does that one?"""
    sentence = document.sentences[index]
    if any(p.search(document.text[sentence.start:sentence.end]) for p in plan_words):
        return True
    if index and LISTS_PARTS.match(document.text, sentence.start, sentence.end):
        before = document.sentences[index - 1]
        return any(p.search(document.text[before.start:before.end]) for p in plan_words)
    return False


def _is_share(fact: Fact) -> bool:
    """A share of its plan (at most all of it), as opposed to a figure that exceeds it ("vượt 58,73% so dự toán")."""
    return fact.change is None and fact.percent is not None and fact.percent <= 100


def kind_of_plan(text: str, words: FrameWords | None) -> int | None:
    """Which kind of plan the words name (rules/frames.toml plan_kinds): dự toán, phấn đấu, kế hoạch …"""
    if words is None:
        return None
    return next((i for i, kind in enumerate(words.plan_kinds) if kind.search(text)), None)


def same_kind_of_plan(fact: Fact, source: Fact, document: Document, words: FrameWords | None) -> bool:
    """Does the plan found name the kind of plan the percent names? ("đạt 100,76% chỉ tiêu phấn đấu" is not
    measured against "vượt chỉ tiêu dự toán (108.800 tỷ đồng)"). Either naming none is no objection."""
    after = document.text[fact.char_end - len(fact.base_raw or ""):fact.char_end + PHRASE_AFTER] if fact.base_raw else ""
    wanted = kind_of_plan(regex.split(r"[,;.()]", after, maxsplit=1)[0], words)
    found = kind_of_plan(source.label or "", words)
    return wanted is None or found is None or wanted == found


def find_head_total(fact: Fact, facts: list[Fact], document: Document, used: set[int]) -> Fact | None:
    """For a share printed "…% KH" or "…% dự toán": the head figure of the sentence just before, when it
    is larger and in the same unit ("Kinh phí … năm 2023 là 68.420 triệu đồng, bao gồm: … . Giải ngân …
    đạt 31.846 triệu đồng, bằng 46,5% KH")."""
    if not fact.base_raw or fact.sentence is None or fact.base not in ("plan", "budget"):
        return None
    previous = fact.sentence - 1
    heads = [g for g in facts if g.sentence == previous and g.kind == "value"]
    if not heads:
        return None
    head = min(heads, key=lambda g: g.char_start)
    same_block = any(b.start <= head.char_start and fact.char_start < b.end for b in document.blocks)
    if (head.unit == fact.unit and head.value and head.value > fact.value and head.char_start not in used
            and same_block):
        return head
    return None


def find_annex_plan(fact: Fact, facts: list[Fact]) -> Fact | None:
    rows = [g for g in facts if g.kind == "annex_row" and g.indicator and g.indicator == fact.indicator
            and g.plan is not None and g.plan > 0 and g.comparator is None and g.unit in (fact.unit, None)]
    return rows[0] if len(rows) == 1 else None


def resolve_plans(facts: list[Fact], document: Document, plan_words=(), words: FrameWords | None = None) -> list[Fact]:
    """Give each share printed without its plan the plan found elsewhere in the report."""
    out, used = [], set()
    for fact in sorted(facts, key=lambda f: f.char_start):
        if _needs_plan(fact):
            fact = _with_plan(fact, facts, document, plan_words, used, words)
        out.append(fact)
    return out


def _with_plan(fact: Fact, facts: list[Fact], document: Document, plan_words, used: set[int],
               words: FrameWords | None = None) -> Fact:
    # a named part first; an allocation announced in the section serves only the first share after it
    source = find_allocation_part(fact, facts, document, plan_words) or find_section_plan(fact, facts, document, used)
    if source is not None and not same_kind_of_plan(fact, source, document, words):
        return fact
    if source is None:
        annex = find_annex_plan(fact, facts)
        if annex is not None:
            return replace(fact, plan=annex.plan, plan_raw=annex.plan_raw, plan_scale=annex.plan_scale,
                           plan_from=annex.key, plan_source="annex")
        source = find_head_total(fact, facts, document, used)
    if source is None:
        return fact
    used.add(source.char_start)
    return replace(fact, plan=source.value, plan_raw=source.value_raw, plan_scale=source.value_scale,
                   plan_from=source.key, plan_source="section")
