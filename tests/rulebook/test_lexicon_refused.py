"""lexicon.toml and tables.toml are refused, with file and line, when a unit has no examples or a kind
the lexicon does not define, or when the annex rows have no rule code of their own."""
import shutil

import pytest

from extract.rulebook import RULES_DIR, RulebookError, load_rulebook


@pytest.fixture()
def rules(tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(RULES_DIR, copy)
    return copy


def edit(path, old: str, new: str) -> None:
    source = path.read_text(encoding="utf-8")
    assert old in source, f"{path.name} no longer holds {old!r}: update the test"
    path.write_text(source.replace(old, new, 1), encoding="utf-8")


def line_of(path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def refused(rules) -> list[str]:
    with pytest.raises(RulebookError) as raised:
        load_rulebook(rules)
    return raised.value.problems


def header_above(path, text: str) -> int:
    """Line of the [[units]] header of the entry holding `text`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return max(n for n, line in enumerate(lines[:line_of(path, text)], 1) if line.strip() == "[[units]]")


def test_a_unit_without_examples_or_with_an_unknown_kind_is_refused(rules):
    lexicon = rules / "lexicon.toml"
    edit(lexicon, 'examples = ["1.250 kg = 1250 kg"]\n', "")
    edit(lexicon, 'kind = "volume"\nforms = ["lít"]', 'kind = "liquid"\nforms = ["lít"]')
    kg, litre = header_above(lexicon, 'forms = ["kg"]'), header_above(lexicon, 'forms = ["lít"]')
    problems = refused(rules)
    assert f"lexicon.toml:{kg}: unit 'kg' needs examples" in " ".join(problems)
    assert any(p.startswith(f"lexicon.toml:{litre}: unit 'lít' has unknown kind 'liquid'") for p in problems), problems
    assert len(problems) == 2, problems


def test_a_malformed_example_or_kind_is_refused(rules):
    lexicon = rules / "lexicon.toml"
    edit(lexicon, '"55 tạ = 55 tạ"', '"55 tạ"')
    edit(lexicon, "count      = { exact = true }", 'count      = { exact = "yes" }')
    problems = refused(rules)
    assert any("unit 'tạ' example '55 tạ' does not read" in p for p in problems), problems
    assert f"lexicon.toml:{line_of(lexicon, 'count      =')}: kind 'count' needs" in " ".join(problems)


def test_units_of_one_name_must_agree_on_their_kind(rules):
    edit(rules / "lexicon.toml", 'unit = "USD"\nkind = "money"', 'unit = "VND"\nkind = "count"')
    assert any("unit 'VND' is of kind 'count' here but 'money'" in p for p in refused(rules))


def test_the_annex_rows_need_a_code_of_their_own(rules):
    tables = rules / "tables.toml"
    edit(tables, 'code = "TB01"', 'code = "VA01"')
    assert refused(rules) == [f"tables.toml:{line_of(tables, 'code = ')}: code 'VA01' of the annex rows is "
                              "also the code of VA01_value.toml"]
    edit(tables, 'code = "VA01"', "")
    assert any(p.startswith("tables.toml:1: `code`") for p in refused(rules))
