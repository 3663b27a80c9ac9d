"""The per-document stage on a cluster: `python -m pipeline lake` writes a lake of Parquet files.

    python -m pipeline lake SOURCES… --lake DIR [--scheduler tcp://HOST:PORT | --workers N] [--batch 64]

The sources (files, folders, globs) are listed here, on the driver, as absolute paths: every worker
must see them at the same path (shared storage). They are cut into batches of `--batch` files in
the listed order, and each batch is one Dask task on a worker (one thread each; the per-document
function is thread-safe but holds the GIL, so a second thread only waits). A task runs today's
per-document function over its files (pipeline/parallel.py build_rows: read, segment, extract,
the warehouse rows), loads the rows into an in-memory DuckDB with the warehouse's schema, runs the
checks there — those that need only the report itself give their final rows; the one that compares
with earlier reports of the locality (CK40) sees only the batch, and `lake-load` settles it — and
writes:

    DIR/<table>/batch-<hash>.parquet   the warehouse's rows of the batch's reports, one file per table
    DIR/html/<report_id>.{html,md,csv} the consistency reports (pipeline/report.py)
    DIR/manifest/batch-<hash>.parquet  one row per file of the batch: path, size, mtime, sha256, report
                                       id, status (done, failed, duplicate), error; written last

Every file is written under a temporary name and renamed, and a batch's manifest comes last: a
batch without one is incomplete, and its other files are removed by the next run. The manifests
are the lake's record of what is done: a rerun skips every file done before (same path, size and
modification time) and redoes the rest, failures included. Each run also leaves its own record,
DIR/runs/run-<UTC time>.parquet, one row per listed file (done, skipped as done before, failed,
duplicate, or not done when the run was interrupted).

A report's id in the lake is its file's stem, or stem and the first eight characters of its SHA-256
when an earlier file (of this listing, or done in the lake before) has that stem (the worker, which
hashes the file, appends them): the lake keeps every version apart. In the warehouse a file is
the report its stem names, as in `ingest`: `lake-load` (pipeline/lake_load.py) loads the files in
the listed order, and a later file of a stem is a new version of that report.

Without `--scheduler` a local cluster of `--workers` processes (default one per core) is started
and stopped here. A worker that dies loses only its task, which the scheduler gives to another
worker; a task that fails for another reason fails its batch's files, named on stderr as
`error: <path>: …`, and the others go on.
"""
from __future__ import annotations

import glob
import hashlib
import logging
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from extract.reading.errors import ReadError, describe_os_error
from extract.reading.limits import Limits

TABLES = ("reports", "line_map", "sections", "sentences", "footnotes", "table_rows", "ocr_words", "facts", "problems",
          "checks")
MANIFEST, RUNS, HTML = "manifest", "runs", "html"
DEFAULT_BATCH = 64
BATCH_ENV = "SOLIEU_LAKE_BATCH"
PATTERN_CHARS = frozenset("*?[")
MANIFEST_COLUMNS = ("path", "size", "mtime_ns", "sha256", "report_id", "status", "error", "facts", "checks",
                    "mismatches", "seconds", "batch", "run", "seq", "rules_version", "worker")


# ---------------------------------------------------------------- what travels to the workers

@dataclass(frozen=True)
class LakeFile:
    """One file of a batch, as the driver listed it."""
    path: str           # absolute, the same on every worker
    size: int
    mtime_ns: int
    seq: int            # its place in this run's listing
    stem_id: bool       # its lake id is its stem (else stem_<hash prefix>, the hash taken by the worker)


@dataclass(frozen=True)
class Batch:
    name: str           # batch-<hash of its files and run>: the name of its Parquet files
    files: tuple[LakeFile, ...]
    run: str


