"""Read a PDF report into SourceLines: PDFium for the characters, pdfplumber for ruled tables.

PDFium gives every character with its font size and position about 15 times faster than
pdfplumber's `page.chars`, so it reads every page. From sizes and baselines the reader tells
apart what a plain text dump mixes up:

- superscript footnote markers (smaller, raised): "cùng kỳ⁶." rather than "cùng kỳ6.", and
  "năm 2023¹⁶" rather than the number 202316; units such as m² keep their ² too;
- the footnote area under the body (smaller type, usually below a short rule): kind "footnote";
- page numbers in the margins: dropped;
- lines wrapped inside a paragraph: kind "continuation", so segment.py joins them even when a
  wrapped line starts with a capital letter; a paragraph's first line follows a blank line.

On pages whose ruling lines suggest a table, the strokes of the page's paths (read with PDFium)
go to pdfplumber's table finder, which works out the cells without parsing the page again; their
text comes from PDFium's characters, so superscripts and spacing follow the same rules. Table
rows become kind "table" lines with cells joined by tabs, as in the converted text reports.

Thresholds are fractions of font sizes measured in the file itself (the body size is the
document's most common size), never points tuned to one report.

Pages without a text layer (a scan) are read by OCR (extract/reading/ocr.py): its words become
glyphs and its rulings edges, and go through the same lines, footnotes and tables.
PDFium is not thread-safe: one lock (PDFIUM) serialises every call into it, from opening a file to
closing it, so threads may share the reader (they wait for each other there, OCR of a scan
included; processes do not).
"""
from __future__ import annotations

import ctypes
import threading
import regex as re
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from extract.reading.charsets import sniff_format, sniff_markup
from extract.reading.limits import Limits, explain_pages
from extract.text.normalize import DIGIT_TO_SUPERSCRIPT, SUPERSCRIPT_DIGITS, to_nfc
from extract.reading.errors import EMPTY_MESSAGE, ReadError
from extract.records import SourceDoc, SourceLine
from extract.reading.ocr import (CELL_MARGIN, OCR_HINT, SUPERSCRIPT_RISE as OCR_RISE,
                                  SUPERSCRIPT_SCALE as OCR_SCALE, OcrPage, Segment as Ruling, char_bounds,
                                  place_line_words)

# Geometry as fractions of a font size (PDF units are points; y grows upwards).
SAME_LINE_SHIFT = 0.5      # a baseline within half a size is the same line (a superscript's rise)
COLUMN_GAP = 3.0           # a gap this wide on one baseline separates two pieces of text
WORD_GAP = 0.2             # an unspaced gap this wide between advances is a word break
SUPERSCRIPT_SIZE = 0.85    # a superscript is at most this fraction of its line's size ...
SUPERSCRIPT_RISE = 0.15    # ... and its baseline at least this fraction above the line's
SMALL_TYPE = 0.9           # footnotes are set smaller than this fraction of the body size
RULE_THICKNESS = 2.0       # points: a thinner path is a ruling line
STRAIGHT = 0.1             # points: a segment whose ends differ less than this in y (x) runs across (down)
GARBLED_SHARE = 0.3        # this share of private-use characters means fonts without Unicode
PAGE_NUMBER = re.compile(r"^(?:trang\s+)?[-–(]?\s*\d{1,4}\s*(?:/\s*\d{1,4}\s*)?[-–)]?$", re.I)
SUPERSCRIPT_RUN = re.compile(f"^[{SUPERSCRIPT_DIGITS}]+")
PDFIUM = threading.RLock()   # held around every use of PDFium, which one thread at a time may call


class Glyph(NamedTuple):
    """One character as PDFium placed it: advance box x0..x1 and baseline y."""
    char: str
    size: float
    x0: float
    x1: float
    y: float


@dataclass(frozen=True, slots=True)
class Line:
    """Glyphs set on one baseline, measured for the paragraph and footnote logic."""
    text: str
    size: float        # dominant font size (superscripts left out)
    x0: float
    x1: float
    y: float           # baseline of the dominant glyphs
    word_end: float    # x1 of the first word: would it have fitted on the line before?
    kind: str = ""
    glyphs: tuple = ()  # the glyphs it was built from (an OCR page finds its words through them)


@dataclass(frozen=True, slots=True)
class Table:
    """A ruled table: its top edge and horizontal extent in PDF coordinates, rows of cell texts."""
    top: float
    x0: float
    x1: float
    size: float        # dominant font size of the cells
    rows: tuple[tuple[str, ...], ...]
    row_glyphs: tuple = ()   # each row's glyphs, cell by cell


@dataclass(slots=True)
class PageScan:
    """What one PDFium pass keeps of a page until the document's body size is known."""
    lines: list[Line]
    rules: list[tuple[float, float, float, float]]
    glyphs: list[Glyph] | None   # kept only for pages that may hold a table
    edges: list[dict]            # the strokes of its paths, read only for those pages
    chars: int                   # printed characters, to find pages without a text layer
    garbled: int                 # private-use or replacement characters (fonts without Unicode)
    ocr: object = None           # for a page read by OCR: (ocr.OcrPage, the word of each glyph by id)


