"""Ingest: read → normalise → segment → extract → load → check → report, for files and folders.

Each report is loaded and checked in one transaction: a failure leaves nothing of it behind,
and the other files of the batch are still ingested.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field, replace
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
from warehouse.load import insert_tables
from warehouse.publish import published_warehouse
from warehouse.versions import VersionChange, compare_versions, current_versions, known_content, stored_contents, supersede
from pipeline.timing import StageClock

SUFFIXES = TEXT_SUFFIXES | {".pdf", ".docx"}
BATCH_ENV = "SOLIEU_BATCH"
DEFAULT_BATCH = 16
# DuckDB's memory while ingesting (its default is 80% of RAM): without a cap it keeps the whole
# warehouse it has written in its cache, and a batch of a thousand reports held 850 MB. Queries
# that need more spill to a temporary folder beside the warehouse.
MEMORY_ENV = "SOLIEU_DUCKDB_MEMORY"
DEFAULT_MEMORY = "128MB"
# Batches are published (warehouse/publish.py: the copy renamed onto the warehouse, and copied again
# for the next batch) at most every PUBLISH_EVERY seconds, and at the end: each publication copies the
# whole warehouse, and after every batch of a thousand-report ingest that was a fifth of its time.
PUBLISH_ENV = "SOLIEU_PUBLISH_EVERY"
DEFAULT_PUBLISH_EVERY = 10.0
PUBLISH_COST_SHARE = 0.05   # and no more often than keeps the publications to this share of the time
OUT_OF_MEMORY = re.compile(r"could not allocate block|failed to pin block|Out of Memory Error", re.I)
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
    version: int = 1                  # the version of the report the file was stored as
    change: VersionChange | None = None   # what it changed against the version it replaced, if any


PASSED_OVER = "passed over"   # an Outcome's status: found in a folder, but not a report (not a failure)
NOTES_SUFFIXES = frozenset(TEXT_SUFFIXES)


def collect_files(paths: list[Path]) -> tuple[list[Path], list[Outcome]]:
    """Expand folders into report files (sorted); name anything else that cannot be a report.

    An entry named like a report that is not a regular file (a folder called x.pdf, a link loop,
    a pipe) is kept, so that ingest_file names it with its reason instead of skipping it silently.
    What a folder holds besides reports is passed over (status PASSED_OVER, see walk_folder), and
    the end of the run counts it by reason."""
    files, refused = [], []
    for path in paths:
        if path.is_dir():
            found, passed = walk_folder(path)
            files.extend(found)
            refused.extend(passed)
            if not found:
                refused.append(Outcome(str(path), "failed", "folder holds no report files (.pdf, .docx, .txt, .md): "
                                                            "check the path"))
        elif os.path.lexists(path):
            files.append(path)
        else:
            refused.append(Outcome(str(path), "failed", "no such file or folder: check the path"))
    return files, refused


def writing_warehouse(path: Path, wait: float | None = None, log=print):
    """The warehouse to write, as a copy published on leaving the block (warehouse/publish.py), its
    schema up to date and DuckDB's memory capped ($SOLIEU_DUCKDB_MEMORY): every writing command's."""
    return published_warehouse(path, wait, log, memory=duckdb_memory())


def walk_folder(folder: Path) -> tuple[list[Path], list[Outcome]]:
    """The report files under a folder (sorted), and the entries passed over, each with its reason:
    hidden (a name starting with "."; a hidden folder such as .git is passed over whole), Office's
    lock file of a document open in Word or Excel ("~$…"), a README (notes), or a type not read.
    Links to folders are not followed."""
    found, passed = [], []
    for parent, folders, names in os.walk(folder):
        here = Path(parent)
        for name in sorted(folders):
            if name.startswith("."):
                passed.append(Outcome(f"{here / name}/", PASSED_OVER, "hidden"))
            elif Path(name).suffix.lower() in SUFFIXES:
                found.append(here / name)   # a folder named like a report: refused by name when it is read
        for name in sorted(names):
            reason = pass_over_reason(name)
            if reason:
                passed.append(Outcome(str(here / name), PASSED_OVER, reason))
            else:
                found.append(here / name)
        folders[:] = [name for name in folders if not name.startswith(".")]
    return sorted(found), passed


def pass_over_reason(name: str) -> str:
    """Why a file in a folder is not a report ("" when it may be one).

    >>> [pass_over_reason(n) for n in (".DS_Store", "~$o cáo.docx", "README.md", "bảng.xlsx", "báo cáo.PDF")]
    ['hidden', 'Office lock file (of a document open in Word or Excel)', 'notes (a README)', \
'type not read (.xlsx)', '']
    """
    suffix = Path(name).suffix.lower()
    if name.startswith("."):
        return "hidden"
    if name.startswith("~$"):
        return "Office lock file (of a document open in Word or Excel)"
    if suffix in SUFFIXES and Path(name).stem.upper().startswith("README"):
        return "notes (a README)"
    if suffix not in SUFFIXES:
        return f"type not read ({suffix or 'no extension'})"
    return ""


def without_figures(path: Path, in_folder: bool) -> Outcome:
    """The outcome of a file in which the rules found no figure at all: nothing of it is stored.

    A text file met in a folder reads as notes kept beside the reports (ghi chú, a to-do list) and
    is passed over; a file named on the command line, or a PDF or Word file, was meant as a report,
    and fails."""
    if in_folder and path.suffix.lower() in NOTES_SUFFIXES:
        return Outcome(str(path), PASSED_OVER, "notes (no figure in the text); nothing stored")
    if path.suffix.lower() in NOTES_SUFFIXES:
        return Outcome(str(path), "failed", "no figure in the text: it reads as notes, not a report; nothing stored: "
                                            "give the report file itself")
    return Outcome(str(path), "failed", "no figure found in the document, and nothing is stored: if it is a report, "
                                        "its text cannot be read as printed (an image or a font without Unicode): "
                                        "export it again from the original, or OCR it, and ingest again")


def duckdb_memory() -> str:
    """DuckDB's memory limit: $SOLIEU_DUCKDB_MEMORY (e.g. 512MB, 2GB), else DEFAULT_MEMORY."""
    memory = (os.environ.get(MEMORY_ENV) or DEFAULT_MEMORY).strip()
    if not MEMORY_SIZE.fullmatch(memory):
        raise LimitError(f"${MEMORY_ENV}: {memory!r} is not a memory size (e.g. 128MB or 2GB)")
    return memory


