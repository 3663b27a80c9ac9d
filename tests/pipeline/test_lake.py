"""`lake` then `lake-load` (pipeline/lake.py, pipeline/lake_load.py) give the warehouse `ingest` gives.

The corpus is the development reports (text), the sample as text and as PDF, a PDF cut short (it
fails, as in an ingest), the sample twice under two names (one copy is skipped) and two years of
two localities: copies of the Bắc Kạn and Yên Thạch reports with their years moved, so that the
check against last year's report (CK40) finds figures. The warehouses are compared table by table
with `except all` both ways, every column (ids included) but the time of loading.

A real cluster is a `dask scheduler` and two `dask worker --nthreads 1` processes on this machine;
one worker is killed in the middle of the run, which completes on the other. A local cluster run is
interrupted (Ctrl-C) and run again: the second run redoes only what the first did not finish.
Each run takes about 15-25 s on two cores.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT, SAMPLE_TXT, run_cli

TABLES = ("reports", "facts", "checks", "problems", "line_map", "sections", "sentences", "footnotes", "table_rows",
          "ocr_words")
DASK = Path(sys.executable).with_name("dask")


def make_corpus(folder: Path, shared: Path) -> Path:
    folder.mkdir(parents=True)
    for path in sorted((shared / "reports").glob("*.txt")):
        shutil.copy(path, folder / path.name)
    shutil.copy(SAMPLE_TXT, folder / "backan_2023_ktxh_goc.txt")           # the same content twice
    shutil.copy(shared / "pdf" / "backan_2023_ktxh.pdf", folder / "backan_2023_ktxh.pdf")   # the sample as a PDF
    pdf = (shared / "pdf" / "backan_2023_ktxh.pdf").read_bytes()
    (folder / "cut_short.pdf").write_bytes(pdf[:len(pdf) // 3])                  # a PDF cut off in a copy: it fails
    text = SAMPLE_TXT.read_text(encoding="utf-8")
    (folder / "backan_2024_ktxh.txt").write_text(text.replace("2023", "2024").replace("2022", "2023"), encoding="utf-8")
    text = (shared / "reports" / "huyen_9thang_2024.txt").read_text(encoding="utf-8")
    (folder / "huyen_9thang_2023.txt").write_text(text.replace("2023", "2022").replace("2024", "2023"), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, shared) -> Path:
    return make_corpus(tmp_path_factory.mktemp("lake") / "corpus", shared)


@pytest.fixture(scope="module")
def ingested(corpus, tmp_path_factory) -> Path:
    """The reference: `ingest` of the corpus."""
    warehouse = tmp_path_factory.mktemp("ingest") / "warehouse.duckdb"
    result = run_cli("ingest", str(corpus), "--warehouse", str(warehouse))
    assert result.returncode == 1, result.stdout + result.stderr     # the PDF cut short
    assert "19 ingested, 1 skipped, 1 failed" in result.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (cross,) = con.execute("select count(distinct report_id) from checks where rule_id = 'CK40'").fetchone()
    assert cross == 2   # both later years are checked against the earlier one
    return warehouse


def differences(left: Path, right: Path) -> dict[str, tuple[int, int, int]]:
    """Table -> (rows, rows only in left, rows only in right), the tables of current versions and the
    superseded ones'; reports compared without ingested_at."""
    con = duckdb.connect()
    con.execute(f"attach '{left}' as l (read_only)")
    con.execute(f"attach '{right}' as r (read_only)")
    found = {}
    for table in TABLES + tuple(f"superseded.{t}" for t in TABLES):
        columns = "* exclude (ingested_at)" if table.endswith("reports") else "*"
        only = [con.execute(f"select count(*) from (select {columns} from {a}.{table} except all "
                            f"select {columns} from {b}.{table})").fetchone()[0] for a, b in (("l", "r"), ("r", "l"))]
        (rows,) = con.execute(f"select count(*) from l.{table}").fetchone()
        found[table] = (rows, *only)
    con.close()
    return found


def assert_same_warehouse(loaded: Path, ingested: Path, facts: int = 2500, checks: int = 1000) -> None:
    found = differences(loaded, ingested)
    assert all(only_left == only_right == 0 for _, only_left, only_right in found.values()), found
    assert found["facts"][0] > facts and found["checks"][0] > checks   # a corpus, not a handful of rows


def manifests(lake: Path, folder: str = "manifest") -> list[dict]:
    import pyarrow.parquet as pq
    return [row for path in sorted((lake / folder).glob("*.parquet")) for row in pq.read_table(path).to_pylist()]


