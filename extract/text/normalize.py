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


HTML_TAG = re.compile(r"</?(?:i|b|u|em|strong|sup|sub|span|br|p)\b[^>]*>", re.I)


def strip_html_tags(text: str) -> str:
    """Drop inline HTML left by converters.

    >>> strip_html_tags("<i>Thương mại - dịch vụ</i>")
    'Thương mại - dịch vụ'
    """
    return HTML_TAG.sub("", text)


BOLD_MARK = re.compile(r"\*\*+")
ITALIC_MARK = re.compile(r"(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])")


def strip_markdown_emphasis(text: str) -> str:
    """Drop Markdown bold/italic markers.

    >>> strip_markdown_emphasis("**TM. ỦY BAN NHÂN DÂN")
    'TM. ỦY BAN NHÂN DÂN'
    >>> strip_markdown_emphasis("(*hiện tại số hộ nghèo là 242 hộ*)")
    '(hiện tại số hộ nghèo là 242 hộ)'
    """
    if "*" not in text:
        return text
    text = BOLD_MARK.sub("", text)
    return ITALIC_MARK.sub("", text)


_LATEX = {r"\geq": "≥", r"\leq": "≤", r"\ge": "≥", r"\le": "≤", r"\times": "×", r"\%": "%", r"\neq": "≠"}


LATEX_COMPARATOR = re.compile(r"\\(?:geq|leq|ge|le|times|neq|%)(?![A-Za-z])")


def replace_latex_comparators(text: str) -> str:
    r"""Turn LaTeX comparators left by converters into their symbols.

    >>> replace_latex_comparators(r"Vitamin A \geq 95%, đạt 99,8%")
    'Vitamin A ≥ 95%, đạt 99,8%'
    >>> replace_latex_comparators(r"\leq20")
    '≤20'
    """
    return LATEX_COMPARATOR.sub(lambda m: _LATEX[m.group(0)], text) if "\\" in text else text


ODD_SPACE = re.compile(r"[\u00a0\u2000-\u200b\u202f\u205f\u3000]")
SPACE_RUN = re.compile(r" {2,}")


def normalize_spaces(text: str) -> str:
    """Turn non-breaking and odd spaces into plain spaces; keep tabs (table cells).

    >>> normalize_spaces("3.640\u00a0tỷ  đồng ")
    '3.640 tỷ đồng'
    """
    text = ODD_SPACE.sub(" ", text)
    text = text.replace("\ufeff", "").replace("\u00ad", "")
    return SPACE_RUN.sub(" ", text).strip(" ")


def normalize_quotes(text: str) -> str:
    """Straighten typographic apostrophes that break word matching; keep “ ” as printed.

    >>> normalize_quotes("Đề án ‘Không gian’")
    "Đề án 'Không gian'"
    """
    return text.replace("‘", "'").replace("’", "'")


MARKDOWN_ROW = re.compile(r"\s*\|(.*)\|\s*")


def markdown_table_to_tabs(text: str) -> str:
    r"""A Markdown table row becomes the tab-separated row the annex reader expects; a rule row, nothing.

    >>> markdown_table_to_tabs("| 2 | Thu ngân sách | Tỷ đồng | 260 | 201,922 |")
    '2\tThu ngân sách\tTỷ đồng\t260\t201,922'
    >>> markdown_table_to_tabs("|---|:---|---:|")
    ''
    """
    m = MARKDOWN_ROW.fullmatch(text) if "|" in text else None
    if not m:
        return text
    if re.fullmatch(r"[\s|:\-]*", m.group(1)):
        return ""
    return "\t".join(cell.strip() for cell in m.group(1).split("|"))


FOOTNOTE_DEFINITION = re.compile(r"^\s*\[\^(\d{1,3})\]:\s*")
FOOTNOTE_REFERENCE = re.compile(r"\[\^(\d{1,3})\]")


def markdown_footnotes_to_superscripts(text: str) -> str:
    """Markdown footnote markers "[^6]" (and definitions "[^6]: …") become superscripts like the PDF's.

    >>> markdown_footnotes_to_superscripts("bằng 96,63% so với cùng kỳ[^6].")
    'bằng 96,63% so với cùng kỳ⁶.'
    >>> markdown_footnotes_to_superscripts("[^6]: Bao gồm: công nghiệp chế biến")
    '⁶Bao gồm: công nghiệp chế biến'
    """
    if "[^" not in text:
        return text
    text = FOOTNOTE_DEFINITION.sub(lambda m: m.group(1).translate(DIGIT_TO_SUPERSCRIPT), text)
    return FOOTNOTE_REFERENCE.sub(lambda m: m.group(1).translate(DIGIT_TO_SUPERSCRIPT), text)


LINE_FIXES = (to_nfc, strip_html_tags, markdown_table_to_tabs, strip_markdown_emphasis,
              markdown_footnotes_to_superscripts, replace_latex_comparators, normalize_quotes, normalize_spaces)


def normalize_line(text: str) -> tuple[str, tuple[str, ...]]:
    """Apply every line fix; return the text and the names of the fixes that changed it."""
    applied = []
    for fix in LINE_FIXES:
        fixed = fix(text)
        if fixed != text:
            applied.append(fix.__name__)
            text = fixed
    return text, tuple(applied)
