"""Small text fixes, one function each, applied to every source line.

Each fix is `str -> str`, named for what it does, with a doctest from a real report. Use NFC,
never NFKC: NFKC turns "m³" into "m3" and the footnote marker "²" into "2".
"""
from __future__ import annotations

import html
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


# An HTML attribute: name, then an optional value (quoted, or a bare run of characters).
_HTML_ATTRIBUTE = r"""[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>=`]+))?"""
# Element names are letters (and digits, ':' or '-' after the first): "<5%" or "< 2 tuổi" is no tag.
HTML_TAG = re.compile(rf"</?[A-Za-z][A-Za-z0-9:-]*(?:\s+{_HTML_ATTRIBUTE})*\s*/?>")
HTML_BLOCK_TAG = re.compile(r"</?(?:p|div|br|hr|li|ul|ol|tr|td|th|table|tbody|thead|h[1-6]|section|article|header|"
                            r"footer|blockquote|figure|figcaption|caption|nav|aside|main)\b", re.I)
HTML_DECLARATION = re.compile(r"<![A-Za-z][^<>]*>")   # e.g. <!DOCTYPE html>
# A superscript number (a footnote reference from Word, or the 2 of m²), perhaps a link in brackets.
HTML_SUPERSCRIPT = re.compile(r"<sup\b[^<>]*>\s*(?:<a\b[^<>]*>\s*)?\[?(\d{1,3})\]?\s*(?:</a>\s*)?</sup>", re.I)
HIDDEN_OPEN = re.compile(r"<(script|style|noscript|svg)\b|<!--", re.I)
# A tag cut by the end of its line ('<div class="x"') and the rest of one opened on the line before.
HTML_TAG_OPEN_AT_END = re.compile(rf"<[A-Za-z][A-Za-z0-9:-]*(?:\s+{_HTML_ATTRIBUTE})*\s*$")
HTML_TAG_REST_AT_START = re.compile(r"""^\s*(?:[A-Za-z_:][\w:.-]*\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>=`]+)\s*)+/?>""")


def strip_html_tags(text: str) -> str:
    """Drop HTML left by converters and web pages: tags with their attributes, comments, and
    scripts and styles with their content. A block tag leaves a space (words on either side stay
    apart), an inline one nothing; text between tags is kept as printed.

    >>> strip_html_tags("<i>Thương mại - dịch vụ</i>")
    'Thương mại - dịch vụ'
    >>> strip_html_tags('<div class="toolbar float-left" style="height:42px;line-height:14px;">')
    ' '
    >>> strip_html_tags("<p><strong><em>Chỉ số: </em></strong>tăng 6,15%.</p><p>Tóm lại</p>")
    ' Chỉ số: tăng 6,15%.  Tóm lại '
    >>> strip_html_tags('<a onclick="openPopup(\\'9f3ac27b\\',$(this));">Đọc bài</a>')
    'Đọc bài'
    >>> strip_html_tags("<script>var w = 300;</script>tỷ lệ <5% và > 3%")
    'tỷ lệ <5% và > 3%'
    >>> strip_html_tags('<div class="fb-share" data-appid="402918374650192837"')
    ''
    >>> strip_html_tags('so với cùng kỳ<sup><a href="#_ftn6">[6]</a></sup>; 2.921 m<sup>3</sup>')
    'so với cùng kỳ⁶; 2.921 m³'
    """
    if "<" not in text and ">" not in text:
        return text
    text = HTML_DECLARATION.sub("", visible_html(text)[0])
    text = HTML_SUPERSCRIPT.sub(lambda m: m.group(1).translate(DIGIT_TO_SUPERSCRIPT), text)
    text = HTML_TAG.sub(lambda m: " " if HTML_BLOCK_TAG.match(m.group()) else "", text)
    text = HTML_TAG_OPEN_AT_END.sub("", text)
    return HTML_TAG_REST_AT_START.sub("", text)