class WorkerState:
    """What every task needs, sent once to each worker (Client.scatter): the rulebook, whose prefilter
    pickles with its Hyperscan database, the indicators' synonym prefilter (likewise: unpickled, it
    leaves its database in the worker's cache, where the worker's own copy finds it), the checks,
    the limits, the rules version, and the names of the rule files, which name the worker's cache
    entry of compiled patterns (the rules' branches, compiled on first use: 3 s when not cached)."""

    def __init__(self, rulebook, checks, version: str, limits: Limits, rules_dir: Path | None = None):
        from extract.links.indicators import synonym_prefilter
        from extract.rulebook.load import RULES_DIR
        self.rulebook, self.checks, self.version, self.limits = rulebook, checks, version, limits
        self.synonyms = synonym_prefilter(rulebook.indicators)
        self.rule_files = [str(p) for p in sorted(Path(rules_dir or RULES_DIR).glob("*.toml"))]
        self.prepared = False

    def __getstate__(self):
        state = dict(self.__dict__)
        state["prepared"] = False
        return state

    def prepare(self) -> None:
        """Once per worker process, before its first document: both prefilters ready, the rules' branches
        compiled (from this machine's cache of compiled patterns, kept there for the next worker), the
        modules of a batch imported."""
        if self.prepared:
            return
        from extract.links.indicators import synonym_prefilter
        from extract.rulebook.patterns import kept_patterns
        from extract.rulebook.scan import branches_of
        import pandas, pyarrow, pipeline.report, pipeline.run, warehouse.checks  # noqa: F401 — what a batch imports
        text = "0"
        if self.rulebook.prefilter is not None:
            self.rulebook.prefilter.candidates(text, 0, 1)
        synonym_prefilter(self.rulebook.indicators).candidates(text, 0, 1)
        with kept_patterns([Path(p) for p in self.rule_files]):
            for rule in self.rulebook.rules:
                branches_of(rule.pattern)
        self.prepared = True


# ---------------------------------------------------------------- the task: one batch on a worker

def process_batch(batch: Batch, lake: str, state: WorkerState) -> list[dict]:
    """Process, check and write one batch; return its manifest rows (also written, last, to the lake)."""
    from pipeline.parallel import build_rows
    from pipeline.run import hash_file
    from pipeline.timing import StageClock
    state.prepare()
    lake_dir = Path(lake)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    entries, processed, first_of = [], [], {}
    for item in batch.files:
        started = time.perf_counter()
        entry = dict.fromkeys(MANIFEST_COLUMNS)
        entry.update(path=item.path, size=item.size, mtime_ns=item.mtime_ns, seq=item.seq, batch=batch.name,
                     run=batch.run, rules_version=state.version, worker=worker, facts=0, checks=0, mismatches=0)
        path = Path(item.path)
        sha, problem = hash_file(path, state.limits)
        entry["sha256"] = sha
        if sha is None:
            entry.update(status="failed", error=problem)
        elif sha in first_of:
            entry.update(status="duplicate", report_id=first_of[sha]["report_id"],
                         error=f"same content as {first_of[sha]['path']}")
        else:
            try:
                rows = build_rows(path, sha, state.version, state.rulebook, state.limits, StageClock())
            except ReadError as exc:
                entry.update(status="failed", error=str(exc))
            except OSError as exc:
                entry.update(status="failed", error=describe_os_error(exc))
            except UnicodeError as exc:
                entry.update(status="failed", error=f"cannot read the file: {exc}")
            else:
                report_id = rows.stem if item.stem_id else f"{rows.stem}_{sha[:8]}"
                entry.update(status="done", report_id=report_id, facts=rows.facts)
                first_of[sha] = entry
                processed.append((entry, rows))
        entry["seconds"] = time.perf_counter() - started
        entries.append(entry)
    if not (processed and write_batch(lake_dir, batch.name, processed, state)):
        for table in TABLES:   # what an earlier attempt at this batch may have left: none of its files is done
            (lake_dir / table / f"{batch.name}.parquet").unlink(missing_ok=True)
    write_parquet(lake_dir / MANIFEST / f"{batch.name}.parquet", manifest_table(entries))
    return entries


