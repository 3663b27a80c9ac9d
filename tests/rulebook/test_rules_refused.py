"""Broken rule files are refused before anything is read, by every command that loads rules:
every problem listed at once as file:line, exit 2, nothing on stdout, the warehouse untouched.
Each test breaks a copy of rules/ in tmp."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from extract.rulebook import RULES_DIR

from conftest import ROOT, SAMPLE_TXT, run_cli


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def edit(path: Path, old: str, new: str) -> None:
    source = path.read_text(encoding="utf-8")
    assert old in source, f"{path.name} no longer holds {old!r}: update the test"
    path.write_text(source.replace(old, new, 1), encoding="utf-8")


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file and folder under `folder`, with the hash of each file."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
            for p in sorted(folder.rglob("*"))}


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


COMMANDS = ["ingest", "reextract", "rules", "inspect"]


def run_with(command: str, rules: Path, warehouse: Path) -> subprocess.CompletedProcess:
    """One command that loads rules, with `rules` as its rules folder."""
    if command == "ingest":
        return run_cli("ingest", str(SAMPLE_TXT), "--warehouse", str(warehouse), "--rules", str(rules))
    if command == "reextract":
        return run_cli("reextract", "--warehouse", str(warehouse), "--rules", str(rules))
    if command == "rules":
        return run_cli("rules", "--rules", str(rules))
    return subprocess.run([sys.executable, "-m", "pipeline.inspect", str(SAMPLE_TXT)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "SOLIEU_RULES": str(rules)})


def refuse(rules: Path, warehouse: Path, command: str = "ingest") -> list[str]:
    """Run `command` with the broken rules; assert it is refused without touching the warehouse folder,
    and return the problems it lists."""
    before = fingerprint(warehouse.parent)
    result = run_with(command, rules, warehouse)
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


@pytest.mark.parametrize("command", COMMANDS)
def test_an_example_that_no_longer_holds_is_refused_with_its_line(rules, warehouse, command):
    rule = rules / "RT01_fraction_with_percent.toml"
    edit(rule, 'percent = "77.66"', 'percent = "77.67"')
    problems = refuse(rules, warehouse, command)
    assert problems == [f"{rule.name}:{line_of(rule, '[[examples]]')}: RT01 example 1 does not hold: "
                        f"percent is 77.66, expected '77.67'"]


@pytest.mark.parametrize("command", COMMANDS)
def test_broken_toml_and_examples_without_their_match_are_all_listed(rules, warehouse, command):
    broken = rules / "PC02_percent_range.toml"
    edit(broken, 'priority = 22\n', 'priority = 22\nsummary = [\n')
    missing = rules / "FR01_fraction.toml"
    edit(missing, 'match   = "15/19 tiêu chí"\n', "")
    elsewhere = rules / "NF01_dates.toml"
    edit(elsewhere, 'match = "31/12/2023"', 'match = "31/12/2024"')
    problems = refuse(rules, warehouse, command)
    expected = [
        rf"PC02_percent_range.toml:{line_of(broken, 'summary = [') + 1}: invalid TOML: .+ \(column \d+\)",
        rf"FR01_fraction.toml:{nth_line(missing, '[[examples]]', 2)}: example 2 has no match: "
        r'add match = "…", the exact text of the fact it is about',
        rf"NF01_dates.toml:{nth_line(elsewhere, '[[examples]]', 1)}: example 1: match '31/12/2024' is not part of its text",
    ]
    for pattern in expected:
        assert any(re.fullmatch(pattern, p) for p in problems), f"{pattern} not in {problems}"
    assert len(problems) == len(expected), problems


def test_every_case_that_does_not_hold_is_listed_once_the_files_load(rules, warehouse):
    sloppy = rules / "SH01_share.toml"   # the fact is "chiếm 68,4%", not its number alone
    edit(sloppy, 'match   = "chiếm 68,4%"', 'match   = "68,4%"')
    taken = rules / "VA01_value.toml"    # CH02 reads the change, not VA01
    edit(taken, 'match   = "820 triệu USD"', 'match   = "giảm 3,1%"')
    counter = rules / "FR01_fraction.toml"
    edit(counter, 'text    = "Ước đến 31/12/2023 thu ngân sách"', 'text    = "đạt 15/19 tiêu chí"')
    problems = refuse(rules, warehouse, "rules")
    assert sorted(problems) == sorted([
        f"{sloppy.name}:{nth_line(sloppy, '[[examples]]', 2)}: SH01 example 2 does not hold: no fact reads «68,4%»; "
        f"the facts are: SH01 «chiếm 68,4%», PC01 «24,9%»",
        f"{taken.name}:{nth_line(taken, '[[examples]]', 8)}: VA01 example 8 does not hold: «giảm 3,1%» is read by "
        f"CH02 «giảm 3,1%», expected VA01 alone",
        f"{counter.name}:{nth_line(counter, '[[counterexamples]]', 1)}: FR01 counterexample 1 does not hold: "
        f"should find nothing, but finds FR01 «15/19 tiêu chí»",
    ])

def nth_line(path: Path, text: str, n: int) -> int:
    return [number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line][n - 1]
