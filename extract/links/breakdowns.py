"""Link the parts of a breakdown to their total, so the sum check can add them up.

Reports break totals down in four shapes:
  - a trigger word after the total: "10.361,8 triệu đồng, trong đó: vốn đầu tư 365 …; vốn sự nghiệp 9.996,8 …",
    "(gồm: cây lúa 5.214,2 ha; cây ngô 3.862,6 ha; …)", "bao gồm: 62 hồ sơ …; 01 hồ sơ …";
  - a bracket right after the total: "đang giải quyết 477 (trong hạn 369, quá hạn 27, trả lại: 01)";
  - a footnote listing the parts of a figure printed before its marker ("tổng số 19 nhà …¹⁸" and
    footnote 18 "02 nhà …; 04 nhà …"), checked only when exactly one figure of that unit is there;
  - annex sub-rows without their own STT under a row that has one.
The parts are the figures after the trigger in the total's unit, up to the closing bracket or the
end of the sentence; figures inside a nested bracket belong to the nested total. A breakdown needs
two parts at least. The trigger words live in rules/lexicon.toml (`breakdown_triggers`).
"""
from __future__ import annotations

from dataclasses import replace

import regex

from extract.facts.sentences import closed_bracket_between
from extract.records import Document, Fact, FactKey

VALUE_KINDS = ("value", "ratio", "fraction", "change")
MIN_PARTS = 2


def prints_a_figure(fact: Fact) -> bool:
    """A fact that prints its own figure; a share that borrows the figure before it ("…, bằng 87,3% so
    với cùng kỳ") repeats one and must not be added twice, and a change ("800 tỷ đồng, giảm 200 tỷ đồng")
    is no part of anything.

    >>> change = Fact("VA01", "value", "giảm 200 tỷ đồng", 0, 16, value=200, change="decrease")
    >>> prints_a_figure(change), prints_a_figure(Fact("VA01", "value", "800 tỷ đồng", 0, 11, value=800))
    (False, True)
    """
    return (fact.value is not None and fact.kind in VALUE_KINDS and fact.value_from is None
            and not (fact.kind == "value" and fact.change is not None))
MAX_BRACKET_GAP = 40  # "20 trường công lập (08 trường …": words between the total and its bracket list


def compatible(total: Fact, part: Fact, counts_mix: bool = False) -> bool:
    """Parts are in the total's unit; a bare number or a bare scale ("4,5 tỷ") fits any total.

    After a trigger word, counting nouns may differ: "2.148 người (gồm: 168 công chức; 1.568 viên chức)".
    >>> people, clerks, cases = (Fact("VA01", "value", "", 0, 0, unit=unit, unit_exact=True)
    ...                          for unit in ("người", "viên chức", "vụ"))
    >>> compatible(people, clerks, counts_mix=True), compatible(people, cases)
    (True, False)
    """
    if total.unit == part.unit or part.unit is None:
        return True
    if total.unit is None:   # "12 phòng, đơn vị (gồm: 05 …, 03 đơn vị …)"; but a measure never adds up to a bare
        return is_count(part)   # count: "20 cục …; trong đó 11.865 tỷ đồng …"
    return counts_mix and is_count(total) and is_count(part)


def is_count(fact: Fact) -> bool:
    """Does the fact count things (hộ, người, công trình …)? Its unit's kind says so (rules/lexicon.toml
    [kinds], `exact = true`), as opposed to measures, money and rates."""
    return bool(fact.unit) and fact.unit_exact is True


NOUN = regex.compile(r"\s*([\p{L}\p{M}]+)")


def same_unknown_noun(total: Fact, part: Fact, text: str) -> bool:
    """Two figures without a unit the lexicon knows still count what the word after them names: "01 Thông tư
    (đơn giản hóa 02 TTHC, cắt giảm 08 ĐKKD)" lists no parts of the Thông tư. A figure with no word
    after it ("đang giải quyết 477 (trong hạn 369, …)") fits any."""
    if total.unit is not None or part.unit is not None:
        return True
    first, second = NOUN.match(text, total.char_end), NOUN.match(text, part.char_end)
    return not (first and second) or first.group(1).lower() == second.group(1).lower()


def _bracket_end(text: str, start: int, limit: int) -> int:
    """Offset of the ')' closing the '(' at `start`, or `limit`."""
    depth = 0
    for i in range(start, limit):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return limit


