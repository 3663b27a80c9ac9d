"""`make sql`: the pinned DuckDB shell opens a warehouse written by the Python package, read-only."""
import subprocess
import tomllib

import duckdb

from pipeline.sql import find_duckdb_cli

from conftest import ROOT, run_cli


def test_the_shell_is_pinned_to_the_python_package_version():
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    assert "duckdb==" + duckdb.__version__ in pins and "duckdb-cli==" + duckdb.__version__ in pins
    shell = subprocess.run([str(find_duckdb_cli()), "--version"], capture_output=True, text=True, timeout=30)
    assert shell.stdout.startswith(f"v{duckdb.__version__} "), shell.stdout


def test_the_shell_opens_a_fresh_warehouse_read_only_and_answers(sample_warehouse):
    shell = str(find_duckdb_cli())
    answer = subprocess.run([shell, "-readonly", "-csv", str(sample_warehouse), "-c",
                             "select report_id, mismatch from v_coverage"], capture_output=True, text=True, timeout=60)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.splitlines()[:1] == ["report_id,mismatch"]
    assert answer.stdout.splitlines()[1].startswith("backan_2023_ktxh,")
    write = subprocess.run([shell, "-readonly", str(sample_warehouse), "-c", "delete from facts"],
                           capture_output=True, text=True, timeout=60)
    assert "read-only" in (write.stdout + write.stderr)
    assert duckdb.connect(str(sample_warehouse), read_only=True).execute("select count(*) from facts").fetchone()[0] > 0


def test_sql_subcommand_prints_one_query_as_a_table(sample_warehouse):
    result = run_cli("sql", "--warehouse", str(sample_warehouse), "-c",
                     "select count(*) as flagged from v_mismatches where report_id = 'backan_2023_ktxh'")
    assert result.returncode == 0, result.stderr
    assert "flagged" in result.stdout and "│" in result.stdout


def test_sql_subcommand_without_a_query_is_the_interactive_shell(sample_warehouse):
    import sys
    session = subprocess.run([sys.executable, "-m", "pipeline", "sql", "--warehouse", str(sample_warehouse)],
                             input="select 40 + 2 as answer;\n", cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert session.returncode == 0, session.stderr
    assert "42" in session.stdout


def test_make_sql_runs_a_query(sample_warehouse):
    result = subprocess.run(["make", "-s", "sql", f"WAREHOUSE={sample_warehouse}",
                             "Q=select 'it''s' as quoted, count(*) > 0 as has_reports from reports"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "it's" in result.stdout and "true" in result.stdout


def test_sql_on_a_missing_warehouse_says_so_in_one_line(tmp_path):
    result = run_cli("sql", "--warehouse", str(tmp_path / "none.duckdb"), "-c", "select 1")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "make ingest" in result.stderr


def test_an_older_warehouse_gets_the_views_when_the_shell_opens_it(tmp_path, sample_warehouse):
    warehouse = tmp_path / "old.duckdb"
    warehouse.write_bytes(sample_warehouse.read_bytes())
    con = duckdb.connect(str(warehouse))
    con.execute("drop view v_indicator_history")
    con.close()
    result = run_cli("sql", "--warehouse", str(warehouse), "-c", "select count(*) as rows from v_indicator_history")
    assert result.returncode == 0, result.stderr
    assert f"adding the analysts' views to {warehouse}" in result.stderr and "rows" in result.stdout