def publish_every() -> float:
    """Seconds between publications of an ingest's batches: $SOLIEU_PUBLISH_EVERY, else 10 (0: every batch)."""
    every = (os.environ.get(PUBLISH_ENV) or str(DEFAULT_PUBLISH_EVERY)).strip()
    try:
        seconds = float(every)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise LimitError(f"${PUBLISH_ENV}: {every!r} is not a number of seconds (e.g. 10, or 0 to publish every batch)")
    return seconds


class PublishPacer:
    """When to publish the batches committed so far: `every` seconds after the last publication (or
    the start), and not before twenty times what the last one cost (a large warehouse takes longer
    to copy), so that publishing stays near PUBLISH_COST_SHARE of the ingest; `every` 0: after
    every batch.

    >>> pacer = PublishPacer(10.0)
    >>> pacer.due(), PublishPacer(0.0).due()
    (False, True)
    >>> pacer.last -= 11; pacer.due()
    True
    >>> pacer.published(1.0); pacer.last -= 11; pacer.due()   # a publication of 1 s: every 20 s
    False
    """

    def __init__(self, every: float):
        self.every, self.cost, self.last = every, 0.0, time.monotonic()

    def due(self) -> bool:
        if self.every == 0:
            return True
        return time.monotonic() - self.last >= max(self.every, self.cost / PUBLISH_COST_SHARE)

    def published(self, cost: float) -> None:
        self.cost, self.last = cost, time.monotonic()


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
                limits: Limits = Limits(), clock: StageClock | None = None, publish=None,
                report_id: str | None = None) -> Outcome:
    """Ingest one file in one transaction (as `report_id`, default its stem), publish it (`publish`:
    WorkingCopy.publish) and write its reports; the fault points are pipeline/faults.py's."""
    prepared = Prepared(path, *hash_file(path, limits))
    taken = take_file(con, prepared, rulebook, version, out_dir, limits)
    if isinstance(taken, Outcome):
        return taken
    if report_id:
        taken = replace(taken, stem=report_id)
    clock = clock or StageClock()
    committed = store_reports(con, [(prepared, taken)], version, checks, clock)
    if publish is not None:
        reach("before_publish")
        publish()
    return [o for c in committed for o in write_committed(con, c, out_dir, clock)][0]