def write_batch(lake_dir: Path, name: str, processed: list[tuple[dict, object]], state: WorkerState) -> bool:
    """Load the batch's rows into an in-memory DuckDB, check them, write the reports' pages and each
    table as Parquet; False when no report could be stored. A report whose rows DuckDB refuses fails
    alone (its manifest row says why)."""
    from pipeline.report import reports_data, write_reports
    started = time.perf_counter()
    con = batch_connection()
    try:
        stored = store_and_check(con, processed, state)
        ids = [entry["report_id"] for entry in stored]
        if not ids:
            return False
        counts = {}
        for report_id, status, count in con.execute(
                "select report_id, status, count(*) from checks group by 1, 2").fetchall():
            counts.setdefault(report_id, {})[status] = count
        for entry in stored:
            found = counts.get(entry["report_id"], {})
            entry.update(checks=sum(found.values()), mismatches=found.get("mismatch", 0))
        data = reports_data(con, ids)
        for report_id in ids:
            write_reports(con, report_id, lake_dir / HTML, data[report_id])
        for table in TABLES:
            target = lake_dir / table / f"{name}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
            try:
                con.execute(f"copy (select * from {table}) to '{sql_string(partial)}' (format parquet, compression zstd)")
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)
    finally:
        for table in TABLES:
            con.execute(f"delete from {table}")
    share = (time.perf_counter() - started) / max(len(processed), 1)
    for entry, _ in processed:
        entry["seconds"] = (entry["seconds"] or 0.0) + share
    return True


_local = threading.local()


def batch_connection():
    """This thread's in-memory DuckDB with the warehouse's tables (made once; emptied after each batch).

    Only the tables: the comments and views of a warehouse cost a third of a second to create, and
    checks and reports read neither."""
    con = getattr(_local, "con", None)
    if con is None:
        import duckdb
        from warehouse.load import SCHEMA
        con = duckdb.connect(":memory:")
        con.execute("set threads = 1")   # one thread per worker: DuckDB's own would contend with the others
        con.execute("set enable_progress_bar = false")
        for statement in con.extract_statements(SCHEMA.read_text(encoding="utf-8")):
            if statement.type == duckdb.StatementType.CREATE:
                con.execute(statement)
        _local.con = con
    return con


def store_and_check(con, processed: list[tuple[dict, object]], state: WorkerState) -> list[dict]:
    """Insert and check the reports in one transaction; when DuckDB refuses it, each report in its own,
    so that the one at fault fails alone (as in an ingest). Returns the manifest rows stored."""
    import duckdb
    from pipeline.run import roll_back
    from warehouse.checks import run_checks
    from warehouse.load import insert_tables

    def store(items):
        con.execute("begin transaction")
        try:
            insert_tables(con, [(entry["report_id"], rows.tables) for entry, rows in items])
            run_checks(con, [entry["report_id"] for entry, _ in items], state.version, state.checks)
            con.execute("commit")
        except BaseException:
            roll_back(con)
            raise

    try:
        store(processed)
        return [entry for entry, _ in processed]
    except duckdb.Error:
        if len(processed) == 1:
            raise
    stored = []
    for entry, rows in processed:
        try:
            store([(entry, rows)])
            stored.append(entry)
        except duckdb.Error as exc:
            entry.update(status="failed", error=f"its rows or checks could not be stored: {exc}")
    return stored


def sql_string(path: Path) -> str:
    return str(path).replace("'", "''")


def manifest_table(entries: list[dict]):
    import pyarrow as pa
    types = {"size": pa.int64(), "mtime_ns": pa.int64(), "facts": pa.int64(), "checks": pa.int64(),
             "mismatches": pa.int64(), "seconds": pa.float64(), "seq": pa.int64()}
    return pa.table({column: pa.array([e.get(column) for e in entries], types.get(column, pa.string()))
                     for column in MANIFEST_COLUMNS})


def write_parquet(target: Path, table) -> None:
    """An Arrow table to Parquet under a temporary name, then renamed into place."""
    import pyarrow.parquet as pq
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        pq.write_table(table, partial, compression="zstd")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


# ---------------------------------------------------------------- the driver: listing, the lake's state, batches

