"""Versions of a report: a corrected file replaces the report it corrects in every table and view, the
earlier version stays queryable in the superseded tables, `--as` names the report a file is, and
`remove` takes a version, or the whole report, out of the warehouse."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import SAMPLE_TXT, SHARED, run_cli

REPORT = "huyen_9thang_2024"
ORIGINAL = SHARED / "reports" / f"{REPORT}.txt"
PDF = SHARED / "pdf" / "backan_2023_ktxh.pdf"
# "số trạm y tế xã có bác sĩ làm việc đạt 84,2% (17/19 xã, thị trấn)": 17/19 is 89,47%, a mismatch the correction fixes
WRONG, RIGHT = "đạt 84,2% (17/19", "đạt 89,5% (17/19"
TABLES = ("reports", "line_map", "sections", "sentences", "footnotes", "table_rows", "facts", "checks", "problems")
VIEWS = ("v_mismatches", "v_indicator", "v_indicator_history", "v_coverage", "v_report_versions")

pytestmark = pytest.mark.skipif(not ORIGINAL.exists(), reason="../shared/reports is not present")


def scalar(warehouse: Path, sql: str, params=()):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchone()[0]
    finally:
        con.close()


def rows(warehouse: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def counts(warehouse: Path) -> dict[str, int]:
    """What an analyst counts: check rows, mismatches, the rows of each view, for the report."""
    return {
        "checks": scalar(warehouse, "select count(*) from checks"),
        "mismatch": scalar(warehouse, "select count(*) from checks where status = 'mismatch'"),
        "facts": scalar(warehouse, "select count(*) from facts where report_id = ?", [REPORT]),
        "v_mismatches": scalar(warehouse, "select count(*) from v_mismatches where report_id = ?", [REPORT]),
        "v_coverage": scalar(warehouse, "select count(*) from v_coverage where report_id = ?", [REPORT]),
        "v_coverage.mismatch": scalar(warehouse, "select mismatch from v_coverage where report_id = ?", [REPORT]),
        "v_indicator_history": scalar(warehouse, "select count(*) from v_indicator_history where report_id = ?",
                                      [REPORT]),
    }


@pytest.fixture(scope="module")
def corrected(tmp_path_factory) -> dict:
    """The report ingested, then a copy with one figure corrected under the same file name."""
    root = tmp_path_factory.mktemp("versions")
    warehouse = root / "w.duckdb"
    fixed = root / "corrected" / f"{REPORT}.txt"
    fixed.parent.mkdir()
    text = ORIGINAL.read_text(encoding="utf-8")
    assert text.count(WRONG) == 1
    fixed.write_text(text.replace(WRONG, RIGHT), encoding="utf-8")
    first = run_cli("ingest", str(ORIGINAL), "--warehouse", str(warehouse))
    assert first.returncode == 0, first.stderr
    before = counts(warehouse)
    second = run_cli("ingest", str(fixed), "--warehouse", str(warehouse))
    assert second.returncode == 0, second.stderr
    return {"warehouse": warehouse, "fixed": fixed, "before": before, "after": counts(warehouse),
            "output": second.stdout}


def test_the_corrected_copy_is_version_two_and_the_only_current_one(corrected):
    versions = rows(corrected["warehouse"], "select version, current, source_path, sha256 from v_report_versions "
                                            "where report_id = ? order by version", [REPORT])
    assert [(v, current, path) for v, current, path, _ in versions] == [
        (1, False, str(ORIGINAL)), (2, True, str(corrected["fixed"]))]
    assert versions[0][3] != versions[1][3]
    assert rows(corrected["warehouse"], "select report_id, version, source_path from reports") == [
        (REPORT, 2, str(corrected["fixed"]))]


def test_the_ingest_line_says_what_the_new_version_changed(corrected):
    assert f"as {REPORT} version 2" in corrected["output"]
    assert (f"thay phiên bản 1 của {REPORT}: 1 số liệu đổi, 0 không khớp mới, 1 không khớp đã hết"
            in corrected["output"])


def test_tables_and_views_count_the_current_version_only(corrected):
    before, after = corrected["before"], corrected["after"]
    assert after["mismatch"] == before["mismatch"] - 1                # the corrected figure, not twice the report
    assert after["checks"] == before["checks"]
    assert after["facts"] == before["facts"]
    assert after["v_mismatches"] == before["v_mismatches"] - 1
    assert after["v_coverage"] == 1 and after["v_coverage.mismatch"] == after["mismatch"]
    assert after["v_indicator_history"] == before["v_indicator_history"]
    duplicated = scalar(corrected["warehouse"], """
        select count(*) from (select indicator, unit, report_id from v_indicator_history group by all having count(*) > 1)""")
    assert duplicated == 0
    quotes = [q for (q,) in rows(corrected["warehouse"], "select quote from v_mismatches")]
    assert not any("84,2%" in q for q in quotes)


def test_the_old_version_stays_queryable(corrected):
    warehouse = corrected["warehouse"]
    old = rows(warehouse, "select raw from superseded.facts where report_id = ? and version = 1 and raw like '%84,2%%'",
               [REPORT])
    now = rows(warehouse, "select raw from facts where report_id = ? and raw like '%89,5%%'", [REPORT])
    assert len(old) == 1 and len(now) == 1
    assert scalar(warehouse, "select count(*) from superseded.facts where report_id = ? and version = 1",
                  [REPORT]) == corrected["before"]["facts"]
    assert scalar(warehouse, """select count(*) from superseded.checks where report_id = ? and version = 1
                                and status = 'mismatch'""", [REPORT]) == corrected["before"]["mismatch"]
    for table in TABLES[1:]:   # every row of the old version went with it
        assert scalar(warehouse, f"select count(*) from superseded.{table} where version is distinct from 1") == 0


def test_the_content_of_a_superseded_version_is_still_skipped(corrected, tmp_path):
    warehouse = copy_warehouse(corrected["warehouse"], tmp_path)
    result = run_cli("ingest", str(ORIGINAL), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    assert f"already ingested as version 1 of {REPORT}, since replaced by version 2" in result.stdout
    assert scalar(warehouse, "select count(*) from v_report_versions") == 2


def copy_warehouse(warehouse: Path, folder: Path) -> Path:
    """A copy of the warehouse file and its report pages, to change without touching the module's."""
    copy = folder / warehouse.name
    shutil.copy(warehouse, copy)
    shutil.copytree(warehouse.parent / "reports", folder / "reports")
    return copy


