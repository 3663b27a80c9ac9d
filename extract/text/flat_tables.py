"""Find tables that a converter flattened to one cell per line, and rebuild their rows.

Converters (PDF→text, HTML→Markdown, Word→text) often print a table one cell per line, in one of two
styles:

  - separated: a line holding only "|" between cells, and two such lines in a row (an empty cell)
    between rows; a cell may run over several lines ("Số lượng TTHC" / "thực hiện theo …");
  - bare: no separator at all, the cells of each row on consecutive lines, row after row
    ("1." / "Thanh Hóa" / "1.845" / "1.790" / "97,0%" / "2." / …).

`find_flat_tables` looks at the already normalised lines and returns each table it is sure of: its
first and last line and its rows, each cell with the lines it was printed on, so the Document can
join a row's cells with tabs while every cell keeps its own source line. It is conservative: a
table needs a repeating row shape over three rows at least, in short lines, with a figure for every
two text cells at least; prose, lists and headings never have that shape. The rows before the first
row with figures are the header (a header printed over two levels stays two header rows; a row that
numbers the columns, "1 2 3", is a header too). Everything here is one pass over the lines (the bare
style tries a bounded number of row lengths and starting points), so its cost grows with the text.
"""
from __future__ import annotations

from dataclasses import dataclass

import regex as re

SEPARATOR = "|"
# A number cell: an optional comparator, a signed number, an optional % and a footnote marker kept apart
# ("2.388", "99.4%", "-3,5", "≥95", "1.845¹", "12,5*", "320[2]", "87 (1)", "__2388__" left by a converter).
NUMBER_CELL = re.compile(r"^_{0,3}(?P<comparator>[<>≤≥])?\s*(?P<number>[+\-−–]?\d(?:[\d.,]*\d)?)\s*(?P<percent>%)?_{0,3}"
                         r"\s*(?P<marker>[⁰¹²³⁴⁵⁶⁷⁸⁹]+|\*{1,3}|\[\d{1,3}\]|\(\d{1,2}\)|\(\*\))?$")
# What tables print in a cell with no figure: a dash, "x", an ellipsis.
EMPTY_CELL = re.compile(r"^(?:[-–—x×…]|\.{2,3}|-{2,})$", re.I)
# A row number on its own: "1.", "12)", "II.", "IV", "a)", "b.", "A", "B." (a bare "7" is read as a number).
STT_CELL = re.compile(r"^(?:\d{1,4}[.)]|[IVXL]{1,6}[.)]?|[a-zđ][.)]|[A-HĐ][.)]?)$")
PAGE_NUMBER = re.compile(r"^(?:-\s*)?\d{1,3}(?:\s*-)?$")
SENTENCE_END = re.compile(r"[.;:!?…]$")
FOOTNOTE_BODY = re.compile(r"^[⁰¹²³⁴⁵⁶⁷⁸⁹]")

MAX_CELL_CHARS = 80        # a label or header cell; prose lines are longer
MAX_CELL_WORDS = 14
MAX_CELL_LINES = 4         # a separated cell printed over several lines
MAX_ROW_CELLS = 24         # the widest row the bare style looks for
MIN_ROWS = 3               # a repeating row shape over three rows at least


@dataclass(frozen=True, slots=True)
class FlatCell:
    """One cell: the pieces of text it was printed in, each with its page and line, and its line index."""
    pieces: tuple[tuple[str, int, int, int], ...]   # (text, page, line, index of the source line)

    @property
    def text(self) -> str:
        return " ".join(p[0] for p in self.pieces)


@dataclass(frozen=True, slots=True)
class FlatRow:
    cells: tuple[FlatCell, ...]
    header: bool = False


@dataclass(frozen=True, slots=True)
class FlatTable:
    first: int            # index of the first source line the table takes in
    last: int             # index of the last one (inclusive)
    rows: tuple[FlatRow, ...]
    style: str            # "separated" or "bare"