def take_file(con, prepared: Prepared, rulebook, version: str, out_dir: Path, limits: Limits = Limits()):
    """The file's rows (ReportRows), or its Outcome when it is not to be stored (failed, already there).

    `prepared` holds the file's hash and, when a worker processed it ahead (pipeline/parallel.py),
    the result; otherwise it is processed here."""
    path, sha = prepared.path, prepared.sha256
    if sha is None:
        return Outcome(str(path), "failed", prepared.problem)
    known = known_content(con, sha)
    if known:
        return skip_known(con, path, known, out_dir)
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


@dataclass
class Committed:
    """Reports committed in the writer's copy of the warehouse, not yet published."""
    batch: list[tuple[Prepared, ReportRows]]
    ids: list[str]
    rechecked: list[list[str]]   # the later reports each one rechecked
    elsewhere: list[str]         # those of them outside the batch, whose reports are written again
    versions: dict[str, int]     # the version each report was stored as
    changes: dict[str, VersionChange]   # what each new version changed against the one it replaced


def store_reports(con, batch: list[tuple[Prepared, ReportRows]], version: str, checks,
                  clock: StageClock | None = None) -> list[Committed]:
    """Load, check and commit processed reports in one transaction; their reports are written once
    they are published (write_committed).

    One transaction for several reports: DuckDB plans each check once for all of them, and planning
    a check costs about as much as running it on one report. When the batch fails it is rolled
    back and each report is stored again on its own, so that the one at fault fails alone (as it
    would have in a batch of one) and the reports before it are kept."""
    clock = clock or StageClock()
    if len(batch) == 1:
        return [commit_together(con, batch, version, checks, clock)]
    try:
        return [commit_together(con, batch, version, checks, clock)]
    except duckdb.Error as exc:
        if is_unusable(exc):   # a full disk or a damaged file: storing them one by one cannot help
            raise
        return [commit_together(con, [item], version, checks, clock) for item in batch]


def commit_together(con, batch: list[tuple[Prepared, ReportRows]], version: str, checks,
                    clock: StageClock) -> Committed:
    ids, _, rechecked, elsewhere, versions, changes = with_more_memory_if_needed(
        con, lambda: load_and_check(con, batch, version, checks, clock))
    return Committed(batch, ids, rechecked, elsewhere, versions, changes)


def write_committed(con, committed: Committed, out_dir: Path, clock: StageClock) -> list[Outcome]:
    """Write the reports of published reports; their outcomes. Each fault point (pipeline/faults.py)
    is passed once per report, in the order a lone report passes them.

    What the reports say is read from the next copy of the warehouse, which the next batch needs
    anyway (holding it from before the publication held 70 MB for a thousand-report ingest)."""
    for _ in committed.batch:
        reach("after_commit")
    ids = committed.ids
    counts = {}
    for report_id, status, count in con.execute(
            "select report_id, status, count(*) from checks where report_id in (select unnest(?::varchar[])) "
            "group by 1, 2", [ids]).fetchall():
        counts.setdefault(report_id, {})[status] = count
    outcomes, unwritten = [], {}
    with clock.stage("report"):
        data = with_more_memory_if_needed(con, lambda: reports_data(con, ids + committed.elsewhere))
        for report_id in ids + committed.elsewhere:
            try:
                write_reports(con, report_id, out_dir, data[report_id])
            except OSError as exc:
                unwritten[report_id] = unwritten_report(report_id, out_dir, exc)
    for (prepared, rows), report_id, later in zip(committed.batch, committed.ids, committed.rechecked):
        path = prepared.path
        problem = unwritten.get(report_id) or next((unwritten[r] for r in later if r in unwritten), None)
        if problem:
            outcomes.append(Outcome(str(path), "failed", problem, report_id))
            continue
        outcomes.append(Outcome(str(path), "ingested", "", report_id, rows.facts, counts.get(report_id, {}),
                                str(out_dir / f"{report_id}.html"), tuple(later),
                                committed.versions[report_id], committed.changes.get(report_id)))
    return outcomes


