"""Report-level facts from the header: title, issuing locality, year and period."""
from __future__ import annotations

import regex

from extract.records import Document

TITLE_AFTER = regex.compile(r"^(?:BÁO\s+CÁO|BÁO CÁO TÓM TẮT)\s*$")
LOCALITY = regex.compile(
    r"(?:UBND|Ủy ban nhân dân|ỦY BAN NHÂN DÂN|Hội đồng nhân dân|HĐND)[ \t]+"
    r"((?i:thành phố|thị xã|huyện|tỉnh|quận|xã|phường|thị trấn)"
    r"[ \t]+[\p{Lu}Đ][\p{L}\p{M}]*(?:[ \t]+[\p{Lu}Đ][\p{L}\p{M}]*){0,3})")
KINDS = ("thành phố", "thị xã", "thị trấn", "huyện", "tỉnh", "quận", "xã", "phường")
OFFICE = regex.compile(r"^(SỞ\s+[\p{Lu}Đ\s,]+|HUYỆN\s+[\p{Lu}Đ ]+|THÀNH PHỐ\s+[\p{Lu}Đ ]+|TỈNH\s+[\p{Lu}Đ ]+)$", regex.M)
PERIOD = regex.compile(r"\b(\d{1,2})\s+tháng\b", regex.I)
YEAR = regex.compile(r"\bnăm\s+((?:19|20)\d\d)\b", regex.I)


def describe_report(document: Document) -> dict:
    """Title, locality, year and period of a report, from its first lines.

    >>> from extract.facts.engine import document_from_text
    >>> doc = document_from_text("UBND THÀNH PHỐ BẮC KẠN\\n\\nBÁO CÁO\\n\\nTình hình thực hiện nhiệm vụ năm 2023, nhiệm vụ năm 2024\\n\\nKính gửi: Hội đồng nhân dân thành phố Bắc Kạn.")
    >>> info = describe_report(doc)
    >>> info["title"], info["year"], info["period"], info["locality"]
    ('Tình hình thực hiện nhiệm vụ năm 2023, nhiệm vụ năm 2024', 2023, 'năm', 'thành phố Bắc Kạn')
    """
    head = document.text[:4000]
    lines = [line.strip() for line in head.split("\n") if line.strip()]
    title = None
    for i, line in enumerate(lines[:-1]):
        if TITLE_AFTER.match(line):
            title = lines[i + 1]
            break
    if title is None:
        title = next((line for line in lines if len(line) > 30), lines[0] if lines else None)
    locality = None
    m = LOCALITY.search(head)
    if m:
        locality = tidy_locality(m.group(1))
    else:
        office = OFFICE.search(head)
        locality = tidy_locality(office.group(1).strip()) if office else None
    year_match = YEAR.search(title or "")
    period_match = PERIOD.search(title or "")
    return {
        "title": title,
        "locality": locality,
        "year": int(year_match.group(1)) if year_match else None,
        "period": f"{period_match.group(1)} tháng" if period_match else ("năm" if year_match else None),
    }


def tidy_locality(text: str) -> str:
    """'THÀNH PHỐ BẮC KẠN' -> 'thành phố Bắc Kạn'; 'huyện Yên Thạch' stays.

    >>> tidy_locality("HUYỆN YÊN THẠCH")
    'huyện Yên Thạch'
    """
    text = " ".join(text.split())
    lowered = text.lower()
    for kind in KINDS:
        if lowered.startswith(kind + " "):
            name = text[len(kind) + 1:]
            return f"{kind} {name.title() if name.isupper() else name}"
    return text.title() if text.isupper() else text