def _depth_at(text: str, start: int, offset: int, depth: int = 0) -> int:
    """Bracket depth at `offset`, counted from `start` where it was `depth` (a ')' never takes it below 0)."""
    for ch in text[start:offset]:
        depth += ch == "("
        depth -= ch == ")" and depth > 0
    return depth


def _parts_after(text: str, begin: int, end: int, total: Fact, facts: list[Fact], counts_mix: bool,
                 bracketed: bool) -> list[Fact]:
    """Figures between `begin` and `end` at bracket depth 0, in the total's unit, until another unit.

    `facts` are in text order, so the depth is carried from one figure to the next rather than
    counted again from `begin` (which cost the sentence's length for every figure)."""
    parts = []
    depth, counted_to = 0, begin
    for f in facts:
        if f.char_start < begin or f.char_start >= end or not prints_a_figure(f):
            continue
        depth, counted_to = _depth_at(text, counted_to, f.char_start, depth), f.char_start
        if depth > 0:
            continue
        # after a ';' a counting noun not seen yet starts something else ("…; 19 nhóm trẻ độc lập")
        new_noun = f.unit not in {p.unit for p in parts} | {total.unit}
        after_semicolon = parts and ";" in text[parts[-1].char_end:f.char_start]
        if (not compatible(total, f, counts_mix) or (after_semicolon and new_noun and not bracketed)
                or not same_unknown_noun(total, f, text)):
            if parts:
                break
            continue
        parts.append(f)
    return parts


LIST_ITEM = regex.compile(r"\s*[_*]*\s*(?:[-–+•*]|[a-zđ]\)|\d{1,2}[.)])\s")   # "+ Các công trình …", "- Chi …", "a) …"
WORD_TRIGGER = regex.compile(r"(?i:trong\s+đó|gồm)")   # a list announced in words, not a bare bracket


def find_trigger_breakdowns(document: Document, facts: list[Fact], triggers: regex.Pattern) -> list[tuple]:
    """(total, parts, shape) for every trigger word or bracket list.

    The total is the figure before the trigger in its sentence, or, for a sentence that opens with the
    trigger ("… 1.690 tỷ đồng. Trong đó, chi …"), the head figure of the sentence before. The parts
    follow it in its sentence, or, for a trigger that ends its sentence ("…, gồm :"), in the sentence
    after, or one per list item ("+ …: 1.301,6 tỷ đồng;") in the blocks after."""
    text = document.text
    found = []
    by_sentence: dict[int, list[Fact]] = {}
    for f in facts:
        if f.sentence is not None and f.kind != "annex_row":
            by_sentence.setdefault(f.sentence, []).append(f)
    for figures in by_sentence.values():
        figures.sort(key=lambda f: f.char_start)
    for index, sentence_facts in by_sentence.items():
        sentence = document.sentences[index]
        for m in triggers.finditer(text, sentence.start, sentence.end):
            if any(f.char_start < m.start() < f.char_end for f in sentence_facts):
                continue  # a rule already read this breakdown ("12.215 hồ sơ, trong đó … 12.168 hồ sơ, đạt 99,6%")
            bare_bracket = m.group(0).strip() == "("
            worded = WORD_TRIGGER.search(m.group(0)) is not None
            opens = worded and not text[sentence.start:m.start()].strip(" -–+•*:;,.")
            closes = worded and not text[m.end():sentence.end].strip(" :;.,")
            # the figures before the trigger, nearest first, looked at only as far as needed
            before_facts = by_sentence.get(index - 1, []) if opens else sentence_facts
            limit = m.start() if not opens else document.sentences[index - 1].end if index else 0
            before = (f for f in reversed(before_facts) if f.char_end <= limit and prints_a_figure(f)
                      and not closed_bracket_between(text, f.char_end, limit))
            if opens:   # the head figure of the sentence before: its first figure
                before = iter([f for f in before_facts if prints_a_figure(f)][:1])
            last = next(before, None)
            if last is None or (bare_bracket and m.start() - last.char_end > MAX_BRACKET_GAP):
                continue
            opened = text.rfind("(", last.char_end, m.end()) if "(" in m.group(0) else -1
            end = _bracket_end(text, opened, sentence.end) if opened >= 0 else sentence.end
            pool, begin = sentence_facts, m.end()
            if closes:
                pool, begin, end = following_parts(document, by_sentence, index)
            candidates = [f for f in pool if begin <= f.char_start < end]
            if not candidates:
                continue
            total = last if last.unit == candidates[0].unit else next(
                (f for f in before if f.unit == candidates[0].unit), last)
            if (opens or closes) and not only_total(total, before_facts if opens else sentence_facts, limit):
                continue   # across sentences, a list is tied to its total only when no other figure could be it
            if closes and pool is not sentence_facts and _is_list(document, index + 1):
                parts = list_item_parts(document, pool, total, begin, end)
            else:
                parts = _parts_after(text, begin, end, total, pool, counts_mix=not bare_bracket,
                                     bracketed=opened >= 0)
            shape = "trong_do" if "trong" in m.group(0).lower() else ("gom" if "gồm" in m.group(0).lower() else "bracket")
            # one part is enough for a "trong đó": a part larger than its whole is an error on its own
            enough = MIN_PARTS if shape != "trong_do" else 1
            if len(parts) >= enough and total not in parts:
                found.append((total, parts, shape))
    return found


