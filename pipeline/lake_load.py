"""Load a lake (pipeline/lake.py) into a warehouse: `python -m pipeline lake-load --lake DIR --warehouse W`.

The reports the lake's manifests mark done are loaded in the order they were listed, a group of
batches per transaction, each table with one `insert … select` from the batches' Parquet files
(DuckDB reads them itself: no row passes through Python). What an ingest of the same files would
do beside that is done here too, so that the warehouse keeps the contract of an ingest's:

- A report whose content (SHA-256) the warehouse holds already, as a current or a superseded
  version, is skipped, as ingest skips it.
- A file is the report its stem names. When the warehouse holds that report already (ingested
  before, or an earlier file of the lake's listing), the file is a new version of it: the current
  version's rows move to the `superseded` tables first (warehouse/versions.py), as in an ingest,
  and the later reports of the old version's locality are checked again. A report whose lake id is
  not its stem (the lake's second file of a stem) has its id, its facts' ids and its links
  rewritten as they load, and is checked again in full. A group never holds two files of one report.
- The checks that compare a report with other reports of its locality (those whose SQL reads
  `facts`, not only the batch's `batch_facts`: CK40) saw only the worker's batch. They are run
  again here over the loaded reports and over the later reports of their localities stored before
  (which an ingest rechecks too); where their rows differ from the lake's, the report is checked
  again in full (the checks after them, CK90, depend on them), as ingest's recheck does. Every other
  report keeps the checks its worker computed.
- The consistency reports go beside the warehouse (warehouse/reports/): copied from the lake's
  html/ where the checks are the worker's, written anew where they were checked again.

A group is one transaction in a copy of the warehouse, published once the group is loaded
(warehouse/publish.py): readers never wait for a load, and a load that is stopped keeps the groups
published before; run again it skips them (their content is in the warehouse) and loads the rest.
"""
from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.lake import HTML, TABLES, read_manifests, sql_string

GROUP_BATCHES = 16      # lake batches per transaction (about a thousand reports)
LOAD_MEMORY = "1GB"     # DuckDB's memory while loading, unless $SOLIEU_DUCKDB_MEMORY says otherwise: a group of
                        # a thousand reports overflows ingest's 128MB, and each overflow loads the group again


@dataclass
class Planned:
    entry: dict         # the report's manifest row
    report_id: str      # its id in the warehouse
    version: int = 1    # the version it is stored as (decided as its group loads)

    @property
    def renamed(self) -> bool:
        return self.report_id != self.entry["report_id"]


@dataclass
class LoadResult:
    loaded: int = 0
    skipped: list[tuple[dict, str]] = field(default_factory=list)   # (manifest row, why)
    renamed: int = 0
    replaced: int = 0                                               # new versions of reports held before
    rechecked: int = 0
    facts: int = 0
    checks: int = 0
    mismatches: int = 0
    seconds: float = 0.0
    versions: set[str] = field(default_factory=set)                 # the rules versions of the lake's reports
    version: str = ""                                               # this checkout's
    index: Path | None = None
    unwritten: list[str] = field(default_factory=list)              # pages that could not be written


class NoLake(Exception):
    """The folder holds no lake (no manifest)."""


