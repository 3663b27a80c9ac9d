"""Tables whose columns no rule names (rules/tables.toml): read every cell, then let the rows say how the
columns relate.

A careful reader of a table of provinces with "Tổng số | Cấp tỉnh | Cấp xã | Đã công bố | Tỷ lệ" does not
need the header to see that the first column is the sum of the next two and that the rate is the fourth
over the first: the rows show it. This module does the same:

  1. each data row is laid on the table's columns (a total row printed without its row number is
     aligned from the right); the row-number column (STT) and a column of years are labels, not figures;
  2. each cell is read as the column prints its numbers: "99.4%" in a column that marks decimals with '.'
     is 99,4 (recorded as a `number.dot_decimal` problem), bold and footnote markers apart;
  3. relations between columns are inferred from the rows: a percent column equal to 100·A/B (or
     100·A/B − 100) for a fixed pair of columns, or to each row's share of the total row; a total column
     equal to the sum of a group of columns next to it. A relation is kept only when it holds, to the
     printed rounding, in a clear majority of the rows where it can be tested (extract/facts/relations.py).
     A total row ("Tổng cộng", "Cả nước") and group rows ("I", "II" over "1", "2") are checked column by
     column against the rows under them when they add up in most of their columns;
  4. every numeric cell becomes a fact anchored on the cell; a percent cell whose row has the relation's
     two figures becomes a ratio (value_from, plan_from, plan_source "table", judged by CK02) or a change
     (judged by CK01); the parts of a total are linked to it (part_of, breakdown "table", judged by CK10);
     a cell of a column of changes gets a second fact, a difference (judged by CK15).
     The rows that break a relation are exactly what a reviewer must see, and they are flagged by the
     checks; a table where no relation holds gives its cell values only.

Tables the annex reader understands (extract/facts/tables.py) are left to it, except that the figures of
one printed cell by cell are also read here, as values on their own lines.

Cells are read in extract/facts/cells.py, relations inferred and linked in extract/facts/relations.py.
"""
from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal

import regex

from extract.facts.cells import Column, Row, match_cell, read_cell, read_conventions
from extract.facts.relations import apply_relations, apply_row_sums, infer_relations, total_row
from extract.facts.sentences import extract_sentence
from extract.facts.units import SPACES, display_unit, lookup_unit
from extract.records import Document, Fact, Problem, Sentence, TableRow
from extract.rulebook import Rulebook
from extract.text.flat_tables import EMPTY_CELL, is_column_numbering, is_numeric
from extract.text.segment import LineMap

MAX_COLUMNS = 30            # wider tables are read cell by cell, without looking for relations
PROSE_CELL_WORDS = 5        # a text cell of this many words at least is read with the sentence rules …
MAX_PROSE_CELL = 300        # … when it is no longer than this (a longer one is a converter's jumble)
WORD = regex.compile(r"[^\W\d_]{2,}")
STT = regex.compile(r"^(?:\d{1,4}[.)]?|\d{1,2}(?:\.\d{1,2})+\.?|[IVXLC]{1,7}[.)]?|[a-zđ][.)]?|[A-ZĐ][.)]?)$")
STT_HEADER = regex.compile(r"^(?:stt|tt|số\s*tt|số\s*thứ\s*tự)$", regex.I)
YEAR = regex.compile(r"^(?:19|20)\d\d$")
UNIT_IN_HEADER = regex.compile(r"\(\s*(?:đvt\s*:?\s*)?(?P<unit>[^()]{1,25}?)\s*\)\s*$", regex.I)
UNIT_LINE = regex.compile(r"(?:đơn\s*vị\s*tính|đơn\s*vị|đvt)\s*:\s*(?P<unit>[^\n\t;,)]{1,25})", regex.I)
UNIT_COLUMN = regex.compile(r"^(?:đvt|đơn\s*vị(?:\s*tính)?|đv\s*tính)$", regex.I)


def extract_grid_tables(document: Document, rulebook: Rulebook, annex: set[int] = frozenset()
                        ) -> tuple[list[Fact], list[Problem]]:
    """Facts of every table, and the problems found.

    A table the annex reader read (its number in `annex`) keeps its annex rows, which judge each row's
    plan, actual, percent and label; here only its outline is checked — the rows "A", "I", "1" that add up
    the rows under them —, through facts on the cells concerned. Printed one cell per line, its annex rows
    cannot sit on every line their figures were printed on, so all its figures are read too, as values."""
    by_table: dict[int, list[TableRow]] = {}
    for row in document.table_rows:
        by_table.setdefault(row.table, []).append(row)
    starts = [s.start for s in document.sentences]
    facts: list[Fact] = []
    problems: list[Problem] = []
    for table, rows in by_table.items():
        mode = "table"
        if table in annex:
            mode = "annex_cells" if printed_cell_by_cell(document, rows) else "annex"
        table_facts, table_problems = read_table(document, rows, rulebook, starts, mode)
        facts.extend(table_facts)
        problems.extend(table_problems if mode != "annex" else [])
    return facts, problems