def test_removing_the_current_version_makes_the_earlier_one_current_again(corrected, tmp_path):
    warehouse = copy_warehouse(corrected["warehouse"], tmp_path)
    result = run_cli("remove", REPORT, "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    assert f"removing {REPORT} version 2 (current; {corrected['fixed']}" in result.stdout
    assert "version 1 becomes current again" in result.stdout
    assert rows(warehouse, "select version, current from v_report_versions") == [(1, True)]
    assert counts(warehouse) == corrected["before"]
    assert scalar(warehouse, "select count(*) from superseded.facts") == 0
    assert (tmp_path / "reports" / f"{REPORT}.html").exists()
    html = (tmp_path / "reports" / f"{REPORT}.html").read_text(encoding="utf-8")
    assert "84,2" in html


def test_remove_takes_every_version_out_of_every_table_view_and_page(corrected, tmp_path):
    warehouse = copy_warehouse(corrected["warehouse"], tmp_path)
    other = run_cli("ingest", str(SAMPLE_TXT), "--warehouse", str(warehouse))
    assert other.returncode == 0, other.stderr
    kept = scalar(warehouse, "select count(*) from facts where report_id = 'backan_2023_ktxh'")
    result = run_cli("remove", REPORT, "--all-versions", "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    before = corrected["before"]
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"removing {REPORT} version 2 (current;")
    assert lines[1].startswith(f"removing {REPORT} version 1 (superseded; {ORIGINAL}")
    assert f"{before['facts']} facts, {before['checks']} checks, {before['mismatch']} mismatches" in lines[1]
    assert lines[-1].startswith(f"removed {REPORT} versions 1, 2: {2 * before['facts']} facts")
    for table in TABLES:
        for schema in ("main", "superseded"):
            assert scalar(warehouse, f"select count(*) from {schema}.{table} where report_id = ?", [REPORT]) == 0
    for view in VIEWS:
        assert scalar(warehouse, f"select count(*) from {view} where report_id = ?", [REPORT]) == 0
    assert not list((tmp_path / "reports").glob(f"{REPORT}.*"))
    assert (tmp_path / "reports" / "backan_2023_ktxh.html").exists()
    assert scalar(warehouse, "select count(*) from facts where report_id = 'backan_2023_ktxh'") == kept


def test_remove_of_an_unknown_report_says_so_and_exits_1(corrected, tmp_path):
    warehouse = copy_warehouse(corrected["warehouse"], tmp_path)
    result = run_cli("remove", "no_such_report", "--warehouse", str(warehouse))
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: no report no_such_report in {warehouse}")
    assert scalar(warehouse, "select count(*) from v_report_versions") == 2
    missing = run_cli("remove", REPORT, "--warehouse", str(tmp_path / "none.duckdb"))
    assert missing.returncode == 1 and "no warehouse at" in missing.stderr
    assert not (tmp_path / "none.duckdb").exists()


@pytest.mark.skipif(not PDF.exists(), reason="../shared/pdf is not present")
def test_as_makes_the_pdf_a_version_of_the_text_report(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    assert run_cli("ingest", str(SAMPLE_TXT), "--warehouse", str(warehouse)).returncode == 0
    text_counts = rows(warehouse, "select facts, checks, mismatch from v_coverage")
    result = run_cli("ingest", str(PDF), "--as", "backan_2023_ktxh", "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    assert f"ingested {PDF} as backan_2023_ktxh version 2" in result.stdout
    assert "thay phiên bản 1 của backan_2023_ktxh: 0 số liệu đổi, 0 không khớp mới, 0 không khớp đã hết" in result.stdout
    assert rows(warehouse, "select version, fmt, current from v_report_versions order by version") == [
        (1, "txt", False), (2, "pdf", True)]
    assert rows(warehouse, "select report_id, fmt from reports") == [("backan_2023_ktxh", "pdf")]
    assert rows(warehouse, "select facts, checks, mismatch from v_coverage") == text_counts


def test_as_names_the_report_of_one_file_only(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    two = run_cli("ingest", str(SAMPLE_TXT), str(ORIGINAL), "--as", "x", "--warehouse", str(warehouse))
    assert two.returncode == 2 and "names the report of one file, and 2 were given" in two.stderr
    bad = run_cli("ingest", str(SAMPLE_TXT), "--as", "../x", "--warehouse", str(warehouse))
    assert bad.returncode == 2 and "a report id is letters, digits" in bad.stderr
    assert not warehouse.exists()