def cell_type(text: str) -> str:
    """N (a number or an empty-value mark), S (a row number), T (a short text cell) or X (not a cell).

    >>> [cell_type(t) for t in ("1.845", "97,0%", "-", "1.", "IV", "Thanh Hóa", "Tổng số hộ nghèo giảm 152 hộ.")]
    ['N', 'N', 'N', 'S', 'S', 'T', 'X']
    """
    if NUMBER_CELL.match(text) or EMPTY_CELL.match(text):
        return "N"
    if STT_CELL.match(text):
        return "S"
    if (len(text) <= MAX_CELL_CHARS and len(text.split()) <= MAX_CELL_WORDS and not SENTENCE_END.search(text)
            and SEPARATOR not in text and "\t" not in text and not FOOTNOTE_BODY.match(text)):
        return "T"
    return "X"


def is_numeric(text: str) -> bool:
    return bool(NUMBER_CELL.match(text))


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdecimal())


def is_column_numbering(texts: list[str]) -> bool:
    """A row that numbers the columns ("1 2 3 4", "(1) (2) (3)", "A B 1 2 3=1+2") is a header, not figures.

    >>> is_column_numbering(["A", "B", "1", "2", "3", "4"]), is_column_numbering(["Hà Nội", "12", "13", "14"])
    (True, False)
    """
    numbers = []
    for t in texts:
        t = t.strip().strip("()")
        if re.fullmatch(r"\d{1,2}(?:\s*=.*)?", t):
            numbers.append(int(re.match(r"\d+", t).group(0)))
        elif t and not re.fullmatch(r"[A-ZĐ]|\*|", t):
            return False
    return len(numbers) >= 2 and all(b == a + 1 for a, b in zip(numbers, numbers[1:]))


def _is_year(text: str) -> bool:
    return bool(re.fullmatch(r"(?:19|20)\d\d", text.strip()))


def _header_like(cells: list[str]) -> bool:
    """A row before the data: text cells (bare years allowed: "2023 | 2024"), or a column numbering."""
    if is_column_numbering(cells):
        return True
    return all(not is_numeric(c) or _is_year(c) for c in cells)


def find_flat_tables(texts: list[str], places: list[tuple[int, int]], usable: list[bool]) -> list[FlatTable]:
    """Tables flattened one cell per line, in text order and not overlapping.

    `texts` are the normalised lines, `places` their (page, line) and `usable` whether a line may be a
    cell (a reader's footnote, table or continuation line may not)."""
    tables: list[FlatTable] = []
    i, n = 0, len(texts)
    while i < n:
        text = texts[i]
        if usable[i] and text == SEPARATOR:
            table = _separated_table(texts, places, usable, i)
            if table is not None:
                tables.append(table)
                i = table.last + 1
                continue
            i += 1
            continue
        if usable[i] and cell_type(text) != "X" and text:
            end = i
            while end < n and usable[end] and texts[end] != SEPARATOR and (not texts[end] or cell_type(texts[end]) != "X"):
                end += 1
            found = _bare_tables(texts, places, i, end)
            tables.extend(found)
            i = max(end, i + 1)
            continue
        i += 1
    return tables


# --- separated style -------------------------------------------------------------------------------

