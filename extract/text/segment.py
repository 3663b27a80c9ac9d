"""Build a Document from a SourceDoc: canonical text, blocks, sections, sentences, footnotes, tables.

The canonical text is the report's running text with every line fix applied, footnote bodies
moved out of the running text (right after the paragraph they interrupted), and sentences
that were cut by a page break or a footnote block rejoined. `segments` maps every stretch of
it back to the source page and line, so any offset can be traced to where it was printed.
"""
from __future__ import annotations

import bisect
import regex as re
from dataclasses import dataclass, field

from extract.text.flat_tables import FlatTable, find_flat_tables
from extract.text.normalize import (SUPERSCRIPT_DIGITS, SUPERSCRIPT_TO_DIGIT, normalize_line, normalize_spaces,
                                    spaced_decimals, visible_html)
from extract.records import (Block, Cell, Document, Footnote, Problem, Segment, Sentence,
                             SourceDoc, TableRow)

SUP = f"[{SUPERSCRIPT_DIGITS}]"
# A footnote body starts with its superscript number: "¹Kiểm tra …", "² Chi nhánh …".
FOOTNOTE_START = re.compile(rf"^({SUP}+)\s*(?=\S)")
# A footnote marker in running text: superscript digits not forming a unit (m², km³).
FOOTNOTE_MARKER = re.compile(rf"(?<!\b(?:m|km|cm|dm|mm))({SUP}+)")
PAGE_NUMBER = re.compile(r"^(?:-\s*)?\d{1,3}(?:\s*-)?$")
SECTION_MARKER = re.compile(
    r"^(?:(?P<part>PHẦN\s+(?:THỨ\s+)?[IVX\w]+|Phần\s+thứ\s+\w+)"
    r"|(?P<roman>[IVX]{2,6}|[IVX])\.\s"
    r"|(?P<upper>[A-ZĐ])\.\s"
    r"|(?P<num>\d{1,2}\.(?:\d{1,2}\.?){0,3})\s(?=\S)"
    r"|(?P<lower>[a-zđ])\)\s)"
)
LEVELS = {"part": 0, "upper": 1, "roman": 2, "lower": 9}
TERMINAL = re.compile(rf"[.!?:;…]['\"”’)]*{SUP}*\s*$")
# Abbreviations whose '.' does not end a sentence.
ABBREVIATIONS = ("TP", "Tp", "TT", "Tr", "ThS", "TS", "PGS", "GS", "BS", "KS", "CN", "Th", "v.v", "St", "Q", "P", "H", "X", "Ô", "Bà")
ABBREVIATION_WINDOW = 200    # characters before a full stop that hold its last word
MAX_SENTENCE_CHARS = 2000    # see cap_sentence
LIST_NUMBER = re.compile(r"(?:\d{1,2}\.)+\d{0,2}|[IVXL]{1,6}\.|[A-ZĐ]\.")
SENTENCE_END = re.compile(rf"(?<=[.!?…])['\"”’)]*{SUP}*(?=\s+['\"“(\-–]?[A-ZĐÀ-ỸÁÂĂÊÔƠƯ0-9])")


@dataclass
class _Para:
    """A block under construction: its text and where each piece came from.

    A table row rebuilt from a table flattened one cell per line (extract/text/flat_tables.py) has
    `cells` instead: its cells are joined by tabs, the lines of one cell by spaces."""
    kind: str
    pieces: list = field(default_factory=list)  # (text, page, line)
    cells: tuple | None = None                  # a rebuilt row: per cell, its (text, page, line) pieces
    header: bool = False                        # a rebuilt header row
    new_table: bool = False                     # the first row of a rebuilt table

    @property
    def text(self) -> str:
        if self.cells is not None:
            return "\t".join(" ".join(p[0] for p in cell) for cell in self.cells)
        return " ".join(p[0] for p in self.pieces)


def _classify(text: str, hint: str) -> str:
    if hint:
        return hint
    if "\t" in text:
        return "table"
    if FOOTNOTE_START.match(text):
        return "footnote"
    return "paragraph"


