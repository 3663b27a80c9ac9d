"""Read a Word .docx report: paragraphs and table rows in document order, each footnote body
right after the paragraph (or table) that cites it.

python-docx opens and validates the package; the text comes from the WordprocessingML itself,
because python-docx exposes neither footnotes nor paragraphs and tables interleaved with their
page breaks. Footnote markers become superscript digits glued in place ("so với cùng kỳ⁶."),
table rows become tab-separated cells, exactly as in text converted from a printed report, so
segmentation and the annex extractor treat every format alike.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml

from extract.reading.charsets import sniff_format, sniff_markup
from extract.reading.limits import Limits, describe_bytes
from extract.text.normalize import DIGIT_TO_SUPERSCRIPT
from extract.reading.errors import ReadError
from extract.records import SourceDoc, SourceLine

DOCX_ADVICE = "open it in Word and save as .docx, or export PDF"

P, TBL, TR, TC = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
R, T, PPR, RPR, TCPR, TRPR = qn("w:r"), qn("w:t"), qn("w:pPr"), qn("w:rPr"), qn("w:tcPr"), qn("w:trPr")
SDT, SDT_CONTENT, CUSTOM_XML = qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")
FOOTNOTE, FOOTNOTE_REFERENCE, FOOTNOTE_REF = qn("w:footnote"), qn("w:footnoteReference"), qn("w:footnoteRef")
RENDERED_BREAK, BR, SECT_PR = qn("w:lastRenderedPageBreak"), qn("w:br"), qn("w:sectPr")
MATH_T = "{http://schemas.openxmlformats.org/officeDocument/2006/math}t"
VAL, TYPE, ID = qn("w:val"), qn("w:type"), qn("w:id")
# Run content that is not text: property blocks, deleted or moved-away text, field codes, and
# drawings (text boxes would otherwise be glued into the paragraph that anchors them).
SKIPPED = {qn(t) for t in ("w:rPr", "w:pPr", "w:del", "w:moveFrom", "w:instrText", "w:delText", "w:drawing",
                           "w:pict", "w:object", "w:fldData", "w:sdtPr", "w:sdtEndPr", "w:endnoteReference")}
SKIPPED.add("{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent")
# Tabs and line breaks inside a paragraph are spaces: a tab would make a body line look like a table row.
SPACES = {qn(t) for t in ("w:tab", "w:ptab", "w:cr")}
CONTROL_SPACES = str.maketrans("\t\n\r", "   ")
# Word's Symbol font puts signs at its own code points; reports type ≥ ≤ in it ("≥ 95%").
SYMBOL_FONT = {0xB3: "≥", 0xA3: "≤", 0xB9: "≠", 0xB1: "±", 0xB4: "×", 0xB8: "÷", 0xB0: "°"}
SEPARATOR_TYPES = {"separator", "continuationSeparator", "continuationNotice"}


@dataclass(frozen=True, slots=True)
class _Item:
    """A body paragraph or table row before pages and lines are counted."""
    text: str
    kind: str = ""
    breaks_before: int = 0
    breaks_after: int = 0
    notes: tuple[str, ...] = ()  # ids of the footnotes it cites, emitted after it


def read_docx(path: Path, max_bytes: int = Limits().max_bytes) -> SourceDoc:
    """Read a .docx report: one line per paragraph or table row, footnote bodies after their citer.

    Pages are counted from Word's rendered page breaks when the file has them, else from
    explicit page and section breaks; `line` is the paragraph's number within its page, and a
    footnote body carries the page and line of the paragraph that cites it. The XML parts must
    unpack to at most `max_bytes`, the size limit of a file.
    """
    path = Path(path)
    check_unpacked_size(path, max_bytes)
    body, styles_root, settings_root, notes_root = open_docx(path)
    styles = find_superscript_styles(styles_root)
    rendered = next(body.iter(RENDERED_BREAK), None) is not None
    numbers = number_footnotes(body, find_footnote_start(body, settings_root))
    notes = read_footnotes(notes_root, numbers, styles) if notes_root is not None else {}
    items = [item for block in iter_blocks(body) for item in read_block(block, numbers, styles, rendered)]
    lines = tuple(lay_out(items, notes))
    return SourceDoc(str(path), "docx", lines, max((line.page for line in lines), default=1))


def check_unpacked_size(path: Path, max_bytes: int) -> None:
    """Refuse a package whose XML parts unpack beyond the size limit (a zip bomb would fill the memory).

    The sizes come from the zip directory; zipfile never inflates a member past its stated size.
    A file that is no zip at all is left to open_docx, which says what it is.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(i.file_size for i in archive.infolist() if i.filename.endswith((".xml", ".rels")))
    except (zipfile.BadZipFile, OSError):
        return
    if unpacked > max_bytes:
        raise ReadError(f"Word file unpacks to {describe_bytes(unpacked)} of text, over the limit of "
                        f"{describe_bytes(max_bytes)}: check that it is a single report, or raise the limit "
                        f"with --max-bytes or $SOLIEU_MAX_BYTES")