def list_sources(sources: list[str]) -> tuple[list[Path], list]:
    """Files from files, folders and glob patterns, as absolute paths (folders expanded as ingest does),
    and the Outcome of each source that gives none."""
    from pipeline.run import Outcome, collect_files
    paths, refused = [], []
    for source in sources:
        if not os.path.lexists(source) and PATTERN_CHARS & set(source):
            matches = sorted(glob.glob(os.path.expanduser(source), recursive=True))
            if not matches:
                refused.append(Outcome(source, "failed", "no file matches the pattern: check it (quote it, so that "
                                                         "the shell leaves it to the lake)"))
            paths.extend(Path(m) for m in matches)
        else:
            paths.append(Path(os.path.expanduser(source)))
    files, more = collect_files(paths)
    return [Path(os.path.abspath(f)) for f in files], refused + more


def read_manifests(lake_dir: Path) -> list[dict]:
    """Every manifest row of the lake's complete batches, in the order they were listed (run, then seq)."""
    import pyarrow.parquet as pq
    rows = []
    for path in sorted((lake_dir / MANIFEST).glob("batch-*.parquet")):
        rows.extend(pq.read_table(path).to_pylist())
    rows.sort(key=lambda r: (r["run"], r["seq"]))
    return rows


def remove_incomplete(lake_dir: Path) -> int:
    """Remove what an interrupted run left: partial files, and the table files of batches without a
    manifest. Returns how many files went."""
    complete = {p.name for p in (lake_dir / MANIFEST).glob("batch-*.parquet")}
    removed = 0
    for folder in [lake_dir / t for t in TABLES] + [lake_dir / MANIFEST, lake_dir / HTML, lake_dir / RUNS]:
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            stale = path.name.endswith(".partial") or (folder.name in TABLES and path.name.startswith("batch-")
                                                       and path.name not in complete)
            if stale:
                path.unlink(missing_ok=True)
                removed += 1
    return removed


@dataclass
class Plan:
    """This run's work: its batches, and the files done before (skipped), each with its manifest row."""
    batches: list[Batch] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)


def plan_run(files: list[Path], done_before: list[dict], run: str, batch_size: int) -> Plan:
    """Batches of the files not done before, in the listed order, each file told whether its report id
    is its stem (the first file of the listing with that stem, none done before having it)."""
    done = {(r["path"], r["size"], r["mtime_ns"]): r for r in done_before if r["status"] == "done"}
    stems = {Path(r["path"]).stem for r in done.values()} | {r["report_id"] for r in done.values()}
    plan, todo = Plan(), []
    for seq, path in enumerate(files):
        try:
            stat = path.stat()
            size, mtime = stat.st_size, stat.st_mtime_ns
        except OSError:
            size = mtime = -1   # the worker names the problem
        known = done.get((str(path), size, mtime))
        if known is not None:
            plan.skipped.append({**known, "status": "skipped", "seq": seq, "run": run,
                                 "error": f"done before, as {known['report_id']}"})
            continue
        todo.append(LakeFile(str(path), size, mtime, seq, path.stem not in stems))
        stems.add(path.stem)
    for start in range(0, len(todo), batch_size):
        files_ = tuple(todo[start:start + batch_size])
        key = hashlib.sha256(repr([(f.path, f.size, f.mtime_ns, f.stem_id) for f in files_]).encode()).hexdigest()[:16]
        plan.batches.append(Batch(f"batch-{key}", files_, run))
    return plan


