"""A broken check file stops every command that loads the checks with exit 2 and its problems as
file:line, before anything is written."""
import shutil
from pathlib import Path

import pytest

import pipeline.reextract
import pipeline.run
from pipeline.__main__ import main
from warehouse.checks import CHECKS_DIR, load_checks

from conftest import SAMPLE_TXT


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
