"""One writer at a time: concurrent ingests wait for each other; a held file gives one clear line."""
import subprocess
import sys
import time

import duckdb

from warehouse.lock import hold_writer_lock

from conftest import ROOT, SAMPLE_TXT, run_cli

SMALL_REPORT = """UBND HUYỆN YÊN THẠCH

BÁO CÁO

Tình hình kinh tế - xã hội năm 2024

Thu ngân sách đạt 201,922/260 tỷ đồng bằng 77,66% dự toán.
Diện tích chuyển đổi cơ cấu cây trồng thực hiện 7,72/6ha đạt 182,6% KH.
"""


def start_cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def assert_consistent(warehouse, report_ids: set[str]) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    assert {r for (r,) in con.execute("select report_id from reports").fetchall()} == report_ids
    for table in ("facts", "checks", "sentences", "line_map"):
        orphans = con.execute(f"select count(*) from {table} where report_id not in (select report_id from reports)")
        assert orphans.fetchone()[0] == 0, table
    for report_id in report_ids:
        assert con.execute("select count(*) from facts where report_id = ?", [report_id]).fetchone()[0] > 0
    con.close()


def test_two_concurrent_ingests_both_land(tmp_path):
    small = tmp_path / "yenthach_2024.txt"
    small.write_text(SMALL_REPORT, encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    first = start_cli("ingest", str(SAMPLE_TXT), "--warehouse", str(warehouse))
    second = start_cli("ingest", str(small), "--warehouse", str(warehouse))
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    assert_consistent(warehouse, {"backan_2023_ktxh", "yenthach_2024"})


def test_a_second_ingest_waits_for_the_first_with_a_message(tmp_path):
    small = tmp_path / "yenthach_2024.txt"
    small.write_text(SMALL_REPORT, encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    with hold_writer_lock(warehouse, 5, log=lambda m: None):
        waiting = start_cli("ingest", str(small), "--warehouse", str(warehouse), "--wait", "60")
        first_line = waiting.stdout.readline()
        time.sleep(0.5)
        assert waiting.poll() is None                           # still waiting while we hold the lock
    out, err = waiting.communicate(timeout=120)
    assert first_line.startswith(f"waiting for {warehouse}: another ingest is running (pid ")
    assert waiting.returncode == 0, err
    assert_consistent(warehouse, {"yenthach_2024"})


def test_an_ingest_that_cannot_wait_longer_fails_in_one_line(tmp_path):
    small = tmp_path / "yenthach_2024.txt"
    small.write_text(SMALL_REPORT, encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    with hold_writer_lock(warehouse, 5, log=lambda m: None):
        result = run_cli("ingest", str(small), "--warehouse", str(warehouse), "--wait", "0.5")
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1 and "another ingest is running (pid" in result.stderr
    assert not warehouse.exists()


def test_a_shell_holding_the_file_read_write_gives_a_clear_line(tmp_path, sample_warehouse):
    warehouse = tmp_path / "w.duckdb"
    warehouse.write_bytes(sample_warehouse.read_bytes())
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
                               "print('open', flush=True); time.sleep(120)", str(warehouse)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        small = tmp_path / "yenthach_2024.txt"
        small.write_text(SMALL_REPORT, encoding="utf-8")
        ingest = run_cli("ingest", str(small), "--warehouse", str(warehouse), "--wait", "1")
        query = run_cli("sql", "--warehouse", str(warehouse), "--wait", "1", "-c", "select 1")
    finally:
        holder.kill()
        holder.wait(timeout=30)
    for result in (ingest, query):
        assert result.returncode == 3, result.stderr
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith(f"error: {warehouse} is open in another process (") and f"pid {holder.pid}" in last
        assert "Traceback" not in result.stderr
    assert_consistent(warehouse, {"backan_2023_ktxh"})
