"""One writer at a time, and readers beside it: concurrent ingests wait for each other; readers (the
duckdb shell, Python) never wait for an ingest nor make it wait, and keep their snapshot until they
reconnect; a file held read-write by another process gives one clear line."""
import os
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from pipeline.sql import find_duckdb_cli
from warehouse.lock import hold_writer_lock
from warehouse.publish import leftovers, working_path_for

from conftest import ROOT, SAMPLE_TXT, run_cli

SMALL_REPORT = """UBND HUYỆN YÊN THẠCH

BÁO CÁO

Tình hình kinh tế - xã hội năm 2024

Thu ngân sách đạt 201,922/260 tỷ đồng bằng 77,66% dự toán.
Diện tích chuyển đổi cơ cấu cây trồng thực hiện 7,72/6ha đạt 182,6% KH.
"""


def start_cli(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})})


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


SMALL = ("UBND HUYỆN {name}\n\nBÁO CÁO\n\nTình hình kinh tế - xã hội năm 2024\n\n"
         "Thu ngân sách đạt 201,922/260 tỷ đồng bằng 77,66% dự toán.\n"
         "Tổng đàn trâu đạt 10.500 con, tăng 9,5% so với cùng kỳ.\n")
PLACES = ("YÊN THẠCH", "KIM SƠN", "YÊN LẠC", "TAM ĐẢO", "LẬP THẠCH", "SÔNG LÔ", "BÌNH XUYÊN", "PHÚC YÊN")

# A Python reader that keeps one read-only connection: each line on stdin asks for the number of
# reports ("count") or reconnects first ("reconnect").
PYTHON_READER = """
import sys, duckdb
path = sys.argv[1]
con = duckdb.connect(path, read_only=True)
for line in sys.stdin:
    if line.strip() == "reconnect":
        con.close()
        con = duckdb.connect(path, read_only=True)
    print(con.execute("select count(*) from reports").fetchone()[0], flush=True)
"""


