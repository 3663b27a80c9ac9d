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
     printed rounding, in a clear majority of the rows where it can be tested (`MAJORITY`, `MIN_ROWS`).
     A total row ("Tổng cộng", "Cả nước") and group rows ("I", "II" over "1", "2") are checked column by
     column against the rows under them when they add up in most of their columns;
  4. every numeric cell becomes a fact anchored on the cell; a percent cell whose row has the relation's
     two figures becomes a ratio (value_from, plan_from, plan_source "table", judged by CK02) or a change
     (judged by CK01); the parts of a total are linked to it (part_of, breakdown "table", judged by CK10).
     The rows that break a relation are exactly what a reviewer must see, and they are flagged by the
     checks; a table where no relation holds gives its cell values only.

Tables the annex reader understands (extract/facts/tables.py) are left to it, except that the figures of
one printed cell by cell are also read here, as values on their own lines.

Each relation is tested row by row for a bounded number of column pairs and groups, so the cost is linear
in the number of rows.
"""
from __future__ import annotations

import bisect
import math
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal

import regex

from extract.facts.numbers import NumberFormatError, format_vn_number, read_vn_number
from extract.facts.sentences import extract_sentence
from extract.facts.units import SPACES, display_unit, lookup_unit
from extract.records import Cell, Document, Fact, Problem, Sentence, TableRow
from extract.rulebook import Rulebook
from extract.text.segment import LineMap
from extract.text.flat_tables import EMPTY_CELL, NUMBER_CELL, is_column_numbering, is_numeric

RULE = "TB02"               # a figure read from a table cell
DIFFERENCE_RULE = "TB03"    # a cell that states the difference of two others ("Tăng, giảm" = 2024 − 2023)
RULES = (RULE, DIFFERENCE_RULE)
MAJORITY = Decimal("0.75")  # a relation must hold in this share of the rows that can test it
MIN_ROWS = 3                # … and in this many rows at least
SMALL_TABLE = 3             # except in a table of three rows, where two are enough
MAX_COLUMNS = 30            # wider tables are read cell by cell, without looking for relations
MAX_GROUP = 8               # a total of at most this many adjacent columns
SAMPLE_ROWS = 60            # the rows of a longer table vote on a relation through a sample of about this many
EXACT_EVIDENCE = 0.001      # whole numbers adding up exactly this unlikely under rounding are exact counts
NEAR_MISS = Decimal("0.1")  # a total row off by less than this share of itself in one column is a misprint
PROSE_CELL_WORDS = 5        # a text cell of this many words at least is read with the sentence rules …
MAX_PROSE_CELL = 300        # … when it is no longer than this (a longer one is a converter's jumble)
WORD = regex.compile(r"[^\W\d_]{2,}")

CELL = NUMBER_CELL   # the number of a cell, with its comparator, % sign and footnote marker apart
# Numbers only the English way reads ("99.4", "1,234.5") or that it reads otherwise ("1.845", "1,845").
ENGLISH_NUMBER = regex.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
# A Vietnamese decimal comma that no English reading explains: "97,5", "1.234,5".
VN_DECIMAL = regex.compile(r"^(?:\d{1,3}(?:\.\d{3})+|\d+),(?:\d{1,2}|\d{4,})$|^\d{1,3}(?:\.\d{3})+,\d+$")
STT = regex.compile(r"^(?:\d{1,4}[.)]?|\d{1,2}(?:\.\d{1,2})+\.?|[IVXLC]{1,7}[.)]?|[a-zđ][.)]?|[A-ZĐ][.)]?)$")
STT_HEADER = regex.compile(r"^(?:stt|tt|số\s*tt|số\s*thứ\s*tự)$", regex.I)
YEAR = regex.compile(r"^(?:19|20)\d\d$")
# A column of absolute changes: "Tăng (+), giảm (-)", "Chênh lệch", "+/-".
CHANGE_HEADER = regex.compile(r"tăng|giảm|chênh|\+\s*/\s*-|±", regex.I)
PERCENT_HEADER = regex.compile(r"%|tỷ\s*lệ|tỉ\s*lệ|so\s*sánh|so\s*với", regex.I)
UNIT_IN_HEADER = regex.compile(r"\(\s*(?:đvt\s*:?\s*)?(?P<unit>[^()]{1,25}?)\s*\)\s*$", regex.I)
UNIT_LINE = regex.compile(r"(?:đơn\s*vị\s*tính|đơn\s*vị|đvt)\s*:\s*(?P<unit>[^\n\t;,)]{1,25})", regex.I)
UNIT_COLUMN = regex.compile(r"^(?:đvt|đơn\s*vị(?:\s*tính)?|đv\s*tính)$", regex.I)
COMPARATORS = {"<": "<", ">": ">", "≤": "<=", "≥": ">="}
# The label of a row that adds up the others: "Tổng cộng", "Cộng", "Toàn tỉnh", "Cả nước", "Tổng số (A+B)" —
# not an indicator that starts like one ("Tổng đàn bò", "Tổng số hộ nghèo").
SCOPE = r"toàn\s+(?:tỉnh|huyện|thành\s+phố|thị\s+xã|quốc|ngành|xã|vùng|khu\s+vực)|cả\s+nước|chung"
TOTAL_ROW = regex.compile(rf"^(?:tổng\s*cộng|tổng\s*số|tổng|cộng|{SCOPE})(?:\s+(?:{SCOPE}))?\s*(?:[:(].*)?$", regex.I)


@dataclass(frozen=True, slots=True)
class Reading:
    """A number read from a cell: its value, printed decimals, where it is printed, how it was read."""
    value: Decimal
    decimals: int
    raw: str               # the number written the Vietnamese way ("99,4" for a printed "99.4")
    start: int             # canonical offsets of the printed number, with its % sign
    end: int
    percent: bool
    comparator: str | None
    dot_decimal: bool      # read with '.' as the decimal mark
    exact: bool = False    # taken as exact (a whole count), not as rounded

    @property
    def half(self) -> Decimal:
        """Half a unit of the last printed digit: the rounding the printed number allows."""
        return Decimal(0) if self.exact else Decimal(5).scaleb(-self.decimals - 1)


def _match(cell: Cell | None):
    return CELL.match(cell.text) if cell is not None and cell.text else None


def read_digits(digits: str, dot_decimal: bool) -> tuple[Decimal, int, bool, bool] | None:
    """(value, decimals, read with '.' as the decimal mark, ambiguous) of an unsigned printed number.

    The Vietnamese way first ('.' groups thousands, ',' marks decimals); in a column that writes decimals
    with '.' (`dot_decimal`), the other way, where "1.845" and "1,845" are each ambiguous. A number that
    only the other way can read ("99.4", "1,234.5") is read so, wherever it is.

    >>> read_digits("99.4", False), read_digits("1.845", False)
    ((Decimal('99.4'), 1, True, False), (Decimal('1845'), 0, False, False))
    >>> read_digits("1.845", True), read_digits("1,845", True), read_digits("1,234.5", False)
    ((Decimal('1.845'), 3, True, True), (Decimal('1845'), 0, True, True), (Decimal('1234.5'), 1, True, False))
    """
    english = ENGLISH_NUMBER.match(digits)
    if not dot_decimal or not english:
        try:
            number = read_vn_number(digits)
            return number.value, number.decimals, False, False
        except NumberFormatError:
            if not english:
                return None
    whole, _, fraction = digits.partition(".")
    ambiguous = (not fraction and "," in whole) or (len(fraction) == 3 and "," not in whole)
    return Decimal(f"{whole.replace(',', '')}.{fraction}" if fraction else whole.replace(",", "")), len(fraction), True, ambiguous


def read_cell(cell: Cell, dot_decimal: bool) -> tuple[Reading | None, bool]:
    """The number of a cell, read as its column writes numbers (`read_digits`); and whether the reading was
    ambiguous."""
    m = _match(cell)
    if m is None:
        return None, False
    printed = m.group("number")
    sign = -1 if printed[0] in "-−–" else 1
    digits = printed.lstrip("+-−–")
    read = read_digits(digits, dot_decimal)
    if read is None:
        return None, False
    value, decimals, dotted, ambiguous = read
    raw = format_vn_number(value, decimals) if dotted else digits
    end = m.end("percent") if m.group("percent") else m.end("number")
    start = m.start("number") if sign < 0 or printed[0] == "+" else m.start("number") + (len(printed) - len(digits))
    return Reading(sign * value, decimals, ("-" if sign < 0 else "") + raw, cell.start + start, cell.start + end,
                   bool(m.group("percent")), COMPARATORS.get(m.group("comparator") or ""), dotted), ambiguous


@dataclass
class _Column:
    index: int
    label: str = ""
    numbers: int = 0
    percents: int = 0
    texts: int = 0
    stt: bool = False
    years: bool = False
    dot_decimal: bool = False
    unit: str | None = None
    scale: Decimal = Decimal(1)

    @property
    def numeric(self) -> bool:
        return self.numbers > 0 and self.numbers >= 1.5 * self.texts and not self.stt and not self.years

    @property
    def percent(self) -> bool:
        return self.numeric and (2 * self.percents >= self.numbers or bool(PERCENT_HEADER.search(self.label))
                                 or self.unit == "%")


@dataclass
class _Row:
    row: TableRow
    cells: list            # Cell | None per column, aligned
    label: str
    stt: str | None
    readings: dict         # column -> Reading


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
    unit, scale = lookup_unit(raw, rulebook.lexicon)
    if unit is None and scale == 1:
        return None
    if text in rulebook.lexicon.units or scale != 1 or (unit is not None and unit != text):
        return display_unit(raw, rulebook.lexicon) or unit, scale
    return None


@dataclass
class Grid:
    """A table laid on its columns: what `read_table` works from."""
    columns: list[_Column]
    rows: list[_Row]        # the data rows of the table's width, with their numbers read
    aligned: list           # (TableRow, cells aligned on the columns, or None when they cannot be)
    unit_col: int | None
    label_col: int | None
    problems: list[Problem]


def lay_out(document: Document, rows: list[TableRow], rulebook: Rulebook) -> Grid | None:
    """Lay a table's data rows on its columns, tell what each column holds and read its numbers."""
    header, data = _split_header(rows)
    widths = Counter(len(r.cells) for r in data if any(_match(c) for c in r.cells))
    if not widths:
        return None
    width = widths.most_common(1)[0][0]
    aligned = []
    for r in data:
        cells = list(r.cells)
        if len(cells) < width and cells and not _match(cells[0]) and any(_match(c) for c in cells):
            cells = [None] * (width - len(cells)) + cells   # a total row without its row number
        aligned.append((r, cells if len(cells) == width else None))
    columns = [_Column(i) for i in range(width)]
    for _, cells in aligned:
        if cells is None:
            continue
        for i, cell in enumerate(cells):
            if cell is None or not cell.text:
                continue
            m = _match(cell)
            if m:
                columns[i].numbers += 1
                columns[i].percents += bool(m.group("percent"))
            elif not EMPTY_CELL.match(cell.text):
                columns[i].texts += 1
    _find_stt_and_years(columns, aligned, header)
    numeric_from = next((c.index for c in columns if c.numeric or c.numbers > c.texts), None)
    for column, label in zip(columns, column_labels(header, width, numeric_from)):
        column.label = SPACES.sub(" ", label).strip()
    problems = _read_conventions(columns, aligned)
    unit_col = next((c.index for c in columns if UNIT_COLUMN.match(c.label)
                     and _holds_units(c.index, aligned, rulebook)), None)
    table_unit = _known_unit(_table_unit(document, rows[0], [c.label for c in columns]), rulebook)
    for column in columns:
        m = UNIT_IN_HEADER.search(column.label)
        found = _known_unit(m.group("unit"), rulebook) if m else None
        column.unit, column.scale = found or table_unit or (None, Decimal(1))
    label_col = next((c.index for c in columns if not c.numeric and not c.stt and not c.years
                      and c.index != unit_col and c.texts), None)
    grid: list[_Row] = []
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
        grid.append(_Row(r, cells, label, stt_cell.text if stt_cell is not None and stt_cell.text else None, readings))
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
            facts = _apply_row_sums(facts, grid.rows, grid.columns)
        if mode == "annex":
            totals = {f.part_of for f in facts if f.part_of is not None}
            facts = [f for f in facts if f.part_of is not None or f.key in totals]
        return facts, grid.problems
    if len(grid.columns) <= MAX_COLUMNS:
        facts = _apply_relations(facts, grid.rows, grid.columns)
        facts = _apply_row_sums(facts, grid.rows, grid.columns)
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
        total = _total_row(grid.rows)
        out[table] = [(r.kind, r.target, r.sources) for r in infer_relations(grid.rows, grid.columns, total)]
    return out