def load_and_check(con, batch: list[tuple[Prepared, ReportRows]], version: str, checks, clock: StageClock,
) -> tuple[list[str], list[ReportRows], list[list[str]], list[str], dict[str, int], dict[str, VersionChange]]:
    """Insert and check the batch in one transaction, committed (rolled back on any error).

    A report whose id the warehouse holds already is a new version of it: the current version's rows
    move to the superseded tables first (warehouse/versions.py), and the later reports of the old
    version's locality are rechecked as well as the new one's. Returns the report ids, the rows
    stored, the later reports each report rechecked, those of them outside the batch, the version
    each report was stored as, and what each new version changed against the one it replaced."""
    con.execute("begin transaction")
    try:
        with clock.stage("load"):
            reports = [rows for _, rows in batch]
            ids = [rows.stem for rows in reports]
            # the later reports the replaced versions' facts may be cited by, found before they move
            cited_by = {report_id: later_reports_of_locality(con, report_id)
                        for report_id in current_versions(con, ids)}
            replaced = supersede(con, ids)
            versions = {report_id: replaced.get(report_id, 0) + 1 for report_id in ids}
            insert_tables(con, [(report_id, rows.tables) for report_id, rows in zip(ids, reports)], versions)
        for _ in batch:
            reach("after_load")
        with clock.stage("check"):
            run_checks(con, ids, version, checks)
            # a report rechecks the later reports of its locality that were stored before it
            rechecked = [[r for r in dict.fromkeys(later_reports_of_locality(con, report_id)
                                                   + cited_by.get(report_id, []))
                          if r not in ids[i + 1:]]
                         for i, report_id in enumerate(ids)]
            elsewhere = list(dict.fromkeys(r for later in rechecked for r in later if r not in ids))
            recheck_reports(con, elsewhere, version, checks)
            changes = compare_versions(con, replaced, versions)
        for _ in batch:
            reach("before_commit")
        con.execute("commit")
    except Exception:
        roll_back(con)
        raise
    return ids, reports, rechecked, elsewhere, versions, changes


def with_more_memory_if_needed(con, step, attempts: int = 4):
    """Run `step()`; when DuckDB's memory cap is too small for it, double the cap and run it again.

    The cap keeps an archive's ingest small; a report with unusually many figures may need more for
    a moment, and is not refused for that. `step` must be safe to repeat (a rolled back
    transaction, or a read)."""
    for _ in range(attempts):
        try:
            return step()
        except (duckdb.OutOfMemoryException, duckdb.TransactionException) as exc:
            if not out_of_memory(exc):
                raise
            (limit,) = con.execute("select current_setting('memory_limit')").fetchone()
            con.execute(f"set memory_limit = '{2 * memory_bytes(limit) // 1024}KiB'")
    return step()


def out_of_memory(exc: Exception) -> bool:
    """Did DuckDB's memory cap stop this? A commit that runs out says so as a TransactionException
    (the transaction is over: running it again is safe).

    >>> out_of_memory(duckdb.TransactionException("Failed to commit: could not allocate block of size 256.0 KiB"))
    True
    >>> out_of_memory(duckdb.TransactionException("Conflict on tuple deletion"))
    False
    """
    return isinstance(exc, duckdb.OutOfMemoryException) or bool(OUT_OF_MEMORY.search(str(exc)))


def memory_bytes(size: str) -> int:
    """Bytes of a memory size as DuckDB prints or takes it.

    >>> memory_bytes("122.0 MiB"), memory_bytes("128MB"), memory_bytes("1.5 GiB")
    (127926272, 128000000, 1610612736)
    """
    number, unit = MEMORY_SIZE.fullmatch(size.strip()).groups()
    power = "KMGT".index(unit[0].upper()) + 1
    return int(float(number) * (1024 if "i" in unit.lower() else 1000) ** power)


