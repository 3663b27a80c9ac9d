"""Re-extract: run the current rules and checks over every stored report, all of them or none.

A rule fixed today should fix the reports ingested last month without hunting for their files:
each report's Document is rebuilt from the warehouse (warehouse/restore.py), its facts, problems
and checks are replaced, and what changed is reported per report — facts added, removed or changed
(by their deterministic fact_id) and checks whose status changed — so a rule author sees the effect
of an edit before trusting it. Either every report is re-extracted or, on any error, none is: the
work is done in a copy of the warehouse that is published only when it is complete.

Extraction runs in worker processes, as in an ingest (pipeline/parallel.py): this process reads
each Document from the warehouse a few reports ahead, a worker extracts it and lays out its rows,
and this process stores them, a chunk of reports per statement and per transaction. DuckDB's
memory is capped as in an ingest ($SOLIEU_DUCKDB_MEMORY, pipeline/run.py), and a step that needs
more runs again with more; the diff reads the warehouse as published, on disk.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from extract.cases import load_checked_rulebook
from pipeline.parallel import AHEAD_PER_WORKER, choose_workers, reextract_in_worker, worker_pool
from extract.document import process_document
from pipeline.report import report_dir_for, reports_data, write_reports
from pipeline.run import roll_back, with_more_memory_if_needed, write_index_or_say, writing_warehouse
from warehouse.checks import checks_version, load_checks, run_checks
from warehouse.load import ExtractionRows, delete_extraction, extraction_rows, store_extraction
from warehouse.restore import read_document

SHOWN = 20  # lines of detail per report and kind of change; the counts are always complete
CHUNK = 64  # reports stored, checked or reported per statement: a check run copies its reports' facts
BEFORE = "published"   # the warehouse as published, attached read-only for the diff
DIFF_CHUNK = 4 * CHUNK   # reports diffed per round of queries (each round reads the whole snapshot)


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
    """The facts and checks as they are, to diff against after re-extraction: views of the warehouse
    as published, attached read-only (warehouse/publish.py), which the copy being re-extracted
    started from. On disk, not in memory: a copy of them in temporary tables held all the facts of
    the archive within the memory cap. A column the copy gained from a newer schema is null there,
    as an upgrade leaves it in the copy."""
    if not con.attach_published(BEFORE):   # a warehouse made now: nothing before
        con.execute("create or replace temp view _old_facts as select * exclude (rules_version) from facts where false")
        con.execute("create or replace temp view _old_checks as "
                    "select check_id, report_id, rule_id, status, line, reported from checks where false")
        return
    had = {c for (c,) in con.execute("select column_name from duckdb_columns() where database_name = ? "
                                     "and schema_name = 'main' and table_name = 'facts'", [BEFORE]).fetchall()}
    facts = ", ".join(f'"{name}"' if name in had else f'null::{kind} as "{name}"' for name, kind in con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = current_database() "
        "and schema_name = 'main' and table_name = 'facts' and column_name <> 'rules_version' "
        "order by column_index").fetchall())
    con.execute(f"create or replace temp view _old_facts as select {facts} from {BEFORE}.facts")
    con.execute("create or replace temp view _old_checks as "
                f"select check_id, report_id, rule_id, status, line, reported from {BEFORE}.checks")


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
    """Rebuild every report's facts and checks; the changes per report.

    `con` is a writer's copy of the warehouse (warehouse/publish.py), published only when every
    report is done: on any error the copy is dropped and the warehouse is as it was. So the work
    is committed a chunk of reports at a time, each step in a transaction of its own that is run
    again with more memory when DuckDB's cap is too small for it (run.with_more_memory_if_needed):
    one transaction over the whole warehouse needed several times the memory of an ingest."""
    snapshot(con)
    chunk: list[ExtractionRows] = []

    def store() -> None:
        ids = [rows.report_id for rows in chunk]
        in_transaction(con, lambda: (delete_extraction(con, ids), store_extraction(con, chunk, version)))
        chunk.clear()

    for rows in reextracted(con, report_ids, rulebook, version, pool, window):
        chunk.append(rows)
        if len(chunk) == CHUNK:
            store()
    store()
    for start in range(0, len(report_ids), CHUNK):   # every report is re-extracted before any is checked
        ids = report_ids[start:start + CHUNK]
        in_transaction(con, lambda: run_checks(con, ids, version, checks))
    changes = []
    for start in range(0, len(report_ids), DIFF_CHUNK):   # the diff of a whole archive at once outgrew the cap
        ids = report_ids[start:start + DIFF_CHUNK]
        changes += with_more_memory_if_needed(con, lambda: collect_changes(con, ids))
    con.execute("drop view _old_facts")
    con.execute("drop view _old_checks")
    return changes


def in_transaction(con, step):
    """step() in a transaction of its own, committed; rolled back on an error, and run again with
    more memory when DuckDB's cap was too small for it. Then a checkpoint: DuckDB keeps committed
    rows in memory until one writes them to the file (about 30 MB for the sample report alone)."""
    def run():
        con.execute("begin transaction")
        try:
            result = step()
            con.execute("commit")
        except BaseException:
            roll_back(con)
            raise
        return result
    result = with_more_memory_if_needed(con, run)
    with_more_memory_if_needed(con, lambda: con.execute("checkpoint"))
    return result


def reextract(warehouse: Path, rules_dir: Path | None = None, wait: float | None = None, log=print,
              workers: int | None = None) -> Reextraction:
    """Rebuild the facts and checks of every report with the current rules: all of them, or none.

    `workers`: extraction processes (pipeline/parallel.py choose_workers: default one per core).
    A rule set with a broken file or a case that does not hold raises RulebookError before the
    warehouse is opened."""
    rulebook = load_checked_rulebook(rules_dir)
    checks = load_checks()
    version = f"{rulebook.version}-{checks_version()}"
    result = Reextraction(version)
    workers = choose_workers(workers)
    # the workers are forked before the lock is taken and the warehouse copied: they hold neither
    with worker_pool(rulebook, workers) as pool, writing_warehouse(warehouse, wait, log) as con:
        report_ids = [r for (r,) in con.execute("select report_id from reports order by report_id").fetchall()]
        result.changes = rebuild_all(con, report_ids, rulebook, version, checks, pool,
                                     AHEAD_PER_WORKER * max(workers, 1))
        con.publish()
        out_dir = report_dir_for(warehouse)
        for start in range(0, len(report_ids), CHUNK):
            chunk = report_ids[start:start + CHUNK]
            data = with_more_memory_if_needed(con, lambda: reports_data(con, chunk))
            for report_id in chunk:
                write_reports(con, report_id, out_dir, data[report_id])
        write_index_or_say(con, out_dir, log)
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