def _separated_table(texts, places, usable, start: int) -> FlatTable | None:
    """The table whose first separator line is `start`, or None when the lines there do not form one."""
    n = len(texts)
    tokens: list = []   # "|" or a FlatCell
    j, last_sep = start, start
    while j < n and usable[j]:
        text = texts[j]
        if not text:
            j += 1
            continue
        if text == SEPARATOR:
            tokens.append(SEPARATOR)
            last_sep = j
            j += 1
            continue
        pieces, k = [], j
        while k < n and usable[k] and texts[k] != SEPARATOR and len(pieces) <= MAX_CELL_LINES:
            if texts[k]:
                if len(texts[k]) > 2 * MAX_CELL_CHARS or "\t" in texts[k]:
                    break
                pieces.append((texts[k], *places[k], k))
            k += 1
        if not pieces or k >= n or texts[k] != SEPARATOR or len(pieces) > MAX_CELL_LINES:
            break
        tokens.append(FlatCell(tuple(pieces)))
        j = k
    rows = _split_rows(tokens)
    cut = _next_table_at(rows)
    if cut is not None:   # the table ends where the next one's title or header starts
        lines = [p[3] for row in rows[:cut] for cell in row for p in cell.pieces]
        last_sep = max(lines) + 1 if lines and texts[max(lines) + 1] == SEPARATOR else max(lines, default=start)
        rows = rows[:cut]
    shaped = _with_headers(rows)
    if shaped is None:
        return None
    return FlatTable(start, last_sep, shaped, "separated")


def _next_table_at(rows: list[list[FlatCell]]) -> int | None:
    """The row where a second table starts right after the first: a row without figures (a title, a
    header) followed by data rows of another length. A group heading ("I. Miền Bắc") is followed by rows
    of the same length and does not end the table."""
    widths: list[int] = []
    for k, row in enumerate(rows):
        texts = [c.text for c in row]
        if not _header_like(texts):
            widths.append(len(row))
            continue
        if not widths:
            continue
        width = max(set(widths), key=widths.count)
        following = next((r for r in rows[k + 1:] if not _header_like([c.text for c in r])), None)
        if following is not None and len(following) != width:
            return k
    return None


def _split_rows(tokens: list) -> list[list[FlatCell]]:
    """Rows are the cells between separators; two separators in a row (an empty cell) end a row.

    Three or more in a row also hold empty cells, at the end of one row or the start of the next: they
    go where they make the row as long as the table's rows (`_place_empties`)."""
    cells: list[FlatCell] = []
    runs: list[int] = [0]       # runs[i]: separators before cells[i]; the last one: after the last cell
    for token in tokens:
        if token == SEPARATOR:
            runs[-1] += 1
        else:
            cells.append(token)
            runs.append(0)
    if not cells:
        return []
    rows: list[list[FlatCell]] = [[cells[0]]]
    empties = [max(runs[0] - 1, 0)]         # empties[i]: empty cells just before rows[i]; one more after the last
    for cell, run in zip(cells[1:], runs[1:-1]):
        if run >= 2:
            rows.append([cell])
            empties.append(run - 2)
        else:
            rows[-1].append(cell)
    empties.append(max(runs[-1] - 1, 0))
    return _merge_split_rows(_place_empties(rows, empties))


def _common_width(rows: list[list[FlatCell]]) -> int | None:
    widths = [len(r) for r in rows if any(is_numeric(c.text) for c in r)]
    return max(set(widths), key=widths.count) if widths else None


def _place_empties(rows: list[list[FlatCell]], empties: list[int]) -> list[list[FlatCell]]:
    """Put the empty cells between two rows on the side where they complete a row to the common length."""
    width = _common_width(rows)
    if width is None:
        return rows
    rows = [list(r) for r in rows]
    for i, count in enumerate(empties):
        if not count:
            continue
        blank = [FlatCell(())] * count
        if i > 0 and len(rows[i - 1]) + count == width:
            rows[i - 1].extend(blank)
        elif i < len(rows) and len(rows[i]) + count == width:
            rows[i][:0] = blank
    return rows


def _merge_split_rows(rows: list[list[FlatCell]]) -> list[list[FlatCell]]:
    """An empty cell inside a row also prints two separators in a row: two short pieces of a data row
    whose lengths add up (with the empty cell) to the common row length are one row."""
    width = _common_width(rows)
    if width is None:
        return rows
    out: list[list[FlatCell]] = []
    i = 0
    while i < len(rows):
        row = rows[i]
        if (len(row) < width and i + 1 < len(rows) and len(row) + 1 + len(rows[i + 1]) == width
                and any(is_numeric(c.text) for c in rows[i + 1]) and not _header_like([c.text for c in row + rows[i + 1]])):
            out.append(row + [FlatCell(())] + rows[i + 1])
            i += 2
            continue
        out.append(row)
        i += 1
    return out