def choose_batch(requested: int | None, files: int, workers: int) -> int:
    """Files per task: the option, else $SOLIEU_LAKE_BATCH, else 64, but no more than gives each worker
    four tasks (a few hundred files would otherwise keep one worker busy while the others wait).

    >>> choose_batch(None, 100_000, 40), choose_batch(None, 100, 2), choose_batch(16, 100, 2), choose_batch(None, 3, 8)
    (64, 13, 16, 1)
    """
    if requested or os.environ.get(BATCH_ENV):
        return max(1, requested or int(os.environ[BATCH_ENV]))
    return max(1, min(DEFAULT_BATCH, -(-files // (4 * max(workers, 1)))))


# ---------------------------------------------------------------- the cluster

class Cluster:
    """A Dask client: to the scheduler given, else to a local cluster of `workers` processes of one thread,
    started here and stopped on exit."""

    def __init__(self, scheduler: str | None, workers: int, log=print):
        from dask.distributed import Client, LocalCluster
        started = time.perf_counter()
        self.local = None
        if scheduler:
            self.client = Client(scheduler, timeout="60s")
            self.client.wait_for_workers(1, timeout=300)
        else:
            self.local = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                      dashboard_address=None, silence_logs=logging.ERROR)
            self.client = Client(self.local)
        self.start_seconds = time.perf_counter() - started
        try:
            info = self.client.scheduler_info(n_workers=-1)   # by default it lists only the first five
        except TypeError:
            info = self.client.scheduler_info()
        threads = [w.get("nthreads", 1) for w in info.get("workers", {}).values()]
        self.workers = len(threads)
        if any(n > 1 for n in threads):
            log(f"note: workers with {max(threads)} threads: the per-document stage holds the GIL, so a worker "
                "processes one document at a time whatever its threads; start workers with --nthreads 1 and "
                "more processes (dask worker --nworkers N)")

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self.local is not None:
                self.local.close()


# ---------------------------------------------------------------- the run

@dataclass
class LakeResult:
    entries: list[dict]                  # this run's manifest rows, in listed order
    refused: list                        # Outcomes of sources that gave no file
    seconds: float = 0.0
    cluster_seconds: float = 0.0         # to start the local cluster, or to connect to the scheduler
    workers: int = 0
    interrupted: bool = False

    def count(self, status: str) -> int:
        return sum(1 for e in self.entries if e["status"] == status)


def run_lake(sources: list[str], lake_dir: Path, scheduler: str | None = None, workers: int | None = None,
             batch: int | None = None, rules_dir: Path | None = None, limits: Limits = Limits(),
             log=print, progress=None) -> LakeResult:
    """List the sources, process what the lake lacks on the cluster, record the run; see the module docstring.

    `progress(done, failed, total, elapsed)` hears after every batch; `log` gets the error lines."""
    from extract.cases import load_checked_rulebook
    from pipeline.parallel import usable_cores
    from warehouse.checks import checks_version, load_checks
    started = time.perf_counter()
    rulebook = load_checked_rulebook(rules_dir)
    checks = load_checks()
    version = f"{rulebook.version}-{checks_version()}"
    files, refused = list_sources(sources)
    for outcome in refused:
        log(f"error: {outcome.path}: {outcome.message}")
    lake_dir = Path(os.path.abspath(lake_dir))
    lake_dir.mkdir(parents=True, exist_ok=True)
    run = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    result = LakeResult([], refused)
    with lake_lock(lake_dir):
        remove_incomplete(lake_dir)
        done_before = read_manifests(lake_dir)
        plan = plan_run(files, done_before, run, len(files) or 1)
        entries = {e["seq"]: e for e in plan.skipped}
        total = sum(len(b.files) for b in plan.batches)
        if plan.batches:
            cluster = Cluster(scheduler, min(workers or usable_cores(), total), log)
            result.cluster_seconds, result.workers = cluster.start_seconds, cluster.workers
            plan = plan_run(files, done_before, run, choose_batch(batch, total, cluster.workers))
            try:
                result.interrupted = not run_batches(cluster.client, plan.batches, lake_dir,
                                                     WorkerState(rulebook, checks, version, limits, rules_dir),
                                                     entries, total, log, progress)
            finally:
                cluster.close()
        for seq, path in enumerate(files):   # files an interrupted run did not reach
            if seq not in entries:
                entries[seq] = {**dict.fromkeys(MANIFEST_COLUMNS), "path": str(path), "seq": seq, "run": run,
                                "status": "not done", "error": "the run was interrupted: run it again"}
        result.entries = [entries[seq] for seq in sorted(entries)]
        write_parquet(lake_dir / RUNS / f"run-{run}.parquet", manifest_table(result.entries))
    result.seconds = time.perf_counter() - started
    return result


def run_batches(client, batches: list[Batch], lake_dir: Path, state: WorkerState, entries: dict, total: int,
                log, progress) -> bool:
    """Submit every batch and collect their manifest rows into `entries` as they finish; False when
    interrupted (Ctrl-C), after cancelling what was left."""
    from dask.distributed import as_completed
    shared_state = client.scatter(state, broadcast=True, hash=False)
    futures = {client.submit(process_batch, b, str(lake_dir), shared_state, key=f"lake-{b.run}-{b.name}",
                             pure=False): b for b in batches}
    started, done, failed = time.perf_counter(), 0, 0
    try:
        for future in as_completed(futures):
            batch = futures[future]
            try:
                rows = future.result()
            except Exception as exc:   # the task raised, or its workers kept dying (KilledWorker)
                problem = f"its batch {batch.name} failed on the cluster ({type(exc).__name__}: {first_line(exc)}): run the lake again"
                rows = [{**dict.fromkeys(MANIFEST_COLUMNS), "path": f.path, "size": f.size, "mtime_ns": f.mtime_ns,
                         "seq": f.seq, "run": batch.run, "batch": batch.name, "status": "failed", "error": problem}
                        for f in batch.files]
            for row in rows:
                entries[row["seq"]] = row
                if row["status"] == "failed":
                    failed += 1
                    log(f"error: {row['path']}: {row['error']}")
            done += len(rows)
            future.release()
            if progress is not None:
                progress(done, failed, total, time.perf_counter() - started)
    except KeyboardInterrupt:
        client.cancel(list(futures))
        return False
    return True


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:300]


class LakeBusy(Exception):
    """Another lake run writes to the same folder."""


class lake_lock:
    """One run per lake at a time (it removes what an interrupted run left): an fcntl lock on DIR/.lock,
    freed by the kernel when the process dies."""

    def __init__(self, lake_dir: Path):
        self.path = lake_dir / ".lock"

    def __enter__(self):
        import fcntl
        self.handle = open(self.path, "a+", encoding="ascii")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.seek(0)
            holder = self.handle.read().strip() or "?"
            self.handle.close()
            raise LakeBusy(f"{self.path.parent}: another lake run is writing it (pid {holder}); "
                           "wait for it to end") from None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"{os.getpid()}\n")
        self.handle.flush()
        return self

    def __exit__(self, *exc):
        import fcntl
        self.handle.seek(0)
        self.handle.truncate()
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