def open_docx(path: Path) -> tuple:
    """Body, styles, settings and footnotes (or None) XML of a .docx; ReadError if it is not one.

    Every python-docx call happens here, so no library exception escapes the reader. Foreign
    or damaged packages make it fail in open-ended ways (PackageNotFoundError, BadZipFile,
    XMLSyntaxError, KeyError, and AttributeError for a [Content_Types].xml without entries),
    hence the one broad catch at this boundary.
    """
    try:
        document = docx.Document(str(path))
        part = next((rel.target_part for rel in document.part.rels.values()
                     if rel.reltype == RT.FOOTNOTES and not rel.is_external), None)
        notes_root = parse_xml(part.blob) if part is not None else None
        return document.element.body, document.styles.element, document.settings.element, notes_root
    except Exception as exc:  # noqa: BLE001 — the boundary; see the docstring
        what, advice = describe_non_docx(path)
        raise ReadError(f"not a Word .docx file ({what}): {advice}") from exc


def describe_non_docx(path: Path) -> tuple[str, str]:
    """What a file python-docx refused looks like, and what to do, in the user's terms."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        head = path.read_bytes()[:4096]
        if head.startswith(b"PK"):
            return "a damaged or incomplete zip package", DOCX_ADVICE
        if found := sniff_format(head):
            return found
        markup = sniff_markup(head)
        if markup == "a web page (HTML)":
            return "a web page saved with a .docx name", DOCX_ADVICE
        if markup:
            return "an XML file, e.g. Word 2003 XML", DOCX_ADVICE
        return "not a zip package", DOCX_ADVICE
    if "word/document.xml" in names:
        return "a damaged Word package", DOCX_ADVICE
    if "xl/workbook.xml" in names:
        return "an Excel workbook", "export the report as PDF or .docx"
    if "mimetype" in names:
        return "an OpenDocument file", DOCX_ADVICE
    return "a zip archive without word/document.xml", DOCX_ADVICE


# --- numbering ----------------------------------------------------------------------------------

def find_footnote_start(body, settings) -> int:
    """The number of the first footnote: w:numStart of the first section, else of the settings."""
    for props in (next(body.iter(SECT_PR), None), settings):
        start = props.find(f"{qn('w:footnotePr')}/{qn('w:numStart')}") if props is not None else None
        if start is not None:
            return parse_int(start.get(VAL), 1)
    return 1


def number_footnotes(body, start: int = 1) -> dict[str, int]:
    """Footnote id -> displayed number: Word numbers references in document order, whatever the ids.

    A reference with a custom mark (w:customMarkFollows) shows its own text and takes no number.
    """
    numbers: dict[str, int] = {}
    for ref in body.iter(FOOTNOTE_REFERENCE):
        note_id = ref.get(ID)
        if note_id is not None and note_id not in numbers and not is_on(ref.get(qn("w:customMarkFollows"))):
            numbers[note_id] = start + len(numbers)
    return numbers


def read_footnotes(root, numbers: dict[str, int], styles: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """Footnote id -> its paragraphs, the first starting with its superscript number ("⁶Bao gồm: …").

    Separator pseudo-footnotes (ids -1 and 0 in Word) are skipped.
    """
    notes: dict[str, tuple[str, ...]] = {}
    for note in root.iter(FOOTNOTE):
        note_id = note.get(ID)
        if note.get(TYPE) in SEPARATOR_TYPES or note_id in (None, "-1", "0"):
            continue
        number = numbers.get(note_id)
        marker = superscript(number) if number is not None else ""
        texts = [text for block in iter_blocks(note) for text in block_texts(block, styles, marker)]
        texts = [t for t in texts if t.strip()]
        if texts and marker:
            first = texts[0].strip()
            texts[0] = marker + (first[len(marker):] if first.startswith(marker) else first).lstrip()
        notes[note_id] = tuple(texts)
    return notes


def block_texts(block, styles: frozenset[str], marker: str) -> list[str]:
    """Plain texts of a paragraph or of a table's rows inside a footnote (cells joined by spaces)."""
    if block.tag == P:
        return [render(iter_tokens(block, styles, False), {}, marker)[0]]
    return [" ".join(cells) for cells in (read_row(tr, {}, styles, False)[0] for tr in iter_rows(block))]


