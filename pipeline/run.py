"""Ingest: read → normalise → segment → extract → load → check → report, for files and folders.

Each report is loaded and checked in one transaction: a failure leaves nothing of it behind,
and the other files of the batch are still ingested.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from extract.read import ReadError, TEXT_SUFFIXES
from extract.rulebook import load_rulebook
from pipeline.process import file_sha256, process_file
from pipeline.report import report_dir_for, write_reports
from warehouse.checks import checks_version, later_reports_of_locality, load_checks, recheck_reports, run_checks
from warehouse.load import create_schema, load_report
from warehouse.lock import connect_warehouse, hold_writer_lock

SUFFIXES = TEXT_SUFFIXES | {".pdf", ".docx"}


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
    """Expand folders into report files (sorted); name anything else that cannot be a report."""
    files, refused = [], []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                # hidden files and a folder's own README are not reports
                if (child.is_file() and child.suffix.lower() in SUFFIXES and not child.name.startswith(".")
                        and not child.stem.upper().startswith("README")):
                    files.append(child)
        elif path.is_file():
            files.append(path)
        else:
            refused.append(Outcome(str(path), "failed", "no such file or folder"))
    return files, refused


def open_warehouse(path: Path, wait: float | None = None, log=print) -> duckdb.DuckDBPyConnection:
    """Open read-write (waiting while another process holds the file) and bring the schema up to date."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = connect_warehouse(path, read_only=False, timeout=wait, log=log)
    create_schema(con)
    return con


def ingest_file(con, path: Path, rulebook, checks, version: str, out_dir: Path) -> Outcome:
    sha = file_sha256(path)
    known = con.execute("select report_id from reports where sha256 = ?", [sha]).fetchone()
    if known:
        return Outcome(str(path), "skipped", f"already ingested as {known[0]}", known[0])
    try:
        processed = process_file(path, rulebook, sha)
    except ReadError as exc:
        return Outcome(str(path), "failed", str(exc))
    except (OSError, UnicodeError) as exc:
        return Outcome(str(path), "failed", f"cannot read the file: {exc}")
    con.execute("begin transaction")
    try:
        report_id = load_report(con, processed, version)
        run_checks(con, [report_id], version, checks)
        rechecked = later_reports_of_locality(con, report_id)
        recheck_reports(con, rechecked, version, checks)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    counts = dict(con.execute("select status, count(*) from checks where report_id = ? group by 1",
                              [report_id]).fetchall())
    paths = write_reports(con, report_id, out_dir)
    for later in rechecked:
        write_reports(con, later, out_dir)
    return Outcome(str(path), "ingested", "", report_id, len(processed.facts), counts, str(paths["html"]),
                   tuple(rechecked))


def ingest(paths: list[Path], warehouse: Path, log=print, rules_dir: Path | None = None,
           wait: float | None = None) -> list[Outcome]:
    """Ingest files and folders into the warehouse; return one outcome per file.

    One ingest writes at a time: a second one waits for the lock beside the warehouse (up to
    `wait` seconds, see warehouse/lock.py) and raises WarehouseBusy after that."""
    rulebook = load_rulebook(rules_dir) if rules_dir else load_rulebook()
    checks = load_checks()
    version = f"{rulebook.version}-{checks_version()}"
    files, outcomes = collect_files(paths)
    out_dir = report_dir_for(warehouse)
    with hold_writer_lock(warehouse, wait, log):
        con = open_warehouse(warehouse, wait, log)
        try:
            for path in files:
                started = time.perf_counter()
                outcome = ingest_file(con, path, rulebook, checks, version, out_dir)
                outcomes.append(outcome)
                log(format_outcome(outcome, time.perf_counter() - started))
        finally:
            con.close()
    return outcomes


def format_outcome(o: Outcome, seconds: float | None = None) -> str:
    if o.status == "failed":
        return f"FAILED {o.path}: {o.message}"
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
