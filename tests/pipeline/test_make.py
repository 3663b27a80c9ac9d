"""The Makefile hands every user value (REPORT, WAREHOUSE, Q, FACT, EXPORT …) to the command as one
word, unharmed: spaces, quotes, `$`, newlines and Vietnamese, through real `make` invocations.

The first tests run a copy of the Makefile whose `.venv/bin/python` only records the arguments it was
given; the last ones run the real Makefile on a real ingest and query."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE_TXT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")

RECORDER = """#!{python}
import json, os, sys
print(json.dumps({{"argv": sys.argv[1:], "fuzz": os.environ.get("SOLIEU_FUZZ_EXAMPLES")}}))
"""
NASTY = {
    "spaces": "/tmp/x/Báo cáo/Báo cáo 9 tháng.docx",
    "quotes": """it's "quoted" ''""",
    "dollars": "select raw from facts where raw like '%$%' and '$(HOME)' <> '$$' and '${PATH}' <> ''",
    "backquote": "`id` ; echo owned # , ) \\",
    "newline": "select 1\nfrom x -- c\n'$a'",
}


@pytest.fixture(scope="module")
def recorder(tmp_path_factory) -> Path:
    """A copy of the Makefile beside a fake, up-to-date .venv whose python prints its arguments."""
    folder = tmp_path_factory.mktemp("make")
    shutil.copy(ROOT / "Makefile", folder / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", folder / "pyproject.toml")
    python = folder / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(RECORDER.format(python=sys.executable), encoding="utf-8")
    python.chmod(0o755)
    stamp = folder / ".venv" / ".installed"
    stamp.touch()
    later = (folder / "pyproject.toml").stat().st_mtime + 10
    os.utime(stamp, (later, later))
    return folder


def make(folder: Path, target: str, **values: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", "-C", str(folder), target,
                           *(f"{name}={value}" for name, value in values.items())],
                          capture_output=True, text=True, timeout=600)


def recorded(folder: Path, target: str, **values: str) -> dict:
    result = make(folder, target, **values)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("value", NASTY.values(), ids=NASTY.keys())
def test_every_target_passes_each_value_as_one_unharmed_argument(recorder, value):
    assert recorded(recorder, "ingest", REPORT=value, WAREHOUSE=value)["argv"] == [
        "-m", "pipeline", "ingest", "--warehouse", value, "--", value]
    assert recorded(recorder, "sql", WAREHOUSE=value, Q=value)["argv"] == [
        "-m", "pipeline", "sql", "--warehouse", value, "-c", value]
    assert recorded(recorder, "explain", FACT=value, WAREHOUSE=value)["argv"] == [
        "-m", "pipeline", "explain", "--warehouse", value, "--", value]
    assert recorded(recorder, "export", EXPORT=value, WAREHOUSE=value)["argv"] == [
        "-m", "pipeline", "export", "--warehouse", value, "--out", value]
    for target in ("report", "reextract"):
        assert recorded(recorder, target, WAREHOUSE=value)["argv"] == ["-m", "pipeline", target, "--warehouse", value]
    assert recorded(recorder, "eval", SHARED=value)["argv"] == ["-m", "pipeline", "eval", "--shared", value]
    assert recorded(recorder, "bench", SHARED=value, REPORTS="3")["argv"] == [
        "-m", "pipeline.bench", "--reports", "3", "--pdfs", "20", "--scans", "1", "--repeat", "3", "--shared", value]
    assert recorded(recorder, "fuzz", FUZZ_EXAMPLES=value)["fuzz"] == value
    assert recorded(recorder, "ingest", REPORT=value, ID=value)["argv"][-4:] == ["--as", value, "--", value]
    assert recorded(recorder, "remove", ID=value, WAREHOUSE=value)["argv"] == [
        "-m", "pipeline", "remove", "--warehouse", value, "--", value]
    assert recorded(recorder, "review", CHECK=value, DECISION="confirmed", NOTE=value, BY=value)["argv"] == [
        "-m", "pipeline", "review", "--warehouse", "warehouse/warehouse.duckdb", "--as", "confirmed",
        "--note", value, "--by", value, "--", value]
    assert recorded(recorder, "review", IMPORT=value)["argv"] == [
        "-m", "pipeline", "review", "--warehouse", "warehouse/warehouse.duckdb", "--import", value]
    assert recorded(recorder, "lake", REPORT=value, LAKE=value, SCHEDULER=value, WORKERS="2")["argv"] == [
        "-m", "pipeline", "lake", "--lake", value, "--scheduler", value, "--workers", "2", "--", value]
    assert recorded(recorder, "lake-load", LAKE=value, WAREHOUSE=value)["argv"] == [
        "-m", "pipeline", "lake-load", "--lake", value, "--warehouse", value]


