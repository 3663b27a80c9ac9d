"""Small text fixes, one function each, applied to every source line.

Each fix is `str -> str`, named for what it does, with a doctest from a real report. Use NFC,
never NFKC: NFKC turns "m³" into "m3" and the footnote marker "²" into "2".
"""
from __future__ import annotations

import re
import unicodedata

SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
SUPERSCRIPT_TO_DIGIT = str.maketrans(SUPERSCRIPT_DIGITS, "0123456789")
DIGIT_TO_SUPERSCRIPT = str.maketrans("0123456789", SUPERSCRIPT_DIGITS)


def to_nfc(text: str) -> str:
    """Compose Vietnamese letters (decomposed 'ạ' = 'a' + U+0323 becomes one character).

    >>> to_nfc("đa\u0323t") == "đạt"
    True
    """
    return unicodedata.normalize("NFC", text)


def strip_html_tags(text: str) -> str:
    """Drop inline HTML left by converters.

    >>> strip_html_tags("<i>Thương mại - dịch vụ</i>")
    'Thương mại - dịch vụ'
    """
    return re.sub(r"</?(?:i|b|u|em|strong|sup|sub|span|br|p)\b[^>]*>", "", text, flags=re.I)


def strip_markdown_emphasis(text: str) -> str:
    """Drop Markdown bold/italic markers.

    >>> strip_markdown_emphasis("**TM. ỦY BAN NHÂN DÂN")
    'TM. ỦY BAN NHÂN DÂN'
    >>> strip_markdown_emphasis("(*hiện tại số hộ nghèo là 242 hộ*)")
    '(hiện tại số hộ nghèo là 242 hộ)'
    """
    text = re.sub(r"\*\*+", "", text)
    return re.sub(r"(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])", "", text)


_LATEX = {r"\geq": "≥", r"\leq": "≤", r"\ge": "≥", r"\le": "≤", r"\times": "×", r"\%": "%", r"\neq": "≠"}


def replace_latex_comparators(text: str) -> str:
    r"""Turn LaTeX comparators left by converters into their symbols.

    >>> replace_latex_comparators(r"Vitamin A \geq 95%, đạt 99,8%")
    'Vitamin A ≥ 95%, đạt 99,8%'
    >>> replace_latex_comparators(r"\leq20")
    '≤20'
    """
    return re.sub(r"\\(?:geq|leq|ge|le|times|neq|%)(?![A-Za-z])", lambda m: _LATEX[m.group(0)], text)


def normalize_spaces(text: str) -> str:
    """Turn non-breaking and odd spaces into plain spaces; keep tabs (table cells).

    >>> normalize_spaces("3.640\u00a0tỷ  đồng ")
    '3.640 tỷ đồng'
    """
    text = re.sub(r"[\u00a0\u2000-\u200b\u202f\u205f\u3000]", " ", text)
    text = text.replace("\ufeff", "").replace("\u00ad", "")
    return re.sub(r" {2,}", " ", text).strip(" ")


def normalize_quotes(text: str) -> str:
    """Straighten typographic apostrophes that break word matching; keep “ ” as printed.

    >>> normalize_quotes("Đề án ‘Không gian’")
    "Đề án 'Không gian'"
    """
    return text.replace("‘", "'").replace("’", "'")


LINE_FIXES = (to_nfc, strip_html_tags, strip_markdown_emphasis, replace_latex_comparators,
              normalize_quotes, normalize_spaces)


def normalize_line(text: str) -> tuple[str, tuple[str, ...]]:
    """Apply every line fix; return the text and the names of the fixes that changed it."""
    applied = []
    for fix in LINE_FIXES:
        fixed = fix(text)
        if fixed != text:
            applied.append(fix.__name__)
            text = fixed
    return text, tuple(applied)