def _with_headers(rows: list[list[FlatCell]]) -> tuple[FlatRow, ...] | None:
    """Mark the header rows (before the first data row) and accept the table only if it has the
    shape of one: three rows at least of the common length, each with a number, more numbers than text."""
    if not rows:
        return None
    first_data = next((k for k, r in enumerate(rows) if not _header_like([c.text for c in r])), None)
    if first_data is None:
        return None
    data = rows[first_data:]
    widths = [len(r) for r in data]
    width = max(set(widths), key=widths.count)
    shaped = [r for r in data if len(r) == width and any(is_numeric(c.text) for c in r)]
    if width < 2 or len(shaped) < MIN_ROWS:
        return None
    numbers = sum(is_numeric(c.text) or bool(EMPTY_CELL.match(c.text)) for r in shaped for c in r)
    texts = sum(cell_type(c.text) in ("T", "X") for r in shaped for c in r)
    if numbers < texts:
        return None
    out = [FlatRow(tuple(r), header=True) for r in rows[:first_data]]
    for r in data:
        out.append(FlatRow(tuple(r), header=is_column_numbering([c.text for c in r])))
    return tuple(out)


# --- bare style ------------------------------------------------------------------------------------

def _bare_tables(texts, places, start: int, end: int) -> list[FlatTable]:
    """Tables in a run of cell-like lines [start, end) with no separators (blank lines skipped)."""
    # blank lines are not cells, nor a page number where the table runs over a page break
    index = [k for k in range(start, end) if texts[k] and not _page_number_at_break(texts, places, k, start, end)]
    if len(index) < 2 * MIN_ROWS:
        return []
    types = "".join(cell_type(texts[k]) for k in index)
    if types.count("N") < MIN_ROWS:
        return []
    numbers = [int(texts[k]) if texts[k].isdecimal() and len(texts[k]) <= 4 else None for k in index]
    # row numbers of mixed kinds ("A", "I", then "1", "2") print the arabic ones as plain integers: read
    # with a small integer before a label as a row number too, the rows keep one shape
    lenient = "".join("S" if t == "N" and numbers[i] is not None and numbers[i] < 1000 and types[i + 1:i + 2] == "T"
                      else t for i, t in enumerate(types))
    found: list[FlatTable] = []
    position = 0
    while position < len(index):
        table = _bare_table_from(texts, places, index, (types, lenient), numbers, position)
        if table is None:
            break
        found.append(table[0])
        position = table[1]
    return found


def _page_number_at_break(texts, places, k: int, start: int, end: int) -> bool:
    page = places[k][0]
    return bool(PAGE_NUMBER.match(texts[k])) and (
        (k + 1 < end and places[k + 1][0] != page) or (k > start and places[k - 1][0] != page))