# --- opening -------------------------------------------------------------------------------------

def open_pdf(path: Path):
    """Open with PDFium, turning its failures into ReadError messages that say what to do."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c
    if not path.is_file():
        raise ReadError(f"file not found: {path}")
    if path.stat().st_size == 0:
        raise ReadError(EMPTY_MESSAGE)
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise ReadError("PDF is encrypted: remove the password and ingest again") from exc
        if code == pdfium_c.FPDF_ERR_FORMAT:
            raise ReadError(describe_unreadable_pdf(read_ends(path))) from exc
        raise ReadError(f"PDF cannot be opened ({exc}): get a complete copy and ingest again") from exc


def read_ends(path: Path, size: int = 1024) -> tuple[bytes, bytes]:
    """The first and last `size` bytes of a file: enough to tell what a refused PDF is."""
    with open(path, "rb") as handle:
        head = handle.read(size)
        handle.seek(max(0, path.stat().st_size - size))
        return head, handle.read(size)


def describe_unreadable_pdf(ends: tuple[bytes, bytes]) -> str:
    """Why PDFium could not parse a .pdf, from its first and last bytes: another format, cut short, or damaged.

    PDF readers look for the %PDF- header in the first kilobyte and %%EOF in the last one.

    >>> describe_unreadable_pdf((b"<!DOCTYPE html><html>", b"</html>"))
    'not a PDF but a web page (HTML) with a .pdf name: download the PDF itself (the link may lead to an error or login page) and ingest again'
    >>> describe_unreadable_pdf((b"%PDF-1.7 ...", b"... 0 obj << /Length"))
    'PDF is truncated (its end is missing): the download or copy stopped early; get a complete copy and ingest again'
    """
    head, tail = ends
    if b"%PDF-" not in head:
        if (markup := sniff_markup(head)) == "a web page (HTML)":
            return (f"not a PDF but {markup} with a .pdf name: download the PDF itself (the link may lead to an "
                    f"error or login page) and ingest again")
        if found := sniff_format(head):
            return f"not a PDF but {found[0]} with a .pdf name: {found[1]}"
        return "not a PDF (no %PDF- header; unknown content): get the report as a PDF and ingest again"
    if b"%%EOF" not in tail:
        return "PDF is truncated (its end is missing): the download or copy stopped early; get a complete copy and ingest again"
    return "PDF is damaged (PDFium cannot parse it): get a complete copy of the file and ingest again"


# --- characters and lines ------------------------------------------------------------------------

class CharCalls(NamedTuple):
    """PDFium's per-character text functions, as read_glyphs and the bench's floor call them: a text
    page handle, an int index, and pointers for what they write."""
    count: object      # FPDFText_CountChars(page)
    unicode: object    # FPDFText_GetUnicode(page, i)
    generated: object  # FPDFText_IsGenerated(page, i)
    size: object       # FPDFText_GetFontSize(page, i)
    loose_box: object  # FPDFText_GetLooseCharBox(page, i, FS_RECTF*)
    origin: object     # FPDFText_GetCharOrigin(page, i, double* x, double* y)
    box: object        # FPDFText_GetCharBox(page, i, double* left, right, bottom, top)


CHAR_FUNCTIONS = ("FPDFText_CountChars", "FPDFText_GetUnicode", "FPDFText_IsGenerated", "FPDFText_GetFontSize",
                  "FPDFText_GetLooseCharBox", "FPDFText_GetCharOrigin", "FPDFText_GetCharBox")


def typed_char_calls() -> CharCalls:
    """pypdfium2's own declarations of the functions (argument and result types)."""
    import pypdfium2.raw as pdfium_c
    return CharCalls(*(getattr(pdfium_c, name) for name in CHAR_FUNCTIONS))


@lru_cache(maxsize=None)
def char_calls() -> CharCalls:
    """The same functions of the library pypdfium2 loaded, declared with their result types only.

    Given argument types, ctypes checks and converts every argument of every call: that is 40% of
    reading a page's characters (four or five calls for each of some 2,500). The arguments read_glyphs
    passes are already what the declarations ask for, so nothing changes but the time. Should
    pypdfium2 no longer expose its library, its declared functions are used."""
    typed = typed_char_calls()
    try:
        from pypdfium2_raw.bindings import _libs
        library = _libs["pdfium"]
        bare = []
        for name, declared in zip(CHAR_FUNCTIONS, typed):
            function = library[name]
            function.restype = declared.restype
            bare.append(function)
        return CharCalls(*bare)
    except (ImportError, KeyError, AttributeError, TypeError):
        return typed