def lake_load(lake_dir: Path, warehouse: Path, rules_dir: Path | None = None, wait: float | None = None,
              log=print, group_batches: int = GROUP_BATCHES) -> LoadResult:
    from extract.rulebook.load import RULES_DIR, load_rulebook
    from pipeline.report import report_dir_for
    from pipeline.run import MEMORY_ENV, with_more_memory_if_needed, write_index_or_say, writing_warehouse
    from warehouse.checks import checks_version, load_checks
    from warehouse.damage import failures_explained
    started = time.perf_counter()
    lake_dir, warehouse = Path(lake_dir), Path(warehouse)
    if not (lake_dir / "manifest").is_dir():
        raise NoLake(f"{lake_dir}: no lake here (no manifest/ folder): make one with `python -m pipeline lake "
                     f"SOURCES… --lake {lake_dir}`")
    checks = load_checks()
    version = f"{load_rulebook(rules_dir or RULES_DIR).version}-{checks_version()}"
    done = [row for row in read_manifests(lake_dir) if row["status"] == "done"]
    result = LoadResult(versions={row["rules_version"] for row in done}, version=version)
    out_dir = report_dir_for(warehouse)
    with writing_warehouse(warehouse, wait, log) as con:   # a copy, published after each group
        if not os.environ.get(MEMORY_ENV):
            con.execute(f"set memory_limit = '{LOAD_MEMORY}'")
        planned, result.skipped = plan_load(con, done)
        for group in batch_groups(planned, group_batches):
            with failures_explained(warehouse):
                rechecked = with_more_memory_if_needed(
                    con, lambda: load_group(con, lake_dir, group, version, checks))
                con.publish()   # readers see the group; its pages below tell of what they see
                written = write_pages(con, lake_dir, out_dir, group, rechecked, result)
                count_group(con, group, result)
            result.loaded += len(group)
            result.renamed += sum(p.renamed for p in group)
            result.replaced += sum(p.version > 1 for p in group)
            result.rechecked += len(rechecked)
            log(f"loaded {result.loaded}/{len(planned)} reports ({written} pages written anew)")
        result.index = write_index_or_say(con, out_dir, log)
    result.seconds = time.perf_counter() - started
    return result


def plan_load(con, done: list[dict]) -> tuple[list[Planned], list[tuple[dict, str]]]:
    """Each done report of the lake, in listed order, with its warehouse id (its file's stem); the ones
    to skip, with why."""
    stored = dict(con.execute("select sha256, report_id from superseded.reports union all "
                              "select sha256, report_id from reports").fetchall())
    planned, skipped, first = [], [], {}
    for row in done:
        sha = row["sha256"]
        if sha in stored:
            skipped.append((row, f"already in the warehouse as {stored[sha]}"))
        elif sha in first:
            skipped.append((row, f"same content as {first[sha][0]}, loaded as {first[sha][1]}"))
        else:
            report_id = Path(row["path"]).stem
            first[sha] = (row["path"], report_id)
            planned.append(Planned(row, report_id))
    return planned, skipped


def batch_groups(planned: list[Planned], group_batches: int) -> list[list[Planned]]:
    """The planned reports cut into groups of whole lake batches, in listed order; a second file of a
    report starts a new group (it is a new version of the one before)."""
    groups, current, batches, ids = [], [], set(), set()
    for item in planned:
        full = item.entry["batch"] not in batches and len(batches) >= group_batches
        if current and (full or item.report_id in ids):
            groups.append(current)
            current, batches, ids = [], set(), set()
        batches.add(item.entry["batch"])
        ids.add(item.report_id)
        current.append(item)
    if current:
        groups.append(current)
    return groups


def load_group(con, lake_dir: Path, group: list[Planned], version: str, checks) -> list[str]:
    """Insert a group's reports (new versions replacing the current ones) and settle their checks against
    other reports, in one transaction. Returns the reports whose checks were run again (this group's or
    stored before)."""
    import pyarrow as pa
    from pipeline.run import roll_back
    from warehouse.checks import later_reports_of_locality
    from warehouse.versions import current_versions, supersede
    ids = [p.report_id for p in group]
    batches = list(dict.fromkeys(p.entry["batch"] for p in group))
    con.execute("begin transaction")
    try:
        # the later reports the replaced versions' facts may be cited by, found before they move
        cited_by = [r for report_id in current_versions(con, ids) for r in later_reports_of_locality(con, report_id)]
        replaced = supersede(con, ids)
        for item in group:
            item.version = replaced.get(item.report_id, 0) + 1
        rows = pa.table({"lake_id": [p.entry["report_id"] for p in group], "report_id": ids,
                         "batch": [p.entry["batch"] for p in group], "renamed": [p.renamed for p in group],
                         "version": pa.array([p.version for p in group], pa.int32())})
        con.register("_load_in", rows)
        con.execute("create or replace temp table _load as select * from _load_in")
        con.unregister("_load_in")
        for table in TABLES:
            insert_from_lake(con, lake_dir, table, batches)
        rechecked = settle_checks(con, ids, [p.report_id for p in group if p.renamed], version, checks,
                                  [r for r in dict.fromkeys(cited_by) if r not in ids])
        con.execute("drop table _load")
        con.execute("commit")
    except Exception:
        roll_back(con)
        raise
    return rechecked