def _total_row(grid: list[_Row]) -> _Row | None:
    """The table's total row, first or last ("Tổng cộng", "Cả nước"), when it prints figures."""
    return next((r for r in (grid[-1], grid[0]) if TOTAL_ROW.match(r.label) and r.readings), None) if grid else None


def _find_stt_and_years(columns: list[_Column], aligned, header: list[TableRow]) -> None:
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
                  if cells is not None and cells[column.index] is not None and _match(cells[column.index])]
        if values and all(YEAR.match(v) for v in values) and (
                len(values) == 1 or all(a < b for a, b in zip(values, values[1:]))
                or all(a > b for a, b in zip(values, values[1:]))):
            column.years = True


def _read_conventions(columns: list[_Column], aligned) -> list[Problem]:
    """Which columns write decimals with '.': those with a number only that way can read ("99.4",
    "1,234.5") and none with a Vietnamese decimal comma ("97,5", "1.234,5"). One problem per column with
    such numbers, at the first of them."""
    problems = []
    for column in columns:
        if not column.numeric:
            continue
        dotted, comma, first = 0, False, None
        for _, cells in aligned:
            cell = cells[column.index] if cells is not None else None
            m = _match(cell)
            if m is None:
                continue
            digits = m.group("number").lstrip("+-−–")
            if VN_DECIMAL.match(digits):
                comma = True
            elif ENGLISH_NUMBER.match(digits) and read_digits(digits, False)[2]:
                dotted += 1
                first = first or cell
        if dotted:
            column.dot_decimal = not comma
            problems.append(Problem(
                "number.dot_decimal",
                f"column {column.label or column.index + 1!r} writes {dotted} number(s) with '.' for decimals "
                f"({first.text!r}) where Vietnamese text uses ','; read so", first.start, first.end))
    return problems


