"""Re-extract: run the current rules and checks over every stored report, in one transaction.

A rule fixed today should fix the reports ingested last month without hunting for their files:
each report's Document is rebuilt from the warehouse (warehouse/restore.py), its facts, problems
and checks are replaced, and what changed is reported per report — facts added, removed or changed
(by their deterministic fact_id) and checks whose status changed — so a rule author sees the effect
of an edit before trusting it. Either every report is re-extracted or, on any error, none is.

Extraction runs in worker processes, as in an ingest (pipeline/parallel.py): this process reads
each Document from the warehouse a few reports ahead, a worker extracts it and lays out its rows,
and this process stores them, a chunk of reports per statement.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import duckdb

from extract.cases import load_checked_rulebook
from pipeline.parallel import AHEAD_PER_WORKER, choose_workers, reextract_in_worker, worker_pool
from extract.document import process_document
from pipeline.report import report_dir_for, reports_data, write_reports
from pipeline.run import open_warehouse, write_index_or_say
from warehouse.checks import checks_version, load_checks, run_checks
from warehouse.load import ExtractionRows, delete_extraction, extraction_rows, store_extraction
from warehouse.lock import hold_writer_lock
from warehouse.restore import read_document

SHOWN = 20  # lines of detail per report and kind of change; the counts are always complete
CHUNK = 64  # reports stored, checked or reported per statement: a check run copies its reports' facts


@dataclass(frozen=True)
class ReportChange:
    """What re-extraction changed in one report."""
    report_id: str
    facts_added: tuple[tuple, ...] = ()      # (fact_id, line, raw)
    facts_removed: tuple[tuple, ...] = ()
    facts_changed: tuple[tuple, ...] = ()
    checks_added: int = 0
    checks_removed: int = 0
    status_changed: tuple[tuple, ...] = ()   # (check_id, line, old status, new status, message)

    @property
    def unchanged(self) -> bool:
        return not (self.facts_added or self.facts_removed or self.facts_changed or self.checks_added
                    or self.checks_removed or self.status_changed)


@dataclass
class Reextraction:
    rules_version: str
    changes: list[ReportChange] = field(default_factory=list)


def snapshot(con) -> None:
    """Keep the facts and checks as they are, to diff against after re-extraction."""
    con.execute("create or replace temp table _old_facts as select * exclude (rules_version) from facts")
    con.execute("create or replace temp table _old_checks as "
                "select check_id, report_id, rule_id, status, line, reported from checks")


def reextracted(con, report_ids: list[str], rulebook, version: str, pool, window: int) -> Iterator[ExtractionRows]:
    """Each report's new extraction, in order. Its Document is read back here (the warehouse is this
    process's), `window` reports ahead, and extracted in a worker of `pool` (here when it is None)."""
    upcoming, pending = iter(report_ids), deque()

    def send_next() -> None:
        report_id = next(upcoming, None)
        if report_id is None:
            return
        document = read_document(con, report_id)
        (sha256,) = con.execute("select sha256 from reports where report_id = ?", [report_id]).fetchone()
        if pool is None:
            pending.append(extraction_rows(report_id, process_document(document, rulebook, sha256), version))
        else:
            pending.append(pool.apply_async(reextract_in_worker, (document, sha256, report_id, version)))

    for _ in range(max(window, 1)):
        send_next()
    while pending:
        item = pending.popleft()
        send_next()
        yield item if pool is None else item.get()


def collect_changes(con, report_ids: list[str]) -> list[ReportChange]:
    """Facts and checks of the reports now, against the snapshot, one ReportChange per report.

    One set of queries for every report: a round per report read the whole warehouse once per
    report, which made re-extracting an archive quadratic in its size."""
    ids = list(report_ids)

    def by_report(sql: str) -> dict[str, tuple]:
        grouped: dict[str, list] = {r: [] for r in ids}
        for report_id, *row in con.execute(sql, [ids]).fetchall():
            grouped[report_id].append(tuple(row))
        return {r: tuple(rows) for r, rows in grouped.items()}

    # a fact differs when any column but the rules version does; added/removed/changed by fact_id
    sides = """with old as (select * from _old_facts where report_id in (select unnest($1::varchar[]))),
                    now as (select * exclude (rules_version) from facts
                            where report_id in (select unnest($1::varchar[])))"""
    added = by_report(f"""{sides} select report_id, fact_id, line, raw from (select * from now except select * from old)
                          where fact_id not in (select fact_id from old) order by report_id, line, fact_id""")
    removed = by_report(f"""{sides} select report_id, fact_id, line, raw from (select * from old except select * from now)
                            where fact_id not in (select fact_id from now) order by report_id, line, fact_id""")
    changed = by_report(f"""{sides} select report_id, fact_id, line, raw from (select * from now except select * from old)
                            where fact_id in (select fact_id from old) order by report_id, line, fact_id""")
    con.execute("""
        create or replace temp table _paired as
        with new as (select * from checks where report_id in (select unnest($1::varchar[]))),
             old as (select * from _old_checks where report_id in (select unnest($1::varchar[]))),
        same_id as (
            select old.report_id, old.check_id as old_id, new.check_id as new_id from old join new using (check_id)
        ),
        same_claim as (
            -- a claim now read by another rule, or tested by another check, is still the same claim:
            -- same report, line and printed number (the same check code preferred)
            select old.report_id, old.check_id as old_id, new.check_id as new_id
            from old join new on new.report_id = old.report_id and new.line = old.line
                             and new.reported is not distinct from old.reported
            where old.check_id not in (select check_id from new) and new.check_id not in (select check_id from old)
            qualify row_number() over (partition by old.check_id order by new.rule_id <> old.rule_id, new.check_id) = 1
                and row_number() over (partition by new.check_id order by new.rule_id <> old.rule_id, old.check_id) = 1
        )
        select * from same_id union all select * from same_claim
    """, [ids])
    counts = {report_id: (now_n - paired, old_n - paired) for report_id, now_n, old_n, paired in con.execute("""
        with per_report as (select unnest($1::varchar[]) as report_id)
        select report_id,
               (select count(*) from checks c where c.report_id = r.report_id),
               (select count(*) from _old_checks o where o.report_id = r.report_id),
               (select count(*) from _paired p where p.report_id = r.report_id)
        from per_report as r
    """, [ids]).fetchall()}
    status = by_report("""
        select p.report_id, new.check_id, new.line, old.status, new.status, new.message
        from _paired as p join _old_checks as old on old.check_id = p.old_id join checks as new on new.check_id = p.new_id
        where new.status <> old.status and p.report_id in (select unnest($1::varchar[]))
        order by p.report_id, new.line, new.check_id
    """)
    con.execute("drop table _paired")
    return [ReportChange(r, added[r], removed[r], changed[r], counts[r][0], counts[r][1], status[r]) for r in ids]


