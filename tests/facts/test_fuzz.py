"""Property tests over arbitrary text: the number grammar and the rule engine never raise on input,
and every fact's `raw` is exactly its span of the text.

CI runs 200 examples per property; `make fuzz` runs many more (SOLIEU_FUZZ_EXAMPLES) with the
same properties. Text mixes report fragments (numbers, units, đạt/bằng, %, /, KH) with what
reports should never hold but files sometimes do: combining marks, right-to-left text and
controls, emoji, NUL and other controls, and very long runs of digits, dots and commas.
"""
from __future__ import annotations

import os
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.rulebook import default_rulebook
from extract.facts.engine import document_from_text, extract_from_text
from extract.facts.numbers import NumberFormatError, format_vn_number, read_vn_number
from extract.reading.errors import ReadError
from extract.reading.text import decode_text
from extract.document import process_document

EXAMPLES = int(os.environ.get("SOLIEU_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FRAGMENTS = ["đạt", "bằng", "ước đạt", "tăng", "giảm", "so với cùng kỳ", "KH", "dự toán", "kế hoạch", "tỷ đồng",
             "triệu đồng", "ha", "tấn", "con", "người", "%", "/", "(", ")", ";", ":", ",", ".", " ", "\n", "\t",
             "\f", "năm 2023", "gồm", "trong đó", "- ", "a)", "I.", "¹", "²", "m³", "≥", "≤", "–",
             "\u0301", "\u0323", "\u0309",                 # combining tone marks, detached
             "مرحبا 123", "\u202e", "\u200f", "\u200b",    # right-to-left text and marks, zero width space
             "🙂", "👨‍👩‍👧", "\U0001f1fb\U0001f1f3",                # emoji, a family, a flag
             "\x00", "\x07", "\ufeff", "\ufffd", "\ud7ff"]
numbers = st.from_regex(r"\A\d{1,4}(?:[.,]\d{1,4}){0,3}\Z", fullmatch=True)
digit_runs = st.text(alphabet="0123456789.,", min_size=30, max_size=3000)
report_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), numbers, digit_runs, st.text(max_size=20)),
                       max_size=60).map("".join)


@FUZZ
@given(st.one_of(st.text(max_size=40), st.text(alphabet="0123456789.,", max_size=40)))
def test_a_number_is_read_or_refused_with_a_reason(text):
    try:
        number = read_vn_number(text)
    except NumberFormatError as exc:
        assert str(exc)
        return
    assert number.value >= 0 and number.decimals >= 0


@FUZZ
@given(st.integers(min_value=0, max_value=10**15), st.integers(min_value=0, max_value=4))
def test_a_written_number_reads_back(integer, decimals):
    value = Decimal(integer).scaleb(-decimals)
    written = format_vn_number(value, decimals)
    assert read_vn_number(written).value == value


@FUZZ
@given(st.one_of(st.binary(max_size=400),
                 st.tuples(report_text, st.sampled_from(["utf-8", "utf-16", "utf-16-le", "cp1258", "utf-32"]))
                 .map(lambda pair: pair[0].encode(pair[1], errors="replace"))))
def test_any_bytes_decode_to_text_or_are_refused_with_a_reason(data):
    try:
        text, encoding = decode_text(data)
    except ReadError as exc:
        assert ": " in str(exc)   # <problem>: <what to do>
        return
    assert isinstance(text, str) and encoding


@FUZZ
@given(report_text)
def test_the_rules_never_raise_and_raw_is_the_span(text):
    facts, problems = extract_from_text(text, default_rulebook())
    for fact in facts:
        assert text[fact.char_start:fact.char_end] == fact.raw
    for problem in problems:
        assert problem.message


@FUZZ
@given(report_text)
def test_the_whole_document_stage_never_raises_and_raw_is_the_span(text):
    document = document_from_text(text, "fuzz")
    processed = process_document(document, default_rulebook(), "0" * 64)
    for fact in processed.facts:
        assert document.text[fact.char_start:fact.char_end] == fact.raw
