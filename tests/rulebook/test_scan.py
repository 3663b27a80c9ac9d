"""Branch-by-branch scanning (extract/rulebook/scan.py) finds exactly what the whole pattern finds."""
import pytest
import regex

from extract.rulebook import default_rulebook
from extract.reading.source import read_source
from extract.rulebook.scan import branches_of, finditer_overlapped, split_alternatives
from extract.text.segment import segment_document

from conftest import SAMPLE_TXT


def matches(found) -> list[tuple]:
    """Span and named groups that took part (a lone branch's match lacks the other branches' groups)."""
    return [(m.span(), {k: v for k, v in m.groupdict().items() if v is not None}) for m in found]


def test_every_rule_on_every_sentence_of_the_sample_and_every_rule_example():
    rulebook = default_rulebook()
    document = segment_document(read_source(SAMPLE_TXT), "sample")
    spans = [(document.text, s.start, s.end) for s in document.sentences]
    spans += [(case.text, 0, len(case.text)) for rule in rulebook.rules for case in rule.cases]
    assert any(branches_of(rule.pattern) for rule in rulebook.rules)   # the non-fact rules are alternations
    for rule in rulebook.rules:
        for text, start, end in spans:
            whole = matches(rule.pattern.finditer(text, start, end, overlapped=True))
            assert matches(finditer_overlapped(rule.pattern, text, start, end)) == whole, (rule.code, text[start:end])


@pytest.mark.parametrize("source", [r"(a)|\1", r"a|(?i)b", r"(?R)|x", r"a(*SKIP)b|c", "abc"])
def test_patterns_whose_branches_depend_on_each_other_are_scanned_whole(source):
    assert branches_of(regex.compile(source)) == ()


def test_leading_flags_of_the_whole_pattern_stay_on_each_branch():
    pattern = regex.compile(r"(?i)đạt\s\d|(?<=\s)TỶ")
    assert [b.pattern for b in branches_of(pattern)] == [r"(?i)đạt\s\d", r"(?i)(?<=\s)TỶ"]
    text = "ĐẠT 5 tỷ và Đạt 7"
    assert matches(finditer_overlapped(pattern, text, 0, len(text))) == matches(
        pattern.finditer(text, overlapped=True))
    assert len(matches(pattern.finditer(text, overlapped=True))) == 3


def test_sets_groups_and_escapes_hide_their_bars():
    assert split_alternatives(r"[|]a|\|b|(?:c|d)|[[x|y]--[y]]e", verbose=False) == [r"[|]a", r"\|b", "(?:c|d)",
                                                                                  "[[x|y]--[y]]e"]
    assert split_alternatives("[]|]a|b", verbose=False) == ["[]|]a", "b"]
