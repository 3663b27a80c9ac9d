"""Text encodings of converted reports: every Unicode form, Windows-1258, legacy TCVN3 and VNI,
and binary files renamed .txt. Files are made in the test from sentences of the sample."""
import codecs
import unicodedata
import zipfile

import pytest

from extract.reading.charsets import TCVN3_LETTERS
from extract.facts.engine import extract_facts
from extract.reading.errors import ReadError
from extract.reading.text import decode_text
from extract.reading.source import read_source
from extract.text.segment import segment_document

from conftest import SAMPLE_TXT

SAMPLE = SAMPLE_TXT.read_text(encoding="utf-8").split("\n")


def sample_line(start: str) -> str:
    return next(line for line in SAMPLE if line.startswith(start))


# seen: backan_2023 l.117, l.73, l.39 (footnote ², a Windows-1258 character), l.63 (m³), annex l.500-506
SENTENCES = [
    sample_line("5.1. Thu ngân sách"),
    sample_line("Tổng sản lượng lương thực có hạt năm 2023"),
    sample_line("² Chi nhánh ngân hàng"),
    "Một số sản phẩm chủ yếu" + sample_line("⁶Bao gồm").split("Một số sản phẩm chủ yếu", 1)[1],
    sample_line("STT\tChỉ tiêu"),
    sample_line("2\tThu ngân sách"),
]
TEXT = "\n\n".join(SENTENCES) + "\n"


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 as Word writes it: a letter cp1258 lacks becomes its base plus a combining tone mark."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
            out += (base + "".join(c for c in decomposed if c in TONE_MARKS)).encode("cp1258")
    return bytes(out)


TO_TCVN3 = {letter: chr(byte) for byte, letter in TCVN3_LETTERS.items()}


def encode_tcvn3(text: str) -> bytes:
    """TCVN3 (.VnTime) bytes; capitals VN3 lacks are typed with the lower-case byte, as .VnTimeH does."""
    chars = [TO_TCVN3.get(c, TO_TCVN3.get(c.lower(), c)) for c in unicodedata.normalize("NFC", text)]
    return "".join(chars).encode("latin-1")


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read_lines(path) -> list[str]:
    return [line.text for line in read_source(path).lines]


def facts_of(path):
    return extract_facts(segment_document(read_source(path), "report"))


@pytest.fixture()
def utf8_file(tmp_path):
    return write(tmp_path, "utf8.txt", TEXT.encode("utf-8"))


# --- Unicode ------------------------------------------------------------------------------------

