"""Ingest: read → normalise → segment → extract → load → check → report, for files and folders.

Each report is loaded and checked in one transaction: a failure leaves nothing of it behind,
and the other files of the batch are still ingested.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from extract.reading.limits import LimitError, Limits
from extract.reading.errors import ReadError, describe_os_error
from extract.reading.source import TEXT_SUFFIXES, check_file
from extract.cases import load_checked_rulebook
from pipeline.faults import reach
from pipeline.parallel import AHEAD_PER_WORKER, FilesAhead, Prepared, ReportRows, choose_workers, worker_pool
from extract.document import file_sha256
from pipeline.index import write_index
from pipeline.report import report_dir_for, reports_data, write_reports
from warehouse.checks import checks_version, later_reports_of_locality, load_checks, recheck_reports, run_checks
from warehouse.damage import failures_explained, is_unusable
from warehouse.load import choose_report_id, create_schema, insert_tables, stored_reports
from warehouse.lock import connect_warehouse, hold_writer_lock
from pipeline.timing import StageClock

SUFFIXES = TEXT_SUFFIXES | {".pdf", ".docx"}
BATCH_ENV = "SOLIEU_BATCH"
DEFAULT_BATCH = 16
# DuckDB's memory while ingesting (its default is 80% of RAM): without a cap it keeps the whole
# warehouse it has written in its cache, and a batch of a thousand reports held 850 MB. Queries
# that need more spill to a temporary folder beside the warehouse.
MEMORY_ENV = "SOLIEU_DUCKDB_MEMORY"
DEFAULT_MEMORY = "128MB"
MEMORY_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT]i?B)", re.I)


@dataclass
class Outcome:
    path: str
    status: str              # "ingested", "skipped", "failed"
    message: str = ""
    report_id: str | None = None
    facts: int = 0
    checks: dict = field(default_factory=dict)
    report_path: str | None = None
    rechecked: tuple[str, ...] = ()   # later reports of the same locality, whose cross-report checks may cite it


def collect_files(paths: list[Path]) -> tuple[list[Path], list[Outcome]]:
    """Expand folders into report files (sorted); name anything else that cannot be a report.

    An entry named like a report that is not a regular file (a folder called x.pdf, a link loop,
    a pipe) is kept, so that ingest_file names it with its reason instead of skipping it silently."""
    files, refused = [], []
    for path in paths:
        if path.is_dir():
            found = [child for child in sorted(path.rglob("*"))
                     # hidden files and a folder's own README are not reports
                     if child.suffix.lower() in SUFFIXES and not child.name.startswith(".")
                     and not child.stem.upper().startswith("README")]
            files.extend(found)
            if not found:
                refused.append(Outcome(str(path), "failed", "folder holds no report files (.pdf, .docx, .txt, .md): "
                                                            "check the path"))
        elif os.path.lexists(path):
            files.append(path)
        else:
            refused.append(Outcome(str(path), "failed", "no such file or folder: check the path"))
    return files, refused


def open_warehouse(path: Path, wait: float | None = None, log=print) -> duckdb.DuckDBPyConnection:
    """Open read-write (waiting while another process holds the file) and bring the schema up to date."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = connect_warehouse(path, read_only=False, timeout=wait, log=log)
    with failures_explained(path):
        create_schema(con)
    con.execute(f"set memory_limit = '{duckdb_memory()}'")
    con.execute("set enable_progress_bar = false")   # DuckDB's own bar would garble the ingest's output
    return con


def duckdb_memory() -> str:
    """DuckDB's memory limit: $SOLIEU_DUCKDB_MEMORY (e.g. 512MB, 2GB), else DEFAULT_MEMORY."""
    memory = (os.environ.get(MEMORY_ENV) or DEFAULT_MEMORY).strip()
    if not MEMORY_SIZE.fullmatch(memory):
        raise LimitError(f"${MEMORY_ENV}: {memory!r} is not a memory size (e.g. 128MB or 2GB)")
    return memory


def hash_file(path: Path, limits: Limits) -> tuple[str | None, str]:
    """(sha256, "") of a report file, or (None, why it cannot be one) — checked before a byte is read."""
    try:
        check_file(path, limits)
        return file_sha256(path), ""
    except ReadError as exc:
        return None, str(exc)
    except OSError as exc:
        return None, describe_os_error(exc)


def ingest_file(con, path: Path, rulebook, checks, version: str, out_dir: Path,
                limits: Limits = Limits(), clock: StageClock | None = None) -> Outcome:
    """Ingest one file in one transaction; the fault points are pipeline/faults.py's."""
    prepared = Prepared(path, *hash_file(path, limits))
    taken = take_file(con, prepared, rulebook, version, out_dir, limits)
    if isinstance(taken, Outcome):
        return taken
    return store_reports(con, [(prepared, taken)], version, checks, out_dir, clock)[0]


