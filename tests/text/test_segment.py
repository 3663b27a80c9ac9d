"""Segmentation of the real sample: footnotes out of the running text, sentences rejoined, sections."""
import pytest

from extract.reading.source import read_source
from extract.text.segment import segment_document

from conftest import SAMPLE_TXT


@pytest.fixture(scope="module")
def doc():
    return segment_document(read_source(SAMPLE_TXT), "backan_2023_ktxh")


def _sentence_with(doc, needle):
    return next(doc.text[s.start:s.end] for s in doc.sentences if needle in doc.text[s.start:s.end])


def test_sentence_cut_by_footnotes_is_rejoined(doc):
    # seen: backan_2023 l.103-111 — "…được đáp" | footnotes 9, 10 | "ứng đủ, …"
    sentence = _sentence_with(doc, "Nguồn nước cho sản xuất")
    assert "được đáp ứng đủ" in sentence
    assert "Dự án liên kết" not in sentence


def test_no_body_sentence_contains_a_footnote_body(doc):
    bodies = [doc.text[f.start:f.end].rstrip(".") for f in doc.footnotes]
    for s in doc.sentences:
        if s.kind == "body":
            text = doc.text[s.start:s.end]
            assert not any(b in text for b in bodies), text[:80]


def test_every_footnote_is_numbered_and_linked_to_its_marker(doc):
    numbers = [f.number for f in doc.footnotes]
    assert numbers == list(range(1, 22))
    linked = [f for f in doc.footnotes if f.sentence is not None]
    assert len(linked) == len(doc.footnotes)
    # the marker of footnote 6 sits right after "so với cùng kỳ"
    note6 = next(f for f in doc.footnotes if f.number == 6)
    assert doc.text[note6.marker_start - 14:note6.marker_start] == "so với cùng kỳ"


def test_sections_and_abbreviations(doc):
    sentence = next(s for s in doc.sentences if "201,922/260" in doc.text[s.start:s.end])
    assert sentence.section == "A > I > 5 > 5.1"
    # "TP. Bắc Kạn" does not end a sentence
    assert any(doc.text[s.start:s.end].startswith("TP. Bắc Kạn") for s in doc.sentences)


def test_annex_rows_keep_their_cells(doc):
    rows = [r for r in doc.table_rows if r.cells and r.cells[0].text == "2" and "Thu ngân sách" in r.cells[1].text]
    assert rows, "annex row 2 (Thu ngân sách) not found"
    cells = [c.text for c in rows[0].cells]
    assert cells == ["2", "Thu ngân sách nhà nước trên địa bàn", "Tỷ đồng", "260", "201,922", "Không đạt"]
    for c in rows[0].cells:
        assert doc.text[c.start:c.end] == c.text