def visible_html(line: str, hidden: str | None = None) -> tuple[str, str | None]:
    """The part of a line outside scripts, styles and comments, and what is left open at its end
    (the element's name, or "--" for a comment) for the next line: segment carries it from line
    to line, as a script or a comment may span many. Linear in the line's length.

    >>> visible_html("Tổng thu <script>var w = 300;</script>5 tỷ <!-- banner 300x250")
    ('Tổng thu 5 tỷ ', '--')
    >>> visible_html("var w = 300;", "script"), visible_html("</SCRIPT >đạt 95%", "script")
    (('', 'script'), ('đạt 95%', None))
    """
    if hidden is None and "<" not in line:
        return line, None
    kept, position = [], 0
    while True:
        if hidden is not None:
            closing = (re.compile("-->") if hidden == "--" else re.compile(rf"</{hidden}\s*>", re.I)).search(line, position)
            if closing is None:
                return "".join(kept), hidden
            position, hidden = closing.end(), None
        opened = HIDDEN_OPEN.search(line, position)
        if opened is None:
            kept.append(line[position:])
            return "".join(kept), None
        kept.append(line[position:opened.start()])
        if opened.group(1) is None:
            hidden, position = "--", opened.end()
            continue
        hidden, position = opened.group(1).lower(), line.find(">", opened.end()) + 1
        if position == 0:   # the opening tag itself goes on on the next line
            return "".join(kept), hidden


HTML_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def decode_html_entities(text: str) -> str:
    """Turn HTML character references into the characters they stand for; '&#7897;' is 'ộ', not
    the number 7 897. A bare '&' (R&D, NN&PTNT) is left alone.

    >>> decode_html_entities("t&#7893;ng thu&nbsp;300 t&#7927; &amp; Sở NN&PTNT")
    'tổng thu\\xa0300 tỷ & Sở NN&PTNT'
    """
    if "&" not in text:
        return text
    return HTML_ENTITY.sub(lambda m: html.unescape(m.group()), text)


MARKDOWN_IMAGE = re.compile(r"!\[[^\]\n]*\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)")
MARKDOWN_LINK = re.compile(r"(?<!!)\[([^\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)")
MARKDOWN_NOTE_LINK = re.compile(r"\[\\?\[?(\d{1,3})\\?\]?\]\(#[^()\s]*\)")   # e.g. [1](#fn1), [\[1\]](#_ftn1)
# A link definition names an address ("[1]: https://…"); "[1]: Số liệu …" is a footnote body and stays.
MARKDOWN_LINK_DEFINITION = re.compile(r"^\s{0,3}\[[^\]^\n]+\]:\s+<?(?:[a-z]+://|www\.|/|\.\.?/|#)\S*(?:\s+[\"'(].*)?$", re.I)


def strip_markdown_links(text: str) -> str:
    """Markdown images go (a picture is not text); a link keeps its text and loses its address,
    but a number linked to an anchor in the page is a footnote reference and becomes a
    superscript marker; a link definition line goes.

    >>> strip_markdown_links("![Ảnh minh họa](media/image_2023_05.png) Tổng thu 300 tỷ đồng")
    ' Tổng thu 300 tỷ đồng'
    >>> strip_markdown_links("theo [Quyết định 1234](https://vbpl.vn/tw/Pages/vbpq-toanvan.aspx?ItemID=123456) của UBND")
    'theo Quyết định 1234 của UBND'
    >>> strip_markdown_links("tăng 5,2% so với cùng kỳ[1](#fn1); đạt 98%[\\\\[2\\\\]](#_ftn2)")
    'tăng 5,2% so với cùng kỳ¹; đạt 98%²'
    >>> strip_markdown_links("[1]: https://example.org/bao-cao-2023.pdf")
    ''
    >>> strip_markdown_links("[1]: Số liệu của Cục Thống kê")
    '[1]: Số liệu của Cục Thống kê'
    >>> strip_markdown_links("tỷ đồng [4]/12,9 tỷ đồng (xem [^2])")
    'tỷ đồng [4]/12,9 tỷ đồng (xem [^2])'
    """
    if "](" not in text and "]:" not in text:
        return text
    text = MARKDOWN_IMAGE.sub("", text)
    text = MARKDOWN_NOTE_LINK.sub(lambda m: m.group(1).translate(DIGIT_TO_SUPERSCRIPT), text)
    text = MARKDOWN_LINK.sub(lambda m: m.group(1), text)
    return MARKDOWN_LINK_DEFINITION.sub("", text)


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


DIGIT_GROUP_SPACE = re.compile(r"(?<![\d.,])\d{1,3}(?:[\u00a0\u202f\u2009]\d{3})+(?![\d.])")


def group_digits_split_by_narrow_spaces(text: str) -> str:
    """A number whose groups of three digits are set apart by a non-breaking or thin space (as a
    word processor prints "1 200 000") is grouped the Vietnamese way, with dots; a plain space
    between numbers is left alone, it may part two figures.

    >>> group_digits_split_by_narrow_spaces("thu 1\u00a0200\u00a0000 đồng, chi 12\u202f500,5 triệu đồng; 5 200 hộ")
    'thu 1.200.000 đồng, chi 12.500,5 triệu đồng; 5 200 hộ'
    """
    if "\u00a0" not in text and "\u202f" not in text and "\u2009" not in text:
        return text
    return DIGIT_GROUP_SPACE.sub(lambda m: re.sub(r"[\u00a0\u202f\u2009]", ".", m.group()), text)