def _is_heading(text: str) -> bool:
    """Short line with a section marker, or a short line in capitals."""
    if SECTION_MARKER.match(text) and len(text) < 100 and not TERMINAL.search(text):
        return True
    if len(text) >= 120 or text.upper() != text:   # a lower-case letter: rules most lines out at once
        return False
    letters = [c for c in text if c.isalpha()]
    return len(letters) > 3 and all(c.isupper() for c in letters)


def _continues(prev: str, nxt: str) -> bool:
    """Does paragraph `nxt` continue the sentence that `prev` left open (cut by a page break)? A colon that
    a line in lower case follows announces what comes ("… 10.367,700 tỷ đồng; trong đó:" / "thu nội địa …").

    >>> _continues("tổng thu 10.367,700 tỷ đồng; trong đó:", "thu nội địa 10.052,700 tỷ đồng"), _continues("Kết quả:", "- Thu")
    (True, False)
    """
    if not nxt or (TERMINAL.search(prev) and not (prev.rstrip().endswith(":") and nxt[0].islower())):
        return False
    first = nxt[0]
    if first.islower() or first in "“\"'(,":
        return True
    if first.isdecimal() and not SECTION_MARKER.match(nxt) and not _is_heading(prev):
        return True
    return False


def _rebuilt_rows(table: FlatTable) -> list[_Para]:
    """The rows of a flattened table as table blocks, each cell keeping the lines it was printed on."""
    return [_Para("table", [p[:3] for cell in row.cells for p in cell.pieces],
                  cells=tuple(tuple(p[:3] for p in cell.pieces) for cell in row.cells),
                  header=row.header, new_table=i == 0)
            for i, row in enumerate(table.rows)]


def _visible_lines(source: SourceDoc) -> list[str]:
    """Each line without the scripts, styles and comments of web pages (which may run over several lines)."""
    visible, hidden = [], None   # hidden: a script, style or comment left open by an earlier line
    for sl in source.lines:
        raw, hidden = visible_html(sl.text, hidden)
        visible.append(raw)
    return visible


def _group_lines(source: SourceDoc, problems: list, guesses: dict | None = None) -> tuple[list[_Para], list[str]]:
    """Turn source lines into blocks; drop blank lines and stray page numbers; rebuild the rows of
    tables flattened one cell per line. `guesses` collects (page, line) -> the numbers that
    close_spaced_decimal_comma read on that line, as printed and as read."""
    blocks: list[_Para] = []
    fixes: set[str] = set()
    current: _Para | None = None
    visible = _visible_lines(source)
    normalized = [normalize_line(raw) for raw in visible]
    flat = {t.first: t for t in find_flat_tables([t for t, _ in normalized],
                                                 [(sl.page, sl.line) for sl in source.lines],
                                                 [not sl.kind for sl in source.lines])}
    skip_to = 0
    for index, sl in enumerate(source.lines):
        if index < skip_to:
            continue
        if visible[index] != sl.text:
            fixes.add("drop_html_scripts_styles_comments")
        if index in flat:
            table = flat[index]
            for k in range(table.first, table.last + 1):
                fixes.update(normalized[k][1])
            fixes.add("rebuild_flat_table")
            blocks.extend(_rebuilt_rows(table))
            current, skip_to = None, table.last + 1
            continue
        text, applied = normalized[index]
        fixes.update(applied)
        if guesses is not None and "close_spaced_decimal_comma" in applied:
            guesses[(sl.page, sl.line)] = [(m.group(), read) for m, read in
                                           spaced_decimals(normalize_spaces(visible[index]))]
        if not text.strip():
            current = None
            continue
        if PAGE_NUMBER.match(text) and not sl.kind:
            fixes.add("drop_page_number")
            current = None
            continue
        # A reader that knows a line was wrapped (read_pdf: kind "continuation") joins it
        # whatever its first letter; without a paragraph to join it starts one.
        if sl.kind == "continuation" and current is not None and current.kind == "paragraph":
            current.pieces.append((text, sl.page, sl.line))
            continue
        kind = _classify(text, "" if sl.kind == "continuation" else sl.kind)
        # A wrapped line continues the paragraph when it starts in lower case.
        if (current is not None and kind == current.kind == "paragraph" and current.pieces
                and _continues(current.text, text) and text[0].islower()):
            current.pieces.append((text, sl.page, sl.line))
            continue
        if current is not None and kind == "footnote" == current.kind and not FOOTNOTE_START.match(text):
            current.pieces.append((text, sl.page, sl.line))
            continue
        current = _Para(kind, [(text, sl.page, sl.line)])
        blocks.append(current)
    return blocks, sorted(fixes)


