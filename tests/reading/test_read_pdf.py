"""The PDF reader on the printed sample: the same facts as the converted text, and clean failures.

The key test: the PDF of backan_2023 and its text version yield the same multiset of facts,
compared on (kind, value, plan, percent, unit, base, assessment), line numbers apart.
"""
from __future__ import annotations

from collections import Counter

import pytest
import regex as re

from extract.rulebook import default_rulebook
from extract.text.normalize import SUPERSCRIPT_DIGITS
from extract.reading.errors import ReadError
from extract.reading.source import read_source
from extract.reading.pdf import read_pdf
from extract.records import SourceDoc, SourceLine
from extract.text.segment import LineMap, segment_document
from extract.document import process_file

from pdfgen import build_pdf, text_page

from conftest import SAMPLE_TXT

# Differences between the two versions that come from the text version's conversion, as
# (kind, value, plan, percent, unit, base, assessment) -> count. None left: the PDF yields
# exactly the text version's facts.
ONLY_IN_PDF: Counter = Counter()
ONLY_IN_TEXT: Counter = Counter()


@pytest.fixture(scope="module")
def sample_pdf(shared):
    path = shared / "pdf" / "backan_2023_ktxh.pdf"
    if not path.exists():
        pytest.skip("sample PDF not present")
    return path


@pytest.fixture(scope="module")
def from_pdf(sample_pdf):
    return process_file(sample_pdf, default_rulebook())


@pytest.fixture(scope="module")
def from_text():
    return process_file(SAMPLE_TXT, default_rulebook())


def fact_key(fact):
    return (fact.kind, fact.value, fact.plan, fact.percent, fact.unit, fact.base, fact.assessment)


def data_rows(document):
    """Cell texts of every table row, leaving out a header the PDF repeats on each page."""
    rows, header = [], None
    for row in document.table_rows:
        cells = tuple(c.text for c in row.cells)
        if row.header and header is not None and cells == header:
            continue
        header = header or (cells if row.header else None)
        rows.append(cells)
    return rows


# --- the key test -------------------------------------------------------------------------------

def test_pdf_and_text_yield_the_same_facts(from_pdf, from_text):
    pdf, text = Counter(map(fact_key, from_pdf.facts)), Counter(map(fact_key, from_text.facts))
    assert len(from_pdf.facts) == len(from_text.facts) > 300
    assert pdf - text == ONLY_IN_PDF
    assert text - pdf == ONLY_IN_TEXT


def test_pdf_and_text_describe_the_report_alike(from_pdf, from_text):
    # The three-line centred title of p.1 is one paragraph, as in the text version.
    assert (from_pdf.title, from_pdf.year, from_pdf.period, from_pdf.locality) == \
           (from_text.title, from_text.year, from_text.period, from_text.locality)
    assert from_pdf.title.endswith("nhiệm vụ và giải pháp chủ yếu năm 2024")


# --- superscripts and footnotes -----------------------------------------------------------------

def test_no_fact_takes_its_digits_from_a_footnote_marker(from_pdf):
    values = {f.value for f in from_pdf.facts} | {f.plan for f in from_pdf.facts}
    assert not values & {202316, 20236, 2023016}
    for fact in from_pdf.facts:
        printed = " ".join(filter(None, (fact.value_raw, fact.plan_raw, fact.percent_raw)))
        assert not set(printed) & set(SUPERSCRIPT_DIGITS), fact.raw


def test_markers_and_units_become_superscripts_where_printed(from_pdf):
    text = from_pdf.document.text
    assert "đời sống văn hóa” năm 2023¹⁶, hiện nay" in text   # p.13: marker after a year
    assert "trường hợp vi phạm¹." in text                      # p.1: marker before the full stop
    assert "diện tích 14.058,8m² đất ở" in text                 # p.7: a unit, not a marker
    assert "2023¹⁶" in text and "202316" not in text


