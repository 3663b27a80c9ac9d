"""Plain frozen records passed between the stages: read → normalise → segment → extract.

Offsets (`start`, `end`, `char_start`, `char_end`) always refer to the document's canonical
text (`Document.text`), which the warehouse stores; `page` and `line` point back into the
source file (for a PDF, the line within its page).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class OcrWord:
    """A word read from a page image by OCR (extract/reading/ocr.py): where it is in a text, how sure the
    OCR was of it, and where it is printed. In a SourceLine `start`/`end` are offsets in the line's text,
    in a Document offsets in its canonical text."""
    start: int
    end: int
    text: str
    confidence: float    # Tesseract's word confidence, 0-100
    page: int            # 1-based
    box: tuple[float, float, float, float]  # x0, top, x1, bottom: PDF points from the page's top-left corner


@dataclass(frozen=True, slots=True)
class SourceLine:
    """One line as a reader found it, before any fix."""
    page: int            # 1-based
    line: int            # 1-based line in the source text file, or within the PDF page
    text: str
    kind: str = ""       # reader's hint: "" body, "footnote", "table" (cells joined by \t)
    size: float | None = None  # dominant font size where the format knows it
    words: tuple[OcrWord, ...] = ()  # the words OCR read on a page image, offsets in `text`; () for a text layer


@dataclass(frozen=True, slots=True)
class SourceDoc:
    """What a reader returns: the file's lines in reading order."""
    path: str
    fmt: str             # "txt", "pdf", "docx"
    lines: tuple[SourceLine, ...]
    pages: int
    encoding: str = "utf-8"
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Segment:
    """Canonical text [start, end) came from this page and line of the source."""
    start: int
    end: int
    page: int
    line: int


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph, heading, footnote body or table row of the canonical text."""
    kind: str            # "heading", "paragraph", "footnote", "table"
    start: int
    end: int
    section: str         # section path, e.g. "A > I > 3 > 3.2"
    footnote: int | None = None  # footnote number, for kind "footnote"


@dataclass(frozen=True, slots=True)
class Sentence:
    index: int
    start: int
    end: int
    kind: str            # "body", "footnote", "table", "heading"
    section: str
    footnote: int | None = None


@dataclass(frozen=True, slots=True)
class Footnote:
    number: int
    start: int           # the footnote body, without its marker
    end: int
    marker_start: int | None  # where its marker sits in the body text, when found
    sentence: int | None      # index of the sentence that carries the marker


@dataclass(frozen=True, slots=True)
class Cell:
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class TableRow:
    table: int           # 1-based table number in the document
    row: int             # 1-based row number within the table (header is row 1)
    start: int
    end: int
    cells: tuple[Cell, ...]
    header: bool = False


@dataclass(frozen=True, slots=True)
class Problem:
    code: str            # e.g. "number.malformed", "read.encoding"
    message: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True, slots=True)
class Document:
    doc: str             # stem of the source file
    path: str
    fmt: str
    text: str            # canonical (normalised) text; every offset points into it
    segments: tuple[Segment, ...]
    blocks: tuple[Block, ...]
    sentences: tuple[Sentence, ...]
    footnotes: tuple[Footnote, ...]
    table_rows: tuple[TableRow, ...]
    pages: int
    encoding: str = "utf-8"
    fixes: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    words: tuple[OcrWord, ...] = ()  # words read by OCR, offsets in `text` (extract/reading/ocr.py place_words)


class FactKey(NamedTuple):
    """A fact's name within its document: where its text starts and the rule that read it (two rules may
    read facts at the same place: a sentence's figure and the annex row that starts there)."""
    char_start: int
    rule: str


def column(name: str | None) -> dict:
    """Field metadata: the `facts` column a Fact field is stored in under another name (None: not stored)."""
    return {"column": name}