def read_glyphs(textpage, calls: CharCalls | None = None) -> list[Glyph]:
    """Every printed character of a page in content order, without PDFium's generated breaks."""
    import pypdfium2.raw as pdfium_c
    count, get_unicode, is_generated, get_size, get_box, get_origin, _ = calls or char_calls()
    raw = textpage.raw
    box = pdfium_c.FS_RECTF()
    x, y = ctypes.c_double(), ctypes.c_double()
    box_at, x_at, y_at = ctypes.pointer(box), ctypes.pointer(x), ctypes.pointer(y)
    glyphs = []
    for i in range(count(raw)):
        code = get_unicode(raw, i)
        # Control characters, and lone UTF-16 halves that no UTF-8 store can hold, are skipped; so are
        # the spaces PDFium inserts (it generates only spaces and line breaks, which are controls).
        if code < 32 or 0xD800 <= code <= 0xDFFF or code == 0xFFFE or (code == 32 and is_generated(raw, i)):
            continue
        get_box(raw, i, box_at)
        get_origin(raw, i, x_at, y_at)
        glyphs.append(Glyph(chr(code), get_size(raw, i), box.left, box.right, y.value))
    return glyphs


def split_lines(glyphs: list[Glyph]) -> list[list[Glyph]]:
    """Cut content-ordered glyphs into lines where the baseline jumps or a column gap opens.

    Content order keeps side-by-side blocks apart: the "Số: …" and "TP. Bắc Kạn, ngày …"
    heads of backan_2023 p.1 share a baseline but are two lines. A superscript stays in its
    line because it rises less than half the line's size.
    """
    lines: list[list[Glyph]] = []
    current: list[Glyph] = []
    anchor_size = anchor_y = 0.0   # size and baseline of the largest glyph so far: its baseline is the line's
    first_x0 = pen = 0.0           # left end of the line; right end of its text (combining marks step back)
    for g in glyphs:
        char, size_g, x0, x1, y = g
        inked = not char.isspace()
        if current:
            size = anchor_size if anchor_size >= size_g else size_g
            if (abs(y - anchor_y) > SAME_LINE_SHIFT * size or x1 < first_x0 - size
                    or (inked and x0 - pen > COLUMN_GAP * size)):
                lines.append(current)
                current = []
        if current:
            current.append(g)
            if x1 > pen:
                pen = x1
            if inked and size_g > anchor_size:
                anchor_size, anchor_y = size_g, y
        else:
            current = [g]
            first_x0, pen, anchor_size, anchor_y = x0, x1, size_g, y
    if current:
        lines.append(current)
    return lines


def measure_size(glyphs) -> float:
    """The font size that sets the most characters (spaces left out)."""
    return most_common_size([g.size for g in glyphs if not g.char.isspace()])


def most_common_size(sizes: list[float]) -> float:
    """The most frequent of the sizes rounded to a tenth (the first of equals); 0.0 for none.

    >>> most_common_size([12.04, 11.96, 9.0, 9.0, 12.0])
    12.0
    """
    rounded: dict[float, int] = {}
    for size, count in Counter(sizes).items():   # the few distinct sizes are rounded, not every glyph's
        key = round(size, 1)
        rounded[key] = rounded.get(key, 0) + count
    return max(rounded, key=rounded.__getitem__) if rounded else 0.0


def compose_text(glyphs: list[Glyph], size: float, baseline: float) -> str:
    """The line's text: raised digits become ⁰¹²…⁹ glued where printed, gaps become spaces.

    Converting the raised digits is what keeps "năm 2023" + marker 16 from reading as 202316.
    """
    out: list[str] = []
    pen: float | None = None
    # a superscript is smaller than the line's type and raised above its baseline: a footnote marker, m²'s ²
    smaller, rise = SUPERSCRIPT_SIZE * size, SUPERSCRIPT_RISE * size
    for char, size_g, x0, x1, y in glyphs:
        if char.isspace():
            if out and out[-1] != " ":
                out.append(" ")
            pen = None
            continue
        if pen is not None and x0 - pen > WORD_GAP * size_g and out[-1] != " ":
            out.append(" ")
        if char.isdecimal() and size_g <= smaller and y - baseline >= rise:
            char = char.translate(DIGIT_TO_SUPERSCRIPT)
        out.append(char)
        pen = x1 if pen is None or x1 > pen else pen
    return to_nfc("".join(out).strip())


def glue_marker(text: str) -> str:
    """A footnote starts with its number: "¹ Kiểm tra …" is read as "¹Kiểm tra …".

    >>> glue_marker("¹⁰ Thành phố có 34 sản phẩm")
    '¹⁰Thành phố có 34 sản phẩm'
    """
    marker = SUPERSCRIPT_RUN.match(text)
    return marker.group() + text[marker.end():].lstrip() if marker and len(text) > marker.end() else text