def rebuild_all(con, report_ids: list[str], rulebook, version: str, checks, pool=None, window: int = 1) -> list[ReportChange]:
    """Rebuild every report's facts and checks in one transaction, committed (rolled back on any
    error); the changes per report."""
    con.execute("begin transaction")
    try:
        snapshot(con)
        delete_extraction(con, report_ids)
        chunk: list[ExtractionRows] = []
        for rows in reextracted(con, report_ids, rulebook, version, pool, window):
            chunk.append(rows)
            if len(chunk) == CHUNK:
                store_extraction(con, chunk, version)
                chunk = []
        store_extraction(con, chunk, version)
        for start in range(0, len(report_ids), CHUNK):   # every report is re-extracted before any is checked
            run_checks(con, report_ids[start:start + CHUNK], version, checks)
        changes = collect_changes(con, report_ids)
        con.execute("drop table _old_facts")
        con.execute("drop table _old_checks")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return changes


def reextract(warehouse: Path, rules_dir: Path | None = None, wait: float | None = None, log=print,
              workers: int | None = None) -> Reextraction:
    """Rebuild the facts and checks of every report with the current rules, in one transaction.

    `workers`: extraction processes (pipeline/parallel.py choose_workers: default one per core).
    A rule set with a broken file or a case that does not hold raises RulebookError before the
    warehouse is opened."""
    rulebook = load_checked_rulebook(rules_dir)
    checks = load_checks()
    version = f"{rulebook.version}-{checks_version()}"
    result = Reextraction(version)
    workers = choose_workers(workers)
    # the workers are forked before the lock is taken and the warehouse opened: they hold neither
    with worker_pool(rulebook, workers) as pool, hold_writer_lock(warehouse, wait, log):
        con = open_warehouse(warehouse, wait, log)
        # one transaction over the whole warehouse: DuckDB's own default (80% of RAM) rather than the
        # ingest's cap, set by value (RESET leaves the cap in force in DuckDB 1.5.6)
        (default_memory,) = duckdb.connect().execute("select current_setting('memory_limit')").fetchone()
        con.execute(f"set memory_limit = '{default_memory}'")
        try:
            report_ids = [r for (r,) in con.execute("select report_id from reports order by report_id").fetchall()]
            result.changes = rebuild_all(con, report_ids, rulebook, version, checks, pool,
                                         AHEAD_PER_WORKER * max(workers, 1))
            out_dir = report_dir_for(warehouse)
            for start in range(0, len(report_ids), CHUNK):
                chunk = report_ids[start:start + CHUNK]
                data = reports_data(con, chunk)
                for report_id in chunk:
                    write_reports(con, report_id, out_dir, data[report_id])
            write_index_or_say(con, out_dir, log)
        finally:
            con.close()
    return result


def format_change(change: ReportChange) -> list[str]:
    """One summary line for the report, then one line per change (the first SHOWN of each kind)."""
    head = (f"{change.report_id}: facts +{len(change.facts_added)} -{len(change.facts_removed)} "
            f"~{len(change.facts_changed)}; checks +{change.checks_added} -{change.checks_removed}, "
            f"{len(change.status_changed)} changed status")
    if change.unchanged:
        return [f"{change.report_id}: unchanged"]
    lines = [head]
    for mark, facts in (("+", change.facts_added), ("-", change.facts_removed), ("~", change.facts_changed)):
        lines += [f"  {mark} fact {fact_id} l.{line} «{raw}»" for fact_id, line, raw in facts[:SHOWN]]
        if len(facts) > SHOWN:
            lines.append(f"  {mark} … and {len(facts) - SHOWN} more facts")
    for check_id, line, old, new, message in change.status_changed[:SHOWN]:
        lines.append(f"  check {check_id} l.{line}: {old} → {new}: {message}")
    if len(change.status_changed) > SHOWN:
        lines.append(f"  … and {len(change.status_changed) - SHOWN} more checks changed status")
    return lines


def summarize_reextraction(result: Reextraction) -> str:
    changes = result.changes
    return (f"re-extracted {len(changes)} reports with rules {result.rules_version}: "
            f"facts +{sum(len(c.facts_added) for c in changes)} -{sum(len(c.facts_removed) for c in changes)} "
            f"~{sum(len(c.facts_changed) for c in changes)}; "
            f"{sum(len(c.status_changed) for c in changes)} checks changed status")