def test_footnotes_match_the_text_version(from_pdf, from_text):
    # A line of the PDF that ends in a hyphen ("phân khu N8-" / "Khu vực …", footnote 11) is
    # joined with a space by segment.py, so spaces after hyphens are left out of the comparison.
    def bodies(document):
        return [(n.number, re.sub(r"-\s+", "-", " ".join(document.text[n.start:n.end].split())))
                for n in document.footnotes]
    pdf, text = bodies(from_pdf.document), bodies(from_text.document)
    assert [n for n, _ in pdf] == list(range(1, 22))
    assert pdf == text


def test_footnote_continued_on_the_next_page_stays_one_footnote(from_pdf):
    # Footnote 11 starts at the foot of p.6 and ends at the foot of p.7.
    note = next(n for n in from_pdf.document.footnotes if n.number == 11)
    body = from_pdf.document.text[note.start:note.end]
    assert body.startswith("Phê duyệt kết quả lựa chọn nhà thầu")
    assert body.endswith("Tổ hợp Trung tâm thương mại và Shophouse Bắc Kạn.")
    assert {LineMap(from_pdf.document)(note.start)[0], LineMap(from_pdf.document)(note.end - 1)[0]} == {6, 7}


def test_every_footnote_marker_is_found_in_the_body(from_pdf):
    assert all(n.marker_start is not None for n in from_pdf.document.footnotes)


def test_footnote_lines_start_with_their_number_and_page_numbers_are_gone(sample_pdf):
    source = read_pdf(sample_pdf)
    notes = [l for l in source.lines if l.kind == "footnote"]
    starts = [l.text for l in notes if l.text[0] in SUPERSCRIPT_DIGITS]
    assert len(starts) == 21 and starts[0].startswith("¹Kiểm tra liên ngành")
    first = {}
    for line in source.lines:
        if line.text:
            first.setdefault(line.page, line.text)
    assert [p for p, text in first.items() if text == str(p)] == []   # "2" … "31" printed at the tops


# --- paragraphs and pages -----------------------------------------------------------------------

def test_wrapped_lines_join_even_when_they_start_with_a_capital(from_pdf):
    # p.1: "… của Thường trực" / "Hội đồng nhân dân thành phố Bắc Kạn về dự kiến …"
    assert "của Thường trực Hội đồng nhân dân thành phố Bắc Kạn về dự kiến" in from_pdf.document.text


def test_sentence_cut_by_a_page_break_and_footnotes_is_rejoined(from_pdf):
    document = from_pdf.document
    start = document.text.index("01 nhà thờ là nơi người dân sinh hoạt")
    sentence = next(s for s in document.sentences if s.start <= start < s.end)
    text = document.text[sentence.start:sentence.end]
    assert "sinh hoạt tín ngưỡng hằng năm thu hút khoảng 2.000 lượt người" in text   # p.2 → p.3
    assert {LineMap(document)(sentence.start)[0], LineMap(document)(sentence.end - 1)[0]} == {2, 3}


def test_fact_positions_point_at_the_pdf_line(from_pdf, sample_pdf):
    source = read_pdf(sample_pdf)
    lines = {(l.page, l.line): l.text for l in source.lines if l.text}
    fact = next(f for f in from_pdf.facts if f.raw.startswith("201,922/260"))
    page, line = LineMap(from_pdf.document)(fact.char_start)
    assert page == 6 and "201,922/260" in lines[(page, line)]


def test_lines_are_numbered_within_their_page(sample_pdf):
    source = read_pdf(sample_pdf)
    assert source.fmt == "pdf" and source.pages == 31
    assert {l.page for l in source.lines} == set(range(1, 32))
    assert all(l.line >= 1 for l in source.lines)
    assert source.lines[1] == SourceLine(1, 1, "Số: /BC-UBND", "", 13.0)


# --- the annex table ----------------------------------------------------------------------------

