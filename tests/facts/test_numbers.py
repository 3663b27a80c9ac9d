"""The Vietnamese number grammar: exact parsing, strict refusal, and a round-trip property."""
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from extract.facts.numbers import NumberFormatError, format_vn_number, parse_vn_number, read_vn_number


@pytest.mark.parametrize("text, value", [
    ("3.640", "3640"), ("2.139.038.000", "2139038000"), ("201,922", "201.922"), ("3.915,37", "3915.37"),
    ("0,04", "0.04"), ("02", "2"), ("7,72", "7.72"), ("10.361,8", "10361.8"),
])
def test_well_formed_numbers_parse_exactly(text, value):
    assert parse_vn_number(text) == Decimal(value)


@pytest.mark.parametrize("text, reason", [
    ("1,200,000", "did you mean '1.200.000'"),
    ("99,", "ends with a separator"),
    ("4.0", "exactly three digits"),
    ("1.23.456", "exactly three digits"),
    ("12.3456", "exactly three digits"),
])
def test_malformed_numbers_are_refused_with_a_reason(text, reason):
    with pytest.raises(NumberFormatError, match=reason):
        parse_vn_number(text)


def test_printed_precision_is_kept():
    assert read_vn_number("75,0").decimals == 1
    assert read_vn_number("3.640").decimals == 0


@given(st.decimals(min_value=0, max_value=Decimal("1e15"), places=3, allow_nan=False, allow_infinity=False),
       st.integers(min_value=0, max_value=3))
def test_any_vietnamese_number_parses_back_to_itself(value, decimals):
    text = format_vn_number(value, decimals)
    assert parse_vn_number(text) == Decimal(text.replace(".", "").replace(",", "."))
    assert format_vn_number(parse_vn_number(text), decimals) == text