def skip_known(con, path: Path, known, out_dir: Path) -> Outcome:
    """A file already in the warehouse (`known`: warehouse/versions.py KnownContent) is skipped, be it the
    current version of its report or a superseded one; the report's pages are written again if they are
    missing (an ingest killed, or out of disk space, after the commit)."""
    report_id = known.report_id
    said = f"already ingested as {report_id}"
    if not known.current:
        said = (f"already ingested as version {known.version} of {report_id}, since replaced by version "
                f"{known.current_version} (`make remove ID={report_id}` removes the current version)")
    if (out_dir / f"{report_id}.html").exists():
        return Outcome(str(path), "skipped", said, report_id, version=known.version)
    try:
        write_reports(con, report_id, out_dir)
    except OSError as exc:
        return Outcome(str(path), "failed", unwritten_report(report_id, out_dir, exc), report_id)
    return Outcome(str(path), "skipped", f"{said}; its missing report is written again", report_id,
                   version=known.version)


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
           clock: StageClock | None = None, on_outcome=None, batch: int | None = None,
           report_id: str | None = None) -> list[Outcome]:
    """Ingest files and folders into the warehouse; return one outcome per file.

    A file is the report its stem names, or the one `report_id` names (`ingest --as`: for one file
    only, ReportIdError otherwise). A file of other content than the report's current version is its
    new version (warehouse/versions.py); a file whose content is stored already, in any version, is
    skipped.

    The files are read and their facts extracted in `workers` processes (pipeline/parallel.py:
    default one per core), a few files ahead of the one writer, which loads, checks and reports
    them in the listed order, `batch` reports per transaction (default $SOLIEU_BATCH, else 16; see
    store_reports), fewer once the last files are in the workers (the writer stores what it holds
    rather than wait with idle cores). `on_outcome(outcome, seconds)` hears of each file as it is
    done, in the listed order (default: its line through `log`); `clock` collects the seconds of
    each stage.

    The ingest writes a copy of the warehouse and publishes it (warehouse/publish.py): after a batch
    once $SOLIEU_PUBLISH_EVERY seconds (10) have passed since the last publication (PublishPacer),
    and at the end. A file's line is told, and its reports written, once it is published: a line
    `ingested` means readers that open the warehouse now see the report, and no kill can lose it.

    The rules are refused (RulebookError) when a rule file is broken or one of its examples does
    not hold. One ingest writes at a time: a second one waits for the lock beside the warehouse (up
    to `wait` seconds, see warehouse/lock.py) and raises WarehouseBusy after that. A damaged
    warehouse or a full disk stops the batch with WarehouseUnusable (warehouse/damage.py)."""
    duckdb_memory()   # a bad $SOLIEU_DUCKDB_MEMORY or $SOLIEU_PUBLISH_EVERY is refused before anything is read
    every = publish_every()
    files, outcomes = collect_files(paths)
    if report_id is not None:
        check_report_id(report_id, files, outcomes)
    rulebook = load_checked_rulebook(rules_dir)
    checks = load_checks()
    version = f"{rulebook.version}-{checks_version()}"
    named = {path for path in paths if not path.is_dir()}
    for refused in outcomes:
        if refused.status == "failed":   # what a folder holds besides reports is counted at the end
            log(format_outcome(refused))
    out_dir = report_dir_for(warehouse)
    clock = clock or StageClock()
    on_outcome = on_outcome or (lambda outcome, seconds: log(format_outcome(outcome, seconds)))
    workers = clock.workers = choose_workers(workers, len(files))
    batch = max(1, batch or int(os.environ.get(BATCH_ENV) or DEFAULT_BATCH))
    # the workers are forked before the lock is taken and the warehouse copied: they hold neither
    with worker_pool(rulebook, workers, limits) as pool, writing_warehouse(warehouse, wait, log) as con:
        if workers:  # the other cores are the workers': DuckDB's own threads would only contend with them
            with failures_explained(warehouse):
                con.execute("set threads = 1")
        pacer = PublishPacer(every)
        # What the warehouse holds, read once: no other process writes during the ingest, and a file
        # stored by this one was sent to the workers before. (Looking each file up with a
        # parameterised query would also make DuckDB import pandas, 0.3 s, before the first file
        # reaches the workers.)
        stored = stored_contents(con)
        ahead = FilesAhead(files, lambda path: hash_file(path, limits), stored.__contains__, pool,
                           AHEAD_PER_WORKER * max(workers, 1) + batch, version, workers)
        waiting: list = []   # (number, Prepared, ReportRows, seconds so far): the next transaction
        held: list = []      # ([(number, seconds)], [Committed]): committed in the copy, not yet published
        told: list = []      # (number, outcome, seconds) not yet told: outcomes are told in file order

        def store_waiting(finished: bool = False) -> None:
            if waiting:
                started = time.perf_counter()
                with failures_explained(warehouse, f"; not ingested: {describe_left(files[waiting[0][0]:])}"):
                    committed = store_reports(con, [(prepared, rows) for _, prepared, rows, _ in waiting],
                                              version, checks, clock)
                share = (time.perf_counter() - started) / len(waiting)
                held.append(([(number, seconds + share) for number, _, _, seconds in waiting], committed))
                waiting.clear()
            if held and (finished or pacer.due()):
                publish_held()
            if not held:   # a line is told once its report is published, and in file order
                for number, outcome, seconds in sorted(told, key=lambda t: t[0]):
                    outcomes.append(outcome)
                    on_outcome(outcome, seconds)
                told.clear()

        def publish_held() -> None:
            for _, committed in held:
                for _ in (item for c in committed for item in c.batch):
                    reach("before_publish")
            started = time.perf_counter()
            with failures_explained(warehouse, f"; not ingested: {describe_left(files[held[0][0][0][0]:])}"):
                con.publish()
            pacer.published(time.perf_counter() - started)
            last = held[-1][0][-1][0]
            with failures_explained(warehouse, f"; ingested, without their reports (run `make report`): "
                                               f"{describe_through(files[held[0][0][0][0]:last + 1])}"
                                               + (f"; not ingested: {describe_left(files[last + 1:])}"
                                                  if files[last + 1:] else "")):
                for files_told, committed in held:
                    results = [outcome for c in committed for outcome in write_committed(con, c, out_dir, clock)]
                    told.extend((number, outcome, seconds) for (number, seconds), outcome in zip(files_told, results))
            held.clear()

        for number, prepared in enumerate(ahead):
            if prepared.sha256 and any(p.sha256 == prepared.sha256 for _, p, _, _ in waiting):
                store_waiting()   # a file listed twice: the first copy must be stored before the second is looked up
            started = time.perf_counter()
            with failures_explained(warehouse, f"; not ingested: {describe_left(files[number:])}"):
                taken = take_file(con, prepared, rulebook, version, out_dir, limits)
            if isinstance(taken, ReportRows) and taken.facts == 0:
                taken = without_figures(prepared.path, prepared.path not in named)
            clock.add(prepared.seconds)
            seconds = time.perf_counter() - started
            if isinstance(taken, Outcome):
                told.append((number, taken, seconds))
            else:
                if report_id:
                    taken = replace(taken, stem=report_id)
                if any(rows.stem == taken.stem for _, _, rows, _ in waiting):
                    store_waiting()   # a second file of one report: its new version, stored after the first
                waiting.append((number, prepared, taken, seconds + sum(prepared.seconds.values())))
            if len(waiting) >= batch or not waiting or ahead.winding_down():
                store_waiting()
        store_waiting(finished=True)
        write_index_or_say(con, out_dir, log)
    clock.seconds["publish"] += con.copy_seconds + con.publish_seconds
    return outcomes


