"""Reading .docx reports: a Word file built from sample sentences reads like the text sample.

python-docx cannot write footnotes, so `attach_footnotes` writes word/footnotes.xml as Word
does (separators -1 and 0, then the notes) and relates it to the document part; python-docx
adds the relationship and the content type when it saves.
"""
import zipfile
from decimal import Decimal
from xml.sax.saxutils import escape

import docx
import pytest
from docx.enum.text import WD_BREAK
from docx.opc.constants import CONTENT_TYPE as CT, RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import nsdecls, qn

from extract.facts.engine import extract_facts
from extract.text.normalize import SUPERSCRIPT_DIGITS
from extract.reading.errors import ReadError
from extract.reading.source import read_source
from extract.text.segment import segment_document

from conftest import SAMPLE_TXT

SAMPLE = SAMPLE_TXT.read_text(encoding="utf-8").split("\n")


def sample_line(start: str) -> str:
    return next(line for line in SAMPLE if line.startswith(start))


# seen: backan_2023 l.55 (paragraph citing footnote 6), l.63 (its body), l.500-513 (annex)
PARAGRAPH = sample_line("Tổng giá trị sản xuất công nghiệp đạt 575 tỷ đồng")
NOTE_6 = sample_line("⁶Bao gồm")
HEADER = sample_line("STT\tChỉ tiêu\tĐơn vị tính")
SECTION = sample_line("A\tChỉ tiêu kinh tế")
ROWS = [sample_line(s) for s in ("2\tThu ngân sách", "4\tTổng mức bán lẻ", "5\tSố hộ kinh doanh")]
HERD, PIGS = sample_line("7\tTổng đàn gia súc"), sample_line("\tĐàn lợn")
TABLE = [HEADER, SECTION, *ROWS, HERD, PIGS]


# --- building Word files ------------------------------------------------------------------------

def footnotes_xml(bodies: dict[int, str]) -> bytes:
    """word/footnotes.xml as Word writes it: two separators, then each note opening with its mark."""
    notes = "".join(
        f'<w:footnote w:id="{note_id}"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
        f'<w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {escape(text)}</w:t></w:r></w:p></w:footnote>'
        for note_id, text in bodies.items())
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes {nsdecls("w")}>'
            '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
            '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
            f'</w:r></w:p></w:footnote>{notes}</w:footnotes>').encode("utf-8")


def attach_footnotes(document, bodies: dict[int, str]) -> None:
    part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, footnotes_xml(bodies), document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES)


def cite_footnote(paragraph, note_id: int) -> None:
    """A run holding w:footnoteReference, raised as Word's FootnoteReference style does."""
    run = paragraph.add_run()
    run.font.superscript = True
    ref = OxmlElement("w:footnoteReference")
    ref.set(qn("w:id"), str(note_id))
    run._r.append(ref)


def start_footnotes_at(document, number: int) -> None:
    """Word's "Footnote numbering: Start at" for the section (w:footnotePr/w:numStart)."""
    props, start = OxmlElement("w:footnotePr"), OxmlElement("w:numStart")
    start.set(qn("w:val"), str(number))
    props.append(start)
    document.sections[0]._sectPr.insert(0, props)


def add_annex(document, rows: list[str]):
    """The annex as a Word table; the section row spans columns 2-6 and STT 7 spans its sub-row."""
    cells = [row.split("\t") for row in rows]
    table = document.add_table(rows=len(cells), cols=len(cells[0]))
    for r, values in enumerate(cells):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    section = rows.index(SECTION)
    table.cell(section, 1).merge(table.cell(section, len(cells[0]) - 1)).text = SECTION.split("\t")[1]
    herd = rows.index(HERD)
    table.cell(herd, 0).merge(table.cell(herd + 1, 0)).text = HERD.split("\t")[0]
    return table


def build_report(path):
    """Sample paragraph citing footnote 6 (stored under another id), its body, and the annex."""
    document = docx.Document()
    start_footnotes_at(document, 6)
    before, after = PARAGRAPH.split("⁶", 1)
    paragraph = document.add_paragraph(before)
    cite_footnote(paragraph, 3)
    paragraph.add_run(after)
    add_annex(document, TABLE)
    attach_footnotes(document, {3: NOTE_6.removeprefix("⁶")})
    document.save(path)
    return path


