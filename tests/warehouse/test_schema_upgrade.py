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
