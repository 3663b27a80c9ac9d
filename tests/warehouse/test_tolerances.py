"""How far rounding may have moved a printed figure (facts.value_tolerance) follows the kind its unit
has in rules/lexicon.toml: a unit added there alone gets the tolerance of its kind, with no code change."""
import shutil

import pytest

from extract.document import process_document
from extract.facts.engine import document_from_text
from extract.rulebook import RULES_DIR, load_rulebook
from warehouse.load import fact_rows


@pytest.fixture()
def rules(tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(RULES_DIR, copy)
    return copy


def add_unit(rules, unit: str, kind: str, form: str) -> None:
    with open(rules / "lexicon.toml", "a", encoding="utf-8") as lexicon:
        lexicon.write(f'\n[[units]]\nunit = "{unit}"\nkind = "{kind}"\nforms = ["{form}"]\n'
                      f'examples = ["12 {form} = 12 {form}"]\n')


def tolerances(text: str, rules) -> dict[str, tuple]:
    """raw -> (unit, unit_kind, value_tolerance) of each fact of `text`, as the warehouse stores them."""
    processed = process_document(document_from_text(text), load_rulebook(rules), "0" * 64)
    columns = fact_rows(processed, "test")
    return {raw: (unit, kind, tolerance) for raw, unit, kind, tolerance
            in zip(columns["raw"], columns["unit"], columns["unit_kind"], columns["value_tolerance"])}


def test_a_measure_added_to_the_lexicon_is_rounded_to_its_last_digit(rules):
    add_unit(rules, "MW", "energy", "MW")
    facts = tolerances("Tổng công suất các nhà máy thủy điện đạt 12 MW.", rules)
    assert facts["12 MW"] == ("MW", "energy", 0.5)


def test_a_counting_noun_added_to_the_lexicon_is_exact(rules):
    add_unit(rules, "count", "count", "tua bin")
    facts = tolerances("Đã lắp đặt 12 tua bin gió trên địa bàn.", rules)
    assert facts["12 tua bin"] == ("tua bin", "count", 0.0)


def test_the_same_noun_as_a_measure_is_rounded(rules):
    add_unit(rules, "tua bin", "energy", "tua bin")
    facts = tolerances("Đã lắp đặt 12 tua bin gió trên địa bàn.", rules)
    assert facts["12 tua bin"] == ("tua bin", "energy", 0.5)


def test_decimals_and_scale_words_are_rounded_whatever_the_kind(rules):
    add_unit(rules, "count", "count", "tua bin")
    facts = tolerances("Đã lắp đặt 2,5 nghìn tua bin gió và 3.915 tấn thép.", rules)
    assert facts["2,5 nghìn tua bin"] == ("tua bin", "count", 50.0)
    assert facts["3.915 tấn"] == ("tấn", "mass", 0.5)


def test_a_rate_is_a_measurement(rules):
    facts = tolerances("Thu nhập bình quân đạt 45 triệu đồng/ha.", rules)
    assert facts["45 triệu đồng/ha"] == ("VND/ha", "rate", 500000.0)
