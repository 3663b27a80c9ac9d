"""The reviewer's words: Vietnamese for what the warehouse records in English or in codes.

The pages (pipeline/report.py, pipeline/index.py) are in Vietnamese; the data problems that reading
records (`problems.message`, `facts.flag`) are English sentences written by extract/, and the codes
(CK10, VA01, [6397:6408]) mean nothing to a reader without a legend. Everything here is wording only.
"""
from __future__ import annotations

import re

# ---------------------------------------------------------------- data problems

PROBLEM_TITLES = {
    "number.malformed": "Số in sai định dạng",
    "number.dot_decimal": "Dấu thập phân viết bằng dấu chấm",
    "text.spaced_decimal_comma": "Dấu cách ở dấu phẩy thập phân",
    "segment.sentence_too_long": "Câu quá dài, đã bị cắt",
}

_Q = r"'(?P<{}>(?:[^'\\]|\\.)*)'|\"(?P<{}_dq>(?:[^\"\\]|\\.)*)\""   # a Python repr of a string


def _quoted(name: str) -> str:
    return "(?:" + _Q.format(name, name) + ")"


# (pattern over the English message, Vietnamese with the named groups filled in); the English is
# written by extract/facts/numbers.py (explain_malformed), extract/facts/cells.py, grid.py and
# extract/text/segment.py. tests/pipeline/test_vietnamese.py feeds each of them through.
PROBLEM_MESSAGES = [
    (rf"{_quoted('t')} has (?P<n>\d+) digits: no report prints a figure that long",
     "«{t}» có {n} chữ số: không báo cáo nào in số dài như vậy"),
    (rf"{_quoted('t')} does not start with a digit", "«{t}» không bắt đầu bằng chữ số"),
    (rf"{_quoted('t')} ends with a separator; a digit is missing",
     "«{t}» kết thúc bằng dấu phân cách: thiếu chữ số"),
    (rf"{_quoted('t')} contains characters other than digits, '\.' and ','",
     "«{t}» có ký tự khác ngoài chữ số, dấu chấm và dấu phẩy"),
    (rf"{_quoted('t')} has (?P<n>\d+) ',' marks; did you mean {_quoted('s')}\?",
     "«{t}» có {n} dấu phẩy; có lẽ là «{s}»?"),
    (rf"{_quoted('t')} has (?P<n>\d+) ',' marks", "«{t}» có {n} dấu phẩy"),
    (rf"{_quoted('t')} has two separators in a row", "«{t}» có hai dấu phân cách liền nhau"),
    (rf"{_quoted('t')}: '\.' groups thousands and must be followed by exactly three digits",
     "«{t}»: dấu chấm ngăn cách hàng nghìn phải có đúng ba chữ số theo sau"),
    (rf"{_quoted('t')}: '\.' groups must have exactly three digits and come before the ','",
     "«{t}»: mỗi nhóm sau dấu chấm phải có đúng ba chữ số và đứng trước dấu phẩy"),
    (rf"{_quoted('t')} is not a number", "«{t}» không phải là một số"),
    (rf"column {_quoted('c')} writes (?P<n>\d+) number\(s\) with '\.' for decimals \({_quoted('f')}\) "
     r"where Vietnamese text uses ','; read so",
     "cột «{c}» viết {n} số với dấu chấm thập phân («{f}») thay vì dấu phẩy như văn bản tiếng Việt; "
     "đã đọc theo dấu chấm"),
    (rf"column (?P<c>\d+) writes (?P<n>\d+) number\(s\) with '\.' for decimals \({_quoted('f')}\) "
     r"where Vietnamese text uses ','; read so",
     "cột {c} viết {n} số với dấu chấm thập phân («{f}») thay vì dấu phẩy như văn bản tiếng Việt; "
     "đã đọc theo dấu chấm"),
    (rf"{_quoted('t')} is ambiguous: read as (?P<r>\S+) since its column writes decimals with '\.'; "
     r"the Vietnamese way it would be another number",
     "«{t}» có hai cách đọc: đã đọc là {r} vì cột của nó viết phần thập phân sau dấu chấm; "
     "đọc theo cách Việt Nam sẽ ra một số khác"),
    (r"line (?P<l>\d+): '(?P<p>[^']*)' printed with a space at the decimal comma, read as (?P<r>.+?); "
     r"check the source: it may be a list",
     "dòng {l}: «{p}» có dấu cách ở dấu phẩy thập phân, đã đọc là {r}; hãy xem lại bản gốc: có thể đó là "
     "một danh sách"),
    (r"a sentence of (?P<n>\d+) characters \(prose is under 1 000\) was cut into (?P<k>\d+) pieces of at most "
     r"(?P<m>\d+): a figure across a cut is lost; the text is likely a table or data pasted as one line",
     "một câu dài {n} ký tự (văn xuôi thường dưới 1.000) đã bị cắt thành {k} đoạn, mỗi đoạn tối đa {m} ký tự: "
     "số nằm ngay chỗ cắt bị mất; có lẽ đây là một bảng hoặc dữ liệu dán thành một dòng"),
]
_PROBLEM_PATTERNS = [(re.compile(pattern, re.S), text) for pattern, text in PROBLEM_MESSAGES]