SCALE_GLUED_TO_UNIT = re.compile(r"(\d\s?)(nghìn|ngàn|triệu|tỷ|tỉ)(?=(?:đồng|USD|VNĐ|VND|tấn|người|lượt|ha)(?![^\W\d_]))")


def space_scale_word_glued_to_unit(text: str) -> str:
    """Put back the space lost between a scale word and its unit after a number: "12,5 tỷđồng"
    is 12,5 tỷ đồng, not 12,5 of nothing.

    >>> space_scale_word_glued_to_unit("doanh thu 12,5 tỷđồng, xuất khẩu 3,2triệuUSD")
    'doanh thu 12,5 tỷ đồng, xuất khẩu 3,2triệu USD'
    """
    if not any(scale in text for scale in ("nghìn", "ngàn", "triệu", "tỷ", "tỉ")):
        return text
    return SCALE_GLUED_TO_UNIT.sub(r"\1\2 ", text)


ODD_SPACE = re.compile(r"[\u00a0\u2000-\u200b\u202f\u205f\u3000]")
SPACE_RUN = re.compile(r" {2,}")


def normalize_spaces(text: str) -> str:
    """Turn non-breaking and odd spaces into plain spaces; keep tabs (table cells).

    >>> normalize_spaces("3.640\u00a0tỷ  đồng ")
    '3.640 tỷ đồng'
    """
    if text.isascii() and "  " not in text and not text.startswith(" ") and not text.endswith(" "):
        return text
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


FOOTNOTE_DEFINITION = re.compile(r"^\s*\[\^?(\d{1,3})\]:\s*")
FOOTNOTE_REFERENCE = re.compile(r"\[\^?(\d{1,3})\](?!\()")


def markdown_footnotes_to_superscripts(text: str) -> str:
    """Markdown footnote markers "[^6]" (and definitions "[^6]: …") become superscripts like the PDF's,
    and so do the bracketed numbers "[6]" that converters print for Word's footnote references.

    >>> markdown_footnotes_to_superscripts("bằng 96,63% so với cùng kỳ[^6].")
    'bằng 96,63% so với cùng kỳ⁶.'
    >>> markdown_footnotes_to_superscripts("ước đạt 560 tỷ đồng [1], bằng 81% dự toán")
    'ước đạt 560 tỷ đồng ¹, bằng 81% dự toán'
    >>> markdown_footnotes_to_superscripts("[10] Gồm: 21 Luật, 153 Nghị định")
    '¹⁰ Gồm: 21 Luật, 153 Nghị định'
    >>> markdown_footnotes_to_superscripts("[^6]: Bao gồm: công nghiệp chế biến")
    '⁶Bao gồm: công nghiệp chế biến'
    """
    if "[" not in text:
        return text
    text = FOOTNOTE_DEFINITION.sub(lambda m: m.group(1).translate(DIGIT_TO_SUPERSCRIPT), text)
    return FOOTNOTE_REFERENCE.sub(lambda m: m.group(1).translate(DIGIT_TO_SUPERSCRIPT), text)


# Words after which a number is read: "bằng107,07%" and "cơn bão số10" lost the space between them.
NUMBER_WORDS = frozenset("""bằng đạt chiếm tăng giảm vượt số khoảng hơn gần trên dưới còn là với được có đến
    từ lên xuống thứ năm tháng ngày quý lần mức tổng ước khoản điều mục đợt""".split())
# Words a number names a place or a rank after ("thôn3", "lớp1"): such a glued number is no footnote marker.
NAME_WORDS = frozenset("""lớp tổ khu thôn xóm ấp bản đội cụm lô khoảnh tầng phòng tuyến đường phường quận
    khối nhóm điểm khóa vụ giai đoạn hạng bậc loại cấp""".split())
# A letter right before a digit: the lines the glued-number fixes may change (one search instead of their
# scan at every word of every line).
LETTER_THEN_DIGIT = re.compile(r"[^\W\d_]\d")
GLUED_NUMBER = re.compile(r"(?<![^\W\d_])([^\W\d_]+)(?=(\d+(?:[.,]\d+)*)(\s?%)?)")