def lake_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "lake", *args]


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture()
def dask_cluster(tmp_path):
    """A scheduler and two single-threaded workers, each in its own process group (killed whole)."""
    if not DASK.exists():
        pytest.skip("the dask command is not installed")
    address_file = tmp_path / "scheduler.json"
    common = ["--no-dashboard", "--host", "127.0.0.1"]
    processes = [subprocess.Popen([str(DASK), "scheduler", "--port", "0", "--scheduler-file", str(address_file),
                                   *common], start_new_session=True, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)]
    try:
        wait_for(address_file.exists, 60, "the scheduler")
        wait_for(lambda: json.loads(address_file.read_text() or "{}").get("address"), 10, "its address")
        for _ in range(2):
            processes.append(subprocess.Popen([str(DASK), "worker", "--scheduler-file", str(address_file),
                                               "--nthreads", "1", *common], cwd=tmp_path, start_new_session=True,
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        address = json.loads(address_file.read_text())["address"]
        from dask.distributed import Client
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address, processes[1:]
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def kill_a_busy_worker(address: str) -> tuple[int, set[str]]:
    """SIGKILL the process group (nanny and worker) of a worker that is running a task: its pid, and the
    batches it had."""
    from dask.distributed import Client
    with Client(address, timeout="30s") as client:
        deadline = time.monotonic() + 60
        while True:
            busy = [(w, keys) for w, keys in client.processing().items() if keys]
            if busy or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert busy, "no worker was running a task"
        worker, keys = busy[0]
        pid = client.run(os.getpid, workers=[worker])[worker]
    os.killpg(os.getpgid(pid), signal.SIGKILL)
    return pid, {"batch-" + str(key).split("-batch-")[1] for key in keys}


def test_a_cluster_losing_a_worker_gives_what_ingest_gives(corpus, ingested, dask_cluster, tmp_path):
    address, _ = dask_cluster
    lake = tmp_path / "lake"
    run = subprocess.Popen(lake_command(str(corpus), "--lake", str(lake), "--scheduler", address, "--batch", "2"),
                           cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: len(list((lake / "manifest").glob("batch-*.parquet"))) >= 1 or run.poll() is not None,
             180, "the first batch")
    killed, batches = kill_a_busy_worker(address)   # a worker and its nanny, in the middle of a task
    assert run.poll() is None
    out, err = run.communicate(timeout=300)
    assert run.returncode == 1, out + err           # the PDF cut short failed; nothing else did
    # the sample's second copy is a duplicate when its batch holds the first too, else the lake does it twice
    assert ("20 done, 0 skipped (done before), 1 failed;" in out
            or "19 done, 0 skipped (done before), 1 failed, 1 duplicate;" in out), out + err
    assert [line for line in err.splitlines() if line.startswith("error: ")] == [
        line for line in err.splitlines() if line.startswith("error: ") and "cut_short.pdf: PDF is truncated" in line]
    assert sorted(Path(row["path"]).name for row in manifests(lake)) == sorted(p.name for p in corpus.iterdir())
    redone = [row for row in manifests(lake) if row["batch"] in batches]
    assert redone and all(row["worker"].rpartition(":")[2] != str(killed) for row in redone)   # by the other worker

    warehouse = tmp_path / "loaded.duckdb"
    loaded = run_cli("lake-load", "--lake", str(lake), "--warehouse", str(warehouse))
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert "loaded 19 reports" in loaded.stdout, loaded.stdout
    assert "the current version of 1 report replaced by a new one" in loaded.stdout   # the sample's text by its PDF
    assert_same_warehouse(warehouse, ingested)
    reports = warehouse.parent / "reports"
    assert sorted(p.name for p in reports.glob("*.html")) == sorted(p.name for p in (ingested.parent / "reports").glob("*.html"))

    # analysts may read the lake without loading it
    (facts,) = duckdb.execute(f"select count(*) from read_parquet('{lake}/facts/*.parquet')").fetchone()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (stored,) = con.execute("select (select count(*) from facts) + (select count(*) from superseded.facts)"
                                ).fetchone()
    (copy,) = duckdb.execute(f"select count(*) from read_parquet('{lake}/facts/*.parquet') "
                             "where report_id = 'backan_2023_ktxh_goc'").fetchone()
    assert facts == stored + copy   # every version; the lake may also hold the second copy of the sample


def test_an_interrupted_run_is_finished_by_the_next(corpus, ingested, tmp_path):
    lake = tmp_path / "lake"
    command = lake_command(str(corpus), "--lake", str(lake), "--workers", "2", "--batch", "2")
    # a shell's background job ignores SIGINT, and so would its children: the run is given Ctrl-C's default
    first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    wait_for(lambda: len(list((lake / "manifest").glob("batch-*.parquet"))) >= 2 or first.poll() is not None,
             180, "two batches")
    first.send_signal(signal.SIGINT)
    out, err = first.communicate(timeout=120)
    assert first.returncode == 130, out + err
    (record,) = (lake / "runs").glob("run-*.parquet")
    statuses = [row["status"] for row in manifests(lake, "runs")]
    assert "not done" in statuses and "done" in statuses
    done_first = {row["path"] for row in manifests(lake) if row["status"] == "done"}

    second = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert second.returncode == 1, second.stdout + second.stderr     # the PDF cut short, again
    (latest,) = [p for p in (lake / "runs").glob("run-*.parquet") if p != record]
    import pyarrow.parquet as pq
    rows = pq.read_table(latest).to_pylist()
    assert {row["path"] for row in rows if row["status"] == "skipped"} == done_first
    redone = [row for row in manifests(lake) if row["run"] == rows[0]["run"]]
    assert redone and not {row["path"] for row in redone} & done_first
    assert len(done_first) + len(redone) == len(list(corpus.iterdir()))

    warehouse = tmp_path / "loaded.duckdb"
    loaded = run_cli("lake-load", "--lake", str(lake), "--warehouse", str(warehouse))
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert_same_warehouse(warehouse, ingested)


def test_files_of_a_report_held_before_load_as_its_new_versions(tmp_path, shared):
    """The lake (made here without a cluster: the task is a plain function) holds two corrected copies
    of a report the warehouse has: each loads as the next version of it, the one before moving to the
    superseded tables (the second copy's lake id, stem_<hash>, and its facts' ids rewritten, and
    checked again); its later year, in another batch, is checked against the current one; all as
    ingest would."""
    from extract.cases import load_checked_rulebook
    from extract.reading.limits import Limits
    from pipeline.lake import WorkerState, plan_run, process_batch
    from pipeline.lake_load import lake_load
    from warehouse.checks import checks_version, load_checks
    folder = tmp_path / "reports"
    folder.mkdir()
    text = SAMPLE_TXT.read_text(encoding="utf-8")
    (folder / "a_backan_2024.txt").write_text(text.replace("2023", "2024").replace("2022", "2023"), encoding="utf-8")
    (folder / "backan_2023_ktxh.txt").write_text(text + "\nBản sao.\n", encoding="utf-8")   # version 2
    (folder / "again").mkdir()
    (folder / "again" / "backan_2023_ktxh.txt").write_text(text.replace("100,6%", "100,9%"), encoding="utf-8")
    files = [folder / "a_backan_2024.txt", folder / "backan_2023_ktxh.txt", folder / "again" / "backan_2023_ktxh.txt"]

    base = tmp_path / "base.duckdb"
    assert run_cli("ingest", str(shared / "reports" / "so_nongnghiep_2023.txt"), str(SAMPLE_TXT),
                   "--warehouse", str(base)).returncode == 0
    ingested_dir, loaded_dir = tmp_path / "ingested", tmp_path / "loaded"
    for folder_ in (ingested_dir, loaded_dir):
        folder_.mkdir()
        shutil.copy(base, folder_ / "warehouse.duckdb")
    result = run_cli("ingest", *map(str, files), "--warehouse", str(ingested_dir / "warehouse.duckdb"))
    assert result.returncode == 0, result.stdout + result.stderr

    rulebook = load_checked_rulebook()
    state = WorkerState(rulebook, load_checks(), f"{rulebook.version}-{checks_version()}", Limits())
    lake = tmp_path / "lake"
    for batch in plan_run(files, [], "run-1", 1).batches:   # one file per batch: the years apart
        process_batch(batch, str(lake), state)
    loaded = lake_load(lake, loaded_dir / "warehouse.duckdb", log=lambda line: None)
    assert loaded.loaded == 3 and loaded.renamed == 1 and loaded.replaced == 2
    assert_same_warehouse(loaded_dir / "warehouse.duckdb", ingested_dir / "warehouse.duckdb", 1000, 400)
    with duckdb.connect(str(loaded_dir / "warehouse.duckdb"), read_only=True) as con:
        versions = con.execute("select version, current, source_path from v_report_versions "
                               "where report_id = 'backan_2023_ktxh' order by version").fetchall()
        (cross,) = con.execute("select count(*) from checks where report_id = 'a_backan_2024' "
                               "and rule_id = 'CK40'").fetchone()
    assert [(v, c) for v, c, _ in versions] == [(1, False), (2, False), (3, True)]
    assert versions[2][2].endswith("again/backan_2023_ktxh.txt")
    assert cross > 0
