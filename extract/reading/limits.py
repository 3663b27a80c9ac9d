"""How much one report file may hold: bytes, pages, characters per page, facts.

A report is a few hundred kilobytes and a few dozen pages. A file far beyond that is a mistake
(a database dump, a scan of a whole archive, a PDF of ten thousand blank pages) and would take
the memory or the hours of the whole batch, so it is refused before it is read, with the limit
named and the option that raises it. Limits come from the CLI options, else from environment
variables, else the defaults below; `Limits` is a frozen record, so it travels to worker
processes with the rest of a file's job.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

MIB = 1 << 20
SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$", re.I)
UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


@dataclass(frozen=True, slots=True)
class Limits:
    """Ceilings for one report file; see the module docstring."""
    max_bytes: int = 50 * MIB           # the file on disk (a PDF scan of 16 MB fits; a 300 MB dump does not)
    max_pages: int = 1000               # pages of a PDF or .docx, form feeds of a text file
    max_page_chars: int = 2_000_000     # characters on one page (a text file without form feeds is one page)
    max_facts: int = 50_000             # facts found in one report (the sample has about 480)


# option name -> (environment variable, CLI flag); the option names are Limits' fields.
SETTINGS = {
    "max_bytes": ("SOLIEU_MAX_BYTES", "--max-bytes"),
    "max_pages": ("SOLIEU_MAX_PAGES", "--max-pages"),
    "max_page_chars": ("SOLIEU_MAX_PAGE_CHARS", "--max-page-chars"),
    "max_facts": ("SOLIEU_MAX_FACTS", "--max-facts"),
}


class LimitError(ValueError):
    """A limit given in an option or an environment variable that is not a positive number."""


def parse_amount(text: str) -> int:
    """A positive count, with an optional k/M/G suffix (powers of 1024, so 50M = 50 MiB).

    >>> parse_amount("300M"), parse_amount("2000"), parse_amount("1.5k")
    (314572800, 2000, 1536)
    >>> parse_amount("lots")
    Traceback (most recent call last):
    extract.reading.limits.LimitError: 'lots' is not a number (e.g. 2000, 50M or 1G)
    """
    m = SIZE.match(str(text))
    if not m or float(m.group(1)) <= 0:
        raise LimitError(f"{text!r} is not a number (e.g. 2000, 50M or 1G)")
    return int(float(m.group(1)) * UNITS[m.group(2).lower()])


def choose_limits(options: dict | None = None, environ: dict | None = None) -> Limits:
    """Limits from the CLI options (None = not given), else the environment, else the defaults.

    >>> choose_limits({"max_pages": "20"}, {"SOLIEU_MAX_PAGES": "5", "SOLIEU_MAX_BYTES": "1M"})
    Limits(max_bytes=1048576, max_pages=20, max_page_chars=2000000, max_facts=50000)
    """
    options = options or {}
    environ = os.environ if environ is None else environ
    chosen = {}
    for name, (env, flag) in SETTINGS.items():
        given, source = options.get(name), flag
        if given is None and environ.get(env):
            given, source = environ[env], f"${env}"
        if given is not None:
            try:
                chosen[name] = parse_amount(given)
            except LimitError as exc:
                raise LimitError(f"{source}: {exc}") from None
    return Limits(**chosen)


def describe_bytes(size: int) -> str:
    """A file size for a message.

    >>> describe_bytes(314572800), describe_bytes(52428800), describe_bytes(2048), describe_bytes(12)
    ('300 MB', '50 MB', '2 kB', '12 bytes')
    """
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.4g} {unit}"
    return f"{size} bytes"


def explain_size(size: int, limits: Limits) -> str | None:
    """Why a file of `size` bytes is refused, or None when it is within the limit.

    >>> explain_size(314572800, Limits())
    'file is too large (300 MB, the limit is 50 MB): check that it is a single report, or raise the limit with --max-bytes or $SOLIEU_MAX_BYTES'
    """
    if size <= limits.max_bytes:
        return None
    return (f"file is too large ({describe_bytes(size)}, the limit is {describe_bytes(limits.max_bytes)}): "
            f"check that it is a single report, or raise the limit with --max-bytes or $SOLIEU_MAX_BYTES")


def explain_pages(pages: int, limits: Limits) -> str | None:
    """Why a document of `pages` pages is refused, or None.

    >>> explain_pages(5000, Limits())
    'document has too many pages (5000, the limit is 1000): check that it is a single report, or raise the limit with --max-pages or $SOLIEU_MAX_PAGES'
    """
    if pages <= limits.max_pages:
        return None
    return (f"document has too many pages ({pages}, the limit is {limits.max_pages}): check that it is a single "
            f"report, or raise the limit with --max-pages or $SOLIEU_MAX_PAGES")


def explain_page_chars(page: int, chars: int, limits: Limits) -> str | None:
    """Why a page of `chars` characters is refused, or None.

    >>> explain_page_chars(3, 2500000, Limits())
    'page 3 has too many characters (2500000, the limit is 2000000): split the text into pages with form feeds, or raise the limit with --max-page-chars or $SOLIEU_MAX_PAGE_CHARS'
    """
    if chars <= limits.max_page_chars:
        return None
    return (f"page {page} has too many characters ({chars}, the limit is {limits.max_page_chars}): split the text "
            f"into pages with form feeds, or raise the limit with --max-page-chars or $SOLIEU_MAX_PAGE_CHARS")


def explain_facts(facts: int, limits: Limits) -> str | None:
    """Why a report with `facts` facts is refused, or None.

    >>> explain_facts(60000, Limits())
    'report yields too many facts (60000, the limit is 50000): check that it is a report and not a data table, or raise the limit with --max-facts or $SOLIEU_MAX_FACTS'
    """
    if facts <= limits.max_facts:
        return None
    return (f"report yields too many facts ({facts}, the limit is {limits.max_facts}): check that it is a report "
            f"and not a data table, or raise the limit with --max-facts or $SOLIEU_MAX_FACTS")