# --- body ---------------------------------------------------------------------------------------

def iter_blocks(parent) -> Iterator:
    """Paragraphs and tables of a body, cell or footnote in order, unwrapping content controls."""
    for child in parent:
        if child.tag in (P, TBL):
            yield child
        elif child.tag in (SDT, CUSTOM_XML):
            yield from iter_blocks(unwrap(child))


def iter_rows(tbl) -> Iterator:
    """Rows of a table in order (rows may sit in content controls)."""
    for child in tbl:
        if child.tag == TR:
            yield child
        elif child.tag in (SDT, CUSTOM_XML):
            yield from iter_rows(unwrap(child))


def read_block(block, numbers: dict[str, int], styles: frozenset[str], rendered: bool) -> list[_Item]:
    """A paragraph as one item, a table as one item per row with its footnotes after the last row."""
    if block.tag == P:
        text, before, after, notes = render(iter_tokens(block, styles, rendered), numbers)
        return [_Item(text, "", before, after + ends_section(block, rendered), tuple(notes))]
    items, notes = [], []
    for tr in iter_rows(block):
        cells, before, after, cited = read_row(tr, numbers, styles, rendered)
        items.append(_Item("\t".join(cells), "table", before, after))
        notes.extend(cited)
    if items and notes:
        items[-1] = replace(items[-1], notes=tuple(notes))
    return items


def read_row(tr, numbers, styles, rendered) -> tuple[list[str], int, int, list[str]]:
    """Cell texts of a row, one per grid column: a merged cell's covered columns are empty strings.

    Keeping the column count stable lets the annex extractor map cells to its header row. Cells
    stand side by side, so the row's page breaks are the most any one cell has (Word repeats a
    rendered break in every cell of a row that starts a page).
    """
    props = tr.find(TRPR)
    cells = [""] * grid_count(props, "w:gridBefore")
    before = after = 0
    notes: list[str] = []
    for tc in iter_cells(tr):
        tc_props = tc.find(TCPR)
        text, b, a, cited = read_cell(tc, numbers, styles, rendered)
        if is_merge_continuation(tc_props):
            text = ""
        before, after = max(before, b), max(after, a)
        notes.extend(cited)
        cells.append(text)
        cells.extend([""] * (grid_count(tc_props, "w:gridSpan", 1) - 1))
    cells.extend([""] * grid_count(props, "w:gridAfter"))
    return cells, before, after, notes


def iter_cells(tr) -> Iterator:
    for child in tr:
        if child.tag == TC:
            yield child
        elif child.tag in (SDT, CUSTOM_XML):
            yield from iter_cells(unwrap(child))


def unwrap(control) -> list:
    """The children of a content control (w:sdt/w:sdtContent) or custom-XML wrapper."""
    content = control.find(SDT_CONTENT) if control.tag == SDT else control
    return list(content) if content is not None else []