def describe_through(files: list[Path]) -> str:
    """The files of published batches: 'a.txt', or 'a.txt to c.txt'."""
    return f"{files[0]}" if len(files) == 1 else f"{files[0]} to {files[-1]}"


class ReportIdError(ValueError):
    """`ingest --as` with an id that cannot name a report, or with other than one file."""


REPORT_ID = re.compile(r"[^\W_][\w.-]*")


def check_report_id(report_id: str, files: list[Path], refused: list[Outcome]) -> None:
    """`--as REPORT_ID` names the report of one file: its pages are <report_id>.html … under
    warehouse/reports/, so it is a plain file name (letters, digits, `_`, `-`, `.`).

    >>> check_report_id("backan_2023_ktxh", [Path("b.pdf")], [])
    >>> try:
    ...     check_report_id("../x", [Path("b.pdf")], [])
    ... except ReportIdError as exc:
    ...     print(exc)
    --as ../x: a report id is letters, digits, _, - and . (starting with a letter or digit)
    """
    if not REPORT_ID.fullmatch(report_id):
        raise ReportIdError(f"--as {report_id}: a report id is letters, digits, _, - and . "
                            "(starting with a letter or digit)")
    if len(files) + len(refused) != 1:
        raise ReportIdError(f"--as {report_id}: names the report of one file, and {len(files) + len(refused)} "
                            "were given: ingest the file on its own")