def take_file(con, prepared: Prepared, rulebook, version: str, out_dir: Path, limits: Limits = Limits()):
    """The file's rows (ReportRows), or its Outcome when it is not to be stored (failed, already there).

    `prepared` holds the file's hash and, when a worker processed it ahead (pipeline/parallel.py),
    the result; otherwise it is processed here."""
    path, sha = prepared.path, prepared.sha256
    if sha is None:
        return Outcome(str(path), "failed", prepared.problem)
    known = con.execute("select report_id from reports where sha256 = ?", [sha]).fetchone()
    if known:
        return skip_known(con, path, known[0], out_dir)
    try:
        rows = prepared.result(rulebook, version, limits)
    except ReadError as exc:
        return Outcome(str(path), "failed", str(exc))
    except OSError as exc:
        return Outcome(str(path), "failed", describe_os_error(exc))
    except UnicodeError as exc:
        return Outcome(str(path), "failed", f"cannot read the file: {exc}")
    reach("after_read")
    return rows


def store_reports(con, batch: list[tuple[Prepared, ReportRows]], version: str, checks, out_dir: Path,
                  clock: StageClock | None = None) -> list[Outcome]:
    """Load, check and commit processed reports in one transaction, then write their reports.

    One transaction for several reports: DuckDB plans each check once for all of them, and planning
    a check costs about as much as running it on one report. When the batch fails it is rolled
    back and each report is stored again on its own, so that the one at fault fails alone (as it
    would have in a batch of one) and the reports before it are kept."""
    clock = clock or StageClock()
    if len(batch) == 1:
        return store_together(con, batch, version, checks, out_dir, clock)
    try:
        return store_together(con, batch, version, checks, out_dir, clock)
    except duckdb.Error as exc:
        if is_unusable(exc):   # a full disk or a damaged file: storing them one by one cannot help
            raise
        return [outcome for item in batch
                for outcome in store_together(con, [item], version, checks, out_dir, clock)]


def store_together(con, batch: list[tuple[Prepared, ReportRows]], version: str, checks, out_dir: Path,
                   clock: StageClock) -> list[Outcome]:
    """Each fault point (pipeline/faults.py) is passed once per report, in the order a lone report passes them."""
    ids, reports, rechecked, elsewhere = with_more_memory_if_needed(
        con, lambda: load_and_check(con, batch, version, checks, clock))
    for _ in batch:
        reach("after_commit")
    counts = {}
    for report_id, status, count in con.execute(
            "select report_id, status, count(*) from checks where report_id in (select unnest(?::varchar[])) "
            "group by 1, 2", [ids]).fetchall():
        counts.setdefault(report_id, {})[status] = count
    outcomes, unwritten = [], {}
    with clock.stage("report"):
        data = with_more_memory_if_needed(con, lambda: reports_data(con, ids + elsewhere))
        for report_id in ids + elsewhere:
            try:
                write_reports(con, report_id, out_dir, data[report_id])
            except OSError as exc:
                unwritten[report_id] = unwritten_report(report_id, out_dir, exc)
    for (prepared, _), rows, report_id, later in zip(batch, reports, ids, rechecked):
        path = prepared.path
        problem = unwritten.get(report_id) or next((unwritten[r] for r in later if r in unwritten), None)
        if problem:
            outcomes.append(Outcome(str(path), "failed", problem, report_id))
            continue
        outcomes.append(Outcome(str(path), "ingested", "", report_id, rows.facts, counts.get(report_id, {}),
                                str(out_dir / f"{report_id}.html"), tuple(later)))
    return outcomes


def load_and_check(con, batch: list[tuple[Prepared, ReportRows]], version: str, checks, clock: StageClock,
) -> tuple[list[str], list[ReportRows], list[list[str]], list[str]]:
    """Insert and check the batch in one transaction, committed (rolled back on any error).

    Returns the report ids, the rows stored, the later reports each report rechecked, and those
    of them outside the batch."""
    con.execute("begin transaction")
    try:
        with clock.stage("load"):
            ids, reports = [], [rows for _, rows in batch]
            for rows in reports:
                ids.append(choose_report_id(con, rows.stem, rows.sha256, set(ids)))
            insert_tables(con, [(report_id, rows.tables) for report_id, rows in zip(ids, reports)])
        for _ in batch:
            reach("after_load")
        with clock.stage("check"):
            run_checks(con, ids, version, checks)
            # a report rechecks the later reports of its locality that were stored before it
            rechecked = [[r for r in later_reports_of_locality(con, report_id) if r not in ids[i + 1:]]
                         for i, report_id in enumerate(ids)]
            elsewhere = list(dict.fromkeys(r for later in rechecked for r in later if r not in ids))
            recheck_reports(con, elsewhere, version, checks)
        for _ in batch:
            reach("before_commit")
        con.execute("commit")
    except Exception:
        roll_back(con)
        raise
    return ids, reports, rechecked, elsewhere