def only_total(total: Fact, figures: list[Fact], limit: int) -> bool:
    """Is `total` the one figure of its unit before `limit`? ("… 2.345,7 tỷ đồng, …, giải ngân 1.934 tỷ
    đồng, …, trong đó :" names no single total for the list below it.)"""
    return sum(1 for f in figures if f.char_end <= limit and prints_a_figure(f) and f.unit == total.unit) == 1


def _is_list(document: Document, index: int) -> bool:
    """Does the sentence open a list item ("+ Các công trình …: …")?"""
    if index >= len(document.sentences):
        return False
    sentence = document.sentences[index]
    return LIST_ITEM.match(document.text, sentence.start, sentence.end) is not None


def following_parts(document: Document, by_sentence: dict, index: int) -> tuple[list[Fact], int, int]:
    """(figures, begin, end) where the parts of a list announced at the end of sentence `index` are: the
    list items that follow it, or else the one sentence after it."""
    after = index + 1
    if after >= len(document.sentences):
        return [], 0, 0
    last = after
    if _is_list(document, after):
        while _is_list(document, last + 1):
            last += 1
    pool = [f for i in range(after, last + 1) for f in by_sentence.get(i, [])]
    return pool, document.sentences[after].start, document.sentences[last].end


def list_item_parts(document: Document, pool: list[Fact], total: Fact, begin: int, end: int) -> list[Fact]:
    """The first figure of each list item in the total's unit: one part per item of the first item's
    level ("- …" items are parts; the "+ …" items under one of them are its own parts)."""
    parts, bullet = [], None
    for sentence in document.sentences:
        if sentence.end <= begin or sentence.start >= end:
            continue
        m = LIST_ITEM.match(document.text, sentence.start, sentence.end)
        mark = regex.sub(r"\d{1,2}", "1", regex.sub(r"^[a-zđ]\)", "a)", m.group(0).strip(" _*"))) if m else None
        bullet = bullet or mark
        if mark != bullet:
            continue
        part = next((f for f in pool if sentence.start <= f.char_start < sentence.end and prints_a_figure(f)
                     and compatible(total, f, counts_mix=True)), None)
        if part is not None:
            parts.append(part)
    return parts


def find_footnote_breakdowns(document: Document, facts: list[Fact], triggers: regex.Pattern) -> list[tuple]:
    """Parts listed in a footnote, against the one figure of their unit printed before its marker."""
    found = []
    text = document.text
    by_sentence: dict[int, list[Fact]] = {}
    for f in facts:
        if f.sentence is not None:
            by_sentence.setdefault(f.sentence, []).append(f)
    for note in document.footnotes:
        if note.sentence is None or note.marker_start is None:
            continue
        end, shape = note.end, "footnote"
        if triggers.match(text, note.start):
            shape = "gom"  # "⁶Bao gồm: …" lists every part
            # "⁶Bao gồm: a; b; c. Một số sản phẩm chủ yếu: …": the list is the first sentence
            end = next((s.end for s in document.sentences if s.start <= note.start < s.end), note.end)
        in_note = [f for f in facts if note.start <= f.char_start < end and prints_a_figure(f)
                   and _depth_at(text, note.start, f.char_start) == 0
                   and not _inside_trigger_list(f, facts)]
        before_marker = [f for f in by_sentence.get(note.sentence, []) if f.char_end <= note.marker_start
                         and prints_a_figure(f) and f.unit]
        for unit in sorted({f.unit for f in in_note if f.unit}):
            parts = [f for f in in_note if f.unit == unit]
            totals = [f for f in before_marker if f.unit == unit]
            if len(parts) >= MIN_PARTS and len(totals) == 1:
                found.append((totals[0], parts, shape))
    return found


