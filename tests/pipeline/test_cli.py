"""The command line in a fresh clone: --version, the exit codes in --help, and `eval` and `bench`
saying where they looked, and failing, when the development corpus beside the checkout is missing."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib

from extract.rulebook import default_rulebook
from warehouse.checks import checks_version
from warehouse.damage import EXIT_UNUSABLE

from conftest import ROOT, run_cli
from pipeline.__main__ import EXIT_BUSY


def test_version_names_the_package_the_rules_and_the_checks():
    result = run_cli("--version")
    assert result.returncode == 0, result.stderr
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    rules, checks = default_rulebook().version, checks_version()
    assert result.stdout.splitlines() == [
        f"solieu {version}",
        f"rules {rules} ({ROOT / 'rules'})",
        f"checks {checks} ({ROOT / 'warehouse' / 'checks'})",
        f"an ingest now records rules_version {rules}-{checks}"]


def test_version_with_broken_rules_says_so_and_exits_2(tmp_path):
    (tmp_path / "lexicon.toml").write_text("not toml [", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "pipeline", "--version"], cwd=ROOT, capture_output=True, text=True,
                            env=os.environ | {"SOLIEU_RULES": str(tmp_path)})
    assert result.returncode == 2
    assert re.search(rf"^rules {re.escape(str(tmp_path))}: refused \(1 problem: python -m pipeline rules lists them\)$",
                     result.stdout, re.M), result.stdout


def test_help_lists_the_exit_codes():
    result = run_cli("--help")
    assert result.returncode == 0
    codes = dict(re.findall(r"^  (\d)  (.*)$", result.stdout.split("exit codes:")[1], re.M))
    assert sorted(codes) == ["0", "1", "2", "3", "4"]
    assert "ingested" in codes["0"] and "could not be ingested" in codes["1"] and "rule or check files" in codes["2"]
    assert "held by another process" in codes[str(EXIT_BUSY)] and "unusable" in codes[str(EXIT_UNUSABLE)]
    assert "Exit codes: python -m pipeline --help" in " ".join(run_cli("ingest", "--help").stdout.split())


def test_eval_without_the_shared_folder_says_where_it_looked_and_fails(tmp_path):
    result = run_cli("eval", "--shared", str(tmp_path / "shared"))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(f"error: nothing to score: no folder {tmp_path / 'shared' / 'reports'}. ")
    assert "SHARED=" in result.stderr and "raw_reports/ has no answer key" in result.stderr

    (tmp_path / "shared" / "reports").mkdir(parents=True)
    (tmp_path / "shared" / "reports" / "a.txt").write_text("Thu đạt 95,5% KH.\n", encoding="utf-8")
    result = run_cli("eval", "--shared", str(tmp_path / "shared"))
    assert result.returncode == 1 and "no report with an answer key (X.txt beside X.gold.json)" in result.stderr
    (tmp_path / "shared" / "reports" / "a.gold.json").write_text("{}", encoding="utf-8")
    result = run_cli("eval", "--shared", str(tmp_path / "shared"))
    assert result.returncode == 1
    assert f"no scorer at {tmp_path / 'shared' / 'tools' / 'score_warehouse.py'}" in result.stderr


def test_bench_without_the_shared_folder_times_the_repository_sample_and_says_so(tmp_path):
    shared = tmp_path / "shared"
    result = run_cli("bench", "--reports", "2", "--pdfs", "2", "--shared", str(shared))
    assert result.returncode == 0, result.stderr
    assert (f"samples: 1 text report from {ROOT / 'raw_reports'}, 0 from {shared / 'reports'} (missing); "
            f"0 PDFs from {shared / 'pdf'} (missing)") in result.stdout.splitlines()
    assert "corpus: 2 text reports" in result.stdout
    assert "note: no sample PDF: the PDF path is not timed" in result.stderr

    nothing = run_cli("bench", "--reports", "0", "--pdfs", "2", "--shared", str(shared))
    assert nothing.returncode == 1 and nothing.stdout == ""
    assert nothing.stderr.startswith(f"error: nothing to time: samples: 1 text report from {ROOT / 'raw_reports'}")
