"""Readers: one per format, each returning a SourceDoc (lines in reading order).

Only this module touches the source files. Library exceptions are turned into ReadError with
one message in the user's terms, naming the problem and what to do.
"""
from __future__ import annotations

import codecs
import errno
import os
import stat
from collections import Counter
from pathlib import Path

from extract.charsets import (convert_tcvn3, detect_legacy_encoding, guess_utf16, looks_foreign, read_as_cp1252,
                              sniff_format)
from extract.limits import Limits, explain_page_chars, explain_pages, explain_size
from extract.normalize import to_nfc
from extract.records import SourceDoc, SourceLine

TEXT_SUFFIXES = {".txt", ".md", ".text"}


class ReadError(Exception):
    """A file that cannot be ingested; the message says why and what to do."""


EMPTY_MESSAGE = "file is empty (0 bytes): get the complete report and ingest again"
BLANK_MESSAGE = "file is empty (blank space only, no text): get the complete report and ingest again"
# errno -> the problem and what to do, in the user's terms.
OS_ERRORS = {
    errno.EACCES: "permission denied: this user may not read the file; make it readable (chmod a+r) "
                  "and ingest again",
    errno.EPERM: "permission denied: this user may not read the file; make it readable (chmod a+r) "
                 "and ingest again",
    errno.ENOENT: "file not found (moved or deleted, or a link to a missing file): check the path and ingest again",
    errno.ELOOP: "symbolic link loop (the link leads back to itself): point it at the report file, or give "
                 "the file itself",
    errno.EISDIR: "is a folder, not a report file: give the file itself, or rename the folder",
    errno.EIO: "the disk could not read the file (I/O error): copy it to a healthy disk and ingest again",
    errno.ENAMETOOLONG: "file name too long: rename the file and ingest again",
}


def describe_os_error(exc: OSError) -> str:
    """The problem and what to do for an OSError met while opening or reading a report.

    >>> describe_os_error(PermissionError(13, "Permission denied"))
    'permission denied: this user may not read the file; make it readable (chmod a+r) and ingest again'
    >>> describe_os_error(OSError(71, "Protocol error"))
    'cannot be read (Protocol error): check the file and ingest again'
    """
    return OS_ERRORS.get(exc.errno) or f"cannot be read ({exc.strerror or exc}): check the file and ingest again"


def check_file(path: Path, limits: Limits) -> None:
    """Refuse what is not a regular report file within the size limit, before anything is read.

    `stat` follows links, so a link loop or a link to nothing is caught here with its reason;
    the size comes from the inode, so a 300 MB file is refused without reading a byte of it.
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise ReadError(describe_os_error(exc)) from exc
    if stat.S_ISDIR(info.st_mode):
        raise ReadError(OS_ERRORS[errno.EISDIR])
    if not stat.S_ISREG(info.st_mode):
        raise ReadError("not a regular file (a device, pipe or socket): give the report file itself")
    if info.st_size == 0:
        raise ReadError(EMPTY_MESSAGE)
    if problem := explain_size(info.st_size, limits):
        raise ReadError(problem)


def check_text_pages(text: str, limits: Limits) -> None:
    """Refuse text with too many form-feed pages or too long a page, without copying it.

    >>> check_text_pages("a\\fbb\\fccc", Limits(max_page_chars=2))
    Traceback (most recent call last):
    extract.read.ReadError: page 3 has too many characters (3, the limit is 2): split the text into pages with form feeds, or raise the limit with --max-page-chars or $SOLIEU_MAX_PAGE_CHARS
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


def check_source(source: SourceDoc, limits: Limits) -> SourceDoc:
    """Refuse a document whose pages or page lengths exceed the limits (the later stages scale with them)."""
    if problem := explain_pages(source.pages, limits):
        raise ReadError(problem)
    chars: Counter = Counter()
    for line in source.lines:
        chars[line.page] += len(line.text) + 1
    for page, count in sorted(chars.items()):
        if problem := explain_page_chars(page, count, limits):
            raise ReadError(problem)
    return source


def read_source(path: Path | str, limits: Limits = Limits()) -> SourceDoc:
    """Read a report file of any supported format, within the limits; ReadError says what is wrong."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES | {".pdf", ".docx"}:
        raise ReadError(f"unsupported file type {suffix or '(none)'!r}: give a .pdf, .docx, .txt or .md file")
    check_file(path, limits)
    try:
        if suffix == ".pdf":
            from extract.read_pdf import read_pdf
            return check_source(read_pdf(path, limits.max_pages), limits)
        if suffix == ".docx":
            from extract.read_docx import read_docx
            return check_source(read_docx(path, limits.max_bytes), limits)
        return check_source(read_text(path, limits), limits)
    except OSError as exc:  # the file vanished or became unreadable between the check and the read
        raise ReadError(describe_os_error(exc)) from exc


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
