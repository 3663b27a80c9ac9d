"""The Hyperscan prefilter (extract/rulebook/prefilter.py) never hides a rule that matches: the facts are
the same with and without it."""
from dataclasses import replace

import pytest

from extract.rulebook import default_rulebook
from extract.links.indicators import first_indicator
from extract.rulebook.prefilter import Prefilter
from extract.reading.source import read_source
from extract.rulebook.scan import branches_of, finditer_overlapped
from extract.text.segment import segment_document
from extract.document import process_document

from conftest import SAMPLE_TXT

hyperscan = pytest.importorskip("hyperscan")


def sample_documents(shared):
    paths = [SAMPLE_TXT, *sorted((shared / "reports").glob("*.txt"))]
    return [segment_document(read_source(path), path.stem) for path in paths]


def test_a_rule_or_branch_that_matches_a_sentence_is_always_a_candidate(shared):
    rulebook = default_rulebook()
    spans = [(d.text, s.start, s.end) for d in sample_documents(shared) for s in d.sentences]
    spans += [(case.text, 0, len(case.text)) for rule in rulebook.rules for case in rule.cases]
    skipped = skipped_branches = 0
    for text, start, end in spans:
        candidates = rulebook.prefilter.candidates(text, start, end)
        for index, rule in enumerate(rulebook.rules):
            if index not in candidates:
                skipped += 1
                found = next(finditer_overlapped(rule.pattern, text, start, end), None)
                assert found is None, (rule.code, found.group(), text[start:end])
                continue
            for position, branch in enumerate(branches_of(rule.pattern)):
                if candidates[index] is None or position in candidates[index]:
                    continue
                skipped_branches += 1
                found = branch.search(text, start, end)
                assert found is None, (rule.code, position, found.group(), text[start:end])
    assert skipped > len(spans) * len(rulebook.rules) / 2   # and it spares most of the scans
    assert skipped_branches > len(spans)                    # and most branches of the rules it scans


def test_facts_are_the_same_without_the_prefilter(shared):
    rulebook = default_rulebook()
    without = replace(rulebook, prefilter=None)
    total = 0
    for document in sample_documents(shared):
        with_it = process_document(document, rulebook, "sha").facts
        assert with_it == process_document(document, without, "sha").facts
        assert with_it, document.doc
        total += len(with_it)
    assert total > 1000   # the corpus is compared, not a handful of facts


def test_case_insensitive_vietnamese_words_are_matched_in_any_case(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLIEU_CACHE", str(tmp_path))
    prefilter = Prefilter((r"(?i:đạt|thứ)\s+\d+",))
    for text in ("ĐẠT 5", "Đạt 5", "đạt 5", "THỨ 7"):
        assert prefilter.candidates(text, 0, len(text)) == {0: None}
    assert prefilter.candidates("dat 5", 0, 5) == {}


def test_a_pattern_hyperscan_cannot_take_is_always_scanned(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLIEU_CACHE", str(tmp_path))
    prefilter = Prefilter((r"%", r"(?<=\d)\X", r"[[a-z]--[aeiou]]", r"/"))   # \X, nested set: refused
    assert set(prefilter.candidates("5 ha", 0, 4)) == {1, 2}
    assert set(prefilter.candidates("5 %", 0, 3)) == {0, 1, 2}


def test_the_database_is_cached_and_a_damaged_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLIEU_CACHE", str(tmp_path))
    Prefilter((r"\d+\s*%",)).candidates("x", 0, 1)
    [cached] = tmp_path.glob("prefilter-*.hsdb")
    assert set(Prefilter((r"\d+\s*%",)).candidates("đạt 5 %", 0, 9)) == {0}
    cached.write_bytes(b"\nnot a database")
    assert set(Prefilter((r"\d+\s*%",)).candidates("đạt 5 %", 0, 9)) == {0}
    assert cached.read_bytes() != b"\nnot a database"


def test_a_rule_cut_into_branches_scans_only_the_branches_that_may_match(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLIEU_CACHE", str(tmp_path))
    prefilter = Prefilter(((r"ngày\s\d+", r"\d+\stuổi", r"thứ\s\d+"), "%"))   # verbose sources
    assert prefilter.candidates("ngày 5, thứ 7", 0, 13) == {0: {0, 2}}
    assert prefilter.candidates("90 tuổi, 5 %", 0, 12) == {0: {1}, 1: None}


def test_the_synonym_prefilter_finds_the_same_indicator_as_searching_every_synonym(shared):
    rulebook = default_rulebook()
    indicators = rulebook.indicators
    labels = {f"{fact.label} {fact.raw}" for document in sample_documents(shared)
              for fact in process_document(document, rulebook, "sha").facts}
    labels |= {indicator.name for indicator in indicators} | {indicator.name.upper() for indicator in indicators}
    found = 0
    for label in labels:
        plain = next((i.key for i in indicators if any(p.search(label) for p in i.synonyms)), None)
        assert first_indicator(label, indicators) == plain, label
        found += plain is not None
    assert found > 300   # many labels name an indicator: the comparison is not one of empty answers


def test_the_cache_keeps_only_the_most_recently_used_databases(tmp_path, monkeypatch):
    import extract.rulebook.prefilter as prefilter_module
    from extract.rulebook.cache import KEEP
    monkeypatch.setenv("SOLIEU_CACHE", str(tmp_path))
    compiled = []
    compile_once = prefilter_module._compile
    monkeypatch.setattr(prefilter_module, "_compile", lambda *args: compiled.append(1) or compile_once(*args))
    for n in range(KEEP + 2):
        Prefilter((rf"\d+\s*ha{n}",)).candidates("5 ha", 0, 4)   # a newer entry each time ...
        Prefilter((r"\d+\s*ha",)).candidates("5 ha", 0, 4)       # ... and the first one read again
    assert len(list(tmp_path.glob("prefilter-*.hsdb"))) == KEEP
    assert len(compiled) == KEEP + 3   # the one in use was never removed, so never compiled again