def test_annex_rows_match_the_text_version_cell_by_cell(from_pdf, from_text):
    pdf, text = data_rows(from_pdf.document), data_rows(from_text.document)
    assert pdf[0] == ("STT", "Chỉ tiêu", "Đơn vị tính", "Kế hoạch 2023", "Ước thực hiện 2023", "Đánh giá")
    assert len(pdf) == len(text) == 66
    for got, want in zip(pdf, text):
        assert got == want


def test_annex_header_repeated_by_the_pdf_is_kept_and_rows_go_on(from_pdf):
    headers = [r for r in from_pdf.document.table_rows if r.header]
    assert len(headers) == 3   # pp.29, 30, 31 each print the header row
    annex = [f for f in from_pdf.facts if f.kind == "annex_row"]
    assert len(annex) == len({(f.stt, f.label) for f in annex})


# --- segment.py's "continuation" hint -----------------------------------------------------------

def test_continuation_hint_joins_a_capitalised_line_to_its_paragraph():
    lines = (SourceLine(1, 1, "Dịch vụ tài chính ngân hàng với 05 chi nhánh"),
             SourceLine(1, 2, "Ngân hàng² với tổng số 10 cây ATM.", "continuation"),
             SourceLine(1, 3, ""),
             SourceLine(1, 4, "Ngân hàng mới mở thêm 02 chi nhánh.", ""))
    document = segment_document(SourceDoc("x.pdf", "pdf", lines, 1), "x")
    assert [document.text[b.start:b.end] for b in document.blocks] == [
        "Dịch vụ tài chính ngân hàng với 05 chi nhánh Ngân hàng² với tổng số 10 cây ATM.",
        "Ngân hàng mới mở thêm 02 chi nhánh."]


def test_continuation_without_a_paragraph_starts_one():
    lines = (SourceLine(1, 1, "¹Ghi chú.", "footnote"), SourceLine(2, 1, "Tiếp theo.", "continuation"))
    document = segment_document(SourceDoc("x.pdf", "pdf", lines, 2), "x")
    assert [b.kind for b in document.blocks] == ["footnote", "paragraph"]


# --- files that cannot be read ------------------------------------------------------------------

def test_scanned_pdf_asks_for_ocr_when_ocr_is_off(shared, monkeypatch):
    # with Tesseract the scan is read (tests/reading/test_ocr.py); $SOLIEU_OCR=off refuses it as before
    path = shared / "pdf" / "backan_2023_ktxh.scanned.pdf"
    if not path.exists():
        pytest.skip("scanned sample not present")
    monkeypatch.setenv("SOLIEU_OCR", "off")
    with pytest.raises(ReadError, match="no text layer; OCR needed: its 31 page"):
        read_source(path)


def test_truncated_pdf_is_a_read_error(sample_pdf, tmp_path):
    path = tmp_path / "truncated.pdf"
    path.write_bytes(sample_pdf.read_bytes()[:5000])
    with pytest.raises(ReadError, match="truncated"):
        read_source(path)


@pytest.mark.parametrize("content", [b"", b"hello, not a PDF\n", b"%PDF-1.4\n%%EOF\n"], ids=["empty", "text", "bare"])
def test_broken_files_are_read_errors(tmp_path, content):
    path = tmp_path / "broken.pdf"
    path.write_bytes(content)
    with pytest.raises(ReadError):
        read_source(path)


def test_encrypted_pdf_asks_to_remove_the_password(tmp_path):
    path = tmp_path / "locked.pdf"
    path.write_bytes(build_pdf([text_page("Thu ngan sach dat 201,922 ty dong")], user_password=b"secret"))
    with pytest.raises(ReadError, match="PDF is encrypted: remove the password"):
        read_source(path)


# --- another office's layout: a PDF typeset here, with PDFium's standard fonts -------------------