def printed_cell_by_cell(document: Document, rows: list[TableRow]) -> bool:
    """Was the table printed one cell per line (rebuilt by extract/text/flat_tables.py)? Its rows then span
    several source lines."""
    locate = LineMap(document)
    return any(len(r.cells) > 1 and locate(r.cells[0].start) != locate(r.cells[-1].start) for r in rows[:3])


def _split_header(rows: list[TableRow]) -> tuple[list[TableRow], list[TableRow]]:
    """Header rows (marked, or before the first row with a figure) and data rows."""
    k = 0
    while k < len(rows) and (rows[k].header or _no_figures(rows[k])):
        k += 1
    data = [r for r in rows[k:] if not is_column_numbering([c.text for c in r.cells])]
    return rows[:k], data


def _no_figures(row: TableRow) -> bool:
    return all(not is_numeric(c.text) or YEAR.match(c.text) for c in row.cells) or is_column_numbering(
        [c.text for c in row.cells])


def column_labels(header: list[TableRow], width: int, numeric_from: int | None) -> list[str]:
    """A label per column from the header rows: one row of the table's width is read as is; a top row
    with one cell spanning the next row's cells ("Số lượng TTHC" over "Tổng số | Cấp tỉnh | Cấp xã") puts
    the span over the first numeric column; anything else gives no labels.

    >>> from extract.records import Cell
    >>> row = lambda *t: TableRow(1, 1, 0, 0, tuple(Cell(0, 0, x) for x in t), True)
    >>> column_labels([row("STT", "Tỉnh", "Số TTHC", "Đã công bố", "Tỷ lệ"), row("Tổng", "Cấp tỉnh", "Cấp xã")], 7, 2)
    ['STT', 'Tỉnh', 'Số TTHC: Tổng', 'Số TTHC: Cấp tỉnh', 'Số TTHC: Cấp xã', 'Đã công bố', 'Tỷ lệ']
    """
    rows = [[c.text for c in r.cells] for r in header]
    if not rows:
        return [""] * width
    if len(rows[-1]) == width:
        return rows[-1]
    if len(rows) >= 2 and len(rows[-2]) - 1 + len(rows[-1]) == width and numeric_from is not None:
        top, sub = rows[-2], rows[-1]
        span = min(numeric_from, len(top) - 1)
        return top[:span] + [f"{top[span]}: {s}" for s in sub] + top[span + 1:]
    if len(rows) == 1 and len(rows[0]) > width:   # a two-level header flattened into one row: no guess
        return [""] * width
    return [""] * width


def _table_unit(document: Document, first: TableRow, labels: list[str]) -> str | None:
    """The unit a table states for all its figures: "Đơn vị tính: tỷ đồng" in a header or just above it."""
    for label in labels:
        m = UNIT_LINE.search(label)
        if m:
            return m.group("unit")
    before = document.text[max(0, first.start - 300):first.start]
    lines = before.rstrip("\n").split("\n")[-2:]
    for line in lines:
        m = UNIT_LINE.search(line)
        if m:
            return m.group("unit")
    return None


def _holds_units(index: int, aligned, rulebook: Rulebook) -> bool:
    """A column headed "Đơn vị" holds units (ha, tấn, %) — or the names of the reporting units, which are labels."""
    cells = [cells[index].text for _, cells in aligned if cells is not None and cells[index] is not None
             and cells[index].text]
    return bool(cells) and sum(_known_unit(c, rulebook) is not None for c in cells) >= 0.6 * len(cells)


def _known_unit(raw: str | None, rulebook: Rulebook) -> tuple[str, Decimal] | None:
    """The normalised unit and scale of a printed unit the lexicon knows ("tỷ đồng", "ha", "%"), else None."""
    if not raw:
        return None
    text = SPACES.sub(" ", raw.strip()).lower()
    unit, scale, _ = lookup_unit(raw, rulebook.lexicon)
    if unit is None and scale == 1:
        return None
    if text in rulebook.lexicon.units or scale != 1 or (unit is not None and unit != text):
        return display_unit(raw, rulebook.lexicon) or unit, scale
    return None


@dataclass
class Grid:
    """A table laid on its columns: what `read_table` works from."""
    columns: list[Column]
    rows: list[Row]        # the data rows of the table's width, with their numbers read
    aligned: list           # (TableRow, cells aligned on the columns, or None when they cannot be)
    unit_col: int | None
    label_col: int | None
    problems: list[Problem]


