"""`python -m pipeline export`: Parquet partitioned by year and locality, and CSV, read back by DuckDB and pandas."""
import csv
import re

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


def test_csv_has_a_bom_and_numbers_as_printed_while_parquet_stays_exact(tmp_path, sample_warehouse, sample_con):
    out = tmp_path / "export"
    result = run_cli("export", "--warehouse", str(sample_warehouse), "--out", str(out))
    assert result.returncode == 0, result.stderr
    for table in ("facts", "checks"):
        assert (out / f"{table}.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    assert sorted(p.name for p in out.iterdir()) == ["checks", "checks.csv", "facts", "facts.csv"]   # no leftovers

    with open(out / "facts.csv", encoding="utf-8-sig", newline="") as handle:
        facts = {row["raw"]: row for row in csv.DictReader(handle)}
    budget = facts["201,922/260 tỷ đồng bằng 77,66% dự toán"]
    assert (budget["value"], budget["plan"], budget["percent"], budget["value_exact"]) == (
        "201922000000", "260000000000", "77.66", "201922000000")
    assert (budget["value_raw"], budget["plan_raw"], budget["percent_raw"]) == ("201,922", "260", "77,66")
    with open(out / "checks.csv", encoding="utf-8-sig", newline="") as handle:
        checks = list(csv.DictReader(handle))
    numbers = [row[c] for row in checks for c in ("reported", "computed", "reported_low", "reported_high",
                                                   "computed_low", "computed_high", "difference") if row[c]]
    noisy = [n for n in numbers if "e" in n or len(re.sub(r"\D", "", n).strip("0")) > 15
             or ("." in n and (n.endswith("0") or len(n.split(".")[1]) > 6))]
    assert numbers and not noisy, noisy[:5]

    # the warehouse's double 102.35000000000001 (102,4% printed, less half a unit) is 102.35 in the CSV, and
    # exactly itself in the Parquet
    check_id, low = sample_con.execute(
        "select check_id, reported_low from checks where reported = 102.4 and reported_low <> 102.35").fetchone()
    assert low != 102.35 and round(low, 6) == 102.35
    assert next(row for row in checks if row["check_id"] == check_id)["reported_low"] == "102.35"
    parquet = pd.read_parquet(out / "checks")
    assert parquet.loc[parquet.check_id == check_id, "reported_low"].item() == low