def space_number_glued_to_word(text: str) -> str:
    """Put back the space between a Vietnamese word and the number glued to it, where the word is
    one that a number follows ("bằng107,07%", "bão số10") or the number is plainly a figure (a
    decimal or a percent). Codes (TBR225, audio17) have no Vietnamese letter and stay as printed,
    and so does a small number glued to another word, which may be a footnote marker ("xã hội1").

    >>> space_number_glued_to_word("thu ngân sách bằng107,07% dự toán; cơn bão số10. Đạt95%")
    'thu ngân sách bằng 107,07% dự toán; cơn bão số 10. Đạt 95%'
    >>> space_number_glued_to_word("lãi suất giảm0,5% - giống TBR225, audio17, H5N1, xã hội1")
    'lãi suất giảm 0,5% - giống TBR225, audio17, H5N1, xã hội1'
    """
    if not LETTER_THEN_DIGIT.search(text):
        return text

    def fix(m: re.Match) -> str:
        word, number, percent = m.group(1), m.group(2), m.group(3)
        if word.isascii() or word.isupper():
            return word
        if word.lower() in NUMBER_WORDS or percent or re.search(r"[.,]\d", number):
            return word + " "
        return word
    return GLUED_NUMBER.sub(fix, text)


GLUED_NOTE = re.compile(r"(?<![^\W\d_])([^\W\d_]+)(\d{1,2})(?=[.,;:)]|\s*$)(?![.,]\d)")


def mark_glued_footnote_numbers(text: str) -> str:
    """A footnote number that lost its superscript and stuck to the word before it ("so với cùng
    kỳ6.", "tỷ đồng12;") becomes a marker again. Only one or two digits after a lower-case
    Vietnamese word, before a punctuation mark or the end of the line, are taken so: a word a
    number follows ("đạt95%", see space_number_glued_to_word), a name ("thôn3"), a code (COVID19,
    m2) and a count before its unit ("gồm3 xã") keep their digits.

    >>> mark_glued_footnote_numbers("tăng 5,2% so với cùng kỳ6. Tổng thu 152 triệu đồng12; xã hội1")
    'tăng 5,2% so với cùng kỳ⁶. Tổng thu 152 triệu đồng¹²; xã hội¹'
    >>> mark_glued_footnote_numbers("gồm3 xã, thôn3, lớp1. COVID19, 500 m2.")
    'gồm3 xã, thôn3, lớp1. COVID19, 500 m2.'
    """
    if not LETTER_THEN_DIGIT.search(text):
        return text

    def fix(m: re.Match) -> str:
        word = m.group(1)
        if word.isascii() or not word.islower() or word in NUMBER_WORDS or word in NAME_WORDS:
            return m.group()
        return word + m.group(2).translate(DIGIT_TO_SUPERSCRIPT)
    return GLUED_NOTE.sub(fix, text)


DIGIT_BY_SPACED_COMMA = re.compile(r"\d(?:, |\s,)")
SPACED_DECIMAL = re.compile(r"(?<![\d.,/:])(\d{1,3}(?:\.\d{3})+|\d{1,4})(?:,\s|\s,\s?)(\d{1,3})"
                            r"(?=\s?%|\s(?:nghìn|ngàn|triệu|tỷ|tỉ)(?![^\W\d_]))")
# A number after these is a name, a date or a position, not the integer part of a figure: "tháng 6, 5 triệu lượt".
NOT_INTEGER_PART = re.compile(r"(?:tháng|năm|quý|ngày|số|thứ|lần|đợt|điều|khoản|mục|lục|đoạn|khóa|lớp|[,/])\s*$", re.I)


def close_spaced_decimal_comma(text: str) -> str:
    """Read "274, 4 triệu" as "274,4 triệu" and "(72, 45%)" as "(72,45%)": a space typed after the
    decimal comma, before a scale word or a percent. A list of numbers ("1, 2, 3%"), a year
    ("năm 2023, 5 triệu lượt") or a month ("tháng 6, 5 triệu") before the comma is left alone. The
    reading is a guess: segment records a problem on every number this fix closed.

    >>> close_spaced_decimal_comma("doanh thu đạt 274, 4 triệu đồng; tỷ lệ che phủ (72, 45%); 12 ,5 tỷ đồng")
    'doanh thu đạt 274,4 triệu đồng; tỷ lệ che phủ (72,45%); 12,5 tỷ đồng'
    >>> close_spaced_decimal_comma("các mức 1, 2, 3%; năm 2023, 5 triệu lượt; tháng 6, 5 tỷ đồng")
    'các mức 1, 2, 3%; năm 2023, 5 triệu lượt; tháng 6, 5 tỷ đồng'
    """
    if not DIGIT_BY_SPACED_COMMA.search(text):
        return text
    for printed, read in reversed(spaced_decimals(text)):
        text = text[:printed.start()] + read + text[printed.end():]
    return text