@pytest.fixture(scope="module")
def report_docx(tmp_path_factory):
    return build_report(tmp_path_factory.mktemp("docx") / "backan_excerpt.docx")


@pytest.fixture(scope="module")
def report_txt(tmp_path_factory):
    """The same excerpt as converted text: paragraph, footnote, annex rows."""
    path = tmp_path_factory.mktemp("txt") / "backan_excerpt.txt"
    path.write_text(f"{PARAGRAPH}\n\n{NOTE_6}\n\n" + "\n".join(TABLE) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def document(report_docx):
    return segment_document(read_source(report_docx), report_docx.stem)


# --- the sample excerpt -------------------------------------------------------------------------

def test_lines_read_like_the_text_sample(report_docx):
    source = read_source(report_docx)
    assert source.fmt == "docx" and source.pages == 1
    assert [(l.text, l.kind) for l in source.lines] == (
        [(PARAGRAPH, ""), (NOTE_6, "footnote")] + [(row, "table") for row in TABLE])
    # the footnote body carries the page and line of the paragraph that cites it
    assert (source.lines[1].page, source.lines[1].line) == (1, 1)
    assert [l.line for l in source.lines if l.kind == "table"] == list(range(2, 2 + len(TABLE)))


def test_footnote_is_stored_and_linked_to_its_marker(document):
    note = next(f for f in document.footnotes if f.number == 6)
    assert document.text[note.start:note.end] == NOTE_6.removeprefix("⁶")
    assert document.text[note.marker_start] == "⁶"
    sentence = document.sentences[note.sentence]
    assert document.text[sentence.start:sentence.end].startswith("Tổng giá trị sản xuất công nghiệp đạt 575 tỷ đồng")
    assert sentence.start <= note.marker_start < sentence.end


def test_no_fact_takes_its_digits_from_the_marker(document):
    facts, _ = extract_facts(document)
    note = next(f for f in document.footnotes if f.number == 6)
    for fact in facts:
        for raw in (fact.value_raw, fact.plan_raw, fact.percent_raw):
            assert raw is None or not set(raw) & set(SUPERSCRIPT_DIGITS), fact
        assert fact.char_start != note.marker_start, fact
    percent = next(f for f in facts if f.percent_raw == "96,63")
    assert percent.in_footnote is None and percent.sentence == note.sentence


def test_annex_rows_become_annex_row_facts(document):
    facts, _ = extract_facts(document)
    rows = {f.label: f for f in facts if f.kind == "annex_row"}
    budget = rows["Thu ngân sách nhà nước trên địa bàn"]
    assert (budget.plan_raw, budget.value_raw, budget.assessment) == ("260", "201,922", "Không đạt")
    assert budget.plan == Decimal(260) * 10**9 and budget.value == Decimal("201.922") * 10**9
    households = rows["Số hộ kinh doanh cá thể hoạt động trên địa bàn"]
    assert (households.plan, households.value, households.assessment) == (Decimal(3990), Decimal(4086), "Vượt")
    assert rows["Đàn lợn"].stt is None   # the STT cell is covered by the merged "7" above


def test_facts_equal_those_of_the_same_text_file(document, report_txt):
    from_txt = segment_document(read_source(report_txt), report_txt.stem)
    assert document.text == from_txt.text
    assert extract_facts(document) == extract_facts(from_txt)
    assert [(f.number, f.sentence) for f in document.footnotes] == [(f.number, f.sentence) for f in from_txt.footnotes]


# --- Word features ------------------------------------------------------------------------------

def test_footnotes_are_numbered_in_document_order_not_by_id(tmp_path):
    document = docx.Document()
    first = document.add_paragraph("Thu ngân sách đạt 201,922/260 tỷ đồng")
    cite_footnote(first, 7)
    first.add_run(".")
    second = document.add_paragraph("Trồng rừng đạt 172,86/150 ha")
    cite_footnote(second, 2)
    attach_footnotes(document, {2: "Rừng sản xuất.", 7: "Ước đến 31/12/2023."})
    document.save(tmp_path / "order.docx")
    lines = [(l.text, l.kind) for l in read_source(tmp_path / "order.docx").lines]
    assert lines == [("Thu ngân sách đạt 201,922/260 tỷ đồng¹.", ""), ("¹Ước đến 31/12/2023.", "footnote"),
                     ("Trồng rừng đạt 172,86/150 ha²", ""), ("²Rừng sản xuất.", "footnote")]


def test_superscript_runs_become_superscript_digits(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph("gỗ lạng hoặc bóc ước đạt 2.921m")
    paragraph.add_run("3").font.superscript = True
    paragraph.add_run("; bằng 96,63% so với cùng kỳ")
    paragraph.add_run("6").font.superscript = True
    document.add_paragraph("Diện tích 120 m² đã có ghi chú²")
    document.save(tmp_path / "sup.docx")
    texts = [l.text for l in read_source(tmp_path / "sup.docx").lines]
    assert texts == ["gỗ lạng hoặc bóc ước đạt 2.921m³; bằng 96,63% so với cùng kỳ⁶",
                     "Diện tích 120 m² đã có ghi chú²"]


def test_page_breaks_number_pages_and_restart_lines(tmp_path):
    document = docx.Document()
    document.add_paragraph("Trang một, đoạn một.")
    document.add_paragraph("Trang một, đoạn hai.").runs[0].add_break(WD_BREAK.PAGE)
    document.add_paragraph("Trang hai, đoạn một.")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)   # an empty paragraph holding a break
    document.add_paragraph("Trang ba, đoạn một.")
    document.save(tmp_path / "pages.docx")
    source = read_source(tmp_path / "pages.docx")
    assert [(l.page, l.line) for l in source.lines] == [(1, 1), (1, 2), (2, 1), (2, 2), (3, 1)]
    assert source.pages == 3


def test_rendered_page_breaks_are_not_counted_twice(tmp_path):
    """Word saves w:lastRenderedPageBreak where pages began, explicit breaks included."""
    document = docx.Document()
    document.add_paragraph("Trang một.").runs[0].add_break(WD_BREAK.PAGE)
    second = document.add_paragraph("Trang hai, dài đến trang ba: ")
    second.runs[0]._r.insert(0, OxmlElement("w:lastRenderedPageBreak"))
    tail = second.add_run("tiếp theo.")
    tail._r.insert(0, OxmlElement("w:lastRenderedPageBreak"))
    document.add_paragraph("Trang ba.")
    document.save(tmp_path / "rendered.docx")
    source = read_source(tmp_path / "rendered.docx")
    assert [(l.page, l.line) for l in source.lines] == [(1, 1), (2, 1), (3, 1)]


# --- files that are not Word documents ----------------------------------------------------------

def write_zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def broken_xml_docx(path, report_docx):
    with zipfile.ZipFile(report_docx) as src:
        members = {name: src.read(name) for name in src.namelist()}
    members["word/document.xml"] = members["word/document.xml"][:-200]
    return write_zip(path, members)


NOT_DOCX = {
    "zip of junk": (lambda p, _: write_zip(p, {"notes.txt": b"junk"}), "zip archive without word/document.xml"),
    "html renamed": (lambda p, _: p.write_bytes(b"<!DOCTYPE html><html><body>B\xc3\xa1o c\xc3\xa1o</body></html>"),
                     "web page"),
    "pdf renamed": (lambda p, _: p.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), "PDF"),
    "word 97 doc": (lambda p, _: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)), "Word 97-2003"),
    "truncated": (lambda p, src: p.write_bytes(src.read_bytes()[:3000]), "damaged or incomplete"),
    "broken xml": (broken_xml_docx, "damaged Word package"),
    "excel": (lambda p, _: write_zip(p, {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}),
              "Excel"),
}


@pytest.mark.parametrize("case", NOT_DOCX, ids=list(NOT_DOCX))
def test_a_file_that_is_not_docx_is_refused_in_plain_words(case, tmp_path, report_docx):
    make, what = NOT_DOCX[case]
    path = tmp_path / "bao_cao.docx"
    make(path, report_docx)
    with pytest.raises(ReadError) as info:
        read_source(path)
    message = str(info.value)
    assert message.startswith("not a Word .docx file (") and what in message
    assert "save as .docx" in message or "rename it to .pdf" in message or "export" in message
