"""Scanned PDFs read by OCR (extract/reading/ocr.py): a scan made here from pages of the printed sample
(rendered, turned 1.2°, speckled, wrapped back into a PDF without a text layer) reads like the text
layer; a digit misread with low confidence never makes a mismatch; without Tesseract the scan is refused
with the command that installs it.

Tesseract reads two or three pages in this module (a few seconds each); what it returned for an image is
kept for the module's other tests (`remembered_ocr`), never between runs. The whole 31-page scan of the
sample is read only on request: SOLIEU_OCR_SAMPLE=1 (see `make scan-check`).
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

import duckdb
import pytest

from extract.document import process_file
from extract.reading import ocr
from extract.reading.errors import ReadError
from extract.reading.ocr import OcrSettings, crop_box, find_tesseract, mark_ocr_facts, ocr_settings
from extract.reading.pdf import read_pdf
from extract.reading.source import read_source
from extract.records import Document, Fact, OcrWord, Segment
from extract.rulebook import default_rulebook
from extract.text.segment import LineMap

from conftest import ROOT
from pdfgen import build_pdf, image_page, scan_of, text_page

SAMPLE = "backan_2023_ktxh.pdf"
TWO_PAGES = [0, 28]          # p.1 (a footnote, its marker, a title underline) and p.29 (the annex table)


@pytest.fixture(scope="module")
def tesseract():
    found, missing = find_tesseract()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{missing}: .ci/run installs it (apt-get install tesseract-ocr tesseract-ocr-vie)")
        pytest.skip(f"{missing} (apt-get install tesseract-ocr tesseract-ocr-vie)")
    return found


@pytest.fixture(scope="module")
def remembered_ocr(tesseract):
    """Tesseract's answer for an image already read in this module is given again without reading it."""
    seen, run = {}, ocr.run_tesseract

    def remembered(tess, image, psm=3, digits=False, dpi=ocr.DPI):
        key = (image.shape, image.tobytes(), psm, digits, dpi)
        if key not in seen:
            seen[key] = run(tess, image, psm, digits, dpi)
        return seen[key]

    patch = pytest.MonkeyPatch()
    patch.setattr(ocr, "run_tesseract", remembered)
    yield
    patch.undo()


@pytest.fixture(scope="module")
def sample_pages(shared, tmp_path_factory):
    """Pages 1 and 29 of the printed sample: the text layer, and a scan of it."""
    import pypdfium2 as pdfium
    source = shared / "pdf" / SAMPLE
    if not source.exists():
        pytest.skip("sample PDF not present")
    folder = tmp_path_factory.mktemp("scan")
    text = folder / "two_pages.pdf"
    pdf, part = pdfium.PdfDocument(str(source)), pdfium.PdfDocument.new()
    part.import_pages(pdf, TWO_PAGES)
    part.save(str(text))
    pdf.close()
    return text, scan_of(text, folder / "two_pages.scanned.pdf")


@pytest.fixture(scope="module")
def scanned_source(sample_pages, remembered_ocr):
    return read_pdf(sample_pages[1], settings=OcrSettings(jobs=2))


def numbers(text: str) -> Counter:
    import regex as re
    return Counter(re.findall(r"\d+(?:[.,]\d+)*", text))


# --- reading -------------------------------------------------------------------------------------

def test_a_scan_reads_like_its_text_layer(sample_pages, scanned_source):
    text_source = read_pdf(sample_pages[0])
    assert scanned_source.pages == 2 and any("read by OCR (Tesseract" in n for n in scanned_source.notes)
    for page in (1, 2):
        want = numbers(" ".join(l.text for l in text_source.lines if l.page == page))
        got = numbers(" ".join(l.text for l in scanned_source.lines if l.page == page))
        assert sum((want & got).values()) >= 0.95 * sum(want.values()), (page, want - got, got - want)


def test_superscripts_on_the_image_are_footnote_markers(scanned_source):
    lines = [l for l in scanned_source.lines if l.page == 1 and l.text]
    assert any(l.text.endswith("trường hợp vi phạm¹.") for l in lines)
    notes = [l for l in lines if l.kind == "footnote"]
    assert notes and notes[0].text.startswith("¹")
    assert "Kiểm tra liên ngành" in notes[0].text


