"""The words before a figure that say what it measures: its label."""
from __future__ import annotations

import regex

from extract.text.normalize import SUPERSCRIPT_DIGITS

SPACES = regex.compile(r"\s+")
# Where a label's clause starts: punctuation, brackets, a dash, "…, trong đó", a percent before it.
# Characters before a figure searched for its label: far more than a clause. Searching back to the
# sentence start made a sentence of n figures cost n² (a 1 MB line of figures never finished).
LABEL_WINDOW = 2000
CLAUSE_CUT = regex.compile(r"[;:.!?]\s|\(|\)|\s[-–]\s|,\s(?=(?:trong\s+đó|gồm|bao\s+gồm)\b)|\d\s*%")
PARENTHETICAL = regex.compile(r"\s*\([^()]*\)")
DATE_OR_YEAR = regex.compile(r"\b(?:ngày\s+)?\d{1,2}/\d{1,2}/\d{4}\b|\bnăm\s+\d{4}\b")
SUPERSCRIPT_RUN = regex.compile(rf"[{SUPERSCRIPT_DIGITS}]+")
# Verbs and connectives trimmed from the end of a label: "thu ngân sách đạt" -> "thu ngân sách".
LABEL_TAIL = regex.compile(
    r"(?:\s+|^)(?:ước\s+(?:đạt|thực\s+hiện|tính)|thực\s+hiện\s+(?:đạt|được)|đạt\s+được|đạt|bằng|là|được|có|"
    r"thực\s+hiện|ước|với|tổng\s+số|gồm|khoảng|hơn|gần|trên|dưới|của|cho|tới|đến|còn|chiếm|tăng|giảm|"
    r"số\s+tiền|kinh\s+phí|trị\s+giá|với\s+tổng\s+số\s+tiền|tổng\s+cộng|và|hiện\s+có)[\s:,]*$", regex.I)
LABEL_HEAD = regex.compile(r"^(?:[-–+•]\s*|\(|trong\s+đó[:,]?\s*|gồm[:,]?\s*|bao\s+gồm[:,]?\s*|và\s+|"
                           r"(?:ước\s+|dự\s+ước\s+)?(?:tính\s+)?đến(?:\s+nay|\s+ngày)?,?\s+|hiện\s+nay,?\s+|"
                           r"\d{1,2}(?:\.\d{1,2})*\.\s+|[a-zđ]\)\s+)+", regex.I)



def derive_label(text: str, start: int, floor: int) -> str | None:
    """The words before a figure that say what it measures, within its clause.

    >>> derive_label("Ước đến 31/12/2023 thu ngân sách đạt 201,922/260", 37, 0)
    'thu ngân sách'
    >>> derive_label("Tổng sản lượng lương thực có hạt năm 2023 ước đạt: 3.915,37/3.803 tấn", 51, 0)
    'Tổng sản lượng lương thực có hạt'
    """
    before = _drop_parentheticals(text[max(floor, start - LABEL_WINDOW):start])
    cuts = [0] + [m.end() for m in CLAUSE_CUT.finditer(before)]
    label = None
    for clause_start in reversed(cuts):  # an empty clause ("ước đạt: 3.915") falls back to the one before
        label = _clean_label(before[clause_start:])
        if label:
            break
    return label


def _drop_parentheticals(text: str) -> str:
    """'Tổng vốn năm 2023 (bao gồm cả vốn kéo dài) là' -> 'Tổng vốn năm 2023 là' (closed brackets only)."""
    previous = None
    while previous != text and "(" in text:
        previous, text = text, PARENTHETICAL.sub("", text)
    return text


def _clean_label(clause: str) -> str | None:
    clause = DATE_OR_YEAR.sub(" ", clause)
    clause = SUPERSCRIPT_RUN.sub("", clause)
    clause = SPACES.sub(" ", clause).strip(" ,;:-–")
    for _ in range(4):
        trimmed = LABEL_TAIL.sub("", clause).strip(" ,;:-–")
        trimmed = LABEL_HEAD.sub("", trimmed).strip(" ,;:-–")
        if trimmed == clause:
            break
        clause = trimmed
    # After a comma a new subject of three words or more starts ("…đầu năm, tổng diện tích trồng rừng").
    head, _, tail = clause.rpartition(", ")
    if head and len(tail.split()) >= 3:
        clause = tail
    words = clause.split()
    if len(words) > 14:
        clause = " ".join(words[:14])
    return clause or None