def problem_title(code: str) -> str:
    """The kind of a data problem in Vietnamese; an unknown code shows as itself.

    >>> problem_title("number.malformed"), problem_title("brand.new")
    ('Số in sai định dạng', 'Lỗi dữ liệu (brand.new)')
    """
    return PROBLEM_TITLES.get(code, f"Lỗi dữ liệu ({code})")


def problem_reason(message: str | None) -> tuple[str, bool]:
    """(Vietnamese reason, True) for a message extract/ writes; (the message as written, False) otherwise.

    >>> problem_reason("'99,' ends with a separator; a digit is missing")
    ('«99,» kết thúc bằng dấu phân cách: thiếu chữ số', True)
    >>> problem_reason("something new")
    ('something new', False)
    """
    text = message or ""
    for pattern, vietnamese in _PROBLEM_PATTERNS:
        m = pattern.fullmatch(text)
        if m:
            groups = {k.removesuffix("_dq"): unrepr(v) for k, v in m.groupdict().items() if v is not None}
            return vietnamese.format(**groups), True
    return text, False


def unrepr(text: str) -> str:
    r"""The string a repr() quoted, for the few escapes it adds.

    >>> unrepr("it\\'s")
    "it's"
    """
    return re.sub(r"\\(['\"\\])", r"\1", text)


def translate_flag_in(message: str | None, flag: str | None) -> str:
    """A check's message with the English reason of a malformed figure (facts.flag) put in Vietnamese.

    >>> translate_flag_in("Không kiểm tra được: số in không đúng định dạng ('99,' ends with a separator; "
    ...                   "a digit is missing).", "'99,' ends with a separator; a digit is missing")
    'Không kiểm tra được: số in không đúng định dạng («99,» kết thúc bằng dấu phân cách: thiếu chữ số).'
    """
    message = message or ""
    if flag and flag in message:
        reason, known = problem_reason(flag)
        if known:
            return message.replace(flag, reason)
    return message


# ---------------------------------------------------------------- the legend

CHECKS_EXPLAINED = {
    "CK01": "tỷ lệ % in ra phải bằng tỷ lệ tính lại từ số thực hiện và kế hoạch (hoặc mức tăng, giảm so với kỳ trước) in cùng chỗ",
    "CK02": "tỷ lệ % in không kèm kế hoạch: tìm kế hoạch nêu ở chỗ khác trong báo cáo rồi tính lại",
    "CK10": "tổng in ra phải bằng tổng các phần liệt kê cho nó (gồm, trong đó, trong ngoặc, chú thích, dòng con của biểu)",
    "CK11": "các tỷ trọng của một cơ cấu phải cộng lại 100%",
    "CK15": "số kỳ này, mức tăng, giảm và số kỳ trước in cạnh nhau phải khớp nhau",
    "CK20": "cùng một chỉ tiêu in ở hai nơi (văn bản và biểu phụ lục, hoặc hai câu) phải cùng số: không tính lại gì, chỉ so hai số in",
    "CK30": "nhãn đánh giá của biểu (Đạt, Vượt, Không đạt) phải khớp với kế hoạch và số thực hiện của dòng",
    "CK35": "số đếm phải khớp với số mục được liệt kê, hoặc với số dòng của biểu mang nhãn đó",
    "CK40": "mức tăng so với cùng kỳ, tính lại từ báo cáo kỳ trước của cùng địa phương trong kho",
    "CK90": "tỷ lệ không tính lại được vì báo cáo không nêu đủ số; không bao giờ là lỗi",
}

