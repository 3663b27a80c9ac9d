"""Vietnamese number grammar: '.' groups thousands, ',' marks decimals.

Match generously, parse strictly: the rule patterns match any run of digits, dots and commas,
and `parse_vn_number` decides whether it is a well-formed Vietnamese number. A malformed one
raises `NumberFormatError` with a reason and, where it can guess, a suggestion; it is never
silently misread.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

# A well-formed number: digits with optional '.'-groups of exactly three, then ',' decimals.
_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_PLAIN = re.compile(r"\d+(?:,\d+)?")
_WELL_FORMED = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?|[0-9]+(?:,[0-9]+)?")   # what passes every test below


MAX_DIGITS = 30   # a budget in đồng has 16 digits (2.139.038.000.000.000); more is not a figure


def shorten(text: str, width: int = 20) -> str:
    """The start of a long text for a message: a problem quoting a whole 1 MB line helps no one."""
    return text if len(text) <= width else text[:width] + "…"


class NumberFormatError(ValueError):
    """A run of digits, dots and commas that is not a Vietnamese number."""


@dataclass(frozen=True, slots=True)
class VnNumber:
    value: Decimal
    decimals: int  # digits printed after the decimal comma: the printed precision


def parse_vn_number(text: str) -> Decimal:
    """Parse a number written the Vietnamese way: '.' groups thousands, ',' marks decimals.

    >>> parse_vn_number("3.915,37")
    Decimal('3915.37')
    >>> parse_vn_number("201,922")
    Decimal('201.922')
    >>> parse_vn_number("02")
    Decimal('2')
    >>> parse_vn_number("2.139.038.000")
    Decimal('2139038000')
    >>> parse_vn_number("1,200,000")
    Traceback (most recent call last):
    extract.facts.numbers.NumberFormatError: '1,200,000' has 2 ',' marks; did you mean '1.200.000'?
    """
    return read_vn_number(text).value


def read_vn_number(text: str) -> VnNumber:
    """Parse like `parse_vn_number` and keep the printed precision.

    >>> read_vn_number("75,0")
    VnNumber(value=Decimal('75.0'), decimals=1)
    >>> read_vn_number("99,")
    Traceback (most recent call last):
    extract.facts.numbers.NumberFormatError: '99,' ends with a separator; a digit is missing
    """
    problem = explain_malformed(text)
    if problem:
        raise NumberFormatError(problem)
    integer, _, fraction = text.partition(",")
    digits = integer.replace(".", "")
    value = Decimal(f"{digits}.{fraction}") if fraction else Decimal(digits)
    return VnNumber(value, len(fraction))


def explain_malformed(text: str) -> str | None:
    """Return why `text` is not a Vietnamese number, or None when it is one.

    >>> explain_malformed("4.0")
    "'4.0': '.' groups thousands and must be followed by exactly three digits"
    >>> explain_malformed("1.234,5") is None
    True
    >>> explain_malformed("7" * 5000)
    "'77777777777777777777…' has 5000 digits: no report prints a figure that long"
    """
    if len(text) <= MAX_DIGITS and _WELL_FORMED.fullmatch(text):   # nearly every figure: no test to run
        return None
    digits = sum(c.isdecimal() for c in text) if len(text) > MAX_DIGITS else len(text)
    if digits > MAX_DIGITS:  # a run of digits from a table dump or a broken file; Decimal would overflow on it
        return f"{shorten(text)!r} has {digits} digits: no report prints a figure that long"
    if not text or not text[0].isdecimal():
        return f"{text!r} does not start with a digit"
    if text[-1] in ".,":
        return f"{text!r} ends with a separator; a digit is missing"
    if not set(text) <= set("0123456789.,") or not text.isascii():
        return f"{text!r} contains characters other than digits, '.' and ','"
    commas = text.count(",")
    if commas > 1:
        suggestion = text.replace(",", ".")
        hint = f"; did you mean {suggestion!r}?" if _GROUPED.fullmatch(suggestion) else ""
        return f"{text!r} has {commas} ',' marks{hint}"
    if ".." in text or ",." in text or ".," in text:
        return f"{text!r} has two separators in a row"
    if "." in text and not _GROUPED.fullmatch(text):
        if "," not in text and text.count(".") == 1:
            return f"{text!r}: '.' groups thousands and must be followed by exactly three digits"
        return f"{text!r}: '.' groups must have exactly three digits and come before the ','"
    if "." not in text and not _PLAIN.fullmatch(text):
        return f"{text!r} is not a number"
    return None


def format_vn_number(value: Decimal, decimals: int | None = None) -> str:
    """Write a number the Vietnamese way (the inverse of `parse_vn_number`).

    >>> format_vn_number(Decimal("3915.37"))
    '3.915,37'
    >>> format_vn_number(Decimal("128.65"), 1)
    '128,7'
    >>> format_vn_number(Decimal("1e30"), 1)   # more digits than Decimal's default precision
    '1.000.000.000.000.000.000.000.000.000.000'
    """
    if decimals is not None:
        with localcontext() as context:   # as many digits as the number has: a 31-digit cell is still a number
            context.prec = max(context.prec, value.adjusted() + decimals + 2)
            value = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    integer, _, fraction = f"{abs(value):f}".partition(".")
    grouped = f"{int(integer):,}".replace(",", ".")
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"

def parse_number(raw: str | None) -> tuple[Decimal | None, int | None, str | None]:
    """(value, decimals, problem) of a printed number; a malformed one gives its reason."""
    if raw is None:
        return None, None, None
    try:
        number = read_vn_number(raw)
    except NumberFormatError as exc:
        return None, None, str(exc)
    return number.value, number.decimals, None

