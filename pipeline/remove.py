"""`python -m pipeline remove REPORT_ID [--all-versions]`: take a report out of the warehouse.

Without --all-versions the current version goes: its rows in every table and its pages under
warehouse/reports/. When the report has earlier versions, the latest of them becomes current again
(its rows move back from the superseded tables, its checks run again, its pages are written), so a
file ingested under the wrong id, or a correction that was not one, is undone. With --all-versions,
or when there is no earlier version, the report leaves the warehouse altogether. Either way the
later reports of its locality are checked again: their cross-report checks (CK40) may have cited it.

It writes like an ingest: one writer at a time, one transaction, in a copy of the warehouse published
before the pages are written (warehouse/publish.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.report import report_dir_for, reports_data, write_reports
from warehouse.checks import checks_version, later_reports_of_locality, load_checks, recheck_reports
from warehouse.versions import StoredVersion, delete_current, delete_superseded, reinstate, stored_versions

PAGE_SUFFIXES = (".html", ".md", ".csv")


class UnknownReport(LookupError):
    """No report of that id in the warehouse."""


@dataclass
class Removal:
    report_id: str
    removed: list[StoredVersion]
    reinstated: StoredVersion | None = None
    rechecked: list[str] = field(default_factory=list)
    pages_deleted: list[Path] = field(default_factory=list)


def describe_version(report_id: str, v: StoredVersion) -> str:
    """One version as `remove` prints it.

    >>> from datetime import datetime
    >>> describe_version("x", StoredVersion(2, True, "raw/x.txt", datetime(2025, 1, 2, 3, 4, 5), 480, 151, 6))
    'x version 2 (current; raw/x.txt, ingested 2025-01-02 03:04:05 UTC): 480 facts, 151 checks, 6 mismatches'
    """
    state = "current" if v.current else "superseded"
    return (f"{report_id} version {v.version} ({state}; {v.source_path}, ingested {v.ingested_at:%Y-%m-%d %H:%M:%S} UTC): "
            f"{v.facts} facts, {v.checks} checks, {v.mismatches} mismatches")


def remove_report(warehouse: Path, report_id: str, all_versions: bool = False, wait: float | None = None,
                  log=print, say=print) -> Removal:
    """Remove the report's current version (all its versions with `all_versions`); `log` hears what is
    removed before anything is, `say` the waiting for the lock. UnknownReport when the warehouse has no
    such report (or no warehouse is there); nothing is then written."""
    from pipeline.run import roll_back, writing_warehouse   # run.py imports the report pages too
    if not warehouse.exists():
        raise UnknownReport(f"no warehouse at {warehouse}: nothing to remove")
    checks = load_checks()
    with writing_warehouse(warehouse, wait, say) as con:
        versions = stored_versions(con, report_id)
        if not versions:
            raise UnknownReport(f"no report {report_id} in {warehouse}: "
                                f"`make sql Q=\"select report_id from reports\"` lists the reports")
        current = next(v for v in versions if v.current)
        earlier = [v for v in versions if not v.current]
        removal = Removal(report_id, versions if all_versions else [current],
                          None if all_versions or not earlier else earlier[-1])
        for v in reversed(removal.removed):
            log(f"removing {describe_version(report_id, v)}")
        if removal.reinstated is not None:
            still = len(earlier) - 1
            log(f"version {removal.reinstated.version} becomes current again ({removal.reinstated.source_path})"
                + (f"; {still} earlier version{'s' if still > 1 else ''} stay superseded" if still else ""))
        con.execute("begin transaction")
        try:
            later = later_reports_of_locality(con, report_id)
            delete_current(con, report_id)
            if all_versions:
                delete_superseded(con, report_id)
            if removal.reinstated is not None:
                reinstate(con, report_id, removal.reinstated.version)
                later += later_reports_of_locality(con, report_id)
                # its checks ran while it was current; the reports they compare with may have changed since
                recheck_reports(con, [report_id], rechecked_version(con, report_id), checks)
            removal.rechecked = [r for r in dict.fromkeys(later) if r != report_id]
            for other in removal.rechecked:
                recheck_reports(con, [other], rechecked_version(con, other), checks)
            con.execute("commit")
        except Exception:
            roll_back(con)
            raise
        con.publish()   # the pages below tell of the warehouse readers open from now on
        out_dir = report_dir_for(warehouse)
        rewritten = removal.rechecked + ([report_id] if removal.reinstated is not None else [])
        data = reports_data(con, rewritten) if rewritten else {}
        for other in rewritten:
            write_reports(con, other, out_dir, data[other])
        if removal.reinstated is None:
            for suffix in PAGE_SUFFIXES:
                page = out_dir / f"{report_id}{suffix}"
                if page.exists():
                    page.unlink()
                    removal.pages_deleted.append(page)
    return removal


def rechecked_version(con, report_id: str) -> str:
    """The rules version a rechecked report's checks carry: the rules its facts were extracted with, and
    the check files run now."""
    (stored,) = con.execute("select rules_version from reports where report_id = ?", [report_id]).fetchone()
    return f"{(stored or '').split('-')[0]}-{checks_version()}"


def summarize_removal(removal: Removal) -> str:
    """The closing line."""
    versions = ", ".join(str(v.version) for v in removal.removed)
    what = (f"removed {removal.report_id} version {versions}" if len(removal.removed) == 1
            else f"removed {removal.report_id} versions {versions}")
    facts = sum(v.facts for v in removal.removed)
    checks = sum(v.checks for v in removal.removed)
    parts = [f"{what}: {facts} facts, {checks} checks"]
    if removal.reinstated is not None:
        parts.append(f"version {removal.reinstated.version} is current again, its report written again")
    else:
        parts.append(f"{len(removal.pages_deleted)} report pages deleted")
    if removal.rechecked:
        parts.append(f"rechecked the later reports of its locality: {', '.join(removal.rechecked)}")
    return "; ".join(parts)