RULE_FAMILIES = {
    "VA": "một số liệu có đơn vị",
    "RT": "một tỷ lệ % kèm số thực hiện, kế hoạch hoặc cả hai",
    "FR": "một phân số thực hiện/kế hoạch (X/Y)",
    "PC": "một tỷ lệ %",
    "CH": "một mức tăng, giảm so với kỳ trước",
    "SH": "một tỷ trọng trong một cơ cấu",
    "MF": "một số in sai định dạng",
    "TB01": "một dòng của biểu phụ lục",
    "TB02": "một ô của bảng",
    "TB03": "một ô chênh lệch của bảng",
    "TB": "một ô hoặc dòng của bảng",
}


def explain_check(code: str | None, title: str | None = None) -> str:
    """What a check code tests, in Vietnamese; a check written since falls back to its type's title.

    >>> explain_check("CK11"), explain_check("CK77", "Khó tin")
    ('các tỷ trọng của một cơ cấu phải cộng lại 100%', 'Khó tin')
    """
    return CHECKS_EXPLAINED.get(code or "", title or "")


def explain_rule(code: str | None) -> str:
    """What kind of figure a rule code reads: its family (the letters before the number).

    >>> explain_rule("VA01"), explain_rule("TB01"), explain_rule("RT09"), explain_rule("ZZ01")
    ('một số liệu có đơn vị', 'một dòng của biểu phụ lục', 'một tỷ lệ % kèm số thực hiện, kế hoạch hoặc cả hai', '')
    """
    code = code or ""
    return RULE_FAMILIES.get(code) or RULE_FAMILIES.get(re.sub(r"\d+$", "", code), "")


# ---------------------------------------------------------------- numbers and decisions

# What a check's `computed` is, by check type: recomputed ("Tính lại") only where something was computed.
COMPUTED_LABELS = {"cross": "Số in ở nơi khác", "label": "Kế hoạch", "count": "Số mục đếm được"}
REPORTED_LABELS = {"label": "Số thực hiện", "count": "Số ghi"}


def computed_label(check_type: str) -> str:
    """'Tính lại' for a number the check computed; what it is for the checks that compare printed numbers.

    >>> computed_label("percent"), computed_label("cross")
    ('Tính lại', 'Số in ở nơi khác')
    """
    return COMPUTED_LABELS.get(check_type, "Tính lại")


def reported_label(check_type: str) -> str:
    return REPORTED_LABELS.get(check_type, "Số in")


REVIEWS = {"confirmed": "Lỗi thật", "false_alarm": "Báo nhầm", "explained": "Có giải thích"}
REVIEWS_EXPLAINED = {"confirmed": "số liệu sai thật, báo cáo cần sửa",
                     "false_alarm": "phép kiểm tra sai: số liệu không có lỗi",
                     "explained": "có chênh lệch thật nhưng báo cáo đã giải thích (ghi chú nói vì sao)"}
# v_reviews.state: what became of a decision's claim since; said per decision on the page
STATES = {"fixed": "đã sửa", "unchanged": "vẫn còn", "changed": "số liệu đã đổi từ khi đánh giá: xem lại",
          "gone": "nhận định không còn trong báo cáo"}


def describe_state(review: str | None, state: str | None) -> str:
    """The words beside a stored decision: a confirmed error is 'đã sửa' or 'vẫn còn'; any decision
    whose numbers moved asks to look again.

    >>> describe_state("confirmed", "unchanged"), describe_state("false_alarm", "unchanged")
    ('vẫn còn', '')
    >>> describe_state("explained", "fixed"), describe_state("false_alarm", "changed")
    ('đã sửa', 'số liệu đã đổi từ khi đánh giá: xem lại')
    """
    if state == "unchanged":
        return STATES["unchanged"] if review == "confirmed" else ""
    return STATES.get(state or "", "")
