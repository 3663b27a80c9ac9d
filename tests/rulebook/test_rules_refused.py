"""Broken rule files are refused before anything is read: every problem listed at once with its
file and line, exit 2, the warehouse untouched. Each test breaks a copy of rules/ in tmp."""
from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

from extract.rulebook import RULES_DIR

from conftest import SAMPLE_TXT, run_cli


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def edit(path: Path, old: str, new: str) -> None:
    source = path.read_text(encoding="utf-8")
    assert old in source, f"{path.name} no longer holds {old!r}: update the test"
    path.write_text(source.replace(old, new, 1), encoding="utf-8")


def fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture()
def rules(tmp_path) -> Path:
    copy = tmp_path / "rules"
    shutil.copytree(RULES_DIR, copy)
    return copy


@pytest.fixture()
def warehouse(tmp_path, sample_warehouse) -> Path:
    copy = tmp_path / "wh" / "w.duckdb"
    copy.parent.mkdir()
    shutil.copy(sample_warehouse, copy)
    return copy


def refuse(rules: Path, warehouse: Path) -> list[str]:
    """Ingest with the broken rules; assert it is refused without touching the warehouse folder."""
    before = fingerprint(warehouse.parent)
    result = run_cli("ingest", str(SAMPLE_TXT), "--warehouse", str(warehouse), "--rules", str(rules))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert fingerprint(warehouse.parent) == before, "the warehouse folder changed"
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "rule files refused:"
    return [line.strip() for line in lines[1:]]


def test_every_broken_rule_file_is_listed_with_file_and_line(rules, warehouse):
    edit(rules / "RT01_fraction_with_percent.toml", "pattern  = '''", "pattern  = '''(?P<broken")
    edit(rules / "PC01_percent.toml", "priority = 20\n", "priority = 20\ncolour   = 'red'\n")
    edit(rules / "RT05_value_then_percent.toml", "[[examples]]\n", "[[examples]]\nshade   = 'blue'\n")
    shutil.copy(rules / "VA01_value.toml", rules / "VA01_value_copy.toml")
    problems = refuse(rules, warehouse)
    expected = [
        rf"RT01_fraction_with_percent.toml:{line_of(rules / 'RT01_fraction_with_percent.toml', 'pattern  =')}: "
        r"pattern does not compile: ",
        rf"PC01_percent.toml:{line_of(rules / 'PC01_percent.toml', 'colour')}: unknown key 'colour'",
        r"RT05_value_then_percent.toml:\d+: example 1 has unknown field 'shade'",
        r"VA01_value_copy.toml:1: duplicate code 'VA01' \(also in VA01_value.toml\)",
    ]
    for pattern in expected:
        assert any(re.match(pattern, p) for p in problems), f"{pattern} not in {problems}"
    assert len(problems) == len(expected), problems


def test_an_example_that_no_longer_holds_is_refused_with_its_line(rules, warehouse):
    rule = rules / "RT01_fraction_with_percent.toml"
    edit(rule, 'percent = "77.66"', 'percent = "77.67"')
    problems = refuse(rules, warehouse)
    assert problems == [f"{rule.name}:{line_of(rule, '[[examples]]')}: RT01 example 1 does not hold: "
                        f"percent is 77.66, expected '77.67'"]
