"""A warehouse made by an older version gains the new columns when it is next opened for writing."""
import duckdb

from conftest import SAMPLE_TXT, run_cli


def test_old_warehouse_gets_new_columns_and_ingests(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table reports (report_id varchar primary key, source_path varchar not null, "
                "sha256 varchar not null unique, title varchar, ingested_at timestamp not null, text varchar not null)")
    con.execute("create table facts (fact_id varchar primary key, report_id varchar not null, kind varchar not null, "
                "raw varchar not null, char_start integer not null, char_end integer not null, rule_id varchar not null)")
    con.close()
    result = run_cli("ingest", str(SAMPLE_TXT), "--warehouse", str(path))
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(str(path), read_only=True)
    columns = {c for (c,) in con.execute("select column_name from duckdb_columns() where table_name = 'facts'").fetchall()}
    assert {"value", "plan", "percent", "total_fact_id", "same_as_fact_id"} <= columns
    assert con.execute("select count(*) from facts where value is not null").fetchone()[0] > 300


def test_a_warehouse_made_before_versions_keeps_its_reports_as_their_first_versions(tmp_path):
    path = tmp_path / "old.duckdb"
    assert run_cli("ingest", str(SAMPLE_TXT), "--warehouse", str(path)).returncode == 0
    con = duckdb.connect(str(path))   # as it was before versions: no superseded tables, no reports.version
    con.execute("drop view v_report_versions")
    con.execute("drop schema superseded cascade")
    con.execute("alter table reports drop column version")
    con.close()
    corrected = tmp_path / "corrected" / SAMPLE_TXT.name
    corrected.parent.mkdir()
    corrected.write_text(SAMPLE_TXT.read_text(encoding="utf-8").replace("đạt 27,87%", "đạt 37,52%"), encoding="utf-8")
    result = run_cli("ingest", str(corrected), "--warehouse", str(path))
    assert result.returncode == 0, result.stderr
    assert "as backan_2023_ktxh version 2" in result.stdout
    assert "1 số liệu đổi, 0 không khớp mới, 1 không khớp đã hết" in result.stdout
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("select version, current from v_report_versions").fetchall() == [(1, False), (2, True)]
    superseded = {c for (c,) in con.execute("select column_name from duckdb_columns() "
                                            "where schema_name = 'superseded' and table_name = 'facts'").fetchall()}
    current = {c for (c,) in con.execute("select column_name from duckdb_columns() "
                                         "where schema_name = 'main' and table_name = 'facts'").fetchall()}
    assert superseded == current | {"version"}
