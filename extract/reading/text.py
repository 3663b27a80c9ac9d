"""Read converted report text (.txt, .md): decoding, legacy Vietnamese encodings, form-feed pages."""
from __future__ import annotations

import codecs
from pathlib import Path

from extract.reading.charsets import (convert_tcvn3, detect_legacy_encoding, guess_utf16, looks_foreign,
                                      read_as_cp1252, sniff_format)
from extract.reading.errors import BLANK_MESSAGE, ReadError
from extract.reading.limits import Limits, explain_page_chars, explain_pages
from extract.records import SourceDoc, SourceLine
from extract.text.normalize import to_nfc


def check_text_pages(text: str, limits: Limits) -> None:
    """Refuse text with too many form-feed pages or too long a page, without copying it.

    >>> check_text_pages("a\\fbb\\fccc", Limits(max_page_chars=2))
    Traceback (most recent call last):
    extract.reading.errors.ReadError: page 3 has too many characters (3, the limit is 2): split the text into pages with form feeds, or raise the limit with --max-page-chars or $SOLIEU_MAX_PAGE_CHARS
    """
    if problem := explain_pages(text.count("\f") + 1, limits):
        raise ReadError(problem)
    start, page = 0, 1
    while start <= len(text):
        end = text.find("\f", start)
        end = len(text) if end < 0 else end
        if problem := explain_page_chars(page, end - start, limits):
            raise ReadError(problem)
        start, page = end + 1, page + 1



UNICODE_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
VNI_MESSAGE = ("text is in the legacy VNI (VNI-Times) encoding: convert it to Unicode "
               "(e.g. with Unikey's converter) and ingest again")
UNKNOWN_ENCODING_MESSAGE = ("text is in an unknown encoding (not UTF-8, UTF-16, Windows-1258, TCVN3 or VNI): "
                            "open it in an editor that shows it correctly, save it as UTF-8 and ingest again")


def pick_encoding(data: bytes) -> str:
    r"""The codec the bytes are in: a BOM's, UTF-16 by its NUL pattern, UTF-8 if valid, else cp1258.

    A NUL byte outside UTF-16 means a binary file, never text.

    >>> pick_encoding("Tổng".encode("utf-16-be"))
    'utf-16-be'
    >>> pick_encoding(b"T\xf4\xd2ng")
    'cp1258'
    """
    for bom, name in UNICODE_BOMS:  # UTF-32 before UTF-16: FF FE 00 00 starts with FF FE
        if data.startswith(bom):
            return name
    if guessed := guess_utf16(data):
        return guessed
    if b"\0" in data:
        raise ReadError("file has NUL bytes but is not UTF-16 text: it looks like a binary file "
                        "(e.g. a Word .doc or a spreadsheet); export the report as PDF, .docx or UTF-8 text")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1258"
    return "utf-8"


def decode_text(data: bytes) -> tuple[str, str]:
    r"""Decode report bytes to NFC text and name the encoding: Unicode, Windows-1258 or TCVN3.

    Windows-1258 writes most tone marks as combining characters, so the text is composed
    (NFC, never NFKC: "m³" stays). Legacy TCVN3 (.VnTime) text is converted; VNI is refused.

    >>> decode_text("Tổng".encode("utf-8-sig"))
    ('Tổng', 'utf-8-sig')
    >>> decode_text("Tổng".encode("utf-16"))
    ('Tổng', 'utf-16')
    >>> decode_text(b"T\xf4\xd2ng 2.921m\xb3")  # cp1258: "ô" + combining hook above
    ('Tổng 2.921m³', 'cp1258')
    >>> decode_text(b"T\xe6ng gi\xb8 tr\xde s\xb6n xu\xcat \xae\xb9t 575 t\xfb \xae\xe5ng")
    ('Tổng giá trị sản xuất đạt 575 tỷ đồng', 'tcvn3')
    >>> decode_text(b"%PDF-1.4 ...")
    Traceback (most recent call last):
    extract.reading.errors.ReadError: this is a PDF file, not text: rename it to .pdf and ingest again
    """
    if found := sniff_format(data):
        raise ReadError(f"this is {found[0]}, not text: {found[1]}")
    encoding = pick_encoding(data)
    try:
        text = read_as_cp1252(data) if encoding == "cp1258" else data.decode(encoding)
        legacy = detect_legacy_encoding(text)
        if encoding == "cp1258" and legacy is None:
            text = data.decode("cp1258")
    except UnicodeDecodeError as exc:
        raise ReadError(f"text is not valid {encoding} ({exc.reason} at byte {exc.start}): "
                        "save it as UTF-8 and ingest again") from exc
    if legacy == "vni":
        raise ReadError(VNI_MESSAGE)
    if encoding == "cp1258" and legacy is None and looks_foreign(text):
        raise ReadError(UNKNOWN_ENCODING_MESSAGE)
    if legacy == "tcvn3":
        text, encoding = convert_tcvn3(text), "tcvn3" if encoding == "cp1258" else f"{encoding}+tcvn3"
    return to_nfc(text), encoding


def read_text(path: Path, limits: Limits = Limits()) -> SourceDoc:
    """Read converted report text; '\\f' separates pages, lines are numbered per file.

    Pages and their lengths are checked on the decoded text, before a record is made per line."""
    data = path.read_bytes()
    if not data.strip():
        raise ReadError(BLANK_MESSAGE)
    text, encoding = decode_text(data)
    del data
    if not text.strip():
        raise ReadError(BLANK_MESSAGE)
    check_text_pages(text, limits)
    text = to_nfc(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines, page = [], 1
    for number, line in enumerate(text.split("\n"), 1):
        for i, piece in enumerate(line.split("\f")):
            page += i > 0
            lines.append(SourceLine(page=page, line=number, text=piece))
    notes = ("convert_tcvn3_to_unicode",) if encoding.endswith("tcvn3") else ()
    return SourceDoc(str(path), "txt", tuple(lines), page, encoding, notes)