def test_the_annex_keeps_its_columns(scanned_source):
    rows = [l.text.split("\t") for l in scanned_source.lines if l.page == 2 and l.kind == "table"]
    assert len(rows) >= 20 and {len(r) for r in rows} == {6}
    assert rows[0][1:] == ["Chỉ tiêu", "Đơn vị tính", "Kế hoạch 2023", "Ước thực hiện 2023", "Đánh giá"]
    budget = next(r for r in rows if r[1].startswith("Thu ngân sách"))
    assert budget[2:] == ["Tỷ đồng", "260", "201,922", "Không đạt"]


def test_words_keep_confidence_and_box(scanned_source):
    words = [w for l in scanned_source.lines for w in l.words]
    assert len(words) > 500
    line = next(l for l in scanned_source.lines if "3.640 tỷ đồng" in l.text)
    word = next(w for w in line.words if w.text == "3.640")
    assert line.text[word.start:word.end] == "3.640" and word.confidence >= 80 and word.page == 1
    x0, top, x1, bottom = word.box
    assert 0 < x0 < x1 < 595 and 0 < top < bottom < 842 and 5 < bottom - top < 20


# --- facts ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def both_processed(sample_pages, remembered_ocr):
    book = default_rulebook()
    return process_file(sample_pages[0], book), process_file(sample_pages[1], book)


def fact_keys(processed) -> Counter:
    where = LineMap(processed.document)
    return Counter((*where(f.char_start), f.kind, f.value, f.plan, f.percent, f.unit) for f in processed.facts)


def test_facts_of_the_scan_are_the_text_layers(both_processed):
    text, scan = both_processed
    want, got = fact_keys(text), fact_keys(scan)
    assert sum((want & got).values()) >= 0.95 * sum(want.values()), want - got
    assert all(f.provenance == "ocr" for f in scan.facts) and not any(f.provenance for f in text.facts)
    sure = [f for f in scan.facts if not f.uncertain]
    assert len(sure) >= 0.9 * len(scan.facts)
    assert all(f.ocr_confidence >= 80 and f.ocr_page and len(f.ocr_box) == 4 for f in sure)


def test_the_printed_number_can_be_cut_out(both_processed, sample_pages):
    _, scan = both_processed
    fact = next(f for f in scan.facts if f.value_raw == "3.640" and f.ocr_box)
    image = crop_box(sample_pages[1], fact.ocr_page, fact.ocr_box)
    assert image is not None and image.width > image.height > 20
    assert crop_box(sample_pages[1] .with_name("gone.pdf"), fact.ocr_page, fact.ocr_box) is None


def ocr_fact(start: int, end: int, **fields) -> Fact:
    return Fact("VA01", "value", "x", start, end, **fields)


def test_uncertain_numbers():
    text = "đạt 3.915 tấn và 6l,1% và 58 ha"
    words = (OcrWord(4, 9, "3.915", 95.0, 3, (1, 2, 3, 4)), OcrWord(17, 23, "6l,1%", 96.0, 3, (5, 6, 7, 8)),
             OcrWord(27, 29, "58", 62.0, 3, (9, 10, 11, 12)))
    document = Document("d", "d.pdf", "pdf", text, (Segment(0, len(text), 3, 1),), (), (), (), (), 3, words=words)
    facts = [ocr_fact(4, 13, value_raw="3.915"), ocr_fact(17, 23, percent_raw="1"), ocr_fact(27, 32, value_raw="58"),
             ocr_fact(10, 13)]
    sure, letters, low, none = mark_ocr_facts(facts, document, 80)
    assert (sure.uncertain, sure.ocr_confidence, sure.ocr_page, sure.ocr_box) == (False, 95.0, 3, (1, 2, 3, 4))
    assert letters.uncertain and low.uncertain and low.ocr_confidence == 62.0
    assert none.uncertain and none.ocr_confidence is None and none.provenance == "ocr"
    assert not mark_ocr_facts(facts[2:3], document, 60)[0].uncertain     # the threshold is a setting
    assert mark_ocr_facts(facts, Document("d", "d.txt", "txt", text, (), (), (), (), (), 1), 80) == facts