def with_more_memory_if_needed(con, step, attempts: int = 4):
    """Run `step()`; when DuckDB's memory cap is too small for it, double the cap and run it again.

    The cap keeps an archive's ingest small; a report with unusually many figures may need more for
    a moment, and is not refused for that. `step` must be safe to repeat (a rolled back
    transaction, or a read)."""
    for _ in range(attempts):
        try:
            return step()
        except duckdb.OutOfMemoryException:
            (limit,) = con.execute("select current_setting('memory_limit')").fetchone()
            con.execute(f"set memory_limit = '{2 * memory_bytes(limit) // 1024}KiB'")
    return step()


def memory_bytes(size: str) -> int:
    """Bytes of a memory size as DuckDB prints or takes it.

    >>> memory_bytes("122.0 MiB"), memory_bytes("128MB"), memory_bytes("1.5 GiB")
    (127926272, 128000000, 1610612736)
    """
    number, unit = MEMORY_SIZE.fullmatch(size.strip()).groups()
    power = "KMGT".index(unit[0].upper()) + 1
    return int(float(number) * (1024 if "i" in unit.lower() else 1000) ** power)


def skip_known(con, path: Path, report_id: str, out_dir: Path) -> Outcome:
    """A file already in the warehouse is skipped; its reports are written again if they are missing
    (an ingest killed, or out of disk space, after the commit)."""
    if (out_dir / f"{report_id}.html").exists():
        return Outcome(str(path), "skipped", f"already ingested as {report_id}", report_id)
    try:
        write_reports(con, report_id, out_dir)
    except OSError as exc:
        return Outcome(str(path), "failed", unwritten_report(report_id, out_dir, exc), report_id)
    return Outcome(str(path), "skipped", f"already ingested as {report_id}; its missing report is written again",
                   report_id)


def unwritten_report(report_id: str, out_dir: Path, exc: OSError) -> str:
    return (f"stored in the warehouse as {report_id}, but its report could not be written to {out_dir} "
            f"({exc.strerror or exc}): free space (or fix the folder) and run `make report`")


def roll_back(con) -> None:
    """Roll back the open transaction; a failed commit has already ended it, and saying so again would
    hide the error that matters."""
    try:
        con.execute("rollback")
    except (duckdb.TransactionException, duckdb.FatalException):
        pass