def read_cell(tc, numbers, styles, rendered) -> tuple[str, int, int, list[str]]:
    """A cell's paragraphs (and the rows of a nested table) joined by spaces."""
    texts, before, after, notes = [], 0, 0, []
    for block in iter_blocks(tc):
        if block.tag == P:
            text, b, a, cited = render(iter_tokens(block, styles, rendered), numbers)
        else:
            rows = [read_row(tr, numbers, styles, rendered) for tr in iter_rows(block)]
            text = " ".join(" ".join(c for c in row[0] if c) for row in rows)
            b, a, cited = 0, sum(row[1] + row[2] for row in rows), [n for row in rows for n in row[3]]
        if texts or text.strip():
            after += b
        else:
            before += b
        after += a
        notes.extend(cited)
        if text.strip():
            texts.append(text.strip())
    return " ".join(texts), before, after, notes


def grid_count(props, tag: str, default: int = 0) -> int:
    """w:gridSpan / w:gridBefore / w:gridAfter of a cell's or row's properties."""
    element = props.find(qn(tag)) if props is not None else None
    return parse_int(element.get(VAL), default) if element is not None else default


def is_merge_continuation(tc_props) -> bool:
    """A cell covered by the merged cell above (w:vMerge without "restart") or left (w:hMerge)."""
    if tc_props is None:
        return False
    for tag in ("w:vMerge", "w:hMerge"):
        merge = tc_props.find(qn(tag))
        if merge is not None and merge.get(VAL, "continue") == "continue":
            return True
    return False


def ends_section(p, rendered: bool) -> int:
    """1 when the paragraph closes a section that starts the next one on a new page."""
    if rendered:
        return 0
    sect = p.find(f"{PPR}/{SECT_PR}")
    if sect is None:
        return 0
    kind = sect.find(qn("w:type"))
    return int(kind is None or kind.get(VAL) != "continuous")


# --- runs ---------------------------------------------------------------------------------------

def iter_tokens(element, styles: frozenset[str], rendered: bool, raised: bool = False) -> Iterator[tuple[str, str | None]]:
    """("text", s), ("break", None), ("note", id) or ("noteref", None) for a paragraph's content.

    Page breaks come from w:lastRenderedPageBreak when `rendered` (Word already placed explicit
    breaks there: counting both would count them twice), else from w:br type="page" and
    w:pageBreakBefore. Digits in superscript runs become superscript digits (m + ³ → m³).
    """
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag == PPR:
            flag = child.find(qn("w:pageBreakBefore"))
            if not rendered and flag is not None and is_on(flag.get(VAL, "true")):
                yield "break", None
        elif tag in SKIPPED:
            continue
        elif tag == R:
            yield from iter_tokens(child, styles, rendered, is_superscript(child, styles))
        elif tag in (T, MATH_T):
            text = (child.text or "").translate(CONTROL_SPACES)
            yield "text", text.translate(DIGIT_TO_SUPERSCRIPT) if raised else text
        elif tag in SPACES:
            yield "text", " "
        elif tag == BR:
            if child.get(TYPE) == "page":
                if not rendered:
                    yield "break", None
            else:
                yield "text", " "
        elif tag == RENDERED_BREAK:
            if rendered:
                yield "break", None
        elif tag == qn("w:noBreakHyphen"):
            yield "text", "-"
        elif tag == qn("w:sym"):
            yield "text", read_symbol(child)
        elif tag == FOOTNOTE_REFERENCE:
            yield "note", child.get(ID)
        elif tag == FOOTNOTE_REF:
            yield "noteref", None
        else:  # hyperlinks, tracked insertions, smart tags, content controls, simple fields
            yield from iter_tokens(child, styles, rendered, raised)