def lay_out(document: Document, rows: list[TableRow], rulebook: Rulebook) -> Grid | None:
    """Lay a table's data rows on its columns, tell what each column holds and read its numbers."""
    header, data = _split_header(rows)
    widths = Counter(len(r.cells) for r in data if any(match_cell(c) for c in r.cells))
    if not widths:
        return None
    width = widths.most_common(1)[0][0]
    aligned = []
    for r in data:
        cells = list(r.cells)
        if len(cells) < width and cells and not match_cell(cells[0]) and any(match_cell(c) for c in cells):
            cells = [None] * (width - len(cells)) + cells   # a total row without its row number
        aligned.append((r, cells if len(cells) == width else None))
    columns = [Column(i) for i in range(width)]
    for _, cells in aligned:
        if cells is None:
            continue
        for i, cell in enumerate(cells):
            if cell is None or not cell.text:
                continue
            m = match_cell(cell)
            if m:
                columns[i].numbers += 1
                columns[i].percents += bool(m.group("percent"))
            elif not EMPTY_CELL.match(cell.text):
                columns[i].texts += 1
    _find_stt_and_years(columns, aligned, header)
    numeric_from = next((c.index for c in columns if c.numeric or c.numbers > c.texts), None)
    for column, label in zip(columns, column_labels(header, width, numeric_from)):
        column.label = SPACES.sub(" ", label).strip()
    problems = read_conventions(columns, aligned)
    unit_col = next((c.index for c in columns if UNIT_COLUMN.match(c.label)
                     and _holds_units(c.index, aligned, rulebook)), None)
    table_unit = _known_unit(_table_unit(document, rows[0], [c.label for c in columns]), rulebook)
    for column in columns:
        m = UNIT_IN_HEADER.search(column.label)
        found = _known_unit(m.group("unit"), rulebook) if m else None
        column.unit, column.scale = found or table_unit or (None, Decimal(1))
    label_col = next((c.index for c in columns if not c.numeric and not c.stt and not c.years
                      and c.index != unit_col and c.texts), None)
    grid: list[Row] = []
    for r, cells in aligned:
        if cells is None:
            continue
        readings = {}
        for column in columns:
            cell = cells[column.index]
            if cell is None or not column.numeric:
                continue
            reading, ambiguous = read_cell(cell, column.dot_decimal)
            if reading is not None:
                readings[column.index] = reading
                if ambiguous:
                    problems.append(Problem(
                        "number.dot_decimal", f"{cell.text!r} is ambiguous: read as {reading.raw} since its column "
                        f"writes decimals with '.'; the Vietnamese way it would be another number", cell.start, cell.end))
        label = cells[label_col].text if label_col is not None and cells[label_col] is not None else ""
        stt_cell = cells[0] if columns[0].stt else None
        grid.append(Row(r, cells, label, stt_cell.text if stt_cell is not None and stt_cell.text else None, readings))
    return Grid(columns, grid, aligned, unit_col, label_col, problems)


def read_table(document: Document, rows: list[TableRow], rulebook: Rulebook, starts: list[int],
               mode: str = "table") -> tuple[list[Fact], list[Problem]]:
    """The facts of one table: a fact per numeric cell, linked along the relations its rows show. For an
    annex (`mode` "annex_cells": printed one cell per line; "annex"), only the outline's sums are linked,
    and with "annex" only the cells they link are kept."""
    grid = lay_out(document, rows, rulebook)
    if grid is None:
        return [], []
    facts = _cell_facts(document, grid.rows, grid.columns, grid.unit_col, rulebook, starts)
    if mode != "table":
        facts = [f for f in facts if f.kind == "value"]
        if len(grid.columns) <= MAX_COLUMNS:
            facts = apply_row_sums(facts, grid.rows, grid.columns, rulebook.tables)
        if mode == "annex":
            totals = {f.part_of for f in facts if f.part_of is not None}
            facts = [f for f in facts if f.part_of is not None or f.key in totals]
        return facts, grid.problems
    if len(grid.columns) <= MAX_COLUMNS:
        facts = apply_relations(facts, grid.rows, grid.columns, rulebook.tables)
        facts = apply_row_sums(facts, grid.rows, grid.columns, rulebook.tables)
    facts.extend(_prose_cells(document, grid.aligned, {grid.label_col, grid.unit_col}, rulebook, starts))
    return facts, grid.problems