@dataclass(frozen=True, slots=True)
class Fact:
    """One numeric statement of a report, with its provenance.

    `value` and `plan` are in base units (scale words multiplied in, money in đồng);
    the `*_raw` fields keep the printed text. Each field is stored in the `facts` column of its name
    unless its metadata names another (warehouse/load.py derives the rows from these fields); a
    FactKey field links to another fact of the same document and is stored as that fact's id.
    """
    rule: str = field(metadata=column("rule_id"))  # code of the rule that made it, e.g. "RT01"
    kind: str                     # ratio, percent, change, share, value, fraction, annex_row, ...
    raw: str                      # exactly text[char_start:char_end]
    char_start: int
    char_end: int
    sentence: int | None = field(default=None, metadata=column("sentence_no"))
    value: Decimal | None = None
    plan: Decimal | None = None
    percent: Decimal | None = None
    value_raw: str | None = None
    plan_raw: str | None = None
    percent_raw: str | None = None
    percent_decimals: int | None = None
    unit: str | None = None       # normalised unit: VND, ha, tấn, %, hộ ...
    unit_raw: str | None = None   # as printed: "tỷ đồng", "ha"
    unit_kind: str | None = None  # the unit's kind in rules/lexicon.toml: money, area, count, rate ...; None if unknown
    unit_exact: bool | None = None  # is a whole number of the unit exact (a count), not rounded? (lexicon [kinds])
    value_scale: Decimal | None = None  # what the printed value was multiplied by: 1e9 for "575 tỷ đồng"
    plan_scale: Decimal | None = None   # the same for the plan
    delta_scale: Decimal | None = None  # the same for the change (printed in the value's unit)
    base: str | None = None       # what the percent is relative to: plan, budget, same_period ...
    base_raw: str | None = None   # as printed: "KH", "dự toán", "so với cùng kỳ"
    change: str | None = None     # "increase" / "decrease" for tăng / giảm
    comparator: str | None = None # ">", "<", ">=", "<=", "range"
    qualifier: str | None = None  # "khoảng", "hơn", "gần", "trên", "dưới" ...
    value_high: Decimal | None = None  # upper end of a range
    percent_low: Decimal | None = None  # lower end of a range of percents ("7-8%": 7)
    delta: Decimal | None = None  # an absolute change: "giảm 4,7 ha so với năm 2022 (31,5 ha)": 4.7
    delta_raw: str | None = None
    label: str | None = None      # the words before the figure: what it measures
    indicator: str | None = None  # normalised indicator key from rules/indicators.toml
    period: str | None = None     # "năm 2023", "9 tháng" ...
    status: str | None = None     # thực hiện / ước thực hiện / kế hoạch / chỉ tiêu
    flag: str | None = None       # why a number is suspect (malformed ...)
    assessment: str | None = None # annex label as printed: Đạt / Vượt / Không đạt / Chưa đạt
    stt: str | None = None        # annex row number as printed (A, 1, 1.1 ...)
    table_row: int | None = None  # row number within its table, for annex facts
    in_footnote: int | None = None  # footnote number when the fact sits in a footnote body
    # what an annex row's cells say beyond value, plan and percent
    previous: Decimal | None = None  # the previous period's figure (column "TH năm trước"), base units
    plan_text: str | None = None  # the plan cell as printed: "<12", "7-8", "Giảm"
    table: int | None = field(default=None, metadata=column(None))  # the annex table's number
    assessment_code: str | None = None  # met / exceeded / not_met, from `assessment` (rules/tables.toml)
    # what the links (extract/links/) found
    direction: str | None = None  # "higher" / "lower": which way is better for its indicator
    plan_from: FactKey | None = field(default=None, metadata=column("plan_fact_id"))  # the plan it is measured against
    plan_source: str | None = None  # where that plan was found: "annex", "section"
    part_of: FactKey | None = field(default=None, metadata=column("total_fact_id"))  # the total it is a part of
    breakdown: str | None = None  # how its total was broken down: "trong_do", "gom", "bracket", "footnote", "annex"
    share_group: FactKey | None = None  # the first share of the structure it belongs to ("Cơ cấu …")
    same_as: FactKey | None = field(default=None, metadata=column("same_as_fact_id"))  # the same indicator elsewhere
    same_as_column: str | None = None  # which of the two figures the other place prints: value, plan
    value_from: FactKey | None = field(default=None, metadata=column("value_fact_id"))  # the fact whose figure it is
    listed_count: int | None = None  # items listed after a count: "03 xã (A, B, C)" -> 3
    listed_alt: int | None = None  # the count if the last item names two ("A, B và C")
    counts: str | None = None  # which annex rows a count of indicators counts: not_met, met, rows
    # where its numbers were read from (extract/reading/ocr.py mark_ocr_facts); None: a text layer or file
    provenance: str | None = None  # "ocr": read from a page image
    ocr_confidence: float | None = None  # the lowest word confidence of its printed numbers (0-100)
    uncertain: bool | None = None  # a number below the confidence threshold, with letters, or not found
    ocr_page: int | None = None    # the page of the box
    ocr_box: tuple[float, float, float, float] | None = None  # its numbers' box: x0, top, x1, bottom in points

    @property
    def key(self) -> FactKey:
        return FactKey(self.char_start, self.rule)


@dataclass(frozen=True, slots=True)
class Processed:
    """Everything the per-document stage produces for one file."""
    document: Document
    facts: tuple[Fact, ...]
    problems: tuple[Problem, ...]
    sha256: str
    title: str | None
    locality: str | None
    year: int | None
    period: str | None
