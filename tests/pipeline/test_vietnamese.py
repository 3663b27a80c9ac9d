"""The reviewer reads Vietnamese: every data problem extract/ records has a Vietnamese reason on the page."""
from __future__ import annotations

import pytest

from extract.facts.numbers import explain_malformed
from extract.reading.source import read_source
from extract.text.segment import _guess_problems, segment_document
from pipeline.vietnamese import PROBLEM_TITLES, problem_reason, problem_title, translate_flag_in

MALFORMED = ["7" * 5000, "abc", "99,", "10/361,8", "1,234,567", "1,2,3", "1..2", "4.0", "1.23,4.567", "1 2"]


@pytest.mark.parametrize("text", MALFORMED)
def test_every_malformed_number_has_a_vietnamese_reason(text):
    message = explain_malformed(text)
    if message is None:
        pytest.skip(f"{text!r} is a number")
    reason, known = problem_reason(message)
    assert known, message
    assert "«" in reason and not any(word in reason for word in (" has ", " is ", " digits", " contains "))


def test_the_reason_quotes_the_figure_and_suggests_the_likely_one():
    reason, _ = problem_reason(explain_malformed("1,234,567"))
    assert reason == "«1,234,567» có 2 dấu phẩy; có lẽ là «1.234.567»?"


def test_a_spaced_decimal_comma_and_an_over_long_sentence_are_explained(tmp_path):
    [guess] = _guess_problems([("274, 4", "274,4")], "đạt 274,4 triệu", 0, 12)
    assert problem_reason(guess.message) == ("dòng 12: «274, 4» có dấu cách ở dấu phẩy thập phân, đã đọc là 274,4; "
                                             "hãy xem lại bản gốc: có thể đó là một danh sách", True)
    path = tmp_path / "long.txt"
    path.write_text("Số liệu " + ", ".join(f"mục {i} đạt {i},5 tấn" for i in range(900)) + ".\n", encoding="utf-8")
    problems = [p for p in segment_document(read_source(path), "long").problems if p.code == "segment.sentence_too_long"]
    assert problems and all(problem_reason(p.message)[1] for p in problems)


@pytest.mark.parametrize("message", [
    # extract/facts/cells.py and grid.py: a column that writes decimals with '.'
    "column 'Kế hoạch' writes 3 number(s) with '.' for decimals ('12.5') where Vietnamese text uses ','; read so",
    "column 4 writes 1 number(s) with '.' for decimals ('0.75') where Vietnamese text uses ','; read so",
    "'1.250' is ambiguous: read as 1,25 since its column writes decimals with '.'; the Vietnamese way it would be another number",
])
def test_dot_decimal_columns_are_explained(message):
    reason, known = problem_reason(message)
    assert known and "dấu chấm" in reason


def test_every_problem_code_has_a_title_and_an_unknown_message_is_kept_as_written():
    assert set(PROBLEM_TITLES) >= {"number.malformed", "number.dot_decimal", "text.spaced_decimal_comma",
                                   "segment.sentence_too_long"}
    assert problem_title("new.code") == "Lỗi dữ liệu (new.code)"
    assert problem_reason("a message written since") == ("a message written since", False)
    flag = explain_malformed("99,")
    assert translate_flag_in(f"Không kiểm tra được: số in không đúng định dạng ({flag}).", flag) == \
        "Không kiểm tra được: số in không đúng định dạng («99,» kết thúc bằng dấu phân cách: thiếu chữ số)."
