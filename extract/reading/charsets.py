"""What a report file's bytes really are: a binary format under a text name, UTF-16 without a
byte-order mark, or Vietnamese text in a legacy 8-bit font encoding.

Pure functions over bytes and str; `extract.reading.text` turns their answers into ReadError or text.
Vietnamese reports reach us in Unicode (UTF-8, UTF-16), in Windows-1258 (tone marks as
combining characters) and in the font encodings of the 1990s and 2000s, TCVN3 (.VnTime fonts,
typed with ABC) and VNI (VNI-Times). Read as Windows-1252, a legacy file shows tell-tale
letters: "B¸o c¸o" (TCVN3) or "Baùo caùo" (VNI) for "Báo cáo".
"""
from __future__ import annotations

from itertools import islice

import regex

# Magic bytes of formats that arrive renamed as .txt: (prefix, what it is, what to do).
BINARY_SIGNATURES = (
    (b"%PDF", "a PDF file", "rename it to .pdf and ingest again"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Word 97-2003 .doc (or Excel .xls) file",
     "open it in Word and save as .docx, or export PDF"),
    (b"{\\rtf", "an RTF document", "open it in Word and save as .docx, or export PDF"),
    (b"\x89PNG", "a PNG image", "ingest the original PDF or .docx instead of a picture"),
    (b"\xff\xd8\xff", "a JPEG image", "ingest the original PDF or .docx instead of a picture"),
    (b"GIF8", "a GIF image", "ingest the original PDF or .docx instead of a picture"),
    (b"II*\x00", "a TIFF image", "ingest the original PDF or .docx instead of a picture"),
    (b"MM\x00*", "a TIFF image", "ingest the original PDF or .docx instead of a picture"),
)
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
# Members that name an Office/OpenDocument package inside a zip: (name prefix, what, what to do).
ZIP_CONTENTS = (
    (b"word/", "a Word .docx file", "rename it to .docx and ingest again"),
    (b"xl/", "an Excel .xlsx workbook", "export the report as PDF or .docx"),
    (b"ppt/", "a PowerPoint .pptx file", "export the report as PDF or .docx"),
    (b"mimetypeapplication/vnd.oasis.opendocument", "an OpenDocument (.odt/.ods) file",
     "open it and save as .docx, or export PDF"),
)


def sniff_format(data: bytes) -> tuple[str, str] | None:
    """(what the bytes are, what to do) when they start like a known binary format, else None.

    Reports get renamed: a PDF or an old .doc saved as "bao_cao.txt" must be refused by name,
    not decoded into noise.

    >>> sniff_format(b"%PDF-1.7 ...")
    ('a PDF file', 'rename it to .pdf and ingest again')
    >>> sniff_format(b"PK\\x03\\x04....[Content_Types].xml....word/document.xml")[0]
    'a Word .docx file'
    >>> sniff_format("Tổng giá trị sản xuất".encode()) is None
    True
    """
    for magic, what, advice in BINARY_SIGNATURES:
        if data.startswith(magic):
            return what, advice
    if data.startswith(ZIP_SIGNATURES):
        for member, what, advice in ZIP_CONTENTS:
            if member in data:
                return what, advice
        return "a zip archive", "unpack it and ingest the report inside"
    return None


def sniff_markup(data: bytes) -> str | None:
    """'a web page (HTML)' or 'an XML file' when the bytes start like one, else None.

    A link to a report often serves an error or login page; saved under the report's name, it
    arrives as "bao_cao.pdf" holding HTML.

    >>> sniff_markup(b"\\xef\\xbb\\xbf  <!DOCTYPE html><html><body>404 Not Found")
    'a web page (HTML)'
    >>> sniff_markup(b"%PDF-1.7") is None
    True
    """
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in data[:4096].lower():
        return "a web page (HTML)"
    if start.startswith(b"<?xml"):
        return "an XML file"
    return None


