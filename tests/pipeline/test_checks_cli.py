"""`python -m pipeline checks` lists the checks in run order; a broken check file stops every command
that loads the checks with exit 2 and its problems as file:line, before anything is written."""
import shutil
from pathlib import Path

import pytest

import pipeline.reextract
import pipeline.run
from pipeline.__main__ import main
from warehouse.checks import CHECKS_DIR, load_checks

from conftest import SAMPLE_TXT, run_cli


@pytest.fixture()
def broken_checks(tmp_path) -> Path:
    """The project's checks with CK90 reading a column that does not exist."""
    folder = tmp_path / "checks"
    shutil.copytree(CHECKS_DIR, folder)
    (path,) = folder.glob("CK90_*.sql")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("f.percent ", "f.percentage ", 1), encoding="utf-8")
    return folder


@pytest.fixture()
def where(broken_checks) -> str:
    """The file and line the refusal must name."""
    (path,) = broken_checks.glob("CK90_*.sql")
    text = path.read_text(encoding="utf-8")
    return f"{path.name}:{text[:text.index('f.percentage ')].count(chr(10)) + 1}:"


def test_checks_lists_code_title_type_severity_and_examples_in_run_order():
    result = run_cli("checks")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:6] == ["1.", "CK01", "percent", "error", "Tỷ", "lệ"]
    assert lines[0].endswith("2 flags, 2 passes")
    assert lines[9].startswith("10. CK90") and lines[9].endswith("after *")
    assert "Tăng trưởng (growth) · Giữa các báo cáo (cross_report)" in result.stdout


def test_checks_verbose_shows_the_examples_as_written():
    result = run_cli("checks", "-v")
    assert result.returncode == 0, result.stderr
    assert "      passes: Diện tích chuyển đổi cơ cấu cây trồng thực hiện 7,72/6ha đạt 128,6% KH." in result.stdout
    assert "KH.\\n\\nSTT\\tChỉ tiêu\\t" in result.stdout   # CK20's table example as its header writes it


def test_checks_on_a_broken_folder_exits_2_with_file_and_line(broken_checks, where):
    result = run_cli("checks", "--dir", str(broken_checks))
    assert result.returncode == 2
    assert f"{where} Binder Error" in result.stderr and "percentage" in result.stderr


def test_ingest_refuses_broken_checks_before_writing(broken_checks, where, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(pipeline.run, "load_checks", lambda: load_checks(broken_checks))
    warehouse = tmp_path / "w.duckdb"
    assert main(["ingest", str(SAMPLE_TXT), "--warehouse", str(warehouse), "--workers", "0"]) == 2
    assert where in capsys.readouterr().err
    assert not warehouse.exists() and not (tmp_path / "reports").exists()


def test_reextract_refuses_broken_checks_before_writing(broken_checks, where, sample_warehouse, tmp_path,
                                                         monkeypatch, capsys):
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(sample_warehouse, warehouse)
    before = warehouse.read_bytes()
    monkeypatch.setattr(pipeline.reextract, "load_checks", lambda: load_checks(broken_checks))
    assert main(["reextract", "--warehouse", str(warehouse), "--workers", "0"]) == 2
    assert where in capsys.readouterr().err
    assert warehouse.read_bytes() == before