def test_ocr_settings_come_from_the_environment():
    assert ocr_settings({}) == OcrSettings("auto", 80.0, 0, 300)
    with pytest.raises(ocr.OcrSettingError, match="SOLIEU_OCR_CONFIDENCE"):
        ocr_settings({"SOLIEU_OCR_CONFIDENCE": "150"})


# --- checks --------------------------------------------------------------------------------------

def plant(monkeypatch, printed: str, read: str, confidence: float) -> None:
    """Make the OCR read `printed` as `read` with `confidence`, where it reads it right."""
    parse = ocr.parse_hocr

    def misreading(text):
        lines = parse(text)
        for line in lines:
            for word in line.words:
                if word.text == printed:
                    word.text, word.confidence = read, confidence
                    for char, new in zip(word.chars, read):
                        char.text = new
        return lines
    monkeypatch.setattr(ocr, "parse_hocr", misreading)


@pytest.fixture(scope="module")
def annex_scan(shared, tmp_path_factory):
    """p.29 of the sample alone, scanned: the annex whose row 2 prints 260 / 201,922 / Không đạt."""
    source = shared / "pdf" / SAMPLE
    if not source.exists():
        pytest.skip("sample PDF not present")
    return scan_of(source, tmp_path_factory.mktemp("annex") / "annex.pdf", pages=[28])


def budget_row_check(tmp_path, annex) -> tuple:
    from pipeline.run import ingest
    warehouse = tmp_path / "w.duckdb"
    outcomes = ingest([annex], warehouse, log=lambda line: None, workers=0)
    assert outcomes[0].status == "ingested", outcomes[0].message
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("""
            select c.status, c.message, f.uncertain, f.ocr_confidence from checks c
            join facts f on f.fact_id = c.fact_ids[1]
            where c.rule_id = 'CK30' and f.label like 'Thu ngân sách%'""").fetchone()
    finally:
        con.close()


@pytest.mark.parametrize("confidence", [55.0, 95.0], ids=["unsure", "sure"])
def test_a_planted_ocr_confusion_is_never_a_mismatch_of_the_report(annex_scan, tmp_path, monkeypatch, remembered_ocr,
                                                                  confidence):
    # "201,922" misread as "281,922": above the plan of 260, against the printed "Không đạt"
    plant(monkeypatch, "201,922", "281,922", confidence)
    status, message, uncertain, read = budget_row_check(tmp_path, annex_scan)
    assert read == confidence
    if confidence < 80:
        assert (status, uncertain) == ("unverifiable", True)
        assert message.startswith("Không kết luận: số đọc từ ảnh chưa chắc chắn (trang 1, độ tin cậy 55)")
    else:
        assert (status, uncertain) == ("mismatch", False)
        assert "từ bản quét" in message
    # the flag shows the printed number cut from the page, for the reader to compare with what was read
    images = printed_number_images(tmp_path / "w.duckdb")
    assert images and all(width > height >= 20 for width, height in images)


def printed_number_images(warehouse) -> list[tuple[int, int]]:
    """The sizes of the scanned-number images on the consistency page of the only report."""
    import base64
    import io
    import re
    from PIL import Image
    from pipeline.report import render_html, report_data
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        (report_id,) = con.execute("select report_id from reports").fetchone()
        page = render_html(report_data(con, report_id))
    finally:
        con.close()
    return [Image.open(io.BytesIO(base64.b64decode(data))).size
            for data in re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)]


def test_the_annex_as_read_agrees_with_its_labels(annex_scan, tmp_path, remembered_ocr):
    status, _, uncertain, _ = budget_row_check(tmp_path, annex_scan)
    assert (status, uncertain) == ("ok", False)


# --- without Tesseract ---------------------------------------------------------------------------

def test_without_tesseract_a_scan_is_refused_with_the_install_command(tmp_path, monkeypatch):
    path = tmp_path / "scan.pdf"
    path.write_bytes(build_pdf([image_page()]))
    monkeypatch.setenv("PATH", str(tmp_path))          # no tesseract on it
    monkeypatch.delenv("SOLIEU_TESSERACT", raising=False)
    with pytest.raises(ReadError, match=r"^no text layer; OCR needed: its 1 page\(s\) are images \(a scan\), and "
                                        r"Tesseract is not installed: install it \(apt-get install tesseract-ocr "
                                        r"tesseract-ocr-vie\) and ingest again, or run OCR"):
        read_source(path)
    monkeypatch.setenv("SOLIEU_OCR", "force")
    text = tmp_path / "text.pdf"
    text.write_bytes(build_pdf([text_page("Thu ngan sach dat 95,5% KH.")]))
    with pytest.raises(ReadError, match="--ocr asks for OCR, and Tesseract is not installed"):
        read_source(text)


