"""The change words of rules/lexicon.toml ([[changes]]): the {change} placeholder matches each form, and
the fact records the direction the lexicon gives it; a word added there alone is picked up."""
import shutil

import pytest
import regex

from extract.facts.engine import extract_from_text
from extract.rulebook import RULES_DIR, default_rulebook, load_rulebook

LEXICON = default_rulebook().lexicon


@pytest.mark.parametrize("form, change", sorted(LEXICON.changes.items()))
def test_each_change_word_is_matched_and_read(form, change):
    assert regex.fullmatch(LEXICON.pieces["change"], form)
    facts, _ = extract_from_text(f"Số hộ nghèo {form} 120 hộ.")
    assert [(f.raw, f.change) for f in facts] == [(f"{form} 120 hộ", change)]


def test_a_change_word_added_to_the_lexicon_is_picked_up(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    lexicon = rules / "lexicon.toml"
    lexicon.write_text(lexicon.read_text(encoding="utf-8").replace(
        'forms = ["tăng", "tăng thêm"]', 'forms = ["tăng", "tăng thêm", "tăng lên"]'), encoding="utf-8")
    assert [f.change for f in extract_from_text("Tổng vốn tăng lên 12 tỷ đồng.")[0]] == [None]
    facts, _ = extract_from_text("Tổng vốn tăng lên 12 tỷ đồng.", load_rulebook(rules))
    assert [(f.raw, f.change) for f in facts] == [("tăng lên 12 tỷ đồng", "increase")]
