"""Readers: one per format, each returning a SourceDoc (lines in reading order).

Only this module touches the source files. Library exceptions are turned into ReadError with
one message in the user's terms, naming the problem and what to do.
"""
from __future__ import annotations

import codecs
from pathlib import Path

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


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode report bytes: BOMs first, then UTF-8, then Windows-1258 (Vietnamese ANSI).

    >>> decode_text("Tổng".encode("utf-8-sig"))
    ('Tổng', 'utf-8-sig')
    >>> decode_text("Tổng".encode("utf-16"))
    ('Tổng', 'utf-16')
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1258"), "cp1258"
    except UnicodeDecodeError as exc:
        raise ReadError("text is neither UTF-8, UTF-16 nor Windows-1258: save it as UTF-8 and ingest again") from exc


def read_text(path: Path) -> SourceDoc:
    """Read converted report text; '\\f' separates pages, lines are numbered per file."""
    data = path.read_bytes()
    if not data.strip():
        raise ReadError("file is empty: nothing to ingest")
    text, encoding = decode_text(data)
    text = to_nfc(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines, page = [], 1
    for number, line in enumerate(text.split("\n"), 1):
        for i, piece in enumerate(line.split("\f")):
            page += i > 0
            lines.append(SourceLine(page=page, line=number, text=piece))
    return SourceDoc(str(path), "txt", tuple(lines), page, encoding)