class Typesetter:
    """Draw text and rules on new PDF pages, the way an office suite would print a report."""

    def __init__(self):
        import pypdfium2 as pdfium
        self.pdf = pdfium.PdfDocument.new()
        self.pages = []   # kept open until saved: PDFium closes a page object when it is collected

    @property
    def page(self):
        return self.pages[-1]

    def new_page(self, width=595, height=842):
        self.pages.append(self.pdf.new_page(width, height))
        return self

    def text(self, text, x, y, size, insert=True):
        """Place `text` with its baseline at (x, y); return where it ends."""
        import ctypes
        import pypdfium2.raw as pdfium_c
        obj = pdfium_c.FPDFPageObj_NewTextObj(self.pdf.raw, b"Helvetica", size)
        buffer = ctypes.create_string_buffer((text + "\0").encode("utf-16-le"))
        pdfium_c.FPDFText_SetText(obj, ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR)))
        pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, y)
        left, bottom, right, top = (ctypes.c_float() for _ in range(4))
        pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
        if insert:
            pdfium_c.FPDFPage_InsertObject(self.page.raw, obj)
        else:
            pdfium_c.FPDFPageObj_Destroy(obj)
        return right.value

    def paragraph(self, words, y, size, left=72, right=523, indent=24, pitch=15):
        """Wrap words greedily into the measure, first line indented; return the next baseline."""
        line, x0 = [], left + indent
        for word in words.split():
            if line and self.text(" ".join(line + [word]), x0, y, size, insert=False) > right:
                self.text(" ".join(line), x0, y, size)
                line, x0, y = [], left, y - pitch
            line.append(word)
        self.text(" ".join(line), x0, y, size)
        return y - pitch

    def rule(self, x0, y0, x1, y1):
        import pypdfium2.raw as pdfium_c
        path = pdfium_c.FPDFPageObj_CreateNewPath(x0, y0)
        pdfium_c.FPDFPath_LineTo(path, x1, y1)
        pdfium_c.FPDFPath_SetDrawMode(path, 0, 1)
        pdfium_c.FPDFPageObj_SetStrokeWidth(path, 0.5)
        pdfium_c.FPDFPage_InsertObject(self.page.raw, path)

    def save(self, path):
        import pypdfium2.raw as pdfium_c
        for page in self.pages:
            pdfium_c.FPDFPage_GenerateContent(page.raw)
        self.pdf.save(str(path))
        return path


# Capitalised words, so that wrapped lines start with a capital letter (as "Hội đồng nhân dân …").
WRAPPED = ("Revenue from trade and services reached 3.640 billion dong, equal to 100 Percent Of The "
           "Plan. Small Businesses Registered Numbered 4.086 Households, And The Market Board "
           "Inspected Every Stall In The Central Market During The Year")


@pytest.fixture(scope="module")
def office_pdf(tmp_path_factory):
    """Two pages: wrapped paragraphs, a superscript marker, a footnote without a rule, a table."""
    out = Typesetter().new_page()
    out.text("1. Trade", 72, 760, 12)
    y = out.paragraph(WRAPPED, 740, 12)
    end = out.text("Land allocated in 2023", 96, y, 12)
    end = out.text("16", end, y + 4, 7)                       # raised, smaller: a footnote marker
    out.text(", 14.058,8 m", end, y, 12)
    end = out.text(", 14.058,8 m", end, y, 12, insert=False)
    out.text("2", end, y + 4, 7)                              # the ² of m²
    end = out.text("16", 72, 84, 6)                           # footnote area: no separator rule
    out.text(" Including 12 plots sold at auction and 5 plots allocated", end, 80, 9)
    out.text("without auction.", 72, 69, 9)
    out.text("1", 295, 40, 10)                                # page number at the foot
    out.new_page(842, 595)
    out.text("2", 420, 560, 10)                               # page number at the top
    widths = [72, 110, 300, 370, 470, 570, 700]
    rows = [("STT", "Indicator", "Unit", "Plan 2023", ("Actual", "2023"), "Result"),
            ("1", "Budget revenue", "billion", "260", "201,922", "Not met"),
            ("2", "Land allocated", "m", "150", "172,86", "Exceeded")]
    top = 520
    for r, row in enumerate(rows):
        out.rule(widths[0], top - 30 * r, widths[-1], top - 30 * r)
        for c, cell in enumerate(row):
            lines = cell if isinstance(cell, tuple) else (cell,)
            for k, text in enumerate(lines):
                end = out.text(text, widths[c] + 4, top - 30 * r - 12 - 11 * k, 10)
            if r == 2 and c == 2:
                out.text("2", end, top - 30 * r - 12 + 3, 6)
    out.rule(widths[0], top - 90, widths[-1], top - 90)
    for x in widths:
        out.rule(x, top, x, top - 90)
    return out.save(tmp_path_factory.mktemp("office") / "office.pdf")