def _guess_problems(readings: list[tuple[str, str]], text: str, offset: int, line: int) -> list[Problem]:
    """A problem on each number a line fix had to guess (normalize.close_spaced_decimal_comma):
    "274, 4 triệu" was read as 274,4 triệu, but the printed text may be a list."""
    problems, position = [], 0
    for printed, read in readings:
        found = text.find(read, position)
        start, end = (found, found + len(read)) if found >= 0 else (0, len(text))
        position = end if found >= 0 else position
        problems.append(Problem("text.spaced_decimal_comma",
                                f"line {line}: '{printed}' printed with a space at the decimal comma, read as "
                                f"{read}; check the source: it may be a list", offset + start, offset + end))
    return problems


def _rejoin_interrupted(blocks: list[_Para]) -> tuple[list[_Para], int]:
    """Move footnote blocks out of a sentence they interrupt and rejoin its two halves.

    Returns the new block order and how many sentences were rejoined. Footnote bodies go right
    after the paragraph they interrupted.
    """
    out: list[_Para] = []
    pending_notes: list[_Para] = []
    open_para: _Para | None = None
    rejoined = 0
    for block in blocks:
        if block.kind == "footnote" and open_para is not None:
            pending_notes.append(block)
            continue
        if open_para is not None and block.kind == "paragraph" and _continues(open_para.text, block.text):
            open_para.pieces.extend(block.pieces)
            rejoined += 1
            if TERMINAL.search(open_para.text):
                out.extend(pending_notes)
                pending_notes, open_para = [], None
            continue
        if open_para is not None:
            out.extend(pending_notes)
            pending_notes, open_para = [], None
        out.append(block)
        if block.kind == "paragraph" and not TERMINAL.search(block.text) and not _is_heading(block.text):
            open_para = block
    out.extend(pending_notes)
    return out, rejoined


ROMAN_NEXT = {"I": "II", "II": "III", "III": "IV", "IV": "V", "V": "VI", "VI": "VII", "VII": "VIII",
              "VIII": "IX", "IX": "X", "X": "XI", "XI": "XII", "XII": "XIII", "XIII": "XIV", "XIV": "XV"}


def _section_key(match: re.Match, stack: list[tuple[int, str]]) -> tuple[int, str]:
    kind = match.lastgroup
    label = match.group(kind).strip().rstrip(".")
    if kind == "num":
        return 3 + label.count("."), label
    if kind == "roman" and len(label) == 1 and label != "I":
        # "V." is roman only right after "IV."; otherwise a letter heading like the annex's "E."
        last_roman = next((l for lv, l in reversed(stack) if lv == LEVELS["roman"]), None)
        if ROMAN_NEXT.get(last_roman or "") != label:
            kind = "upper"
    return LEVELS[kind], label


def _ends_with_abbreviation(text: str) -> bool:
    """'… TP.' or '… Q.' (an abbreviation or an initial) does not end a sentence."""
    word = text[:-1].rsplit(None, 1)[-1] if text[:-1].strip() else ""
    return word in ABBREVIATIONS or (len(word) == 1 and word.isupper())


def _split_sentences(text: str, start: int) -> list[tuple[int, int]]:
    """Sentence spans of a paragraph, not splitting after abbreviations such as 'TP.'.

    Only the last word before a full stop decides, so a window of text before it is looked at,
    not the whole paragraph again at every stop (a paragraph of n stops cost n²)."""
    spans, begin = [], 0
    for m in SENTENCE_END.finditer(text):
        cut = m.end()
        before = text[max(0, cut - ABBREVIATION_WINDOW):cut].rstrip(SUPERSCRIPT_DIGITS + "'\"”’)")
        if _ends_with_abbreviation(before) or LIST_NUMBER.fullmatch(text[begin:cut].strip()):
            continue  # "TP. Bắc Kạn", and "1. Thu NSNN …" whose number is not a sentence
        spans.append((start + begin, start + cut))
        begin = cut
        while begin < len(text) and text[begin] == " ":
            begin += 1
    if begin < len(text):
        spans.append((start + begin, start + len(text)))
    return spans