def _sentence_at(document: Document, starts: list[int], offset: int) -> int | None:
    i = bisect.bisect_right(starts, offset) - 1
    if i >= 0 and offset < document.sentences[i].end:
        return document.sentences[i].index
    return None


def _cell_facts(document: Document, grid: list[_Row], columns: list[_Column], unit_col: int | None,
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
            common = dict(rule=RULE, raw=document.text[reading.start:reading.end], char_start=reading.start,
                          char_end=reading.end, sentence=sentence, label=label, stt=row.stt,
                          table_row=row.row.row, table=row.row.table, comparator=reading.comparator)
            if column.percent or reading.percent or unit == "%":
                facts.append(Fact(kind="percent", percent=reading.value, percent_raw=reading.raw,
                                  percent_decimals=reading.decimals, unit="%", **common))
            else:
                facts.append(Fact(kind="value", value=reading.value * scale, value_raw=reading.raw,
                                  unit=unit, unit_raw=row.cells[unit_col].text if row_unit else None, **common))
    return facts


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


def infer_relations(grid: list[_Row], columns: list[_Column], total: _Row | None = None) -> list[Relation]:
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


def _apply_relations(facts: list[Fact], grid: list[_Row], columns: list[_Column]) -> list[Fact]:
    """Link the facts of every row along the inferred relations (see `rounding_only` for the rows left out)."""
    total = _total_row(grid)
    relations = infer_relations(grid, columns, total)
    if not relations:
        return facts
    at = {f.char_start: i for i, f in enumerate(facts) if f.rule == RULE}
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
                differences.append(_difference(facts[target], facts[sources[0]], facts[sources[1]]))
            else:
                facts = _link(facts, relation.kind, target, sources)
    return facts + [f for f in differences if f is not None]


def _difference(cell: Fact, a: Fact, b: Fact) -> Fact | None:
    """A cell that states A − B, as a second fact on the cell ("difference", judged by CK15); the cell's
    own value fact stays."""
    if cell.value is None or cell.value_raw is None:
        return None
    return replace(cell, rule=DIFFERENCE_RULE, kind="difference", delta=abs(cell.value), part_of=None, breakdown=None,
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


def row_groups(grid: list[_Row]) -> list[tuple[_Row, list[_Row]]]:
    """(row, the rows it may add up) for a table's total row and its outline rows.

    A row numbered at one level of the outline ("A", "I", "1") may add up the rows of the next level under
    it, up to the next row of its level or above; a total row ("Tổng cộng", "Cả nước"), first or last, may
    add up the rows of the top level.

    >>> row = lambda stt, label: _Row(None, [], label, stt, {1: 1})
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
    groups: list[tuple[_Row, list[_Row]]] = []
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


def _apply_row_sums(facts: list[Fact], grid: list[_Row], columns: list[_Column]) -> list[Fact]:
    """Link the cells of the rows a total or group row adds up to that row's cell, column by column.

    The row must add up, to the printed rounding, in half of its numeric columns that can test it, and in
    two of them where there are more than two; a column is then linked where it adds up or misses by a
    misprint's margin (`NEAR_MISS`), not where it is far off (an average, a rate, a maximum does not add
    up). A column whose cells already belong to another total is left out: a sum of some of its parts
    would be wrong."""
    value_cols = [c.index for c in columns if c.numeric and not c.percent]
    at = {f.char_start: i for i, f in enumerate(facts) if f.rule == RULE}
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


def _prose_cells(document: Document, aligned, labels: set, rulebook: Rulebook, starts: list[int]) -> list[Fact]:
    """Figures inside text cells that are sentences ("Đạt 95% kế hoạch, tăng 12 xã so với năm trước") are read
    with the sentence rules, as if the cell were a sentence. The row's label and unit cells are names, not
    claims, and are not read."""
    facts = []
    for r, cells in aligned:
        if cells is None:
            continue
        for index, cell in enumerate(cells):
            if (cell is None or index in labels or _match(cell) or len(cell.text) > MAX_PROSE_CELL
                    or not any(ch.isdecimal() for ch in cell.text)
                    or len(WORD.findall(cell.text)) < PROSE_CELL_WORDS):
                continue
            sentence_no = _sentence_at(document, starts, cell.start)
            sentence = Sentence(sentence_no if sentence_no is not None else 0, cell.start, cell.end, "table", "")
            facts.extend(replace(f, sentence=sentence_no, table=r.table, table_row=r.row)
                         for f in extract_sentence(document.text, sentence, rulebook))
    return facts
