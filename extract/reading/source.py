"""Readers: one per format, each returning a SourceDoc (lines in reading order).

Only this module touches the source files. Library exceptions are turned into ReadError with
one message in the user's terms, naming the problem and what to do.
"""
from __future__ import annotations

import errno
import os
import stat
from collections import Counter
from importlib import import_module
from pathlib import Path

from extract.reading.errors import EMPTY_MESSAGE, OS_ERRORS, ReadError, describe_os_error
from extract.reading.limits import Limits, explain_page_chars, explain_pages, explain_size
from extract.records import SourceDoc

TEXT_SUFFIXES = {".txt", ".md", ".text"}
# Suffix -> (module, reader, the limit it takes). The PDF and Word readers are imported when first
# needed: their libraries cost start-up time that a batch of text files need not pay.
READERS = {
    ".pdf": ("extract.reading.pdf", "read_pdf", "max_pages"),
    ".docx": ("extract.reading.word", "read_docx", "max_bytes"),
} | {suffix: ("extract.reading.text", "read_text", None) for suffix in TEXT_SUFFIXES}


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
    if suffix not in READERS:
        raise ReadError(f"unsupported file type {suffix or '(none)'!r}: give a .pdf, .docx, .txt or .md file")
    check_file(path, limits)
    module, name, limit = READERS[suffix]
    reader = getattr(import_module(module), name)
    try:
        return check_source(reader(path, getattr(limits, limit) if limit else limits), limits)
    except OSError as exc:  # the file vanished or became unreadable between the check and the read
        raise ReadError(describe_os_error(exc)) from exc