def insert_from_lake(con, lake_dir: Path, table: str, batches: list[str]) -> None:
    """One table's rows of the group's reports, from the batches' Parquet files: the warehouse's report id
    in place of the lake's, and in front of each fact id of a renamed report. The checks of a renamed
    report are not loaded: it is checked again."""
    from warehouse.load import ID_COLUMNS
    files = [lake_dir / table / f"{batch}.parquet" for batch in batches]
    files = [f for f in files if f.exists()]
    if not files:
        return
    listed = ", ".join(f"'{sql_string(f)}'" for f in files)
    source = f"read_parquet([{listed}], filename = true)"
    columns = [name for (name, *_) in con.execute(f"describe select * from {source}").fetchall()]
    renamed = [c for c in ID_COLUMNS.get(table, ()) if c in columns]
    select = [f"t.{quote(c)}" for c in columns if c not in ("report_id", "filename", *renamed)]
    select.append("l.report_id as report_id")
    if table == "reports" and "version" in columns:
        select = [s for s in select if s != 't."version"'] + ["l.version as version"]
    select += [f"case when l.renamed and starts_with(t.{quote(c)}, l.lake_id || ':') "
               f"then l.report_id || substr(t.{quote(c)}, length(l.lake_id) + 1) else t.{quote(c)} end as {quote(c)}"
               for c in renamed]
    where = " where not l.renamed" if table == "checks" else ""
    con.execute(f"""
        insert into {table} by name
        select {', '.join(select)}
        from {source} as t
        join _load as l on l.lake_id = t.report_id
                       and l.batch = regexp_extract(t.filename, '(batch-[0-9a-f]+)\\.parquet$', 1){where}
    """)


def quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def reads_other_reports(check) -> bool:
    """Does the check read `facts` itself (other reports' figures), not only the batch's `batch_facts`?

    >>> from types import SimpleNamespace as S
    >>> reads_other_reports(S(sql="select * from batch_facts")), reads_other_reports(S(sql="x join facts as e on"))
    (False, True)
    """
    query = "\n".join(line.split("--")[0] for line in check.sql.splitlines())
    return re.search(r"\b(?:from|join)\s+facts\b", query, re.I) is not None


def settle_checks(con, loaded: list[str], renamed: list[str], version: str, checks,
                  cited_by: list[str] = ()) -> list[str]:
    """Run the cross-report checks again over the loaded reports, the later reports of their localities
    and those that may cite a replaced version (`cited_by`); every report whose rows differ from those
    it has (or that was renamed) is checked again in full, the others keep theirs. Returns the reports
    checked again."""
    from warehouse.checks import recheck_reports
    cross = tuple(c for c in checks if reads_other_reports(c))
    again = list(renamed)
    if cross:
        con.execute("create or replace temp table _loaded as select unnest(?::varchar[]) as report_id", [loaded])
        candidates = [r for (r,) in con.execute("""
            -- the loaded reports whose locality has another report, and the later reports of their
            -- localities stored before (ingest rechecks those when an earlier report arrives)
            select r.report_id from reports as r
            where r.report_id in (select report_id from _loaded)
              and exists (select 1 from reports as o where o.locality = r.locality and o.report_id <> r.report_id)
            union
            select later.report_id
            from reports as this join reports as later
              on later.locality = this.locality and later.year > this.year and later.report_id <> this.report_id
            where this.report_id in (select report_id from _loaded)
              and later.report_id not in (select report_id from _loaded)
            order by 1""").fetchall() if r not in renamed]
        candidates = sorted(set(candidates) | {r for r in cited_by if r not in renamed})
        con.execute("drop table _loaded")
        if candidates:
            again += differing_cross_checks(con, candidates, version, cross)
    if again:
        recheck_reports(con, again, version, checks)
    return again