def write_reports(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for number, place in enumerate(PLACES[:count]):
        (folder / f"r{number}_{place.replace(' ', '_').lower()}.txt").write_text(SMALL.format(name=place),
                                                                              encoding="utf-8")
    return folder


def warehouse_copy(tmp_path: Path, sample_warehouse: Path) -> Path:
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(sample_warehouse, warehouse)
    return warehouse


def ask(process: subprocess.Popen, line: str, timeout: float = 60) -> str:
    """Send one line to a reader and return the first line it answers."""
    process.stdin.write(line + "\n")
    process.stdin.flush()
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, f"no answer to {line!r}: {process.stderr.read() if process.poll() is not None else ''}"
    return process.stdout.readline().strip()


def start_readers(warehouse: Path) -> dict[str, subprocess.Popen]:
    """A Python process with duckdb.connect(read_only=True), and the pinned duckdb shell with -readonly."""
    python = subprocess.Popen([sys.executable, "-c", PYTHON_READER, str(warehouse)], text=True, bufsize=1,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    shell = subprocess.Popen([str(find_duckdb_cli()), "-readonly", "-csv", "-noheader", str(warehouse)], text=True,
                             bufsize=1, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return {"python": python, "shell": shell}


COUNTED = "select 'reports=' || count(*) from reports"
COUNT = {"python": "count", "shell": "select count(*) from reports;"}
RECONNECT = {"python": "reconnect", "shell": None}


def count_reports(name: str, reader: subprocess.Popen, reconnect: bool = False) -> int:
    if reconnect and name == "shell":
        reader.stdin.write(f".open -readonly {reader.args[-1]}\n")
    return int(ask(reader, RECONNECT[name] if reconnect and name == "python" else COUNT[name]))


def stop(readers: dict[str, subprocess.Popen]) -> None:
    for reader in readers.values():
        reader.kill()
        reader.wait(timeout=30)


def test_an_ingest_completes_while_readers_hold_the_warehouse_and_they_keep_their_snapshot(tmp_path,
                                                                                           sample_warehouse):
    warehouse = warehouse_copy(tmp_path, sample_warehouse)
    readers = start_readers(warehouse)
    try:
        assert {name: count_reports(name, r) for name, r in readers.items()} == {"python": 1, "shell": 1}
        ingest = run_cli("ingest", str(write_reports(tmp_path / "raw", 3)), "--warehouse", str(warehouse),
                         "--wait", "30")
        assert ingest.returncode == 0, ingest.stdout + ingest.stderr
        assert "waiting" not in ingest.stdout + ingest.stderr
        # the readers still see the warehouse they opened; a new reader sees the ingest
        assert {name: count_reports(name, r) for name, r in readers.items()} == {"python": 1, "shell": 1}
        assert duckdb.connect(str(warehouse), read_only=True).execute("select count(*) from reports").fetchone() == (4,)
        assert {name: count_reports(name, r, reconnect=True) for name, r in readers.items()} == {"python": 4, "shell": 4}
    finally:
        stop(readers)
    assert_consistent(warehouse, {"backan_2023_ktxh", "r0_yên_thạch", "r1_kim_sơn", "r2_yên_lạc"})
    assert not any(os.path.lexists(p) for p in leftovers(warehouse)) and not Path(f"{warehouse}.wal").exists()


def test_readers_query_while_an_ingest_runs_and_see_each_batch_as_it_is_published(tmp_path, sample_warehouse):
    warehouse = warehouse_copy(tmp_path, sample_warehouse)
    raw = write_reports(tmp_path / "raw", len(PLACES))
    ingest = start_cli("ingest", str(raw), "--warehouse", str(warehouse), "--batch", "1", "--workers", "0",
                       "--wait", "30", env={"SOLIEU_PUBLISH_EVERY": "0"})   # each batch published
    shell = str(find_duckdb_cli())
    seen, during, refused = [], 0, None
    try:
        deadline = time.monotonic() + 120
        while not working_path_for(warehouse).exists() and ingest.poll() is None:   # the ingest has begun
            assert time.monotonic() < deadline
            time.sleep(0.05)
        while ingest.poll() is None:
            for command in ([sys.executable, "-m", "pipeline", "sql", "--warehouse", str(warehouse), "-c", COUNTED],
                            [shell, "-readonly", str(warehouse), "-c", COUNTED],
                            [sys.executable, "-c", "import duckdb, sys; print(duckdb.connect(sys.argv[1], read_only=True)"
                                                   f".execute({COUNTED!r}).fetchone()[0])", str(warehouse)]):
                query = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
                assert query.returncode == 0, query.stderr
                seen.append(int(re.search(r"reports=(\d+)", query.stdout).group(1)))
                during += ingest.poll() is None
            if refused is None and ingest.poll() is None:   # a read-write opener would lose its writes: refused
                refused = subprocess.run([sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1])",
                                          str(warehouse)], capture_output=True, text=True, timeout=60)
        out, err = ingest.communicate(timeout=300)
    finally:
        if ingest.poll() is None:
            ingest.kill()
    assert ingest.returncode == 0, out + err
    assert "waiting" not in out + err
    assert during > 0, "no query ran while the ingest did"
    assert seen == sorted(seen) and 1 <= seen[0] and seen[-1] <= 1 + len(PLACES), seen
    assert refused is not None and refused.returncode != 0 and "Could not set lock" in refused.stderr
    assert_consistent(warehouse, {"backan_2023_ktxh"} | {p.stem for p in raw.iterdir()})


def test_a_killed_writers_copy_is_removed_by_the_next_one(tmp_path, sample_warehouse):
    warehouse = warehouse_copy(tmp_path, sample_warehouse)
    working, wal, spill = leftovers(warehouse)
    working.write_bytes(b"half a warehouse")
    wal.write_bytes(b"half a log")
    spill.mkdir()
    (spill / "duckdb_temp_block-1.block").write_bytes(b"x")
    result = run_cli("ingest", str(write_reports(tmp_path / "raw", 1)), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    assert not any(os.path.lexists(p) for p in (working, wal, spill))
    assert_consistent(warehouse, {"backan_2023_ktxh", "r0_yên_thạch"})


def test_a_write_ahead_log_left_beside_the_warehouse_is_kept_and_replayed_once(tmp_path, sample_warehouse):
    """A read-write process killed before its checkpoint (an older version's ingest, a shell) leaves
    committed rows in `<warehouse>.wal`: the next writer keeps them, and they are not replayed again
    onto the file it publishes."""
    warehouse = warehouse_copy(tmp_path, sample_warehouse)
    killed = subprocess.run([sys.executable, "-c", "import duckdb, os, sys; con = duckdb.connect(sys.argv[1]); "
                             "con.execute(\"update reports set title = 'from the log'\"); os._exit(0)",
                             str(warehouse)], capture_output=True, text=True, timeout=60)
    assert killed.returncode == 0, killed.stderr
    assert Path(f"{warehouse}.wal").exists()
    result = run_cli("ingest", str(write_reports(tmp_path / "raw", 1)), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    assert not Path(f"{warehouse}.wal").exists()
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("select title from reports where report_id = 'backan_2023_ktxh'").fetchone() == ("from the log",)
    con.close()
    assert_consistent(warehouse, {"backan_2023_ktxh", "r0_yên_thạch"})


def test_reader_commands_do_not_wait_for_a_writer(tmp_path, sample_warehouse):
    """sql, report, export and explain answer at once while a writer holds the warehouse mid-write,
    from the warehouse as last published; what the writer committed in its copy shows once published."""
    from warehouse.publish import published_warehouse
    warehouse = warehouse_copy(tmp_path, sample_warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    (fact_id,), (facts,) = (con.execute("select fact_id from facts order by fact_id limit 1").fetchone(),
                            con.execute("select count(*) from facts").fetchone())
    con.close()
    counted = "select 'facts=' || count(*) from facts"
    with published_warehouse(warehouse, 5, log=lambda m: None) as writing:
        writing.execute("delete from facts")   # committed in the writer's copy, not yet published
        for args in (["sql", "-c", counted], ["report", "--out", str(tmp_path / "out")],
                     ["export", "--out", str(tmp_path / "export")], ["explain", fact_id]):
            result = run_cli(*args, "--warehouse", str(warehouse), timeout=60)
            assert result.returncode == 0, (args, result.stderr)
            assert "waiting" not in result.stdout + result.stderr
            if args[0] == "sql":
                assert f"facts={facts}" in result.stdout
    assert (tmp_path / "out" / "backan_2023_ktxh.html").exists() and (tmp_path / "export" / "facts.csv").exists()
    assert "facts=0" in run_cli("sql", "-c", counted, "--warehouse", str(warehouse)).stdout


def test_a_reader_meeting_a_read_write_holder_fails_at_once_in_one_line(tmp_path, sample_warehouse):
    warehouse = warehouse_copy(tmp_path, sample_warehouse)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
                               "print('open', flush=True); time.sleep(120)", str(warehouse)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        started = time.monotonic()
        results = [run_cli(*args, "--warehouse", str(warehouse)) for args in
                   (["sql", "-c", "select 1"], ["report"], ["export", "--out", str(tmp_path / "export")])]
        elapsed = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait(timeout=30)
    for result in results:
        assert result.returncode == 3, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {warehouse} is open in another process ("), lines
        assert f"pid {holder.pid}) read-write" in lines[0] and "-readonly" in lines[0]
    assert elapsed < 60   # no reader waited out the default timeout of a writer


def test_batches_are_published_every_few_seconds_and_lines_told_once_published(tmp_path, sample_warehouse):
    """Three batches within $SOLIEU_PUBLISH_EVERY seconds are published together, at the end, and told then."""
    warehouse = warehouse_copy(tmp_path, sample_warehouse)
    raw = write_reports(tmp_path / "raw", 3)
    script = ("import sys, warehouse.publish as p, pipeline.__main__ as m\n"
              "published = p.WorkingCopy.publish\n"
              "def counted(self):\n"
              "    done = published(self)\n"
              "    print('published', done, flush=True)\n"
              "    return done\n"
              "p.WorkingCopy.publish = counted\n"
              "sys.exit(m.main(sys.argv[1:]))\n")
    paced = subprocess.run([sys.executable, "-c", script, "ingest", str(raw), "--warehouse", str(warehouse),
                            "--batch", "1", "--workers", "0"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                           env={**os.environ, "SOLIEU_PUBLISH_EVERY": "600"})
    assert paced.returncode == 0, paced.stderr
    lines = [line.split(" ")[0] for line in paced.stdout.splitlines()]
    assert lines[:4] == ["published", "ingested", "ingested", "ingested"], paced.stdout
    bad = subprocess.run([sys.executable, "-m", "pipeline", "ingest", str(raw), "--warehouse", str(warehouse)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "SOLIEU_PUBLISH_EVERY": "often"})
    assert bad.returncode == 2
    assert bad.stderr.strip() == ("error: $SOLIEU_PUBLISH_EVERY: 'often' is not a number of seconds "
                                  "(e.g. 10, or 0 to publish every batch)")


def test_remove_review_and_lake_load_complete_while_readers_hold_the_warehouse(tmp_path, sample_warehouse):
    """Every writer goes through a published copy, not ingest alone: none waits for a reader."""
    from pipeline.lake import WorkerState, plan_run, process_batch
    from extract.cases import load_checked_rulebook
    from extract.reading.limits import Limits
    from warehouse.checks import checks_version, load_checks
    warehouse = warehouse_copy(tmp_path, sample_warehouse)
    rulebook = load_checked_rulebook()
    state = WorkerState(rulebook, load_checks(), f"{rulebook.version}-{checks_version()}", Limits())
    lake = tmp_path / "lake"
    for batch in plan_run(sorted(write_reports(tmp_path / "raw", 2).iterdir()), [], "run-1", 2).batches:
        process_batch(batch, str(lake), state)
    (check_id,) = duckdb.connect(str(warehouse), read_only=True).execute(
        "select check_id from checks where status = 'mismatch' order by check_id limit 1").fetchone()
    readers = start_readers(warehouse)
    try:
        assert {name: count_reports(name, r) for name, r in readers.items()} == {"python": 1, "shell": 1}
        for command in (("lake-load", "--lake", str(lake)), ("review", check_id, "--as", "confirmed"),
                        ("remove", "r0_yên_thạch")):
            done = run_cli(*command, "--warehouse", str(warehouse), "--wait", "5")
            assert done.returncode == 0, command + (done.stdout + done.stderr,)
            assert "waiting" not in done.stdout + done.stderr, command
        assert {name: count_reports(name, r) for name, r in readers.items()} == {"python": 1, "shell": 1}
        assert {name: count_reports(name, r, reconnect=True) for name, r in readers.items()} == {"python": 2, "shell": 2}
    finally:
        stop(readers)
    assert_consistent(warehouse, {"backan_2023_ktxh", "r1_kim_sơn"})
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select review from review_decisions").fetchall() == [("confirmed",)]
    assert not any(os.path.lexists(p) for p in leftovers(warehouse)) and not Path(f"{warehouse}.wal").exists()
