"""Reading the numbers of table cells as a careful person would.

A cell holds one number, perhaps with a comparator ("≥95"), a % sign, a footnote marker kept apart
("1.845¹", "12,5*") and a converter's emphasis ("__2388__"). It is read the way its column writes
numbers: the Vietnamese way ('.' groups thousands, ',' marks decimals) unless the column writes decimals
with '.' ("99.4%", "1,234.5"), which is then reported (`number.dot_decimal`), each ambiguous cell
("1.845" in such a column) on its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import regex

from extract.facts.numbers import NumberFormatError, format_vn_number, read_vn_number
from extract.records import Cell, Problem, TableRow
from extract.text.flat_tables import NUMBER_CELL

CELL = NUMBER_CELL   # the number of a cell, with its comparator, % sign and footnote marker apart
# Numbers only the English way reads ("99.4", "1,234.5") or that it reads otherwise ("1.845", "1,845").
ENGLISH_NUMBER = regex.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
# A Vietnamese decimal comma that no English reading explains: "97,5", "1.234,5".
VN_DECIMAL = regex.compile(r"^(?:\d{1,3}(?:\.\d{3})+|\d+),(?:\d{1,2}|\d{4,})$|^\d{1,3}(?:\.\d{3})+,\d+$")
PERCENT_HEADER = regex.compile(r"%|tỷ\s*lệ|tỉ\s*lệ|so\s*sánh|so\s*với", regex.I)
COMPARATORS = {"<": "<", ">": ">", "≤": "<=", "≥": ">="}


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


def match_cell(cell: Cell | None):
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
    m = match_cell(cell)
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
class Column:
    """A table's column as its cells show it: how many numbers, percents and texts it holds, and how it
    prints them."""
    index: int
    label: str = ""        # from the header rows ("Số lượng TTHC: Tổng số" under a spanning cell)
    numbers: int = 0
    percents: int = 0
    texts: int = 0         # text cells, not counting the empty marks ("-", "x")
    stt: bool = False      # the row-number column
    years: bool = False    # a column of years ("2021", "2022"): labels, not figures
    dot_decimal: bool = False  # writes decimals with '.'
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
class Row:
    """A data row laid on the table's columns, with the numbers of its numeric cells read."""
    row: TableRow
    cells: list            # Cell | None per column, aligned
    label: str             # its label cell ("Thanh Hóa"), or ""
    stt: str | None        # its row number as printed ("11.", "II", "a)")
    readings: dict         # column index -> Reading


def read_conventions(columns: list[Column], aligned) -> list[Problem]:
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
            m = match_cell(cell)
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
