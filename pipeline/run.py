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
from warehouse.checks import checks_version, load_checks, run_checks
from warehouse.load import create_schema, load_report

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


def collect_files(paths: list[Path]) -> tuple[list[Path], list[Outcome]]:
    """Expand folders into report files (sorted); name anything else that cannot be a report."""
    files, refused = [], []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUFFIXES and not child.name.startswith("."):
                    files.append(child)
        elif path.is_file():
            files.append(path)
        else:
            refused.append(Outcome(str(path), "failed", "no such file or folder"))
    return files, refused


def open_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
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
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    counts = dict(con.execute("select status, count(*) from checks where report_id = ? group by 1",
                              [report_id]).fetchall())
    paths = write_reports(con, report_id, out_dir)
    return Outcome(str(path), "ingested", "", report_id, len(processed.facts), counts, str(paths["html"]))


def ingest(paths: list[Path], warehouse: Path, log=print) -> list[Outcome]:
    """Ingest files and folders into the warehouse; return one outcome per file."""
    rulebook = load_rulebook()
    checks = load_checks()
    version = f"{rulebook.version}-{checks_version()}"
    files, outcomes = collect_files(paths)
    con = open_warehouse(warehouse)
    out_dir = report_dir_for(warehouse)
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
    return (f"ingested {o.path} as {o.report_id}{took}: {o.facts} facts, {sum(o.checks.values())} checks "
            f"({counts}); report {o.report_path}")


def summarize(outcomes: list[Outcome]) -> str:
    done = [o for o in outcomes if o.status == "ingested"]
    failed = [o for o in outcomes if o.status == "failed"]
    skipped = [o for o in outcomes if o.status == "skipped"]
    mismatches = sum(o.checks.get("mismatch", 0) for o in done)
    return (f"{len(done)} ingested, {len(skipped)} skipped, {len(failed)} failed; "
            f"{sum(o.facts for o in done)} facts, {sum(sum(o.checks.values()) for o in done)} checks, "
            f"{mismatches} mismatches")