def guess_utf16(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when NUL bytes fill every other position, else None.

    UTF-16 saved without a byte-order mark is recognised by its pattern: spaces, digits and
    ASCII letters (most of a Vietnamese report) have a zero high byte.

    >>> guess_utf16("Tổng 575 tỷ đồng".encode("utf-16-le"))
    'utf-16-le'
    >>> guess_utf16("Tổng 575 tỷ đồng".encode("utf-16-be"))
    'utf-16-be'
    >>> guess_utf16(b"575 t\\x00y") is None
    True
    """
    sample = data[:8192]
    pairs = len(sample) // 2
    if pairs == 0 or len(data) % 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= pairs / 5 and even * 4 <= odd:
        return "utf-16-le"
    if even >= pairs / 5 and odd * 4 <= even:
        return "utf-16-be"
    return None


# Windows-1252 gives bytes 0x80-0x9F typographic marks (“ ” – …) that legacy fonts kept; five of
# them are undefined there and are read as Latin-1 so that no byte is lost.
_CP1252_HIGH = {b: bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(0x80, 0xA0)}


def read_as_cp1252(data: bytes) -> str:
    """Bytes as Windows-1252 shows them, one character per byte (legacy-font text is typed so).

    >>> read_as_cp1252(b"B\\xb8o c\\xb8o \\x93\\xae\\xb9t\\x94 \\x81")
    'B¸o c¸o “®¹t” \\x81'
    """
    return data.decode("latin-1").translate(_CP1252_HIGH)


# TCVN 5712:1993 "VN3", the byte layout of the .VnTime fonts: byte -> letter, for every byte that
# is a letter in VN3 (the other bytes keep their Windows-1252 meaning). VN3 has lower-case
# accented letters plus Ă Â Ê Ô Ơ Ư Đ only; capitals were drawn from the same bytes by the
# .VnTimeH fonts. Source: TCVN 5712:1993; every entry agrees with glibc iconv "TCVN5712-1"
# (whose VN1 layout adds capitals at bytes VN3 leaves to Windows-1252) and with the mojibake
# seen in old documents: "Céng hßa x· héi chñ nghÜa ViÖt Nam", "§éc lËp - Tù do - H¹nh phóc".
TCVN3_LETTERS = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}

# Evidence, counted in text read as Windows-1252:
# TCVN3 — symbols that are VN3 letters (¸ = á, ¹ = ạ, ® = đ, ­ = ư …) glued to a letter,
# e.g. "B¸o", "®¹t", "ng­êi". « » are left out: they are also ordinary quotation marks.
_TCVN3_SIGNS = regex.escape("".join(chr(b) for b in TCVN3_LETTERS if b <= 0xBE and b not in (0xAB, 0xBB)))
TCVN3_EVIDENCE = regex.compile(rf"(?<=[\p{{L}}{_TCVN3_SIGNS}])[{_TCVN3_SIGNS}]|[{_TCVN3_SIGNS}](?=[\p{{L}}{_TCVN3_SIGNS}])")
# VNI — a tone or hat typed as a second byte after a/e ("Baùo", "keát"), which Vietnamese never
# writes, and letters Vietnamese does not have (ñ = đ, ö = ư, ï = dot below) inside words.
VNI_EVIDENCE = regex.compile(r"[aeAE][ùøûõïâêáàåãäéèúüëÙØÛÕÏÂÊÁÀÅÃÄÉÈÚÜË]|[ñÑ](?=\p{L})"
                             r"|(?<=\p{L})[ïøûöëüåäÏØÛÖËÜÅÄ]")
# Real Vietnamese: Unicode-only letters, or Windows-1258 tone marks (bytes read as Ì Ò Þ ì ò)
# right after a vowel, e.g. "ạ" = "a" + 0xF2.
NATIVE_EVIDENCE = regex.compile(r"[ăđơưĂĐƠƯ\u1EA0-\u1EF9]|(?<=\p{L})[\u0300\u0301\u0303\u0309\u0323]"
                                r"|(?<=[aeiouyâêôãõýAEIOUYÂÊÔÃÕÝ])[ÌÒÞìò]")


LETTER = regex.compile(r"\p{L}")
ASCII_LETTER = regex.compile(r"[A-Za-z]")
LEGACY_ASCII_SHARE = 0.4
EVIDENCE_SAMPLE = 1_000_000   # characters


def detect_legacy_encoding(text: str) -> str | None:
    """'tcvn3' or 'vni' when `text` shows more legacy-font letters than real Vietnamese, else None.

    `text` is the file as decoded (UTF-8 mojibake keeps the legacy letters) or, for bytes
    that are not UTF-8, as Windows-1252 shows them. Two hits are needed, so a stray "®" or
    "ñ" in a Unicode report is not enough.

    >>> detect_legacy_encoding("B¸o c¸o kÕt qu¶ ®¹t ®­îc")
    'tcvn3'
    >>> detect_legacy_encoding("Baùo caùo keát quaû ñaït ñöôïc")
    'vni'
    >>> detect_legacy_encoding("Báo cáo kết quả đạt được, «Chương trình»") is None
    True

    Legacy fonts type most letters as plain ASCII (about 80% of a report's letters in TCVN3); text
    in another script read as Windows-1252 (KOI8-R, GBK …) has almost none, and is not legacy
    Vietnamese whatever letters it shows.

    >>> detect_legacy_encoding("Îò÷¸ò î ñîöèàëüíî-ýêîíîìè÷åñêîì ðàçâèòèè") is None  # Russian, cp1251
    True
    """
    sample = text[:EVIDENCE_SAMPLE]   # a report's first pages tell its encoding; counting all of a
    tcvn3 = count(TCVN3_EVIDENCE, sample)  # 40 MB file held millions of matches in memory
    vni = count(VNI_EVIDENCE, sample)
    if tcvn3 < 2 and vni < 2:
        return None
    native = count(NATIVE_EVIDENCE, sample, up_to=max(tcvn3, vni))
    if native >= max(tcvn3, vni):   # a Unicode report ("m²" looks like TCVN3): stop counting early
        return None
    letters = count(LETTER, sample)
    if letters and count(ASCII_LETTER, sample) < LEGACY_ASCII_SHARE * letters:
        return None
    if tcvn3 >= 2 and tcvn3 > native:
        return "tcvn3"
    if vni >= 2 and vni > native:
        return "vni"
    return None


def count(pattern: regex.Pattern, text: str, up_to: int | None = None) -> int:
    """Matches of a pattern (at most `up_to` of them), counted without keeping them."""
    return sum(1 for _ in islice(pattern.finditer(text), up_to))


# Everything but ASCII that Vietnamese text in Windows-1258 decodes to: the letters with a hat,
# horn or breve, the precomposed accented vowels the code page has, the five tone marks as
# combining characters, and the typographic signs of an office document (and, for text already
# composed, the rest of Unicode's Vietnamese letters).
CP1258_VIETNAMESE = regex.compile(r"[àáâãèéêìíòóôõùúýăđĩũơưÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝĂĐĨŨƠƯ\u0300\u0301\u0303\u0309\u0323\u1EA0-\u1EF9"
                                  r"“”‘’–—…•°±²³×÷§«»·\u00a0€™©®]")
NON_ASCII = regex.compile(r"[^\x00-\x7f]")
FOREIGN_SHARE = 0.2   # more than this share of foreign characters among the non-ASCII ones
FOREIGN_MIN = 8       # ... and at least this many: a stray symbol is no evidence


def looks_foreign(text: str) -> bool:
    """Does text decoded as Windows-1258 hold characters Vietnamese never uses?

    Windows-1258 decodes any byte, so it is the fallback for bytes that are not UTF-8; text in
    another code page (KOI8-R, GBK, Shift-JIS …) comes out as accented Latin letters that no
    Vietnamese word has (ë, ï, ñ, ß, ¤ …), and is refused rather than ingested as noise.

    >>> looks_foreign("Tổng giá trị sản xuất đạt 575 tỷ đồng, tăng 5,2% so với cùng kỳ")
    False
    >>> looks_foreign("Ị̂÷¸̣ î ñîöèàëüíî-ưêîíî́è÷åñêî́ đàçâẹ̀èè đàéîíà")  # Russian written in cp1251
    True
    """
    sample = text[:EVIDENCE_SAMPLE]
    others = count(NON_ASCII, sample)
    foreign = others - count(CP1258_VIETNAMESE, sample)
    return foreign >= FOREIGN_MIN and foreign > FOREIGN_SHARE * others


CAPITALISED_WORD = regex.compile(r"\b(?=(?:\p{L}*\p{Lu}){2})(?!\p{L}*[a-z])\p{L}+")
CAPITALS_LINE = regex.compile(r"^(?=.*\p{Lu})[^a-z]*$")


def restore_capitals(text: str) -> str:
    """Upper-case lines and words typed in capitals whose accented letters came out lower case.

    VN3 has no accented capitals: a heading in the .VnTimeH font is typed "B¸O C¸O", which
    converts to "BáO CáO". A line without a lower-case ASCII letter, or a word with two capitals
    and none, was meant in capitals; "Tổ" or "Hà" in running text are left alone.

    >>> print(restore_capitals("BáO CáO KINH Tế - Xã HộI\\nI. KếT QUả đạt được: Tổ chức UBND"))
    BÁO CÁO KINH TẾ - XÃ HỘI
    I. KẾT QUẢ đạt được: Tổ chức UBND
    """
    return "\n".join(line.upper() if CAPITALS_LINE.match(line) else
                     CAPITALISED_WORD.sub(lambda m: m.group(0).upper(), line) for line in text.split("\n"))


def convert_tcvn3(text: str) -> str:
    """Turn TCVN3 (.VnTime) text, read as Windows-1252, into Unicode.

    >>> convert_tcvn3("Tæng gi¸ trÞ s¶n xuÊt c«ng nghiÖp ®¹t 575 tû ®ång")
    'Tổng giá trị sản xuất công nghiệp đạt 575 tỷ đồng'
    >>> convert_tcvn3("Céng hßa x· héi chñ nghÜa ViÖt Nam")
    'Cộng hòa xã hội chủ nghĩa Việt Nam'
    """
    return restore_capitals(text.translate(TCVN3_LETTERS))  # chr(byte) is the byte's cp1252 character