def render(tokens, numbers: dict[str, int], own_marker: str = "") -> tuple[str, int, int, list[str]]:
    """(text, page breaks before any text, page breaks after, footnote ids cited) of a paragraph.

    A footnote reference becomes the superscript of its displayed number; the footnote's own
    number mark inside its body (w:footnoteRef) becomes `own_marker`. A paragraph without text
    that only holds a page break stays on the page before it.
    """
    parts: list[str] = []
    before = after = 0
    notes: list[str] = []
    for kind, value in tokens:
        if kind == "break":
            if any(p.strip() for p in parts):
                after += 1
            else:
                before += 1
        elif kind == "note":
            if value in numbers:
                parts.append(superscript(numbers[value]))
                notes.append(value)
        elif kind == "noteref":
            parts.append(own_marker)
        else:
            parts.append(value)
    text = "".join(parts)
    if not text.strip():
        before, after = 0, before + after
    return text, before, after, notes


def is_superscript(run, styles: frozenset[str]) -> bool:
    """Raised by direct formatting (w:vertAlign) or by its character style; direct wins."""
    props = run.find(RPR)
    if props is None:
        return False
    align = props.find(qn("w:vertAlign"))
    if align is not None:
        return align.get(VAL) == "superscript"
    style = props.find(qn("w:rStyle"))
    return style is not None and style.get(VAL) in styles


def find_superscript_styles(styles_root) -> frozenset[str]:
    """Ids of character styles that raise their text, following w:basedOn (e.g. FootnoteReference)."""
    own: dict[str, bool | None] = {}
    parent: dict[str, str] = {}
    for style in styles_root.iter(qn("w:style")):
        style_id = style.get(qn("w:styleId"))
        if style_id is None:
            continue
        align = style.find(f"{RPR}/{qn('w:vertAlign')}")
        own[style_id] = None if align is None else align.get(VAL) == "superscript"
        based = style.find(qn("w:basedOn"))
        if based is not None and based.get(VAL):
            parent[style_id] = based.get(VAL)

    def raised(style_id: str, depth: int = 0) -> bool:
        if own.get(style_id) is not None or style_id not in parent or depth > 20:
            return bool(own.get(style_id))
        return raised(parent[style_id], depth + 1)

    return frozenset(s for s in own if raised(s))


def read_symbol(sym) -> str:
    """The character of a w:sym: a Symbol-font sign mapped to Unicode, or the code point itself."""
    code = parse_int(sym.get(qn("w:char")), -1, base=16)
    if (sym.get(qn("w:font")) or "").lower() == "symbol":
        return SYMBOL_FONT.get(code & 0xFF, "")
    return chr(code) if 0 < code < 0xE000 else ""


# --- layout -------------------------------------------------------------------------------------

def lay_out(items: list[_Item], notes: dict[str, tuple[str, ...]]) -> Iterator[SourceLine]:
    """Number pages and lines; put each cited footnote's paragraphs right after its citer."""
    page, line = 1, 0
    emitted: set[str] = set()
    for item in items:
        if item.breaks_before:
            page, line = page + item.breaks_before, 0
        line += 1
        yield SourceLine(page, line, item.text, item.kind)
        for note_id in item.notes:
            if note_id not in emitted:
                emitted.add(note_id)
                for text in notes.get(note_id, ()):
                    yield SourceLine(page, line, text, "footnote")
        if item.breaks_after:
            page, line = page + item.breaks_after, 0


# --- small parsers ------------------------------------------------------------------------------

def superscript(number: int) -> str:
    """'⁶' for 6: how a footnote number is printed in the running text.

    >>> superscript(12)
    '¹²'
    """
    return str(number).translate(DIGIT_TO_SUPERSCRIPT)


def parse_int(text: str | None, default: int, base: int = 10) -> int:
    """An OOXML integer attribute, or `default` when it is missing or malformed.

    >>> parse_int("3", 1), parse_int("x", 1), parse_int("F0B3", -1, base=16)
    (3, 1, 61619)
    """
    try:
        return int(text, base) if text is not None else default
    except ValueError:
        return default


def is_on(value: str | None) -> bool:
    """An OOXML on/off attribute: set unless missing or "0"/"false"/"off".

    >>> is_on("1"), is_on("false"), is_on(None)
    (True, False, False)
    """
    return value is not None and value.lower() not in ("0", "false", "off")
