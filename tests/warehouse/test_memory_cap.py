"""DuckDB's memory is capped while ingesting ($SOLIEU_DUCKDB_MEMORY), and a cap too small for a
report grows instead of failing the ingest."""
import os
import subprocess
import sys

import duckdb

from pipeline.run import with_more_memory_if_needed
from conftest import ROOT, SAMPLE_TXT


def ingest(*args, memory: str):
    env = {**os.environ, "SOLIEU_DUCKDB_MEMORY": memory}
    return subprocess.run([sys.executable, "-m", "pipeline", "ingest", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_a_query_beyond_the_cap_runs_again_with_a_larger_cap():
    con = duckdb.connect()
    con.execute("set threads = 1")
    con.execute("set memory_limit = '4MB'")
    grouped = lambda: con.execute("select count(*) from (select i % 500000 as k, list(i) "  # noqa: E731
                                  "from range(2000000) t(i) group by k)").fetchone()
    try:
        grouped()
        raise AssertionError("4 MB was expected to be too small for this query")
    except duckdb.OutOfMemoryException:
        pass
    assert with_more_memory_if_needed(con, grouped) == (500000,)
    (limit,) = con.execute("select current_setting('memory_limit')").fetchone()
    assert limit != "3.8 MiB"


def test_the_sample_ingests_under_a_tiny_cap_with_the_same_results(tmp_path, sample_con):
    result = ingest(str(SAMPLE_TXT), "--warehouse", str(tmp_path / "w.duckdb"), memory="4MB")
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    count = "select count(*) from {} where report_id = 'backan_2023_ktxh'"
    for table in ("facts", "checks"):
        assert con.execute(count.format(table)).fetchone() == sample_con.execute(count.format(table)).fetchone()


def test_a_cap_that_is_not_a_size_is_refused_before_anything_is_written(tmp_path):
    result = ingest(str(SAMPLE_TXT), "--warehouse", str(tmp_path / "w.duckdb"), memory="lots")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: $SOLIEU_DUCKDB_MEMORY: 'lots' is not a memory size (e.g. 128MB or 2GB)"
    assert not (tmp_path / "w.duckdb").exists()


def test_fact_and_check_ids_stay_unique_without_a_declared_key(tmp_path, shared):
    reports = [str(SAMPLE_TXT), *map(str, sorted((shared / "reports").glob("*.txt")))]
    warehouse = str(tmp_path / "w.duckdb")
    assert ingest(*reports, "--warehouse", warehouse, memory="128MB").returncode == 0
    again = subprocess.run([sys.executable, "-m", "pipeline", "reextract", "--warehouse", warehouse], cwd=ROOT,
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    con = duckdb.connect(warehouse, read_only=True)
    for table, key in (("facts", "fact_id"), ("checks", "check_id")):
        total, distinct = con.execute(f"select count(*), count(distinct {key}) from {table}").fetchone()
        assert total == distinct > 100