def cap_sentence(text: str, start: int, end: int, limit: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """Cut a span longer than `limit` characters into pieces of at most `limit`, at a space where one is.

    Prose sentences in reports are under 1 000 characters; a longer "sentence" is a table or a dump
    pasted as one line, and every stage that compares the figures of a sentence would cost its
    length squared. Offsets are into `text`.

    >>> cap_sentence("aaa bbb ccc ddd", 0, 15, limit=8)
    [(0, 8), (8, 15)]
    >>> cap_sentence("x" * 10, 0, 10, limit=4)
    [(0, 4), (4, 8), (8, 10)]
    """
    pieces = []
    while end - start > limit:
        space = text.rfind(" ", start + limit // 2, start + limit)
        cut = space + 1 if space >= 0 else start + limit
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def segment_document(source: SourceDoc, doc: str) -> Document:
    """Build the canonical Document of a source file."""
    problems: list[Problem] = []
    guesses: dict = {}
    paras, fixes = _group_lines(source, problems, guesses)
    paras, rejoined = _rejoin_interrupted(paras)
    if rejoined:
        fixes = sorted(set(fixes) | {"rejoin_sentences_across_footnotes"})

    parts: list[str] = []
    segments: list[Segment] = []
    blocks: list[Block] = []
    sentences: list[Sentence] = []
    footnote_bodies: dict[int, tuple[int, int]] = {}
    table_rows: list[TableRow] = []
    section_stack: list[tuple[int, str]] = []
    offset = 0
    table_no, row_no, last_kind, last_rebuilt = 0, 0, None, False

    for para in paras:
        start = offset
        for c, cell in enumerate(para.cells if para.cells is not None else (para.pieces,)):
            if c:
                parts.append("\t")
                offset += 1
            for i, (text, page, line) in enumerate(cell):
                if i:
                    parts.append(" ")
                    offset += 1
                segments.append(Segment(offset, offset + len(text), page, line))
                if (page, line) in guesses:
                    problems.extend(_guess_problems(guesses[(page, line)], text, offset, line))
                parts.append(text)
                offset += len(text)
        end = offset
        parts.append("\n")
        offset += 1
        text = para.text
        kind = para.kind
        footnote = None
        if kind == "paragraph":
            marker = SECTION_MARKER.match(text)
            if marker and (_is_heading(text) or marker.lastgroup in ("num", "roman", "upper", "part", "lower")):
                level, label = _section_key(marker, section_stack)
                while section_stack and section_stack[-1][0] >= level:
                    section_stack.pop()
                section_stack.append((level, label))
            if _is_heading(text):
                kind = "heading"
        section = " > ".join(label for _, label in section_stack)
        if kind == "footnote":
            m = FOOTNOTE_START.match(text)
            footnote = int(m.group(1).translate(SUPERSCRIPT_TO_DIGIT)) if m else None
            if footnote is not None:
                footnote_bodies.setdefault(footnote, (start + m.end(), end))
        if kind == "table":
            if (para.new_table or (last_rebuilt and para.cells is None)
                    or (last_kind != "table" and (last_kind not in (None, "footnote") or table_no == 0))):
                table_no, row_no = table_no + 1, 0
            elif para.cells is None and text.split("\t", 1)[0].strip().upper() == "STT":
                table_no, row_no = table_no + 1, 0
            row_no += 1
            cells = split_cells(text, start, start, end)
            header = para.header if para.cells is not None else row_no == 1 and looks_like_header(cells)
            table_rows.append(TableRow(table_no, row_no, start, end, cells, bool(header)))
        last_kind = kind if kind != "footnote" else last_kind
        last_rebuilt = para.cells is not None if kind != "footnote" else last_rebuilt
        blocks.append(Block(kind, start, end, section, footnote))
        sentence_kind = {"paragraph": "body"}.get(kind, kind)
        spans = [(start, end)] if kind in ("table", "heading") else _split_sentences(text, start)
        for s, e in spans:
            pieces = ([(a + start, b + start) for a, b in cap_sentence(text, s - start, e - start)]
                      if kind != "table" else [(s, e)])
            if len(pieces) > 1:
                problems.append(Problem("segment.sentence_too_long",
                                        f"a sentence of {e - s} characters (prose is under 1 000) was cut into "
                                        f"{len(pieces)} pieces of at most {MAX_SENTENCE_CHARS}: a figure across a "
                                        f"cut is lost; the text is likely a table or data pasted as one line", s, e))
            for piece_start, piece_end in pieces:
                sentences.append(Sentence(len(sentences), piece_start, piece_end, sentence_kind, section, footnote))

    full_text = "".join(parts)
    footnotes = _link_footnotes(full_text, sentences, footnote_bodies)
    return Document(doc=doc, path=source.path, fmt=source.fmt, text=full_text,
                    segments=tuple(segments), blocks=tuple(blocks), sentences=tuple(sentences),
                    footnotes=footnotes, table_rows=tuple(table_rows), pages=source.pages,
                    encoding=source.encoding, fixes=tuple(fixes) + source.notes,
                    problems=tuple(problems))


def _link_footnotes(text: str, sentences: list[Sentence], bodies: dict) -> tuple[Footnote, ...]:
    """Find each footnote's marker in the running text (first occurrence outside footnotes)."""
    markers: dict[int, tuple[int, int]] = {}
    for sentence in sentences:
        if sentence.kind not in ("body", "heading", "table"):
            continue
        for m in FOOTNOTE_MARKER.finditer(text, sentence.start, sentence.end):
            number = int(m.group(1).translate(SUPERSCRIPT_TO_DIGIT))
            markers.setdefault(number, (m.start(), sentence.index))
    notes = []
    for number, (start, end) in sorted(bodies.items()):
        marker_start, sentence = markers.get(number, (None, None))
        notes.append(Footnote(number, start, end, marker_start, sentence))
    return tuple(notes)


def split_cells(text: str, offset: int, start: int, end: int) -> tuple[Cell, ...]:
    """The cells of a table row, with offsets: the row's text split on tabs, each cell stripped.
    `text` starts at canonical offset `offset` (the row's own text, or the whole document's).

    >>> split_cells("x 1\\tTổng đàn trâu\\t con", 0, 2, 23)
    (Cell(start=2, end=3, text='1'), Cell(start=4, end=17, text='Tổng đàn trâu'), Cell(start=19, end=22, text='con'))
    """
    cells, pos = [], start
    for cell_text in text[start - offset:end - offset].split("\t"):
        stripped = cell_text.strip()
        lead = len(cell_text) - len(cell_text.lstrip())
        cells.append(Cell(pos + lead, pos + lead + len(stripped), stripped))
        pos += len(cell_text) + 1
    return tuple(cells)


class LineMap:
    """Canonical offset -> (page, line) of the source that printed it, for one document.

    >>> from extract.facts.engine import document_from_text
    >>> locate = LineMap(document_from_text("Dòng một.\\nDòng hai có 5 ha."))
    >>> locate(0), locate(14)
    ((1, 1), (1, 2))
    """

    def __init__(self, document: Document):
        self.segments = document.segments
        self.starts = [s.start for s in document.segments]

    def __call__(self, offset: int) -> tuple[int | None, int | None]:
        if not self.segments:
            return None, None
        segment = self.segments[max(bisect.bisect_right(self.starts, offset) - 1, 0)]
        return segment.page, segment.line


NUMBER_CELL = re.compile(r"[\d.,%\s()+\-–]*\d[\d.,%\s()+\-–]*")


def looks_like_header(cells) -> bool:
    """Is the first row of a table its header? It opens with "STT" / "TT", or none of its cells is a bare
    number ("Chỉ tiêu | ĐVT | Kế hoạch 2023 | Thực hiện 2023": a data row prints figures).

    >>> from types import SimpleNamespace as C
    >>> [looks_like_header([C(text=t) for t in row]) for row in (["TT", "Chỉ tiêu"], ["Chỉ tiêu", "Kế hoạch 2023"],
    ...                                                         ["1", "Thu ngân sách", "1.200"])]
    [True, True, False]
    """
    if not cells:
        return False
    if cells[0].text.strip().upper() in ("STT", "TT", "SỐ TT"):
        return True
    return not any(NUMBER_CELL.fullmatch(c.text.strip()) for c in cells if c.text.strip())
