"""What a table's columns and rows say about each other, inferred from the rows themselves.

A percent column equal to 100·A/B (a ratio), to 100·A/B − 100 (a growth) or to each row's share of the
total row; a total column equal to the sum of the columns next to it; a column of changes equal to the
difference of two others; a total row ("Tổng cộng", "Cả nước") and the rows of an outline ("A" > "I" >
"1") adding up the rows under them. A relation is kept only when it holds, to the printed rounding (± half
a unit of the last digit of each number), in a clear majority of the rows that can test it; then every
row is linked along it so the checks judge each one (CK02 for ratios, CK01 for growths, CK10 for sums,
CK15 for changes), and the rows that break it are flagged there. Long tables vote through a sample of
their rows, so the cost is linear in the table's size.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import Decimal

import regex

from extract.facts.cells import Column, Reading, Row
from extract.records import Fact

MAJORITY = Decimal("0.75")  # a relation must hold in this share of the rows that can test it
MIN_ROWS = 3                # … and in this many rows at least
SMALL_TABLE = 3             # except in a table of three rows, where two are enough
MAX_GROUP = 8               # a total of at most this many adjacent columns
SAMPLE_ROWS = 60            # the rows of a longer table vote on a relation through a sample of about this many
EXACT_EVIDENCE = 0.001      # whole numbers adding up exactly this unlikely under rounding are exact counts
NEAR_MISS = Decimal("0.1")  # a total row off by less than this share of itself in one column is a misprint
# A column of absolute changes: "Tăng (+), giảm (-)", "Chênh lệch", "+/-".
CHANGE_HEADER = regex.compile(r"tăng|giảm|chênh|\+\s*/\s*-|±", regex.I)
# The label of a row that adds up the others: "Tổng cộng", "Cộng", "Toàn tỉnh", "Cả nước", "Tổng số (A+B)" —
# not an indicator that starts like one ("Tổng đàn bò", "Tổng số hộ nghèo").
SCOPE = r"toàn\s+(?:tỉnh|huyện|thành\s+phố|thị\s+xã|quốc|ngành|xã|vùng|khu\s+vực)|cả\s+nước|chung"
TOTAL_ROW = regex.compile(rf"^(?:tổng\s*cộng|tổng\s*số|tổng|cộng|{SCOPE})(?:\s+(?:{SCOPE}))?\s*(?:[:(].*)?$", regex.I)


@dataclass(frozen=True, slots=True)
class Relation:
    kind: str              # "ratio", "growth" or "sum"
    target: int            # the percent column, or the total column
    sources: tuple         # (A, B) for a ratio or growth: target = 100·A/B (− 100); the parts for a sum
    holds: int
    tested: int


def _ratio_gap(p: Reading, a: Reading, b: Reading, offset: Decimal) -> Decimal | None:
    """How far the printed percent p is from 100·a/b − offset, beyond every rounding; None if b is not > 0."""
    low_b, high_b = b.value - b.half, b.value + b.half
    if low_b <= 0 or a.value < 0:
        return None
    low = 100 * (a.value - a.half) / high_b - offset
    high = 100 * (a.value + a.half) / low_b - offset
    return max(low - (p.value + p.half), (p.value - p.half) - high, Decimal(0))


def _sum_gap(total: Reading, parts: list[Reading]) -> tuple[Decimal, Decimal]:
    """(|total − Σ parts|, the rounding those printed numbers allow)."""
    return abs(total.value - sum(p.value for p in parts)), total.half + sum(p.half for p in parts)


def infer_relations(grid: list[Row], columns: list[Column], total: Row | None = None) -> list[Relation]:
    """The relations between columns that hold in a clear majority of the rows that can test them: a percent
    column as 100·A/B of two columns (a ratio), as 100·A/B − 100 (a growth), or as 100·A over the total
    row's A (a share of the whole, "Cơ cấu (%)"); a total column as the sum of the columns next to it."""
    percent_cols = [c.index for c in columns if c.percent]
    value_cols = [c.index for c in columns if c.numeric and not c.percent]
    relations = []
    grid = grid[::max(1, len(grid) // SAMPLE_ROWS)]   # the rows of a long table vote through a sample
    for p in percent_cols:
        best = None
        for offset, kind in ((Decimal(0), "ratio"), (Decimal(100), "growth")):
            for a in value_cols:
                for b in value_cols:
                    if a == b or columns[a].scale != columns[b].scale:
                        continue
                    holds = tested = 0
                    for row in grid:
                        r = row.readings
                        if p in r and a in r and b in r:
                            gap = _ratio_gap(r[p], r[a], r[b], offset)
                            if gap is None:
                                continue
                            tested += 1
                            holds += gap <= 2 * r[p].half   # to the printed rounding, or cut instead of rounded
                    if _clear(holds, tested) and (best is None or holds > best.holds):
                        best = Relation(kind, p, (a, b), holds, tested)
            if best is not None:
                break
        if best is not None:
            relations.append(best)
    for p in percent_cols:
        if total is None or p in [rel.target for rel in relations]:
            continue
        best = None
        for a in value_cols:
            whole = total.readings.get(a)
            if whole is None:
                continue
            holds = tested = 0
            for row in grid:
                r = row.readings
                if row is not total and p in r and a in r:
                    gap = _ratio_gap(r[p], r[a], whole, Decimal(0))
                    if gap is None:
                        continue
                    tested += 1
                    holds += gap <= 2 * r[p].half
            if _clear(holds, tested) and (best is None or holds > best.holds):
                best = Relation("share", p, (a,), holds, tested)
        if best is not None:
            relations.append(best)
    taken: set[int] = set()
    for t in value_cols:
        best = None
        for group in _adjacent_groups(t, value_cols):
            holds = tested = nonzero = 0
            for row in grid:
                r = row.readings
                if t in r and all(g in r for g in group):
                    tested += 1
                    gap, slack = _sum_gap(r[t], [r[g] for g in group])
                    if gap <= slack:
                        holds += 1
                        nonzero += sum(r[g].value != 0 for g in group) >= 2
            if _clear(holds, tested) and nonzero >= 2 and (best is None or holds > best.holds):
                best = Relation("sum", t, group, holds, tested)
        if best is not None and not taken & set(best.sources):
            relations.append(best)
            taken |= set(best.sources)
    summed = [set((r.target, *r.sources)) for r in relations if r.kind == "sum"]
    for d in value_cols:
        if not CHANGE_HEADER.search(columns[d].label):
            continue
        best = None
        for a in value_cols:
            for b in value_cols:
                if len({a, b, d}) < 3 or any({a, b, d} <= group for group in summed):
                    continue
                holds = tested = 0
                for row in grid:
                    r = row.readings
                    if a in r and b in r and d in r:
                        tested += 1
                        gap, slack = _sum_gap(r[a], [r[b], r[d]])   # A = B + D
                        holds += gap <= slack
                if _clear(holds, tested) and (best is None or holds > best.holds):
                    best = Relation("difference", d, (a, b), holds, tested)
        if best is not None:
            relations.append(best)
    return relations


def _clear(holds: int, tested: int) -> bool:
    """Does a relation hold in a clear majority of the rows that test it: three of them and 75 % at least,
    or, in a table of three rows, two of them (one row off is what a reviewer must see, not a reason to
    believe nothing).

    >>> _clear(3, 4), _clear(2, 3), _clear(2, 4), _clear(5, 8)
    (True, True, False, False)
    """
    if tested == SMALL_TABLE:
        return holds >= SMALL_TABLE - 1
    return holds >= MIN_ROWS and holds >= MAJORITY * tested


def _adjacent_groups(total: int, value_cols: list[int]):
    """Runs of two or more numeric columns right after the total column, or right before it."""
    present = set(value_cols)
    for step in (1, -1):
        group = []
        k = total + step
        while k in present and len(group) < MAX_GROUP:
            group.append(k)
            if len(group) >= 2:
                yield tuple(sorted(group))
            k += step


# Units whose whole numbers are rounded measurements; other whole numbers (counts: hộ, xã, TTHC) are exact.
# The warehouse reads printed numbers the same way (warehouse/load.py half_unit).
MEASURES = {"VND", "USD", "ha", "m²", "km²", "m³", "km", "m", "tấn", "tạ", "kg", "lít", "kWh", "%"}


def _as_checked(reading: Reading, fact: Fact) -> Reading:
    """The reading with the rounding the checks will allow it: none for a whole count."""
    exact = (reading.decimals == 0 and fact.value == reading.value
             and (fact.unit is None or (fact.unit not in MEASURES and not fact.unit.startswith(("VND", "USD")))))
    return replace(reading, exact=True) if exact else reading


def chance_exact(parts: int) -> float:
    """How often whole numbers rounded from measurements still add up exactly: the rounded parts' sum is the
    rounded total when their rounding errors (each within ±0,5) add up to within ±0,5 (Irwin–Hall for two
    and three parts, the normal approximation beyond).

    >>> chance_exact(2), round(chance_exact(3), 3), round(chance_exact(34), 2)
    (0.75, 0.667, 0.23)
    """
    if parts <= 1:
        return 1.0
    if parts <= 3:
        return {2: 0.75, 3: 2 / 3}[parts]
    return math.erf(0.5 / math.sqrt(parts / 12) / math.sqrt(2))


def rounding_only(judged: list[tuple[bool, bool, int]]) -> list[bool]:
    """Which of the rows to leave unlinked. Each row is judged (holds to the printed rounding, holds as the
    checks read it — whole counts exact —, how many whole numbers it adds up exactly, 0 if none).

    A row that holds only thanks to the rounding of whole numbers the checks take as exact counts
    ("1.845 + 417 = 2.263" printed 2.262) is neither clearly right nor clearly wrong, and is left out —
    unless the other rows show the numbers are exact: rounded measurements would not add up exactly in so
    many of them (less than one chance in a thousand, `chance_exact`). Then the row is off, and it is linked
    so that the check flags it.

    >>> rounding_only([(True, True, 2)] * 30 + [(True, False, 0)])[-1], rounding_only([(True, True, 2)] * 12 + [(True, False, 0)])[-1]
    (False, True)
    >>> rounding_only([(True, True, 3), (True, False, 0), (True, False, 0), (False, False, 0)])
    [False, True, True, False]
    """
    evidence = sum(math.log(chance_exact(terms)) for ok, strict, terms in judged if strict and terms)
    exact = evidence < math.log(EXACT_EVIDENCE)
    return [ok and not strict and not exact for ok, strict, _ in judged]


def _exact_terms(numbers: list[Reading], gap: Decimal) -> int:
    """How many parts (whole numbers taken as exact, the total first) add up with no gap at all; 0 when
    some number is rounded."""
    return len(numbers) - 1 if gap == 0 and all(n.exact for n in numbers) else 0


def apply_relations(facts: list[Fact], grid: list[Row], columns: list[Column], codes: dict) -> list[Fact]:
    """Link the facts of every row along the inferred relations (see `rounding_only` for the rows left out).
    `codes`: the rule codes of table cells and difference cells (rules/tables.toml)."""
    total = total_row(grid)
    relations = infer_relations(grid, columns, total)
    if not relations:
        return facts
    at = {f.char_start: i for i, f in enumerate(facts) if f.rule == codes["cell_code"]}
    differences: list[Fact | None] = []
    for relation in relations:
        rows, judged = [], []
        for row in grid:
            r = dict(row.readings)
            if relation.kind == "share":   # the whole is the total row's figure in the same column
                r["whole"] = total.readings[relation.sources[0]]
            keys = (*relation.sources, "whole") if relation.kind == "share" else relation.sources
            if relation.target not in r or not all(k in r for k in keys):
                continue
            target = at.get(r[relation.target].start)
            sources = [at.get(r[k].start) for k in keys]
            if target is None or None in sources or any(
                    facts[i].comparator is not None for i in [target] + sources):
                continue
            checked = {k: _as_checked(r[k], facts[at[r[k].start]]) for k in (relation.target, *keys)}
            if relation.kind == "sum":
                gap, slack = _sum_gap(r[relation.target], [r[k] for k in keys])
                exact_gap, exact_slack = _sum_gap(checked[relation.target], [checked[k] for k in keys])
                judged.append((gap <= slack, exact_gap <= exact_slack,
                               _exact_terms([checked[k] for k in (relation.target, *keys)], exact_gap)))
            elif relation.kind == "difference":   # A = B + D, as CK15 reads it
                a, b = keys
                gap, slack = _sum_gap(r[a], [r[b], r[relation.target]])
                exact_gap, exact_slack = _sum_gap(checked[a], [checked[b], checked[relation.target]])
                judged.append((gap <= slack, exact_gap <= exact_slack, 0))
            else:
                offset = Decimal(100) if relation.kind == "growth" else Decimal(0)
                p, ra, rb = r[relation.target], r[keys[0]], r[keys[1]]
                loose = _ratio_gap(p, ra, rb, offset)
                # CK02 takes the plan of a share as exact; CK01 rounds an earlier period's figure
                base = checked[keys[1]] if relation.kind == "growth" else replace(rb, exact=True)
                strict = _ratio_gap(p, checked[keys[0]], base, offset)
                if loose is None or strict is None:
                    continue
                judged.append((loose <= 2 * p.half, strict <= 2 * p.half, 0))
            rows.append((target, sources))
        for (target, sources), skip in zip(rows, rounding_only(judged)):
            if skip:
                continue
            if relation.kind == "difference":
                differences.append(_difference(facts[target], facts[sources[0]], facts[sources[1]],
                                               codes["difference_code"]))
            else:
                facts = _link(facts, relation.kind, target, sources)
    return facts + [f for f in differences if f is not None]


def _difference(cell: Fact, a: Fact, b: Fact, code: str) -> Fact | None:
    """A cell that states A − B, as a second fact on the cell ("difference", judged by CK15); the cell's
    own value fact stays."""
    if cell.value is None or cell.value_raw is None:
        return None
    return replace(cell, rule=code, kind="difference", delta=abs(cell.value), part_of=None, breakdown=None,
                   delta_raw=cell.value_raw.lstrip("-"), value=a.value, plan=b.value, value_raw=a.value_raw,
                   plan_raw=b.value_raw, value_from=a.key, plan_from=b.key, base="same_period",
                   change="decrease" if cell.value < 0 else "increase", unit=a.unit if a.unit == b.unit else None)


def _link(facts: list[Fact], kind: str, target: int, sources: list[int]) -> list[Fact]:
    """Link one row's facts along a relation: parts to their total, a percent to its two figures."""
    if kind == "sum":
        total = facts[target]
        for i in sources:
            facts[i] = replace(facts[i], part_of=total.key, breakdown="table")
        return facts
    a, b, fact = facts[sources[0]], facts[sources[1]], facts[target]
    common = dict(value=a.value, plan=b.value, value_raw=a.value_raw, plan_raw=b.value_raw,
                  value_from=a.key, plan_from=b.key, unit=a.unit if a.unit == b.unit else None)
    if kind in ("ratio", "share"):
        facts[target] = replace(fact, kind="ratio", plan_source="table", **common)
    else:
        growth = fact.percent
        facts[target] = replace(fact, kind="change", base="same_period", percent=abs(growth),
                                percent_raw=fact.percent_raw.lstrip("-"),
                                change="decrease" if growth < 0 else "increase", **common)
    return facts


def stt_level(stt: str | None) -> int | None:
    """How deep a row number sits in a table's outline: A > I > 1 > 1.1 or a).

    >>> [stt_level(s) for s in ("B", "II", "3.", "3", "2.1", "b)", None)]
    [0, 1, 2, 2, 3, 3, None]
    """
    if not stt:
        return None
    text = stt.strip().rstrip(".)")
    if regex.fullmatch(r"[IVXLC]+", text):
        return 1
    if regex.fullmatch(r"[A-ZĐ]", text):
        return 0
    if text.isdecimal():
        return 2
    if regex.fullmatch(r"\d+(?:\.\d+)+|[a-zđ]", text):
        return 3
    return None


def row_groups(grid: list[Row]) -> list[tuple[Row, list[Row]]]:
    """(row, the rows it may add up) for a table's total row and its outline rows.

    A row numbered at one level of the outline ("A", "I", "1") may add up the rows of the next level under
    it, up to the next row of its level or above; a total row ("Tổng cộng", "Cả nước"), first or last, may
    add up the rows of the top level.

    >>> row = lambda stt, label: Row(None, [], label, stt, {1: 1})
    >>> [(p.label, [c.label for c in k]) for p, k in row_groups(
    ...     [row(None, "Toàn tỉnh"), row("I", "Thành thị"), row("1", "Phường A"), row("2", "Phường B"),
    ...      row("II", "Nông thôn"), row("1", "Xã C"), row("2", "Xã D")])]
    [('Thành thị', ['Phường A', 'Phường B']), ('Nông thôn', ['Xã C', 'Xã D']), ('Toàn tỉnh', ['Thành thị', 'Nông thôn'])]
    """
    if not grid:
        return []
    totals = [r for r in {id(r): r for r in (grid[0], grid[-1])}.values() if TOTAL_ROW.match(r.label)]
    rows = [r for r in grid if all(r is not t for t in totals)]
    levels = [stt_level(r.stt) for r in rows]
    groups: list[tuple[Row, list[Row]]] = []
    for i, (row, level) in enumerate(zip(rows, levels)):
        if level is None or not row.readings:
            continue
        under = []
        for other, other_level in zip(rows[i + 1:], levels[i + 1:]):
            if other_level is not None and other_level <= level:
                break
            if other_level is not None:
                under.append((other, other_level))
        if under:
            top = min(lv for _, lv in under)
            kids = [r for r, lv in under if lv == top and r.readings]
            if len(kids) >= 2:
                groups.append((row, kids))
    known = [lv for lv in levels if lv is not None]
    top_level = min(known) if known else None
    top = [r for r, lv in zip(rows, levels) if r.readings and (top_level is None or lv == top_level)]
    return groups + [(t, top) for t in totals if len(top) >= 2]


def apply_row_sums(facts: list[Fact], grid: list[Row], columns: list[Column], codes: dict) -> list[Fact]:
    """Link the cells of the rows a total or group row adds up to that row's cell, column by column.

    The row must add up, to the printed rounding, in half of its numeric columns that can test it, and in
    two of them where there are more than two; a column is then linked where it adds up or misses by a
    misprint's margin (`NEAR_MISS`), not where it is far off (an average, a rate, a maximum does not add
    up). A column whose cells already belong to another total is left out: a sum of some of its parts
    would be wrong."""
    value_cols = [c.index for c in columns if c.numeric and not c.percent]
    at = {f.char_start: i for i, f in enumerate(facts) if f.rule == codes["cell_code"]}
    totals = {f.part_of for f in facts if f.part_of is not None}   # a figure is the total of one breakdown only
    for parent, children in row_groups(grid):
        linked, judged, tested = [], [], 0
        for c in value_cols:
            total = parent.readings.get(c)
            parts = [k.readings.get(c) for k in children]
            if total is None or None in parts or total.comparator or any(p.comparator for p in parts):
                continue
            cells = [at.get(p.start) for p in parts]
            if (None in cells or at.get(total.start) is None or facts[at[total.start]].key in totals
                    or any(facts[i].part_of is not None for i in cells)
                    or any(facts[i].unit != facts[at[total.start]].unit for i in cells)):
                continue
            tested += 1
            gap, slack = _sum_gap(total, parts)
            checked = [_as_checked(total, facts[at[total.start]])] + [_as_checked(p, facts[i]) for p, i in zip(parts, cells)]
            exact_gap, exact_slack = _sum_gap(checked[0], checked[1:])
            if gap <= slack or gap <= NEAR_MISS * abs(total.value):
                linked.append((at[total.start], cells))
                judged.append((gap <= slack, exact_gap <= exact_slack, _exact_terms(checked, exact_gap)))
        holds = sum(ok for ok, _, _ in judged)
        if holds < (1 if tested <= 2 else 2) or 2 * holds < tested:
            continue
        for (target, cells), skip in zip(linked, rounding_only(judged)):
            if not skip:
                facts = _link(facts, "sum", target, cells)
                totals.add(facts[target].key)
    return facts


def total_row(grid: list[Row]) -> Row | None:
    """The table's total row, first or last ("Tổng cộng", "Cả nước"), when it prints figures."""
    return next((r for r in (grid[-1], grid[0]) if TOTAL_ROW.match(r.label) and r.readings), None) if grid else None
