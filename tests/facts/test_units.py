"""rules/lexicon.toml: every [[units]] entry's examples, read by the number grammar and the unit lookup.

An example reads "<number> <printed unit> = <value in base units> <facts.unit>": "201,922 tỷ đồng =
201922000000 VND" says that the {num} and {unit} placeholders match it, that parse_vn_number reads
201,922, that lookup_unit finds this entry (its kind) with a scale of 10⁹, and that the fact's unit is VND.
"""
from decimal import Decimal

import pytest
import regex

from extract.facts.numbers import parse_vn_number
from extract.facts.units import SPACES, display_unit, lookup_unit
from extract.rulebook import default_rulebook
from extract.rulebook.load import UNIT_EXAMPLE

LEXICON = default_rulebook().lexicon
EXAMPLES = [pytest.param(entry, example, id=f"lexicon.toml:{entry.line} {entry.unit}: {example.split(' = ')[0]}")
            for entry in LEXICON.entries for example in entry.examples]


def printed_form(printed: str) -> str:
    """The unit's own form in a printed unit, without a leading scale word: 'nghìn tấn' -> 'tấn'."""
    text = SPACES.sub(" ", printed.strip()).lower()
    for scale in sorted(LEXICON.scales, key=len, reverse=True):
        if text.startswith(scale) and text[len(scale):].strip() and text not in LEXICON.units:
            return text[len(scale):].strip()
    return text


def test_every_unit_entry_has_examples():
    assert LEXICON.entries and all(entry.examples for entry in LEXICON.entries)


@pytest.mark.parametrize("entry, example", EXAMPLES)
def test_unit_example(entry, example):
    m = UNIT_EXAMPLE.fullmatch(example)
    assert m, f"{example!r} does not read '<number> <printed unit> = <value> <unit>'"
    number, printed = m.group("number"), m.group("printed")
    assert regex.fullmatch(LEXICON.pieces["num"], number), f"{{num}} does not match {number!r}"
    if entry.kind != "percent":   # a percent sign is matched by the rules themselves, not by {unit}
        assert regex.fullmatch(LEXICON.pieces["unit"], printed), f"{{unit}} does not match {printed!r}"
    assert printed_form(printed) in {form.lower() for form in entry.forms}, \
        f"{printed!r} is not one of this entry's forms {entry.forms} (after a scale word)"
    found = lookup_unit(printed, LEXICON)
    assert found.kind == entry.kind
    assert parse_vn_number(number) * found.scale == Decimal(m.group("value")), f"scale {found.scale}"
    assert display_unit(printed, LEXICON) == m.group("unit")


def test_a_unit_per_another_is_a_rate_unless_the_lexicon_names_it():
    assert lookup_unit("triệu đồng/ha", LEXICON).kind == LEXICON.per_kind
    assert lookup_unit("hộ/năm", LEXICON).kind == LEXICON.per_kind
    assert lookup_unit("triệu đồng/người/năm", LEXICON).kind == "money_rate"   # an entry: đồng/người/năm
    assert not LEXICON.is_exact(LEXICON.per_kind)


def test_a_unit_the_lexicon_does_not_know_has_no_kind():
    assert lookup_unit("MW", LEXICON).kind is None
    assert LEXICON.is_exact(None) is LEXICON.unknown_exact