def test_other_layout_wrapped_lines_markers_and_footnotes(office_pdf):
    lines = [l for l in read_pdf(office_pdf).lines if l.text and l.page == 1]
    kinds = [l.kind for l in lines]
    assert lines[0].text == "1. Trade" and kinds[0] == ""
    assert kinds[1] == "" and set(kinds[2:len(kinds) - 3]) == {"continuation"}
    assert any(l.kind == "continuation" and l.text[0].isupper() for l in lines)
    assert lines[-3].text == "Land allocated in 2023¹⁶, 14.058,8 m²" and lines[-3].kind == ""
    assert [(l.kind, l.text) for l in lines[-2:]] == [
        ("footnote", "¹⁶Including 12 plots sold at auction and 5 plots allocated"),
        ("footnote", "without auction.")]
    document = segment_document(read_pdf(office_pdf), "office")
    assert " ".join(WRAPPED.split()) in document.text
    assert [(n.number, document.text[n.start:n.end]) for n in document.footnotes] == [
        (16, "Including 12 plots sold at auction and 5 plots allocated without auction.")]


def test_other_layout_ruled_table(office_pdf):
    lines = [l for l in read_pdf(office_pdf).lines if l.page == 2]
    assert [(l.kind, l.text) for l in lines] == [
        ("table", "STT\tIndicator\tUnit\tPlan 2023\tActual 2023\tResult"),
        ("table", "1\tBudget revenue\tbillion\t260\t201,922\tNot met"),
        ("table", "2\tLand allocated\tm²\t150\t172,86\tExceeded")]


def test_a_table_whose_geometry_fails_is_read_as_plain_lines(office_pdf, monkeypatch):
    import extract.reading.pdf as reader

    def broken(edges):
        raise AssertionError("odd drawing")
    monkeypatch.setattr(reader, "find_tables", broken)
    source = read_pdf(office_pdf)
    assert "read_pdf: page 2 table not read (AssertionError)" in source.notes
    texts = [l.text for l in source.lines if l.page == 2]
    assert not any(l.kind == "table" for l in source.lines) and any("Budget revenue" in t for t in texts)


def test_the_undeclared_pdfium_calls_read_every_character_as_pypdfium2s_declared_ones(sample_pdf):
    """read_glyphs calls PDFium's per-character functions without ctypes' argument conversion
    (char_calls); every page of the sample reads the same through pypdfium2's own declarations."""
    import pypdfium2 as pdfium
    from extract.reading.pdf import char_calls, read_glyphs, typed_char_calls
    assert char_calls() != typed_char_calls()   # the fast path is in use, not its fallback
    pdf = pdfium.PdfDocument(str(sample_pdf))
    try:
        for index in range(len(pdf)):
            textpage = pdf[index].get_textpage()
            fast, declared = read_glyphs(textpage), read_glyphs(textpage, typed_char_calls())
            assert fast == declared and len(fast) > 100, f"page {index + 1}"
    finally:
        pdf.close()
