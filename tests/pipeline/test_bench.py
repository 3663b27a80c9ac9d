"""`python -m pipeline bench` runs on a tiny corpus and prints its table (no time is asserted)."""
from conftest import run_cli


def test_bench_on_three_reports_prints_the_floor_the_ingest_and_its_stages(shared):
    result = run_cli("bench", "--reports", "3", "--pdfs", "0", "--repeat", "2", "--shared", str(shared))
    assert result.returncode == 0, result.stdout + result.stderr
    table = result.stdout
    assert "corpus: 3 text reports" in table and "the fastest of 2 runs each" in table
    for row in ("floor", "ingest, whole process", "read", "segment", "extract", "load", "check", "report",
                "CPU time, all processes", "peak RSS"):
        assert row in table, row
    assert "reports/s" in table and "MB/s" in table and "×" in table
    assert "(exit" not in table   # the ingest itself succeeded, and so did the lake
    assert "lake + lake-load, " in table and "lake (cluster start " in table