def _inside_trigger_list(fact: Fact, facts: list[Fact]) -> bool:
    return fact.part_of is not None


def find_annex_breakdowns(facts: list[Fact]) -> list[tuple]:
    """Annex rows without an STT under the row with an STT just above them."""
    rows = sorted((f for f in facts if f.kind == "annex_row"), key=lambda f: f.char_start)
    found, parent, children = [], None, []

    def close():
        if parent is not None and len(children) >= MIN_PARTS and (parent.value is not None or parent.plan is not None):
            units = {c.unit for c in children}
            # rates do not add up; "Trong đó: …" sub-rows are a subset, not a partition
            subset = any((c.label or "").lower().startswith("trong đó") for c in children)
            if len(units) == 1 and compatible(parent, children[0]) and "%" not in units and not subset:
                found.append((parent, list(children), "annex"))

    for row in rows:
        if row.stt:
            close()
            parent, children = row, []
        elif parent is not None and (row.value is not None or row.plan is not None):
            if row.table != parent.table:
                close()
                parent, children = None, []
                continue
            children.append(row)
    close()
    return found


def link_breakdowns(document: Document, facts: list[Fact], triggers: regex.Pattern,
                    not_summed: frozenset = frozenset()) -> list[Fact]:
    """Mark each part with the total it adds up to (`part_of`) and the breakdown's shape. A total of a
    kind whose figures do not add up (`not_summed`: rates, yields) has no parts."""
    links: dict[FactKey, tuple[FactKey, str]] = {}
    for total, parts, shape in find_trigger_breakdowns(document, facts, triggers):
        if total.unit_kind in not_summed:
            continue
        for p in parts:
            links.setdefault(p.key, (total.key, shape))
    marked = [replace(f, part_of=links[f.key][0], breakdown=links[f.key][1]) if f.key in links else f for f in facts]
    more: dict[FactKey, tuple[FactKey, str]] = {}
    for total, parts, shape in find_footnote_breakdowns(document, marked, triggers) + find_annex_breakdowns(marked):
        if total.unit_kind in not_summed:
            continue
        for p in parts:
            if p.key not in links:
                more.setdefault(p.key, (total.key, shape))
    return [replace(f, part_of=more[f.key][0], breakdown=more[f.key][1]) if f.key in more else f for f in marked]



SHARE_KINDS = ("share", "percent")


def find_share_structures(document: Document, facts: list[Fact], structure: regex.Pattern) -> list[list[Fact]]:
    """Groups of shares that make up a whole: after "Cơ cấu …:" in a sentence, or annex % sub-rows of a
    "Cơ cấu …" row."""
    text = document.text
    groups = []
    ordered = sorted(facts, key=lambda f: f.char_start)
    for sentence in document.sentences:
        if sentence.kind == "table":
            continue
        for m in structure.finditer(text, sentence.start, sentence.end):
            group = []
            for f in ordered:
                if f.char_start < m.end() or f.char_start >= sentence.end:
                    continue
                if f.kind in SHARE_KINDS and f.percent is not None and f.comparator is None and f.base in (None, "total"):
                    group.append(f)
                elif f.value is not None or f.percent is not None:
                    break
            if len(group) >= MIN_PARTS:
                groups.append(group)
    rows = [f for f in ordered if f.kind == "annex_row"]
    for i, row in enumerate(rows):
        if row.stt and structure.match((row.label or "").strip()):
            children = []
            for child in rows[i + 1:]:
                if child.stt:
                    break
                if child.unit == "%" and (child.value is not None or child.plan is not None):
                    children.append(child)
            if len(children) >= MIN_PARTS:
                groups.append(children)
    return groups


def link_share_structures(document: Document, facts: list[Fact], structure: regex.Pattern) -> list[Fact]:
    """Mark the shares of one whole with the same `share_group` (the first share's key)."""
    members: dict[FactKey, FactKey] = {}
    for group in find_share_structures(document, facts, structure):
        for f in group:
            members.setdefault(f.key, group[0].key)
    return [replace(f, share_group=members[f.key]) if f.key in members else f for f in facts]