def _best_shape(types: str, position: int, numbers: list[int | None]) -> tuple[int, int, int] | None:
    """(row length, first data line, rows) of the longest run of identical row shapes at or after `position`.

    A row shape starts with a label or a row number (a plain integer counting up row after row: "1", "2",
    "3" — `numbers` holds each line's integer, if it is one) and holds numbers, at least one for every two
    text cells. Of two runs as long, the one that ends cleanly wins (a shape started one cell early, on the
    header's last cell, leaves the last row's last cell behind). Only a few starting points per length are
    tried (the data starts after a header of at most two rows), so the search costs a bounded multiple of
    the run's length."""
    best, best_key = None, None
    n = len(types)
    for width in range(2, min(MAX_ROW_CELLS, (n - position) // MIN_ROWS) + 1):
        for start in range(position, min(position + 4 * width + 5, n - MIN_ROWS * width + 1)):
            shape = types[start:start + width]
            counting = shape[0] == "N"
            figures = shape.count("N") - counting
            if figures < 1 or 2 * figures < shape.count("T") or (counting and numbers[start] is None):
                continue
            rows, k = 1, start + width
            # row numbers count up over the first rows; later a misprinted one ("23." twice) does not end the table
            while types.startswith(shape, k) and (not counting or numbers[k] == numbers[start] + rows
                                                  or (rows >= MIN_ROWS and numbers[k] is not None)):
                rows += 1
                k += width
            if rows < MIN_ROWS:
                continue
            left = 0
            while k + left < n and left < width and types[k + left] == shape[left]:
                left += 1
            key = (-rows * width, left, start)
            if best_key is None or key < best_key:
                best, best_key = (width, start, rows), key
    return best


def _bare_table_from(texts, places, index: list[int], typings: tuple[str, ...], numbers: list, position: int):
    """The first bare table at or after `position` (an index into `index`), and where to look next: of the
    ways of typing the lines, the one whose rows cover more lines."""
    found = [(shape, types) for types in typings if (shape := _best_shape(types, position, numbers)) is not None]
    if not found:
        return None
    (width, start, count), types = max(found, key=lambda f: f[0][0] * f[0][2])
    shape = types[start:start + width]
    cell = lambda k: FlatCell(((texts[index[k]], *places[index[k]], index[k]),))  # noqa: E731
    rows: list[FlatRow] = []
    k = start
    # a total row without a row number just before the first row ("Cả nước", then the provinces)
    first = start
    if shape[0] in "SN" and start - (width - 1) >= position and types[start - width + 1:start] == shape[1:]:
        first = start - width + 1
    header_start = _header_start(texts, index, types, position, first, width)
    if header_start < first:
        rows.append(FlatRow(tuple(cell(m) for m in range(header_start, first)), header=True))
    if first < start:
        rows.append(FlatRow(tuple(cell(m) for m in range(first, start))))
    n = len(types)
    while k < n:
        if types.startswith(shape, k):
            rows.append(FlatRow(tuple(cell(m) for m in range(k, k + width))))
            k += width
            continue
        # a total row without its row number, or a group heading ("I. Miền Bắc") before more rows
        if shape[0] in "SN" and types.startswith(shape[1:], k) and not types.startswith(shape[1:] + "N", k):
            rows.append(FlatRow(tuple(cell(m) for m in range(k, k + width - 1))))
            k += width - 1
            continue
        heading = next((g for g in (1, 2) if k + g < n and "N" not in types[k:k + g]
                        and types.startswith(shape, k + g)), None)
        if heading:
            rows.append(FlatRow(tuple(cell(m) for m in range(k, k + heading))))
            k += heading
            continue
        break
    table = FlatTable(index[header_start], index[k - 1], tuple(rows), "bare")
    return table, k


# A numbered heading ("3. Thương mại", "II. VĂN HÓA", "a) Trồng trọt") is never a header cell.
HEADING = re.compile(r"^(?:[IVXL]+|\d{1,2}(?:\.\d{1,2})*|[a-zđA-ZĐ])[.)]\s+\S")
HEADER_FIRST = re.compile(r"^(?:stt|tt|số\s*tt|số\s*thứ\s*tự)$", re.I)


def _header_start(texts, index: list[int], types: str, position: int, first: int, width: int) -> int:
    """Where the header of a bare table starts: the text lines just before its first row. A header
    printed over two levels has more cells than a row; it is taken whole when it starts with the
    row-number column ("STT"), else exactly one row's worth of lines is taken (or none)."""
    start = first
    while (start > position and types[start - 1] in "TS" and first - start < 2 * width
           and not HEADING.match(texts[index[start - 1]])):
        start -= 1
    for k in range(start, first - width + 1):
        if HEADER_FIRST.match(texts[index[k]]):
            return k
    return first - width if first - start >= width else first
