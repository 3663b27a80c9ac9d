"""Cross-report checks (CK40) and indicator history: a later report's changes against the earlier report.

The earlier report is ingested after the later one, as happens when an archive is loaded late:
the later report's checks must be recomputed then.
"""
from pathlib import Path

import duckdb
import pytest

from conftest import run_cli

HEADER = "UBND HUYỆN YÊN THẠCH\n\nBÁO CÁO\n\nTình hình kinh tế - xã hội năm {year}\n\n"
EARLIER = HEADER.format(year=2023) + "Tổng đàn trâu đạt 10.120 con.\n\nTổng đàn bò đạt 4.080 con.\n"
LATER = HEADER.format(year=2024) + (
    "Tổng đàn trâu đạt 10.500 con, tăng 9,5% so với cùng kỳ.\n\n"
    "Tổng đàn bò đạt 4.300 con, tăng 5,4% so với cùng kỳ.\n")
ELSEWHERE = EARLIER.replace("YÊN THẠCH", "KIM SƠN")


@pytest.fixture()
def reports(tmp_path) -> dict[str, Path]:
    files = {}
    for name, text in (("yenthach_2023", EARLIER), ("yenthach_2024", LATER), ("kimson_2023", ELSEWHERE)):
        files[name] = tmp_path / f"{name}.txt"
        files[name].write_text(text, encoding="utf-8")
    return files


def cross_checks(warehouse: Path) -> dict[str, tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute("""
        select f.indicator, c.status, c.fact_ids, c.message
        from checks c join facts f on f.fact_id = c.fact_ids[1]
        where c.check_type = 'cross_report' and c.report_id = 'yenthach_2024'
    """).fetchall()
    con.close()
    return {indicator: (status, fact_ids, message) for indicator, status, fact_ids, message in rows}


def test_an_earlier_report_ingested_later_gets_the_later_one_rechecked(tmp_path, reports):
    warehouse = tmp_path / "w.duckdb"
    for name in ("yenthach_2024", "kimson_2023"):
        assert run_cli("ingest", str(reports[name]), "--warehouse", str(warehouse)).returncode == 0
    assert cross_checks(warehouse) == {}                         # another locality is no base

    result = run_cli("ingest", str(reports["yenthach_2023"]), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    assert "rechecked the later reports of its locality: yenthach_2024" in result.stdout

    found = cross_checks(warehouse)
    assert found["dan_trau"][0] == "mismatch"                     # 10.500/10.120 is +3,75%, not 9,5%
    assert found["dan_bo"][0] == "ok"                             # 4.300/4.080 is +5,39%
    status, fact_ids, message = found["dan_trau"]
    assert fact_ids[0].startswith("yenthach_2024:") and fact_ids[1].startswith("yenthach_2023:")
    assert "yenthach_2023" in message and "10.120 con" in message and "3,75%" in message

    con = duckdb.connect(str(warehouse), read_only=True)
    unverifiable = con.execute("""select count(*) from checks where report_id = 'yenthach_2024'
                                  and status = 'unverifiable'""").fetchone()[0]
    assert unverifiable == 0                                      # both changes are now checked
    cited = con.execute("""select cited_report_id, cited_quote from v_mismatches
                           where report_id = 'yenthach_2024'""").fetchall()
    assert cited == [("yenthach_2023", "10.120 con")]
    history = con.execute("""
        select report_id, year, actual, previous_report_id, round(change_percent, 2)
        from v_indicator_history where indicator = 'dan_trau' and locality = 'huyện Yên Thạch'
    """).fetchall()
    assert history == [("yenthach_2023", 2023, 10120.0, None, None),
                       ("yenthach_2024", 2024, 10500.0, "yenthach_2023", 3.75)]
    elsewhere = con.execute("""select count(distinct locality), max(reports_with_indicator)
                               from v_indicator_history where indicator = 'dan_trau'""").fetchone()
    assert elsewhere == (2, 3)


def test_the_same_check_runs_when_the_earlier_report_comes_first(tmp_path, reports):
    warehouse = tmp_path / "w.duckdb"
    result = run_cli("ingest", str(reports["yenthach_2023"]), str(reports["yenthach_2024"]),
                     "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    assert "rechecked" not in result.stdout
    assert {k: v[0] for k, v in cross_checks(warehouse).items()} == {"dan_trau": "mismatch", "dan_bo": "ok"}


def test_only_the_current_version_of_the_earlier_report_is_compared_with(tmp_path, reports):
    """A corrected earlier report rechecks the later one against its new figure, never the old one;
    removing the correction brings the old figure back, and removing the earlier report altogether
    leaves the change with nothing to compare with."""
    warehouse = tmp_path / "w.duckdb"
    assert run_cli("ingest", str(reports["yenthach_2023"]), str(reports["yenthach_2024"]),
                   "--warehouse", str(warehouse)).returncode == 0
    assert cross_checks(warehouse)["dan_trau"][0] == "mismatch"          # 10.500/10.120 is +3,75%, not 9,5%

    corrected = tmp_path / "corrected" / "yenthach_2023.txt"
    corrected.parent.mkdir()
    corrected.write_text(EARLIER.replace("10.120 con", "9.590 con"), encoding="utf-8")
    result = run_cli("ingest", str(corrected), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    assert "as yenthach_2023 version 2" in result.stdout
    assert "rechecked the later reports of its locality: yenthach_2024" in result.stdout
    status, fact_ids, message = cross_checks(warehouse)["dan_trau"]
    assert status == "ok" and "9.590 con" in message                   # 10.500/9.590 is +9,49%
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("select count(*) from facts where fact_id = ?", [fact_ids[1]]).fetchone()[0] == 1
    assert con.execute("select count(*) from checks where check_type = 'cross_report' and status = 'mismatch'"
                       ).fetchone()[0] == 0
    con.close()

    assert run_cli("remove", "yenthach_2023", "--warehouse", str(warehouse)).returncode == 0
    status, _, message = cross_checks(warehouse)["dan_trau"]
    assert status == "mismatch" and "10.120 con" in message

    result = run_cli("remove", "yenthach_2023", "--all-versions", "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    assert "rechecked the later reports of its locality: yenthach_2024" in result.stdout
    assert cross_checks(warehouse) == {}