def test_ocr_off_refuses_a_scan_as_before(tmp_path, monkeypatch):
    path = tmp_path / "scan.pdf"
    path.write_bytes(build_pdf([image_page()]))
    monkeypatch.setenv("SOLIEU_OCR", "off")
    with pytest.raises(ReadError, match=r"^no text layer; OCR needed: its 1 page\(s\) are images \(a scan\); run OCR"):
        read_source(path)


def test_the_cli_refuses_a_scan_without_tesseract_and_a_bad_setting(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(build_pdf([image_page()]))
    env = {k: v for k, v in os.environ.items() if k != "SOLIEU_TESSERACT"} | {"PATH": str(tmp_path)}
    command = [sys.executable, "-m", "pipeline", "ingest", str(path), "--warehouse", str(tmp_path / "w.duckdb")]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "Tesseract is not installed: install it (apt-get install tesseract-ocr tesseract-ocr-vie)" in result.stderr
    result = subprocess.run(command + ["--ocr-confidence", "high"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 2 and "$SOLIEU_OCR_CONFIDENCE: 'high' is not a confidence" in result.stderr


def test_ocr_forced_on_a_text_layer(tmp_path, tesseract, remembered_ocr):
    path = tmp_path / "layer.pdf"
    path.write_bytes(build_pdf([text_page("Thu ngan sach dat 201,922 ty dong, bang 77,66% du toan.")]))
    source = read_pdf(path, settings=OcrSettings(mode="force"))
    line = next(l for l in source.lines if l.text)
    assert "201,922" in line.text and "77,66%" in line.text and line.words
    assert any("read by OCR" in note for note in source.notes)


# --- the whole scanned sample, on request --------------------------------------------------------

@pytest.mark.skipif(not os.environ.get("SOLIEU_OCR_SAMPLE"), reason="reads 31 pages: set SOLIEU_OCR_SAMPLE=1")
def test_the_scanned_sample_ingests_like_the_printed_one(shared, tmp_path, tesseract):
    from pipeline.run import ingest
    found = {}
    for name in (SAMPLE, SAMPLE.replace(".pdf", ".scanned.pdf")):
        warehouse = tmp_path / f"{name}.duckdb"
        outcome, = ingest([shared / "pdf" / name], warehouse, log=lambda line: None)
        assert outcome.status == "ingested", outcome.message
        con = duckdb.connect(str(warehouse), read_only=True)
        found[name] = (Counter(con.execute("select page, line, kind, value, plan, percent, unit from facts").fetchall()),
                       Counter(con.execute("select c.page, c.line, c.rule_id, c.reported from checks c "
                                           "where status = 'mismatch'").fetchall()))
        con.close()
    (text_facts, text_mismatches), (scan_facts, scan_mismatches) = found.values()
    assert sum((text_facts & scan_facts).values()) >= 0.95 * sum(text_facts.values())
    assert sum(text_mismatches.values()) == 12 and scan_mismatches == text_mismatches


def test_reextraction_keeps_what_ocr_read(annex_scan, tmp_path, remembered_ocr):
    from pipeline.reextract import reextract
    from pipeline.run import ingest
    warehouse = tmp_path / "w.duckdb"
    ingest([annex_scan], warehouse, log=lambda line: None, workers=0)
    query = "select fact_id, provenance, uncertain, ocr_confidence, ocr_page, ocr_box from facts order by 1"
    con = duckdb.connect(str(warehouse), read_only=True)
    before, words = con.execute(query).fetchall(), con.execute("select count(*) from ocr_words").fetchone()[0]
    con.close()
    assert words > 200 and before and all(row[1] == "ocr" for row in before)
    reextract(warehouse, None, None, lambda line: None, 0)
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute(query).fetchall() == before
    con.close()