def table_relations(document: Document, rulebook: Rulebook) -> dict[int, list[tuple]]:
    """Table number -> the column relations its rows show, as (kind, target column, source columns), columns
    counted from 0 (for readers and tests: what the checks will judge every row by).

    >>> from extract.facts.engine import document_from_text
    >>> from extract.rulebook import default_rulebook
    >>> rows = ["Xã\\tTổng\\tNam\\tNữ", "An\\t120\\t70\\t50", "Bình\\t98\\t50\\t48", "Cường\\t75\\t40\\t35"]
    >>> table_relations(document_from_text("\\n".join(rows)), default_rulebook())
    {1: [('sum', 1, (2, 3))]}
    """
    by_table: dict[int, list[TableRow]] = {}
    for row in document.table_rows:
        by_table.setdefault(row.table, []).append(row)
    out = {}
    for table, rows in by_table.items():
        grid = lay_out(document, rows, rulebook)
        if grid is None:
            continue
        total = total_row(grid.rows)
        out[table] = [(r.kind, r.target, r.sources) for r in infer_relations(grid.rows, grid.columns, total)]
    return out


def _find_stt_and_years(columns: list[Column], aligned, header: list[TableRow]) -> None:
    """The first column numbers the rows when its cells look like row numbers ("1.", "2", "IV", "a)") and
    plain integers count up; a numeric column of years only ("2021", "2022") labels its rows."""
    first = [cells[0].text for _, cells in aligned if cells is not None and cells[0] is not None and cells[0].text]
    marks = [t for t in first if STT.match(t)]
    if first and len(marks) >= 0.6 * len(first):
        integers = [int(t) for t in marks if t.isdecimal()]
        counting = sum(b == a + 1 for a, b in zip(integers, integers[1:]))
        named = any(r.cells and STT_HEADER.match(r.cells[0].text) for r in header)
        if named or len(integers) < len(marks) or counting >= 0.6 * (len(integers) - 1):
            columns[0].stt = True
    for column in columns:
        values = [cells[column.index].text for _, cells in aligned
                  if cells is not None and cells[column.index] is not None and match_cell(cells[column.index])]
        if values and all(YEAR.match(v) for v in values) and (
                len(values) == 1 or all(a < b for a, b in zip(values, values[1:]))
                or all(a > b for a, b in zip(values, values[1:]))):
            column.years = True


def _sentence_at(document: Document, starts: list[int], offset: int) -> int | None:
    i = bisect.bisect_right(starts, offset) - 1
    if i >= 0 and offset < document.sentences[i].end:
        return document.sentences[i].index
    return None


def _cell_facts(document: Document, grid: list[Row], columns: list[Column], unit_col: int | None,
                rulebook: Rulebook, starts: list[int]) -> list[Fact]:
    facts = []
    for row in grid:
        sentence = _sentence_at(document, starts, row.row.start)
        row_unit = None
        if unit_col is not None and row.cells[unit_col] is not None:
            row_unit = _known_unit(row.cells[unit_col].text, rulebook) or (
                (row.cells[unit_col].text or None), Decimal(1))
        for index, reading in sorted(row.readings.items()):
            column = columns[index]
            unit, scale = row_unit or (column.unit, column.scale)
            label = "; ".join(x for x in (row.label, column.label) if x) or None
            common = dict(rule=rulebook.tables["cell_code"], raw=document.text[reading.start:reading.end], char_start=reading.start,
                          char_end=reading.end, sentence=sentence, label=label, stt=row.stt,
                          table_row=row.row.row, table=row.row.table, comparator=reading.comparator)
            if column.percent or reading.percent or unit == "%":
                facts.append(Fact(kind="percent", percent=reading.value, percent_raw=reading.raw,
                                  percent_decimals=reading.decimals, unit="%", **common))
            else:
                facts.append(Fact(kind="value", value=reading.value * scale, value_raw=reading.raw, value_scale=scale,
                                  unit=unit, unit_raw=row.cells[unit_col].text if row_unit else None, **common))
    return facts


def _prose_cells(document: Document, aligned, labels: set, rulebook: Rulebook, starts: list[int]) -> list[Fact]:
    """Figures inside text cells that are sentences ("Đạt 95% kế hoạch, tăng 12 xã so với năm trước") are read
    with the sentence rules, as if the cell were a sentence. The row's label and unit cells are names, not
    claims, and are not read."""
    facts = []
    for r, cells in aligned:
        if cells is None:
            continue
        for index, cell in enumerate(cells):
            if (cell is None or index in labels or match_cell(cell) or len(cell.text) > MAX_PROSE_CELL
                    or not any(ch.isdecimal() for ch in cell.text)
                    or len(WORD.findall(cell.text)) < PROSE_CELL_WORDS):
                continue
            sentence_no = _sentence_at(document, starts, cell.start)
            sentence = Sentence(sentence_no if sentence_no is not None else 0, cell.start, cell.end, "table", "")
            facts.extend(replace(f, sentence=sentence_no, table=r.table, table_row=r.row)
                         for f in extract_sentence(document.text, sentence, rulebook))
    return facts