def ingest(paths: list[Path], warehouse: Path, log=print, rules_dir: Path | None = None,
           wait: float | None = None, limits: Limits = Limits(), workers: int | None = None,
           clock: StageClock | None = None, on_outcome=None, batch: int | None = None) -> list[Outcome]:
    """Ingest files and folders into the warehouse; return one outcome per file.

    The files are read and their facts extracted in `workers` processes (pipeline/parallel.py:
    default one per core), a few files ahead of the one writer, which loads, checks and reports
    them in the listed order, `batch` reports per transaction (default $SOLIEU_BATCH, else 16; see
    store_reports), fewer once the last files are in the workers (the writer stores what it holds
    rather than wait with idle cores). `on_outcome(outcome, seconds)` hears of each file as it is
    done, in the listed order (default: its line through `log`); `clock` collects the seconds of
    each stage.

    The rules are refused (RulebookError) when a rule file is broken or one of its examples does
    not hold. One ingest writes at a time: a second one waits for the lock beside the warehouse (up
    to `wait` seconds, see warehouse/lock.py) and raises WarehouseBusy after that. A damaged
    warehouse or a full disk stops the batch with WarehouseUnusable (warehouse/damage.py)."""
    duckdb_memory()   # a bad $SOLIEU_DUCKDB_MEMORY is refused before anything is read
    rulebook = load_checked_rulebook(rules_dir)
    checks = load_checks()
    version = f"{rulebook.version}-{checks_version()}"
    files, outcomes = collect_files(paths)
    for refused in outcomes:
        log(format_outcome(refused))
    out_dir = report_dir_for(warehouse)
    clock = clock or StageClock()
    on_outcome = on_outcome or (lambda outcome, seconds: log(format_outcome(outcome, seconds)))
    workers = clock.workers = choose_workers(workers, len(files))
    batch = max(1, batch or int(os.environ.get(BATCH_ENV) or DEFAULT_BATCH))
    # the workers are forked before the lock is taken and the warehouse opened: they hold neither
    with worker_pool(rulebook, workers, limits) as pool, hold_writer_lock(warehouse, wait, log):
        con = open_warehouse(warehouse, wait, log)
        if workers:  # the other cores are the workers': DuckDB's own threads would only contend with them
            with failures_explained(warehouse):
                con.execute("set threads = 1")
        try:
            # What the warehouse holds, read once: no other process writes during the ingest, and a file
            # stored by this one was sent to the workers before. (Looking each file up with a
            # parameterised query would also make DuckDB import pandas, 0.3 s, before the first file
            # reaches the workers.)
            stored = stored_reports(con)
            ahead = FilesAhead(files, lambda path: hash_file(path, limits), stored.__contains__, pool,
                                  AHEAD_PER_WORKER * max(workers, 1) + batch, version, workers)
            waiting: list = []   # (number, Prepared, ReportRows, seconds so far): the next transaction
            told: list = []      # (number, outcome, seconds) not yet told: outcomes are told in file order

            def store_waiting() -> None:
                if waiting:
                    started = time.perf_counter()
                    with failures_explained(warehouse, f"; not ingested: {describe_left(files[waiting[0][0]:])}"):
                        results = store_reports(con, [(prepared, rows) for _, prepared, rows, _ in waiting],
                                                version, checks, out_dir, clock)
                    share = (time.perf_counter() - started) / len(waiting)
                    told.extend((number, outcome, seconds + share)
                                for (number, _, _, seconds), outcome in zip(waiting, results))
                    waiting.clear()
                for number, outcome, seconds in sorted(told, key=lambda t: t[0]):
                    outcomes.append(outcome)
                    on_outcome(outcome, seconds)
                told.clear()

            for number, prepared in enumerate(ahead):
                if prepared.sha256 and any(p.sha256 == prepared.sha256 for _, p, _, _ in waiting):
                    store_waiting()   # a file listed twice: the first copy must be stored before the second is looked up
                started = time.perf_counter()
                with failures_explained(warehouse, f"; not ingested: {describe_left(files[number:])}"):
                    taken = take_file(con, prepared, rulebook, version, out_dir, limits)
                clock.add(prepared.seconds)
                seconds = time.perf_counter() - started
                if isinstance(taken, Outcome):
                    told.append((number, taken, seconds))
                else:
                    waiting.append((number, prepared, taken, seconds + sum(prepared.seconds.values())))
                if len(waiting) >= batch or not waiting or ahead.winding_down():
                    store_waiting()
            store_waiting()
            write_index_or_say(con, out_dir, log)
        finally:
            with failures_explained(warehouse):
                con.close()   # DuckDB checkpoints here: a full disk may show up now
    return outcomes


def write_index_or_say(con, out_dir: Path, log=print) -> None:
    """The index of the reports beside their pages (pipeline/index.py); a folder that cannot take it
    costs the index only, said on one line, not the ingest."""
    try:
        write_index(con, out_dir)
    except OSError as exc:
        log(f"warning: the index of the reports could not be written to {out_dir} ({exc.strerror or exc}): "
            f"run `make report` once the folder can take it")


def describe_left(files: list[Path]) -> str:
    """The files a stopped batch did not ingest: 'b.txt', or 'b.txt and the 2 files after it'."""
    more = f" and the {len(files) - 1} file{'s' if len(files) > 2 else ''} after it" if len(files) > 1 else ""
    return f"{files[0]}{more}"


def format_outcome(o: Outcome, seconds: float | None = None) -> str:
    if o.status == "failed":
        return f"error: {o.path}: {o.message}"
    if o.status == "skipped":
        return f"skipped {o.path}: {o.message}"
    counts = ", ".join(f"{k} {o.checks.get(k, 0)}" for k in ("mismatch", "minor", "ok", "unverifiable"))
    took = f" in {seconds:.2f}s" if seconds is not None else ""
    rechecked = f"; rechecked the later reports of its locality: {', '.join(o.rechecked)}" if o.rechecked else ""
    return (f"ingested {o.path} as {o.report_id}{took}: {o.facts} facts, {sum(o.checks.values())} checks "
            f"({counts}); report {o.report_path}{rechecked}")


def summarize(outcomes: list[Outcome]) -> str:
    done = [o for o in outcomes if o.status == "ingested"]
    failed = [o for o in outcomes if o.status == "failed"]
    skipped = [o for o in outcomes if o.status == "skipped"]
    mismatches = sum(o.checks.get("mismatch", 0) for o in done)
    return (f"{len(done)} ingested, {len(skipped)} skipped, {len(failed)} failed; "
            f"{sum(o.facts for o in done)} facts, {sum(sum(o.checks.values()) for o in done)} checks, "
            f"{mismatches} mismatches")