def build_line(glyphs: list[Glyph]) -> Line | None:
    """Measure a line of glyphs; None when it holds only spaces."""
    inked = [g for g in glyphs if not g.char.isspace()]
    if not inked:
        return None
    sizes = [g.size for g in inked]
    size = most_common_size(sizes)
    of_size = {s for s in set(sizes) if round(s, 1) == size}
    baselines = sorted([g.y for g in inked if g.size in of_size])
    baseline = baselines[len(baselines) // 2]
    text = compose_text(glyphs, size, baseline)
    if not text:
        return None
    start = next(i for i, g in enumerate(glyphs) if not g.char.isspace())
    word_end = glyphs[start].x1
    for g in glyphs[start + 1:]:
        if g.char.isspace() or g.x0 - word_end > WORD_GAP * g.size:
            break
        word_end = max(word_end, g.x1)
    return Line(text, size, inked[0].x0, max([g.x1 for g in inked]), baseline, word_end, "", tuple(glyphs))


def build_lines(glyphs: list[Glyph]) -> list[Line]:
    return [line for line in map(build_line, split_lines(glyphs)) if line is not None]


# --- ruling lines and tables ---------------------------------------------------------------------

def read_rules(page) -> tuple[list[tuple[float, float, float, float]], int]:
    """Thin path objects (left, bottom, right, top), and how many boxes the other paths draw.

    Thin paths are table borders and the footnote separator; a table drawn as cell rectangles,
    or as one path of many segments, shows up in the box count instead.
    """
    import pypdfium2.raw as pdfium_c
    rules, boxes = [], 0
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    for i in range(pdfium_c.FPDFPage_CountObjects(page.raw)):
        obj = pdfium_c.FPDFPage_GetObject(page.raw, i)
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        box = (left.value, bottom.value, right.value, top.value)
        if min(box[2] - box[0], box[3] - box[1]) <= RULE_THICKNESS:
            rules.append(box)
        else:
            boxes += max(1, pdfium_c.FPDFPath_CountSegments(obj) // 4)
    return rules, boxes


def looks_ruled(rules, boxes: int, size: float) -> bool:
    """A grid has several horizontal and vertical rules (or boxes); a footnote separator is one rule."""
    long = 2 * size
    horizontal = sum(1 for l, b, r, t in rules if r - l >= long and t - b <= RULE_THICKNESS)
    vertical = sum(1 for l, b, r, t in rules if t - b >= long and r - l <= RULE_THICKNESS)
    return (horizontal >= 3 and vertical >= 2) or boxes >= 6


def read_edges(page) -> list[dict]:
    """The straight horizontal and vertical strokes of the page's paths, as pdfplumber edges.

    Every segment of every path counts (a rule, a side of a cell rectangle, a piece of a grid
    drawn as one path), as pdfplumber takes lines, rectangles and curves. Coordinates are PDF
    ones with the y axis turned down, as pdfplumber's "top" is: y' = -y.
    """
    import pypdfium2.raw as pdfium_c
    edges = []
    matrix = pdfium_c.FS_MATRIX()
    x, y = ctypes.c_float(), ctypes.c_float()
    for i in range(pdfium_c.FPDFPage_CountObjects(page.raw)):
        obj = pdfium_c.FPDFPage_GetObject(page.raw, i)
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_PATH or not pdfium_c.FPDFPageObj_GetMatrix(obj, matrix):
            continue
        a, b, c, d, e, f = matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f
        start = previous = None
        for k in range(pdfium_c.FPDFPath_CountSegments(obj)):
            segment = pdfium_c.FPDFPath_GetPathSegment(obj, k)
            pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
            point = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
            if pdfium_c.FPDFPathSegment_GetType(segment) == pdfium_c.FPDF_SEGMENT_MOVETO:
                start = point
            elif previous is not None:
                edges += straight_edge(previous, point)
            if pdfium_c.FPDFPathSegment_GetClose(segment) and start is not None:
                edges += straight_edge(point, start)
                point = start
            previous = point
    return edges


def straight_edge(p, q) -> list[dict]:
    """A segment as a pdfplumber edge when it runs across or down the page, at least a point long.

    >>> [(e["orientation"], e["x0"], e["top"], e["bottom"]) for e in straight_edge((10, 700), (10, 650))]
    [('v', 10.0, -700, -650)]
    >>> straight_edge((10, 700), (60, 690))
    []
    """
    (x0, y0), (x1, y1) = p, q
    if abs(y1 - y0) <= STRAIGHT and abs(x1 - x0) >= 1:
        left, right, top = min(x0, x1), max(x0, x1), -(y0 + y1) / 2
        return [{"object_type": "path_edge", "orientation": "h", "x0": left, "x1": right, "width": right - left,
                 "top": top, "bottom": top, "doctop": top, "height": 0}]
    if abs(x1 - x0) <= STRAIGHT and abs(y1 - y0) >= 1:
        x, top, bottom = (x0 + x1) / 2, -max(y0, y1), -min(y0, y1)
        return [{"object_type": "path_edge", "orientation": "v", "x0": x, "x1": x, "width": 0,
                 "top": top, "bottom": bottom, "doctop": top, "height": bottom - top}]
    return []


def find_tables(edges: list[dict]) -> list[tuple[tuple, list]]:
    """Ruled tables from a page's edges: (bbox, rows of cell boxes) in PDF coordinates.

    pdfplumber's table finder does the geometry (snapping, joining, intersections, cells) on the
    edges PDFium read ("explicit" strategy), so pdfplumber never parses the page itself.
    """
    from pdfplumber.table import TableFinder
    vertical = [e for e in edges if e["orientation"] == "v"]
    horizontal = [e for e in edges if e["orientation"] == "h"]
    if len(vertical) < 2 or len(horizontal) < 2:
        return []
    settings = {"vertical_strategy": "explicit", "horizontal_strategy": "explicit",
                "explicit_vertical_lines": vertical, "explicit_horizontal_lines": horizontal}
    flip = lambda c: None if c is None else (c[0], -c[3], c[2], -c[1])  # noqa: E731
    found = []
    for table in TableFinder(None, settings).tables:   # the page is read only by the other strategies
        rows = [[flip(c) for c in row.cells] for row in table.rows]
        if len(rows) >= 2 and max(len(r) for r in rows) >= 2:
            found.append((flip(table.bbox), rows))
    return found


def tables_or_note(edges: list[dict], index: int, notes: list[str]) -> list[tuple[tuple, list]]:
    """find_tables, or none and a note when its geometry fails: the page is then read as plain lines."""
    try:
        return find_tables(edges)
    except Exception as exc:  # noqa: BLE001 — one odd drawing must not cost the whole report
        notes.append(f"read_pdf: page {index + 1} table not read ({type(exc).__name__})")
        return []


def fill_table(bbox, rows, glyphs: list[Glyph]) -> tuple[Table, list[Glyph]]:
    """Put each glyph into the cell holding its centre; return the table and the glyphs outside.

    A cell's lines are joined with a space ("Ước thực hiện" / "2023" in the annex header);
    a merged-away cell (None) or an empty one is an empty string.
    """
    x0, bottom, x1, top = bbox
    inside: dict[tuple[int, int], list[Glyph]] = {}
    outside = []
    spans = [(min((b[1] for b in row if b), default=0.0), max((b[3] for b in row if b), default=-1.0)) for row in rows]
    for g in glyphs:
        cx, cy = (g.x0 + g.x1) / 2, g.y + 0.3 * g.size
        if not (x0 <= cx <= x1 and bottom <= cy <= top):
            outside.append(g)
            continue
        cell = next(((r, c) for r, (low, high) in enumerate(spans) if low <= cy <= high
                     for c, box in enumerate(rows[r])
                     if box is not None and box[0] <= cx <= box[2] and box[1] <= cy <= box[3]), None)
        if cell is not None:
            inside.setdefault(cell, []).append(g)
    texts = tuple(tuple(" ".join(line.text for line in build_lines(inside.get((r, c), []))).replace("\t", " ")
                        for c in range(len(row)))
                  for r, row in enumerate(rows))
    size = measure_size([g for cell in inside.values() for g in cell])
    row_glyphs = tuple(tuple(g for c in range(len(row)) for g in inside.get((r, c), ())) for r, row in enumerate(rows))
    return Table(top, x0, x1, size, texts, row_glyphs), outside


# --- page furniture and footnotes ----------------------------------------------------------------

def drop_page_numbers(lines: list[Line]) -> list[Line]:
    """Drop a bare number that is the topmost or bottommost line of the page: its page number."""
    if not lines:
        return lines
    ends = (max(lines, key=lambda l: l.y), min(lines, key=lambda l: l.y))
    return [l for l in lines if not (any(l is e for e in ends) and PAGE_NUMBER.match(l.text))]


def find_separator(rules, lines: list[Line], body_size: float) -> float | None:
    """Height of the footnote separator: a short rule with only small type below it.

    seen: backan_2023 p.1, a 117pt rule at the left margin above the footnotes.
    """
    if not lines:
        return None
    measure = max(l.x1 for l in lines) - min(l.x0 for l in lines)
    tops = []
    for left, bottom, right, top in rules:
        if top - bottom > RULE_THICKNESS or not 2 * body_size <= right - left < 0.6 * measure:
            continue
        below = [l for l in lines if l.y < bottom]
        if below and all(l.size < SMALL_TYPE * body_size for l in below):
            tops.append(top)
    return max(tops) if tops else None


def split_footnotes(lines: list[Line], rules, body_size: float) -> tuple[list[Line], list[Line]]:
    """Separate the footnote area at the foot of the page from the body.

    Below a separator rule every line is a footnote line; without a rule, the run of small
    lines at the foot of the page counts only when it starts with a superscript number.
    """
    separator = find_separator(rules, lines, body_size)
    if separator is not None:
        notes = [l for l in lines if l.y < separator]
    else:
        notes = []
        for line in sorted(lines, key=lambda l: l.y):
            if line.size >= SMALL_TYPE * body_size:
                break
            notes.append(line)
        notes.sort(key=lambda l: -l.y)
        if not notes or not SUPERSCRIPT_RUN.match(notes[0].text):
            notes = []
    taken = set(map(id, notes))
    body = [l for l in lines if id(l) not in taken]
    return body, [replace(l, text=glue_marker(l.text), kind="footnote") for l in notes]


# --- paragraphs ----------------------------------------------------------------------------------

def measure_pitch(lines: list[Line]) -> dict[float, float]:
    """The usual baseline-to-baseline distance per font size: the page's single spacing."""
    gaps: dict[float, Counter] = {}
    for a, b in zip(lines, lines[1:]):
        gap = a.y - b.y
        if a.size == b.size and 0 < gap < 2 * a.size:
            gaps.setdefault(a.size, Counter())[round(gap, 1)] += 1
    return {size: counter.most_common(1)[0][0] for size, counter in gaps.items()}


def is_centred(line: Line, left: float, right: float) -> bool:
    """Equal margins on both sides, unlike an indented heading that stops short of the edge."""
    indent, rest = line.x0 - left, right - line.x1
    return indent > line.size and abs(indent - rest) <= 0.5 * line.size


def is_wrapped(prev: Line, line: Line, left: float, right: float, pitch: dict[float, float]) -> bool:
    """Was `line` wrapped from `prev`, inside one paragraph?

    Same size and single spacing (a wider gap is paragraph spacing), and either the first word
    of `line` would not have fitted at the end of `prev` while `line` is not indented (a new
    paragraph is indented or follows a short line), or both lines are centred and `prev` fills
    most of the measure (the three-line title of backan_2023 p.1).
    """
    size = line.size
    if abs(prev.size - size) > 0.05 * size:
        return False
    if not 0 < prev.y - line.y <= pitch.get(size, 1.2 * size) + 0.1 * size:
        return False
    no_room = prev.x1 + 0.25 * size + (line.word_end - line.x0) > right - 0.25 * size
    if no_room and line.x0 <= min(prev.x0, left) + 0.5 * size:
        return True
    return (is_centred(prev, left, right) and is_centred(line, left, right)
            and prev.x1 - prev.x0 >= 0.75 * (right - left))


def mark_continuations(body: list[Line]) -> list[Line]:
    """Give wrapped lines the kind "continuation"; the margins are the body lines' own."""
    if len(body) < 2:
        return body
    left = Counter(round(l.x0) for l in body).most_common(1)[0][0]
    right = max(l.x1 for l in body)
    pitch = measure_pitch(body)
    return [body[0]] + [replace(line, kind="continuation") if is_wrapped(prev, line, left, right, pitch) else line
                        for prev, line in zip(body, body[1:])]


# --- pages ---------------------------------------------------------------------------------------

def scan_page(page) -> PageScan:
    """One PDFium pass over a page: its lines, its rules, and its glyphs when it may hold a table."""
    glyphs = read_glyphs(page.get_textpage())
    rules, boxes = read_rules(page)
    lines = build_lines(glyphs)
    size = measure_size(glyphs)
    garbled = sum(1 for g in glyphs if "\ue000" <= g.char <= "\uf8ff" or g.char == "\ufffd")
    inked = sum(1 for g in glyphs if not g.char.isspace())
    ruled = bool(size) and looks_ruled(rules, boxes, size)
    return PageScan(lines, rules, glyphs if ruled else None, read_edges(page) if ruled else [], inked, garbled)


def measure_body_size(scans: list[PageScan]) -> float:
    """The document's body size: the font size of most of its text."""
    sizes: Counter = Counter()
    for scan in scans:
        for line in scan.lines:
            sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def lay_out_page(scan: PageScan, tables: list, body_size: float) -> list[Line]:
    """Reading order of one page: body lines with table rows in place, then the footnotes."""
    lines, placed = scan.lines, []
    if tables and scan.glyphs is not None:
        glyphs = scan.glyphs
        for bbox, rows in tables:
            table, glyphs = fill_table(bbox, rows, glyphs)
            placed.append(table)
        lines = build_lines(glyphs)
    body, notes = split_footnotes(drop_page_numbers(lines), scan.rules, body_size)
    body = mark_continuations(body)
    for table in sorted(placed, key=lambda t: -t.top):
        # The rows go before the first body line printed below the table's top edge.
        at = next((i for i, l in enumerate(body) if l.y < table.top and l.kind != "table"), len(body))
        body[at:at] = [Line("\t".join(cells), table.size or body_size, table.x0, table.x1, table.top, table.x0, "table",
                            glyphs)
                       for cells, glyphs in zip(table.rows, table.row_glyphs or [()] * len(table.rows)) if any(cells)]
    return body + notes


def number_lines(page: int, lines: list[Line], ocr=None) -> list[SourceLine]:
    """SourceLines numbered down the page, each paragraph's first line after a blank one.

    The blank line keeps segment.py from gluing a new paragraph that starts in lower case to
    the one before, as in converted text: backan_2023 p.22 prints "7. Tỷ lệ hộ nghèo … việc
    làm" and "mới trên 700 lao động …" as two paragraphs.
    """
    out = []
    for n, line in enumerate(lines, 1):
        if line.kind == "":
            out.append(SourceLine(page, n, "", "", None))
        words = place_line_words(line.text, line.glyphs, ocr[1], page, ocr[0]) if ocr is not None else ()
        out.append(SourceLine(page, n, line.text, line.kind, line.size, words))
    return out


def carry_footnote_tails(pages: list[list[SourceLine]]) -> list[SourceLine]:
    """Move the continuation of a footnote from the top of a page's footnote area to the footnote.

    seen: backan_2023 p.7, whose footnote area opens with the end of footnote 11 from p.6.
    Placed after p.6's footnotes, segment.py appends it to footnote 11.
    """
    out: list[SourceLine] = []
    for lines in pages:
        tail: list[SourceLine] = []
        if out and out[-1].kind == "footnote":
            for line in (l for l in lines if l.kind == "footnote"):
                if SUPERSCRIPT_RUN.match(line.text):
                    break
                tail.append(line)
        out.extend(tail)
        out.extend(l for l in lines if not any(l is t for t in tail))
    return out


def scan_pages(pdf) -> tuple[list[PageScan | None], list[str]]:
    """Scan every page; a page PDFium cannot load is None with a note, and the others are read."""
    import pypdfium2 as pdfium
    scans: list[PageScan | None] = []
    notes = []
    for index in range(len(pdf)):
        try:
            scans.append(scan_page(pdf[index]))
        except pdfium.PdfiumError as exc:
            scans.append(None)
            notes.append(f"read_pdf: page {index + 1} cannot be read ({exc})")
    return scans, notes


def read_pdf(path: Path | str, max_pages: int = Limits().max_pages, settings=None) -> SourceDoc:
    """Read a PDF report; raise ReadError when it is encrypted, broken, too long, or only scanned images
    that cannot be read by OCR.

    The page count is checked before any page is read, so ten thousand pages cost nothing. Pages
    without a text layer are read by OCR (extract/reading/ocr.py) when Tesseract with its Vietnamese
    model is installed, as `settings` (default: from the environment) allow.
    """
    from extract.reading.ocr import ocr_settings
    path = Path(path)
    settings = settings or ocr_settings()
    with PDFIUM:   # OCR renders the pages it reads through PDFium too
        pdf = open_pdf(path)
        try:
            if problem := explain_pages(len(pdf), Limits(max_pages=max_pages)):
                raise ReadError(problem)
            scans, notes = scan_pages(pdf)
            if not scans:
                raise ReadError("PDF has no pages: nothing to ingest")
            if not any(s is not None for s in scans):
                raise ReadError("no page of the PDF can be read: get a complete copy of the file and ingest again")
            if wanted := pages_to_ocr(scans, settings):
                scans = read_by_ocr(pdf, path, scans, wanted, settings, notes)
        finally:
            pdf.close()
    read = [s for s in scans if s is not None]
    notes += [f"read_pdf: page {i + 1} has no text layer (an image); OCR it to include it"
              for i, s in enumerate(scans) if s is not None and s.chars == 0 and s.ocr is None]
    body_size = measure_body_size(read)
    pages = [number_lines(i + 1, lay_out_page(scan, tables_or_note(scan.edges, i, notes), body_size), scan.ocr)
             for i, scan in enumerate(scans) if scan is not None]
    return SourceDoc(str(path), "pdf", tuple(carry_footnote_tails(pages)), len(scans), "utf-8",
                     tuple(notes))


def pages_to_ocr(scans: list[PageScan | None], settings) -> list[int]:
    """The pages (0-based) to read by OCR; ReadError when the PDF needs OCR and none can run.

    Every page with --ocr (mode force) or when the text layer cannot be decoded; in mode auto the
    pages without a text layer (all of them: a scan; some: a scanned annex, kept as a note when
    Tesseract is missing). Mode off refuses a scan as before OCR was built in."""
    from extract.reading.ocr import find_tesseract, refusal
    read = [i for i, s in enumerate(scans) if s is not None]
    chars = sum(scans[i].chars for i in read)
    garbled = chars > 0 and sum(scans[i].garbled for i in read) > GARBLED_SHARE * chars
    if settings.mode == "force":
        wanted = read
    elif chars == 0 or garbled:
        wanted = read
        if settings.mode == "off":
            raise ReadError(f"text layer cannot be decoded (fonts without a Unicode map); OCR needed: {OCR_HINT}"
                            if garbled else
                            f"no text layer; OCR needed: its {len(scans)} page(s) are images (a scan); {OCR_HINT}")
    else:
        wanted = [i for i in read if scans[i].chars == 0] if settings.mode == "auto" else []
    if not wanted:
        return []
    tesseract, missing = find_tesseract()
    if tesseract is not None:
        return wanted
    if settings.mode == "force":
        raise ReadError(f"--ocr asks for OCR, and {missing}: install it (apt-get install tesseract-ocr "
                        f"tesseract-ocr-vie) and ingest again")
    if chars == 0 or garbled:
        raise ReadError(refusal(len(scans), missing, garbled))
    return []   # a few image pages beside a text layer: noted, as before


def read_by_ocr(pdf, path: Path, scans: list[PageScan | None], wanted: list[int], settings,
                notes: list[str]) -> list[PageScan | None]:
    """The scans with the `wanted` pages read by OCR instead; ReadError when OCR reads nothing at all."""
    from extract.reading.ocr import find_tesseract, ocr_pages, snap_sizes
    tesseract, _ = find_tesseract()
    pages = ocr_pages(pdf, wanted, tesseract, settings, path.name, find_cells=ocr_table_cells)
    snap_sizes(list(pages.values()))
    scans = list(scans)
    for index, page in pages.items():
        scans[index] = scan_ocr_page(page)
    if not any(scans[i].chars for i in wanted) and not any(s.chars for s in scans if s is not None):
        raise ReadError(f"no text layer, and OCR found no text on its {len(wanted)} page(s) (blank, or a picture "
                        f"without writing): check that the file is the report, or scan it again at 300 dpi")
    notes.append(f"read_pdf: {describe_pages(wanted)} read by OCR (Tesseract {tesseract.version}, "
                 f"{settings.dpi} dpi, Vietnamese)")
    return scans


def describe_pages(indexes: list[int]) -> str:
    """'page 3', 'pages 1-31', 'pages 2, 5-7' for 0-based indexes.

    >>> describe_pages([2]), describe_pages(list(range(31))), describe_pages([1, 4, 5, 6])
    ('page 3', 'pages 1-31', 'pages 2, 5-7')
    """
    runs: list[list[int]] = []
    for i in sorted(indexes):
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    text = ", ".join(f"{a + 1}" if a == b else f"{a + 1}-{b + 1}" for a, b in runs)
    return f"page{'s' if len(indexes) > 1 else ''} {text}"


def scan_ocr_page(page) -> PageScan:
    """A page read by OCR as the PageScan of a text layer: glyphs from its words, rules from its rulings."""
    from extract.reading.ocr import page_rules
    height = page.height * 72 / page.dpi
    glyphs, word_of = ocr_glyphs(page, height)
    edges = segment_edges(page.segments, page.dpi, page.height) if page.cells else []
    inked = sum(1 for g in glyphs if not g.char.isspace())
    return PageScan(build_lines(glyphs), page_rules(page, height), glyphs if edges else None, edges, inked, 0,
                    (page, word_of))


# --- pages read by OCR (extract/reading/ocr.py) ---------------------------------------------------

def ocr_table_cells(segments: list[Ruling], dpi: int, shape) -> list[tuple[float, float, float, float]]:
    """The cells of the ruled tables that a page image's rulings make (find_tables), in pixels, shrunk
    by CELL_MARGIN; merged cells once."""
    edges = segment_edges(segments, dpi, shape[0])
    try:
        tables = find_tables(edges)
    except Exception:  # noqa: BLE001 — an odd drawing: the page is read without its cells
        return []
    scale = dpi / 72
    height_pt = shape[0] / scale
    cells = []
    for _, rows in tables:
        for row in rows:
            for box in row:
                if box is None:
                    continue
                x0, bottom, x1, top = box
                cell = (x0 * scale + CELL_MARGIN, (height_pt - top) * scale + CELL_MARGIN,
                        x1 * scale - CELL_MARGIN, (height_pt - bottom) * scale - CELL_MARGIN)
                if cell[2] - cell[0] > 4 and cell[3] - cell[1] > 4 and cell not in cells:
                    cells.append(cell)
    return cells


def segment_edges(segments: list[Ruling], dpi: int, height_px: int) -> list[dict]:
    """Rulings as pdfplumber edges in PDF points, y turned down as pdf.read_edges makes them."""
    scale = 72 / dpi
    edges = []
    for s in segments:
        if s.orientation == "h":
            y = height_px - (s.y0 + s.y1) / 2
            edges += straight_edge((s.x0 * scale, y * scale), (s.x1 * scale, y * scale))
        else:
            x = (s.x0 + s.x1) / 2 * scale
            edges += straight_edge((x, (height_px - s.y0) * scale), (x, (height_px - s.y1) * scale))
    return edges


def ocr_glyphs(page: OcrPage, height_pt: float):
    """The page's words as pdf.Glyphs in PDF points (y up), in Tesseract's reading order, with the word
    of each glyph (by id) for place_line_words: characters share out their word's width, a space glyph
    separates words, a superscript is small and raised."""
    scale = 72 / page.dpi
    glyphs, word_of = [], {}
    for line in page.lines:
        size = line.size * scale
        for word in line.words:
            base = height_pt - line.baseline((word.box[0] + word.box[2]) / 2) * scale
            bounds = char_bounds(word)
            for char, (x0, x1) in zip(word.chars, bounds):
                for k, letter in enumerate(char.text):
                    part = (x1 - x0) / len(char.text)
                    left, right = (x0 + k * part) * scale, (x0 + (k + 1) * part) * scale
                    if letter in SUPERSCRIPT_DIGITS:
                        digit = str(SUPERSCRIPT_DIGITS.index(letter))
                        glyph = Glyph(digit, OCR_SCALE * size, left, right, base + OCR_RISE * size)
                    else:
                        glyph = Glyph(letter, size, left, right, base)
                    glyphs.append(glyph)
                    word_of[id(glyph)] = word
            end = word.box[2] * scale
            space = Glyph(" ", size, end, end, base)
            glyphs.append(space)
    return glyphs, word_of
