"""Compiled rule patterns kept between runs (extract/rulebook/patterns.py): served only for the same sources."""
import shutil

import regex

from extract.facts.engine import extract_facts
from extract.reading.source import read_source
from extract.rulebook import RULES_DIR, load_rulebook
from extract.rulebook.scan import branches_of
from extract.text.segment import segment_document

from conftest import SAMPLE_TXT


def compiles_during(monkeypatch, load):
    """What `load()` returns in a process that has compiled nothing yet, and the sources regex.compile
    parsed meanwhile."""
    regex.purge()
    branches_of.cache_clear()
    parsed, compile = [], regex.compile
    monkeypatch.setattr(regex, "compile", lambda source, flags=0, **kw: parsed.append(source) or compile(source, flags, **kw))
    try:
        return load(), parsed
    finally:
        monkeypatch.setattr(regex, "compile", compile)


def facts_of(rulebook):
    document = segment_document(read_source(SAMPLE_TXT), SAMPLE_TXT.stem)
    return extract_facts(document, rulebook)


def test_a_second_load_is_served_from_the_kept_patterns_and_finds_the_same_facts(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLIEU_CACHE", str(tmp_path))
    first, parsed_first = compiles_during(monkeypatch, load_rulebook)
    [kept] = tmp_path.glob("patterns-*.pickle")
    second, parsed_second = compiles_during(monkeypatch, load_rulebook)
    assert len(parsed_first) > 100 and parsed_second == []
    assert [(r.code, r.pattern.pattern, r.pattern.flags, r.pattern.groupindex) for r in first.rules] == \
           [(r.code, r.pattern.pattern, r.pattern.flags, r.pattern.groupindex) for r in second.rules]
    assert facts_of(first) == facts_of(second)
    assert list(tmp_path.glob("patterns-*.pickle")) == [kept]


def test_an_edited_rule_is_compiled_anew_and_a_damaged_entry_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLIEU_CACHE", str(tmp_path / "cache"))
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    load_rulebook(rules)
    path = next(rules.glob("RT01_*.toml"))
    path.write_text(path.read_text(encoding="utf-8").replace("pattern  = '''", "pattern  = '''\nkhôngbaogiờcó", 1),
                    encoding="utf-8")
    edited, parsed = compiles_during(monkeypatch, lambda: load_rulebook(rules))
    assert any("khôngbaogiờcó" in source for source in parsed)
    assert "khôngbaogiờcó" in edited.rule("RT01").pattern.pattern
    assert len(list((tmp_path / "cache").glob("patterns-*.pickle"))) == 2   # the old rule set keeps its own

    for entry in (tmp_path / "cache").glob("patterns-*.pickle"):
        entry.write_bytes(b"\x80\x05not a pickle")
    rebuilt, parsed = compiles_during(monkeypatch, lambda: load_rulebook(rules))
    assert len(parsed) > 100 and facts_of(rebuilt) == facts_of(edited)
    _, parsed = compiles_during(monkeypatch, lambda: load_rulebook(rules))
    assert parsed == []