# ---------------------------------------------------------------- what the command prints

def describe_progress(done: int, failed: int, total: int, elapsed: float) -> str:
    """The progress line.

    >>> describe_progress(128, 2, 1000, 4.0)
    'lake: 128/1000 files, 2 failed, 32.0 files/s, about 27s left'
    """
    from pipeline.progress import format_duration
    line = f"lake: {done}/{total} files"
    if failed:
        line += f", {failed} failed"
    if done and elapsed > 0:
        rate = done / elapsed
        line += f", {rate:.1f} files/s, about {format_duration((total - done) / rate)} left"
    return line


class Progress:
    """On a terminal one line rewritten in place; elsewhere one line per finished batch."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()

    def __call__(self, done, failed, total, elapsed) -> None:
        line = describe_progress(done, failed, total, elapsed)
        self.stream.write(("\r\033[K" + line) if self.tty else line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def summarize_lake(result: LakeResult, lake_dir: Path) -> str:
    done = [e for e in result.entries if e["status"] == "done"]
    facts = sum(e["facts"] or 0 for e in done)
    checks = sum(e["checks"] or 0 for e in done)
    mismatches = sum(e["mismatches"] or 0 for e in done)
    rate = f", {len(done) / result.seconds:.1f} files/s" if result.seconds and done else ""
    where = f" on {result.workers} worker{'s' if result.workers != 1 else ''}" if result.workers else ""
    extra = []
    for status in ("duplicate", "not done"):
        if result.count(status):
            extra.append(f"{result.count(status)} {status}")
    return (f"lake {lake_dir}: {len(done)} done, {result.count('skipped')} skipped (done before), "
            f"{result.count('failed') + len(result.refused)} failed{''.join(', ' + e for e in extra)}; "
            f"{facts} facts, {checks} checks, {mismatches} mismatches; {result.seconds:.1f}s{where}{rate}")