UNICODE_FORMS = {
    "utf-8 with BOM": (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
    "utf-16 LE with BOM": (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
    "utf-16 BE with BOM": (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
    "utf-16 LE without BOM": (TEXT.encode("utf-16-le"), "utf-16-le"),
    "utf-16 BE without BOM": (TEXT.encode("utf-16-be"), "utf-16-be"),
}


@pytest.mark.parametrize("form", UNICODE_FORMS, ids=list(UNICODE_FORMS))
def test_unicode_forms_read_back_as_the_utf8_file(form, tmp_path, utf8_file):
    data, encoding = UNICODE_FORMS[form]
    path = write(tmp_path, "report.txt", data)
    assert read_source(path).encoding == encoding
    assert read_lines(path) == read_lines(utf8_file)
    assert not read_lines(path)[0].startswith("\ufeff")


def test_windows_1258_reads_back_as_nfc_and_yields_the_same_facts(tmp_path, utf8_file):
    data = encode_cp1258(TEXT)
    assert "\u0309".encode("cp1258") in data          # tone marks really are combining characters
    path = write(tmp_path, "report.txt", data)
    assert read_source(path).encoding == "cp1258"
    lines = read_lines(path)
    assert lines == read_lines(utf8_file)
    assert all(unicodedata.is_normalized("NFC", line) for line in lines)
    assert facts_of(path) == facts_of(utf8_file)


def test_superscripts_survive_every_decoding(tmp_path):
    """NFC, never NFKC: the footnote mark ² and the unit m³ stay superscript."""
    for name, data in {"utf-8": TEXT.encode("utf-8"), "cp1258": encode_cp1258(TEXT),
                       "utf-16": TEXT.encode("utf-16")}.items():
        text = "\n".join(read_lines(write(tmp_path, f"{name}.txt", data)))
        assert "2.921m³" in text and "² Chi nhánh" in text, name
        assert "m3" not in text


def test_decomposed_utf8_is_composed(tmp_path, utf8_file):
    path = write(tmp_path, "nfd.txt", unicodedata.normalize("NFD", TEXT).encode("utf-8"))
    assert read_lines(path) == read_lines(utf8_file)


# --- legacy Vietnamese encodings ----------------------------------------------------------------

def test_tcvn3_is_converted_and_yields_the_same_facts(tmp_path, utf8_file):
    path = write(tmp_path, "tcvn3.txt", encode_tcvn3(TEXT))
    source = read_source(path)
    assert source.encoding == "tcvn3"
    assert read_lines(path) == read_lines(utf8_file)
    assert facts_of(path) == facts_of(utf8_file)
    assert "convert_tcvn3_to_unicode" in segment_document(source, "tcvn3").fixes


def test_tcvn3_saved_as_utf8_mojibake_is_converted(tmp_path, utf8_file):
    """TCVN3 text pasted into a Unicode editor keeps its look-alike letters ("B¸o c¸o")."""
    mojibake = encode_tcvn3(TEXT).decode("cp1252", errors="replace")
    path = write(tmp_path, "mojibake.txt", mojibake.encode("utf-8"))
    assert read_source(path).encoding == "utf-8+tcvn3"
    assert read_lines(path) == read_lines(utf8_file)


def test_tcvn3_capitals_typed_in_vntimeh_come_back_capital():
    heading = "BÁO CÁO TÌNH HÌNH KINH TẾ - XÃ HỘI NĂM 2023"
    assert decode_text(encode_tcvn3(heading)) == (heading, "tcvn3")


def test_vni_is_refused_with_what_it_is(tmp_path):
    # "Báo cáo kết quả đạt được" typed with the VNI-Times font
    path = write(tmp_path, "vni.txt", b"Ba\xf9o ca\xf9o ke\xe1t qua\xfb \xf1a\xefc \xf1\xf6\xf4\xefc")
    with pytest.raises(ReadError, match=r"legacy VNI .*convert it to Unicode"):
        read_source(path)


# --- files that are not text --------------------------------------------------------------------

def make_zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path.read_bytes()


@pytest.mark.parametrize("kind, expected", [
    ("pdf", r"this is a PDF file, not text: rename it to \.pdf"),
    ("zip", r"this is a zip archive, not text: unpack it"),
    ("docx", r"this is a Word \.docx file, not text: rename it to \.docx"),
    ("doc", r"this is an old Word 97-2003 \.doc .*save as \.docx"),
])
def test_binary_files_renamed_txt_are_refused(kind, expected, tmp_path):
    data = {
        "pdf": lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        "zip": lambda: make_zip(tmp_path / "a.zip", {"bao_cao.txt": TEXT.encode()}),
        "docx": lambda: make_zip(tmp_path / "b.zip", {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}),
        "doc": lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024),
    }[kind]()
    with pytest.raises(ReadError, match=expected):
        read_source(write(tmp_path, "bao_cao.txt", data))


def test_nul_bytes_outside_utf16_are_refused(tmp_path):
    data = b"\x00\x01\x02 Tong gia tri \x00\x00\x00\xff\xfe binary record " * 20
    with pytest.raises(ReadError, match="NUL bytes but is not UTF-16 text"):
        read_source(write(tmp_path, "record.txt", data))


@pytest.mark.parametrize("data", [b"", b" \r\n\t\n", codecs.BOM_UTF8, " \n".encode("utf-16")],
                         ids=["empty", "whitespace", "utf-8 BOM only", "utf-16 whitespace"])
def test_empty_files_are_refused(data, tmp_path):
    with pytest.raises(ReadError, match="file is empty"):
        read_source(write(tmp_path, "empty.txt", data))
