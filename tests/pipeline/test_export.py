"""`python -m pipeline export`: Parquet partitioned by year and locality, and CSV, read back by DuckDB and pandas."""
import duckdb
import pandas as pd

from conftest import run_cli


def test_export_reads_back_with_duckdb_and_pandas(tmp_path, sample_warehouse):
    out = tmp_path / "export"
    result = run_cli("export", "--warehouse", str(sample_warehouse), "--out", str(out))
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("facts", "checks")}
    year, locality = con.execute("select year, locality from reports").fetchone()

    partition = out / "facts" / f"year={year}"
    assert partition.is_dir() and len(list(partition.iterdir())) == 1        # one locality folder
    facts = duckdb.sql(f"select * from read_parquet('{out}/facts/**/*.parquet', hive_partitioning = true)").df()
    assert len(facts) == counts["facts"]
    assert set(zip(facts.year, facts.locality)) == {(year, locality)}
    budget = facts[facts.raw == "201,922/260 tỷ đồng bằng 77,66% dự toán"].iloc[0]
    assert (budget.value, budget.plan, budget.percent) == (201_922_000_000.0, 260_000_000_000.0, 77.66)

    checks = pd.read_parquet(out / "checks")
    assert len(checks) == counts["checks"]
    assert {str(v) for v in checks.locality.unique()} == {locality}
    assert pd.read_csv(out / "facts.csv").shape[0] == counts["facts"]
    assert set(pd.read_csv(out / "checks.csv").status) <= {"ok", "minor", "mismatch", "unverifiable"}

    again = run_cli("export", "--warehouse", str(sample_warehouse), "--out", str(out))   # overwrites, no duplicates
    assert again.returncode == 0, again.stderr
    assert len(pd.read_parquet(out / "facts")) == counts["facts"]