def spaced_decimals(text: str) -> list[tuple[re.Match, str]]:
    """The numbers close_spaced_decimal_comma closes in `text`: (the printed match, its reading).

    >>> [(m.group(), read) for m, read in spaced_decimals("đạt 274, 4 triệu đồng")]
    [('274, 4', '274,4')]
    """
    found = []
    for m in SPACED_DECIMAL.finditer(text):
        integer = m.group(1)
        if re.fullmatch(r"(?:19|20)\d\d", integer) or NOT_INTEGER_PART.search(text[max(0, m.start() - 20):m.start()]):
            continue
        found.append((m, f"{integer},{m.group(2)}"))
    return found


# A heading: Markdown marks, a section number ("1.2. ", "II. ", "a) ") or all in capitals; short, no full stop.
HEADING_START = re.compile(r"^\s*(?:#{1,6}\s|(?:\d{1,2}\.)+\d{0,2}\s|[IVXLC]{1,6}\.\s|[A-ZĐ]\.\s|[a-zđ]\)\s)")
HEADING_NOTE = re.compile(r"(?<=[^\W\d_])(\d{1,2})\s*$")


def mark_heading_footnotes(text: str) -> str:
    """A footnote number glued to the last word of a heading becomes a superscript marker, as the
    converter lost it: "## Kinh tế xã hội1" is the heading "Kinh tế xã hội" with note 1. Only a
    Vietnamese word takes a marker so (a code such as COVID19 keeps its digits).

    >>> mark_heading_footnotes("## Kinh tế xã hội1")
    '## Kinh tế xã hội¹'
    >>> mark_heading_footnotes("I. TÌNH HÌNH KINH TẾ - XÃ HỘI12")
    'I. TÌNH HÌNH KINH TẾ - XÃ HỘI¹²'
    >>> mark_heading_footnotes("## Kế hoạch năm 2025"), mark_heading_footnotes("3. PHÒNG CHỐNG COVID19")
    ('## Kế hoạch năm 2025', '3. PHÒNG CHỐNG COVID19')
    >>> mark_heading_footnotes("Thu ngân sách tăng so với quý1")
    'Thu ngân sách tăng so với quý1'
    """
    note = HEADING_NOTE.search(text) if len(text) < 120 and text[-1:].isdecimal() else None
    if not note:
        return text
    word = text[:note.start()].rsplit(None, 1)[-1]
    if word.isascii() or not (HEADING_START.match(text) or text.upper() == text):
        return text
    return text[:note.start()] + note.group(1).translate(DIGIT_TO_SUPERSCRIPT)


MARKDOWN_HEADING_MARK = re.compile(r"^\s{0,3}#{1,6}\s+(?=\S)|\s+#+\s*$")


def strip_markdown_heading_marks(text: str) -> str:
    """Drop the '#' marks of a Markdown heading, so that its section number reads as one.

    >>> strip_markdown_heading_marks("### 2.1. Kinh tế ##")
    '2.1. Kinh tế'
    >>> strip_markdown_heading_marks("#1 trong khu vực")
    '#1 trong khu vực'
    """
    if not text.lstrip().startswith("#"):
        return text
    return MARKDOWN_HEADING_MARK.sub("", text) if MARKDOWN_HEADING_MARK.match(text) else text


LINE_FIXES = (strip_html_tags, decode_html_entities, to_nfc, strip_markdown_links, markdown_table_to_tabs,
              strip_markdown_emphasis, markdown_footnotes_to_superscripts, mark_heading_footnotes,
              strip_markdown_heading_marks,
              replace_latex_comparators, normalize_quotes, group_digits_split_by_narrow_spaces, normalize_spaces,
              space_number_glued_to_word, mark_glued_footnote_numbers, space_scale_word_glued_to_unit,
              close_spaced_decimal_comma)



def normalize_line(text: str) -> tuple[str, tuple[str, ...]]:
    """Apply every line fix; return the text and the names of the fixes that changed it."""
    applied = []
    for fix in LINE_FIXES:
        fixed = fix(text)
        if fixed != text:
            applied.append(fix.__name__)
            text = fixed
    return text, tuple(applied)