def differing_cross_checks(con, candidates: list[str], version: str, cross) -> list[str]:
    """The candidates whose cross-report checks, run now, give other rows than they have; the others'
    rows are left exactly as they were."""
    from warehouse.checks import run_checks
    codes = [c.code for c in cross]
    scope = "report_id in (select unnest($ids::varchar[])) and rule_id in (select unnest($codes::varchar[]))"
    params = {"ids": candidates, "codes": codes}
    con.execute(f"create or replace temp table _before as select * from checks where {scope}", params)
    con.execute(f"delete from checks where {scope}", params)
    run_checks(con, candidates, version, cross)
    differing = [r for (r,) in con.execute(f"""
        with now as (select * exclude (rules_version) from checks where {scope}),
             before as (select * exclude (rules_version) from _before)
        select distinct report_id from ((select * from now except all select * from before)
                                        union all (select * from before except all select * from now))
        order by 1""", params).fetchall()]
    keep = [r for r in candidates if r not in differing]
    if keep:
        params = {"ids": keep, "codes": codes}
        con.execute(f"delete from checks where {scope}", params)
        con.execute("insert into checks select * from _before where report_id in (select unnest($ids::varchar[]))",
                    {"ids": keep})
    con.execute("drop table _before")
    return differing


def write_pages(con, lake_dir: Path, out_dir: Path, group: list[Planned], rechecked: list[str],
                result: LoadResult) -> int:
    """The group's consistency reports beside the warehouse: the lake's copied, those checked again (and
    the renamed, and any the lake lacks) written anew. Returns how many were written anew."""
    from pipeline.report import reports_data, write_into_place, write_reports
    out_dir.mkdir(parents=True, exist_ok=True)
    again = set(rechecked)
    fresh = list(rechecked)
    for item in group:
        if item.report_id in again:
            continue
        sources = [lake_dir / HTML / f"{item.entry['report_id']}.{suffix}" for suffix in ("md", "csv", "html")]
        if item.renamed or not all(s.exists() for s in sources):
            fresh.append(item.report_id)
            continue
        try:
            for source in sources:   # the HTML last: where it exists, all three are complete
                write_into_place(out_dir / f"{item.report_id}{source.suffix}",
                                 lambda partial, source=source: shutil.copyfile(source, partial))
        except OSError as exc:
            result.unwritten.append(f"{item.report_id}: {exc.strerror or exc}")
    if fresh:
        data = reports_data(con, fresh)
        for report_id in fresh:
            try:
                write_reports(con, report_id, out_dir, data[report_id])
            except OSError as exc:
                result.unwritten.append(f"{report_id}: {exc.strerror or exc}")
    return len(fresh)


def count_group(con, group: list[Planned], result: LoadResult) -> None:
    ids = [p.report_id for p in group]
    facts, checks, mismatches = con.execute("""
        select (select count(*) from facts where report_id in (select unnest($ids::varchar[]))),
               count(*), count(*) filter (where status = 'mismatch')
        from checks where report_id in (select unnest($ids::varchar[]))""", {"ids": ids}).fetchone()
    result.facts += facts
    result.checks += checks
    result.mismatches += mismatches


def summarize_load(result: LoadResult, lake_dir: Path, warehouse: Path) -> str:
    return (f"loaded {result.loaded} reports from {lake_dir} into {warehouse} in {result.seconds:.1f}s: "
            f"{result.facts} facts, {result.checks} checks, {result.mismatches} mismatches; "
            f"{len(result.skipped)} skipped (content already loaded); {result.rechecked} checked again against "
            f"other reports of their locality"
            + (f"; the current version of {result.replaced} report{'s' * (result.replaced > 1)} replaced by a new one"
               if result.replaced else ""))
