"""Faults during an ingest: the process killed (SIGKILL) at the named points of pipeline/faults.py
and at random moments, the disk full, the warehouse file damaged. Afterwards the warehouse opens,
holds only complete reports (each with all its facts and checks, no row without its report) and
every report published before the fault, has no write-ahead log beside it (the ingest writes a copy
and renames it onto the warehouse: warehouse/publish.py), a rerun removes the killed ingest's copy
and finishes the batch, and a damaged file gets one line that says how to rebuild it.
"""
from __future__ import annotations

import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pytest

from warehouse.publish import leftovers

from conftest import ROOT, SAMPLE_TXT, run_cli

SMALL = ("UBND HUYỆN {name}\n\nBÁO CÁO\n\nTình hình kinh tế - xã hội năm 2024\n\n"
         "Thu ngân sách đạt 201,922/260 tỷ đồng bằng 77,66% dự toán.\n"
         "Diện tích chuyển đổi cơ cấu cây trồng thực hiện 7,72/6ha đạt 128,6% KH.\n"
         "Tổng đàn trâu đạt 10.500 con, tăng 9,5% so với cùng kỳ.\n")
TABLES = ("facts", "checks", "problems", "sentences", "line_map", "sections")


def write_batch(folder: Path) -> Path:
    """Four reports of four localities (no cross-report checks between them), the sample third."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a_yenthach.txt").write_text(SMALL.format(name="YÊN THẠCH"), encoding="utf-8")
    (folder / "b_kimson.txt").write_text(SMALL.format(name="KIM SƠN"), encoding="utf-8")
    shutil.copy(SAMPLE_TXT, folder / "c_backan.txt")
    (folder / "d_yenlac.txt").write_text(SMALL.format(name="YÊN LẠC"), encoding="utf-8")
    return folder


def contents(warehouse: Path) -> dict[str, tuple[int, ...]]:
    """Rows per table for each report, after checking that no row lacks its report. A process killed
    while it created the schema leaves some tables missing (each is created on its own; the rerun
    creates the rest): they hold nothing."""
    if not warehouse.exists():
        return {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        present = {t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()}
        if "reports" not in present:
            assert not present & set(TABLES), f"report rows without the reports table: {present}"
            return {}
        for table in TABLES:
            orphans = con.execute(f"select count(*) from {table} where report_id not in (select report_id from reports)")
            assert orphans.fetchone()[0] == 0, f"rows of {table} without their report"
        ids = [r for (r,) in con.execute("select report_id from reports order by 1").fetchall()]
        return {r: tuple(con.execute(f"select count(*) from {t} where report_id = ?", [r]).fetchone()[0]
                         for t in TABLES) for r in ids}
    finally:
        con.close()


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    return write_batch(tmp_path_factory.mktemp("batch"))


@pytest.fixture(scope="module")
def reference(batch, tmp_path_factory) -> dict[str, tuple[int, ...]]:
    """What each report holds when the batch is ingested without a fault."""
    warehouse = tmp_path_factory.mktemp("reference") / "w.duckdb"
    result = run_cli("ingest", str(batch), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    found = contents(warehouse)
    assert len(found) == 4 and all(counts[0] > 0 for counts in found.values())
    return found


def assert_complete(warehouse: Path, reference: dict) -> set[str]:
    """Every report in the warehouse has exactly the rows it has after a clean ingest; returns their ids.
    The published file is always whole: no write-ahead log beside it that a reader would replay."""
    assert not Path(f"{warehouse}.wal").exists(), "a write-ahead log beside the published warehouse"
    found = contents(warehouse)
    for report_id, counts in found.items():
        assert counts == reference[report_id], f"{report_id} is incomplete: {counts} != {reference[report_id]}"
    return set(found)


def ingest(batch: Path, warehouse: Path, env: dict | None = None, **popen) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "ingest", str(batch), "--warehouse", str(warehouse)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})}, **popen)


def finish(batch: Path, warehouse: Path, reference: dict) -> subprocess.CompletedProcess:
    """Rerun the batch: it must end cleanly, without waiting for a lock, with every report and its HTML."""
    result = ingest(batch, warehouse)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "waiting for" not in result.stdout + result.stderr, "a killed ingest left the warehouse locked"
    assert assert_complete(warehouse, reference) == set(reference)
    assert not any(os.path.lexists(p) for p in leftovers(warehouse)), "the killed ingest's copy is left"
    assert all((warehouse.parent / "reports" / f"{r}.html").exists() for r in reference)
    return result


@pytest.mark.parametrize("fault", ["after_read:2", "after_load:1", "before_commit:1", "before_publish:1",
                                   "after_commit:1"])
def test_killed_at_a_fault_point_leaves_only_complete_reports_and_a_rerun_finishes(batch, reference, tmp_path,
                                                                                  fault):
    warehouse = tmp_path / "w.duckdb"
    killed = ingest(batch, warehouse, {"SOLIEU_FAULT": fault})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    found = assert_complete(warehouse, reference)
    if fault.startswith("after_commit"):   # published before the kill: kept
        assert found, "a report published before the kill was lost"
    else:                                  # the first batch was not published: nothing of it is seen
        assert not found
    again = finish(batch, warehouse, reference)
    if fault.startswith("after_commit"):   # committed, killed before its HTML: written on the rerun
        assert "its missing report is written again" in again.stdout


def test_killed_in_a_later_batch_keeps_the_batches_published_before(batch, reference, tmp_path):
    """Batches of one report, each published: killed before the third is, the first two are kept whole."""
    warehouse = tmp_path / "w.duckdb"
    killed = subprocess.run([sys.executable, "-m", "pipeline", "ingest", str(batch), "--warehouse", str(warehouse),
                             "--batch", "1", "--workers", "0"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "SOLIEU_FAULT": "before_publish:3",
                                              "SOLIEU_PUBLISH_EVERY": "0"})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    told = [line.split(" as ")[1].split(" ")[0] for line in killed.stdout.splitlines() if line.startswith("ingested ")]
    assert len(told) == 2
    assert assert_complete(warehouse, reference) == set(told)   # every report told as ingested is there
    finish(batch, warehouse, reference)


def test_killed_at_random_moments_then_a_rerun_finishes(batch, reference, tmp_path):
    """Three kills at moments drawn at random, each after the ingest has begun to work."""
    warehouse, chance = tmp_path / "w.duckdb", random.Random(os.environ.get("SOLIEU_FAULT_SEED", 7))
    for _ in range(3):
        process = subprocess.Popen([sys.executable, "-m", "pipeline", "ingest", str(batch), "--warehouse",
                                    str(warehouse)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(chance.uniform(0.8, 2.5))   # the CLI needs about a second to load the rules
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        assert_complete(warehouse, reference)
    finish(batch, warehouse, reference)


def limit_file_size(limit: int):
    """preexec_fn: files this process writes may not grow past `limit` bytes (EFBIG, as a full disk)."""
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # else the kernel kills the writer instead of failing the write
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def assert_no_space_line(result: subprocess.CompletedProcess, warehouse: Path) -> None:
    assert result.returncode == 4, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: {warehouse}: no space left to write the warehouse ("), last
    assert "a writer needs free space for a copy of the warehouse (" in last
    assert "free space on its disk and run the same command again" in last
    assert not any(os.path.lexists(p) for p in leftovers(warehouse)), "the failed ingest's copy is left"


def test_a_file_size_limit_stops_the_batch_with_one_line_and_corrupts_nothing(batch, reference, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    full = ingest(batch, warehouse, preexec_fn=limit_file_size(400 * 1024))
    assert_no_space_line(full, warehouse)
    assert_complete(warehouse, reference)
    finish(batch, warehouse, reference)


def test_no_room_for_the_copy_of_the_warehouse_says_so_and_leaves_it_as_it_was(batch, reference, loaded_warehouse,
                                                                               tmp_path):
    """A writer first copies the warehouse: when the copy cannot be written, nothing is."""
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(loaded_warehouse, warehouse)
    before = warehouse.read_bytes()
    full = ingest(batch, warehouse, preexec_fn=limit_file_size(len(before) // 2))
    assert_no_space_line(full, warehouse)
    assert f"a copy of the warehouse ({len(before) / 1e6:.1f} MB)" in full.stderr
    assert warehouse.read_bytes() == before
    finish(batch, warehouse, reference)


def mount_tmpfs(folder: Path, size: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True).returncode == 0


def test_a_full_disk_stops_the_batch_with_one_line_and_more_space_lets_it_finish(batch, reference):
    disk = Path(tempfile.mkdtemp(prefix="solieu-full-"))
    if not mount_tmpfs(disk, "400k"):
        disk.rmdir()
        pytest.skip("cannot mount a small tmpfs here (needs root and CAP_SYS_ADMIN); "
                    "the file size limit test covers a full disk")
    try:
        warehouse = disk / "w.duckdb"
        full = ingest(batch, warehouse)
        assert_no_space_line(full, warehouse)
        assert_complete(warehouse, reference)
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        finish(batch, warehouse, reference)
    finally:
        subprocess.run(["umount", str(disk)], check=True)
        disk.rmdir()


def overwrite(path: Path, offset: int, size: int) -> None:
    with open(path, "r+b") as handle:
        handle.seek(offset)
        handle.write(random.Random(offset).randbytes(size))


DAMAGE = {
    "header overwritten": lambda path: overwrite(path, 0, 64),
    "block checksum": lambda path: overwrite(path, 4096, 4096),
    "truncated to half": lambda path: os.truncate(path, path.stat().st_size // 2),
    "emptied": lambda path: os.truncate(path, 0),
}


@pytest.fixture(scope="module")
def loaded_warehouse(batch, tmp_path_factory) -> Path:
    warehouse = tmp_path_factory.mktemp("loaded") / "w.duckdb"
    assert run_cli("ingest", str(batch / "c_backan.txt"), "--warehouse", str(warehouse)).returncode == 0
    return warehouse


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_warehouse_gets_one_line_with_the_rebuild_command(loaded_warehouse, batch, tmp_path, damage):
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(loaded_warehouse, warehouse)
    DAMAGE[damage](warehouse)
    before = warehouse.read_bytes()
    for args in (["ingest", str(batch / "a_yenthach.txt")], ["report"]):
        result = run_cli(*args, "--warehouse", str(warehouse))
        assert result.returncode == 4, (args, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith(f"error: {warehouse}: warehouse is damaged ("), lines[0]
        assert f"move it aside (mv {warehouse} {warehouse}.damaged" in lines[0]
        assert lines[0].endswith("to rebuild it from raw_reports/") or "; not ingested: " in lines[0], lines[0]
        assert f"`make ingest WAREHOUSE={warehouse}`" in lines[0]
    assert warehouse.read_bytes() == before   # an ingest writes a copy: the warehouse is never touched
    assert not any(os.path.lexists(p) for p in leftovers(warehouse))
    if damage != "block checksum":
        return
    for stale in (warehouse, Path(f"{warehouse}.wal")):   # the advice, followed
        if stale.exists():
            stale.rename(f"{stale}.damaged")
    rebuilt = run_cli("ingest", str(batch / "a_yenthach.txt"), "--warehouse", str(warehouse))
    assert rebuilt.returncode == 0, rebuilt.stderr