def test_the_defaults_and_empty_values(recorder):
    assert recorded(recorder, "ingest")["argv"] == [
        "-m", "pipeline", "ingest", "--warehouse", "warehouse/warehouse.duckdb", "--", "raw_reports"]
    # an empty value leaves the choice to the command's own default
    assert recorded(recorder, "ingest", REPORT="", WAREHOUSE="")["argv"] == ["-m", "pipeline", "ingest", "--"]
    assert recorded(recorder, "sql")["argv"] == ["-m", "pipeline", "sql", "--warehouse", "warehouse/warehouse.duckdb"]
    assert recorded(recorder, "export")["argv"][-2:] == ["--out", "warehouse/export"]


def test_a_value_from_the_environment_is_not_expanded_either(recorder):
    result = subprocess.run(["make", "--no-print-directory", "-C", str(recorder), "sql"], capture_output=True,
                            text=True, env=os.environ | {"Q": "select '$HOME $(HOME)'"})
    assert json.loads(result.stdout.splitlines()[-1])["argv"][-2:] == ["-c", "select '$HOME $(HOME)'"]


def real_make(target: str, stamp: Path, **values: str) -> subprocess.CompletedProcess:
    """The project's own Makefile, run with this interpreter (its .venv is not rebuilt)."""
    return make(ROOT, target, PY=sys.executable, STAMP=str(stamp), **values)


def test_a_report_in_a_folder_with_spaces_is_ingested_and_queried_through_make(tmp_path):
    stamp = tmp_path / "installed"
    stamp.touch()
    folder = tmp_path / "Báo cáo $HOME"
    folder.mkdir()
    report = folder / "Báo cáo 9 tháng.txt"
    report.write_text("Thu ngân sách đạt 201,922/260 tỷ đồng bằng 77,66% dự toán.\n", encoding="utf-8")
    warehouse = tmp_path / "kho 'số liệu'" / "w.duckdb"
    ingested = real_make("ingest", stamp, REPORT=str(report), WAREHOUSE=str(warehouse))
    assert ingested.returncode == 0, ingested.stdout + ingested.stderr
    assert f"ingested {report} as Báo cáo 9 tháng" in ingested.stdout
    query = "select count(*) as n from facts where raw like '%$%' or percent_raw = '77,66'"
    answered = real_make("sql", stamp, WAREHOUSE=str(warehouse), Q=query)
    if "duckdb shell" in answered.stderr:
        pytest.skip("no duckdb shell")
    assert answered.returncode == 0, answered.stderr
    assert [line.strip("│ ") for line in answered.stdout.splitlines()][-2] == "1", answered.stdout
    missing = real_make("ingest", stamp, REPORT=str(SAMPLE_TXT.parent / "none here.txt"), WAREHOUSE=str(warehouse))
    assert f"error: {SAMPLE_TXT.parent / 'none here.txt'}: no such file or folder" in missing.stderr
    assert missing.returncode == 2 and "Error 1" in missing.stderr   # make's own code; the command's in its line


def test_a_folder_with_spaces_goes_through_make_lake_and_make_lake_load(tmp_path):
    """A local cluster of one worker, started and stopped by `make lake`; the lake loads as an ingest would."""
    stamp = tmp_path / "installed"
    stamp.touch()
    folder = tmp_path / "Báo cáo $HOME"
    folder.mkdir()
    shutil.copy(SAMPLE_TXT, folder / "backan 2023.txt")
    lake, warehouse = tmp_path / "hồ 'dữ liệu'", tmp_path / "kho số liệu" / "w.duckdb"
    made = real_make("lake", stamp, REPORT=str(folder), LAKE=str(lake), WORKERS="1")
    assert made.returncode == 0, made.stdout + made.stderr
    assert "1 done, 0 skipped (done before), 0 failed" in made.stdout, made.stdout
    loaded = real_make("lake-load", stamp, LAKE=str(lake), WAREHOUSE=str(warehouse))
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    import duckdb
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select report_id, source_path from reports").fetchall() == [
            ("backan 2023", str(folder / "backan 2023.txt"))]
        (mismatches,) = con.execute("select count(*) from checks where status = 'mismatch'").fetchone()
    assert mismatches == 12   # the sample's planted errors, as an ingest finds them
    assert (warehouse.parent / "reports" / "backan 2023.html").exists()
