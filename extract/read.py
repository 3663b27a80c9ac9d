"""Readers: one per format, each returning a SourceDoc (lines in reading order).

Only this module touches the source files. Library exceptions are turned into ReadError with
one message in the user's terms, naming the problem and what to do.
"""
from __future__ import annotations

import codecs
from pathlib import Path

from extract.charsets import convert_tcvn3, detect_legacy_encoding, guess_utf16, read_as_cp1252, sniff_format
from extract.normalize import to_nfc
from extract.records import SourceDoc, SourceLine

TEXT_SUFFIXES = {".txt", ".md", ".text"}


class ReadError(Exception):
    """A file that cannot be ingested; the message says why and what to do."""


def read_source(path: Path | str) -> SourceDoc:
    """Read a report file of any supported format."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return read_text(path)
    if suffix == ".pdf":
        from extract.read_pdf import read_pdf
        return read_pdf(path)
    if suffix == ".docx":
        from extract.read_docx import read_docx
        return read_docx(path)
    raise ReadError(f"unsupported file type {suffix or '(none)'!r}: give a .pdf, .docx, .txt or .md file")


UNICODE_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
VNI_MESSAGE = ("text is in the legacy VNI (VNI-Times) encoding: convert it to Unicode "
               "(e.g. with Unikey's converter) and ingest again")


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
    extract.read.ReadError: this is a PDF file, not text: rename it to .pdf and ingest again
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
    if legacy == "tcvn3":
        text, encoding = convert_tcvn3(text), "tcvn3" if encoding == "cp1258" else f"{encoding}+tcvn3"
    return to_nfc(text), encoding


def read_text(path: Path) -> SourceDoc:
    """Read converted report text; '\\f' separates pages, lines are numbered per file."""
    data = path.read_bytes()
    if not data.strip():
        raise ReadError("file is empty: nothing to ingest")
    text, encoding = decode_text(data)
    if not text.strip():
        raise ReadError("file is empty: nothing to ingest")
    text = to_nfc(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines, page = [], 1
    for number, line in enumerate(text.split("\n"), 1):
        for i, piece in enumerate(line.split("\f")):
            page += i > 0
            lines.append(SourceLine(page=page, line=number, text=piece))
    notes = ("convert_tcvn3_to_unicode",) if encoding.endswith("tcvn3") else ()
    return SourceDoc(str(path), "txt", tuple(lines), page, encoding, notes)