def write_index_or_say(con, out_dir: Path, log=print) -> Path | None:
    """The index of the reports beside their pages (pipeline/index.py); a folder that cannot take it
    costs the index only, said on one line, not the ingest."""
    try:
        return write_index(con, out_dir)
    except OSError as exc:
        log(f"warning: the index of the reports could not be written to {out_dir} ({exc.strerror or exc}): "
            f"run `make report` once the folder can take it")
        return None


def describe_left(files: list[Path]) -> str:
    """The files a stopped batch did not ingest: 'b.txt', or 'b.txt and the 2 files after it'."""
    more = f" and the {len(files) - 1} file{'s' if len(files) > 2 else ''} after it" if len(files) > 1 else ""
    return f"{files[0]}{more}"


def format_outcome(o: Outcome, seconds: float | None = None) -> str:
    if o.status == "failed":
        return f"error: {o.path}: {o.message}"
    if o.status == "skipped":
        return f"skipped {o.path}: {o.message}"
    if o.status == PASSED_OVER:
        return f"passed over {o.path}: {o.message}"
    counts = ", ".join(f"{k} {o.checks.get(k, 0)}" for k in ("mismatch", "minor", "ok", "unverifiable"))
    took = f" in {seconds:.2f}s" if seconds is not None else ""
    rechecked = f"; rechecked the later reports of its locality: {', '.join(o.rechecked)}" if o.rechecked else ""
    version = f" version {o.version}" if o.version > 1 else ""
    change = f"; {o.change.describe()}" if o.change is not None else ""
    return (f"ingested {o.path} as {o.report_id}{version}{took}: {o.facts} facts, {sum(o.checks.values())} checks "
            f"({counts}){change}; report {o.report_path}{rechecked}")


def summarize(outcomes: list[Outcome]) -> str:
    """The end of the run: counts and figures, then what folders held besides reports, by reason."""
    done = [o for o in outcomes if o.status == "ingested"]
    failed = [o for o in outcomes if o.status == "failed"]
    skipped = [o for o in outcomes if o.status == "skipped"]
    mismatches = sum(o.checks.get("mismatch", 0) for o in done)
    lines = [f"{len(done)} ingested, {len(skipped)} skipped, {len(failed)} failed; "
             f"{sum(o.facts for o in done)} facts, {sum(sum(o.checks.values()) for o in done)} checks, "
             f"{mismatches} mismatches"]
    passed = [o for o in outcomes if o.status == PASSED_OVER]
    if passed:
        lines.append(describe_passed_over(passed))
    return "\n".join(lines)


def describe_passed_over(passed: list[Outcome], named: int = 3) -> str:
    """One line: how many entries of the folders were passed over, by reason (the message up to its
    bracket), naming the first few.

    >>> print(describe_passed_over([Outcome("r/.DS_Store", PASSED_OVER, "hidden"),
    ...     Outcome("r/ghi chú.txt", PASSED_OVER, "notes (no figure in the text); nothing stored"),
    ...     Outcome("r/.git/", PASSED_OVER, "hidden")]))
    passed over 3 entries of the folders, not reports: hidden 2 (r/.DS_Store, r/.git/); notes 1 (r/ghi chú.txt)
    """
    reasons: dict[str, list[str]] = {}
    for o in passed:
        reasons.setdefault(o.message.split(" (")[0], []).append(o.path)
    parts = []
    for reason, paths in reasons.items():
        shown = ", ".join(paths[:named]) + (f" and {len(paths) - named} more" if len(paths) > named else "")
        parts.append(f"{reason} {len(paths)} ({shown})")
    return f"passed over {len(passed)} entries of the folders, not reports: " + "; ".join(parts)
