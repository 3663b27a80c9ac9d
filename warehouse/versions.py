"""Versions of a report: a file of other content under an existing report id replaces the current version.

The warehouse's tables (reports, facts, checks …) hold the current version of each report only, so
that any query on them — an analyst's count of mismatches, every view, every check — means "what the
report says now". When a new version arrives, the rows of the version it replaces move, table for
table, to the same tables in the schema `superseded` (with the version they belong to): earlier
versions stay queryable, and counted nowhere else. Removing the current version brings the latest
superseded one back (`remove_report`).

The caller owns the transaction.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

# Every table whose rows belong to one report; `reports` last, so that its row (and its version) is there
# while the others move.
REPORT_TABLES = ("line_map", "sections", "sentences", "footnotes", "table_rows", "facts", "checks", "problems",
                 "ocr_words", "reports")


@dataclass(frozen=True)
class KnownContent:
    """A file's content already in the warehouse: the report and version it is, and whether it is current."""
    report_id: str
    version: int
    current: bool
    current_version: int


def known_content(con: duckdb.DuckDBPyConnection, sha256: str) -> KnownContent | None:
    """The report version whose file had this content, current or superseded (None: new content)."""
    row = con.execute("select report_id, coalesce(version, 1) from reports where sha256 = ?", [sha256]).fetchone()
    if row is not None:
        return KnownContent(row[0], row[1], True, row[1])
    row = con.execute("""
        select s.report_id, s.version, coalesce(r.version, 1)
        from superseded.reports as s left join reports as r using (report_id)
        where s.sha256 = ? order by s.version desc limit 1
    """, [sha256]).fetchone()
    return None if row is None else KnownContent(row[0], row[1], False, row[2])


def stored_contents(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The content hashes of every version the warehouse holds, current or superseded."""
    return {sha for (sha,) in con.execute(
        "select sha256 from reports union select sha256 from superseded.reports").fetchall()}


def current_versions(con: duckdb.DuckDBPyConnection, report_ids: list[str]) -> dict[str, int]:
    """The current version of each of these reports that the warehouse holds."""
    return dict(con.execute(
        "select report_id, coalesce(version, 1) from reports where report_id in (select unnest(?::varchar[]))",
        [list(report_ids)]).fetchall())


def supersede(con: duckdb.DuckDBPyConnection, report_ids: list[str]) -> dict[str, int]:
    """Move the current version of these reports (those the warehouse holds) to the superseded tables;
    return the version each had. The reports are then free for their new versions' rows."""
    replaced = current_versions(con, report_ids)
    if not replaced:
        return {}
    ids = list(replaced)
    for table in REPORT_TABLES:
        if table == "reports":
            con.execute("insert into superseded.reports by name "
                        "select * replace (coalesce(version, 1) as version) from reports "
                        "where report_id in (select unnest(?::varchar[]))", [ids])
        else:
            con.execute(f"insert into superseded.{table} by name "
                        f"select t.*, coalesce(r.version, 1) as version from {table} as t "
                        f"join reports as r on r.report_id = t.report_id "
                        f"where t.report_id in (select unnest(?::varchar[]))", [ids])
    for table in REPORT_TABLES:
        con.execute(f"delete from {table} where report_id in (select unnest(?::varchar[]))", [ids])
    return replaced


def reinstate(con: duckdb.DuckDBPyConnection, report_id: str, version: int) -> None:
    """Make a superseded version current again (its current version removed before): its rows move back."""
    for table in reversed(REPORT_TABLES):   # reports first
        source = "* exclude (version)" if table != "reports" else "*"
        con.execute(f"insert into {table} by name select {source} from superseded.{table} "
                    f"where report_id = ? and version = ?", [report_id, version])
        con.execute(f"delete from superseded.{table} where report_id = ? and version = ?", [report_id, version])


@dataclass(frozen=True)
class StoredVersion:
    """One version of a report as `remove` describes it."""
    version: int
    current: bool
    source_path: str
    ingested_at: object
    facts: int
    checks: int
    mismatches: int


def stored_versions(con: duckdb.DuckDBPyConnection, report_id: str) -> list[StoredVersion]:
    """Every version of the report, oldest first, with its counts (empty: no such report)."""
    rows = con.execute("""
        select version, current, source_path, ingested_at, facts, checks, mismatch
        from v_report_versions where report_id = ? order by version
    """, [report_id]).fetchall()
    return [StoredVersion(*row) for row in rows]


def delete_current(con: duckdb.DuckDBPyConnection, report_id: str) -> None:
    """Delete every row of the report's current version."""
    for table in REPORT_TABLES:
        con.execute(f"delete from {table} where report_id = ?", [report_id])


def delete_superseded(con: duckdb.DuckDBPyConnection, report_id: str) -> None:
    """Delete every row of the report's superseded versions."""
    for table in REPORT_TABLES:
        con.execute(f"delete from superseded.{table} where report_id = ?", [report_id])


# ------------------------------------------------------------------ what a new version changed

@dataclass(frozen=True)
class VersionChange:
    """What a new version of a report changed against the version it replaced, compared by claim."""
    report_id: str
    old_version: int
    new_version: int
    facts_changed: int = 0      # the same claim with other numbers
    facts_added: int = 0        # claims only the new version makes
    facts_removed: int = 0      # claims only the old version made
    mismatches_new: int = 0     # claims the new version fails that the old did not (or did not make)
    mismatches_gone: int = 0    # claims the old version failed that the new one does not (or no longer makes)

    def describe(self) -> str:
        """One line, in Vietnamese, e.g. "thay phiên bản 1 của X: 3 số liệu đổi, 1 không khớp mới, 2 không khớp đã hết".

        >>> VersionChange("x", 1, 2, 3, 0, 1, 1, 2).describe()
        'thay phiên bản 1 của x: 3 số liệu đổi, 1 số liệu bớt, 1 không khớp mới, 2 không khớp đã hết'
        """
        parts = [f"{self.facts_changed} số liệu đổi"]
        if self.facts_added:
            parts.append(f"{self.facts_added} số liệu thêm")
        if self.facts_removed:
            parts.append(f"{self.facts_removed} số liệu bớt")
        parts += [f"{self.mismatches_new} không khớp mới", f"{self.mismatches_gone} không khớp đã hết"]
        return f"thay phiên bản {self.old_version} của {self.report_id}: {', '.join(parts)}"


# A fact's claim: its rule, the words of its printed text and the words of its sentence (numbers left out,
# so that a corrected figure is the same claim with another number, and offsets play no part), and its
# place among the facts of the same rule and words. A fact without a sentence (an annex cell) takes its label.
# `printed` is the fact as printed (rule and text, spaces folded), to pair what the first pass left: the same
# figure in a sentence cut or worded otherwise (a PDF's page breaks) is not a change.
CLAIMS = """
    select report_id, fact_id, numbers, char_start, printed,
           words || ' | ' || row_number() over (partition by report_id, words order by char_start) as claim
    from (
        select report_id, fact_id, char_start,
               regexp_extract_all(raw, '[0-9]+') as numbers,
               rule_id || ' | ' || array_to_string(regexp_extract_all(lower(raw), '\\pL+'), ' ')
                       || ' | ' || array_to_string(regexp_extract_all(lower(coalesce(sentence, label, '')), '\\pL+'), ' ')
                       as words,
               rule_id || ' | ' || regexp_replace(trim(raw), '\\s+', ' ', 'g') as printed
        from ({facts}))
"""


def compare_versions(con: duckdb.DuckDBPyConnection, replaced: dict[str, int],
                     new_versions: dict[str, int]) -> dict[str, VersionChange]:
    """What each report's current version changed against the superseded version `replaced` names.

    Facts are paired by claim (see CLAIMS): a pair with other numbers is a changed figure. Facts left
    unpaired are paired by what they print (the same figure in a sentence cut otherwise is no change);
    what is left then on one side only is a fact added or removed. Checks are paired by their code and
    the claim of their first fact (an old fact's claim being that of the new fact it is paired with): a
    mismatch is new when its pair was not a mismatch (or there was none), gone when the new version's
    pair is not one (or there is none)."""
    if not replaced:
        return {}
    con.execute("create or replace temp table _compared (report_id varchar, version integer)")
    con.executemany("insert into _compared values (?, ?)", [[r, v] for r, v in replaced.items()])
    con.execute("create or replace temp table _old_claims as " + CLAIMS.format(facts="""
        select f.report_id, f.fact_id, f.rule_id, f.raw, f.label, s.text as sentence, f.char_start
        from superseded.facts as f join _compared as c on c.report_id = f.report_id and c.version = f.version
        left join superseded.sentences as s
               on s.report_id = f.report_id and s.version = f.version and s.sentence_no = f.sentence_no"""))
    con.execute("create or replace temp table _new_claims as " + CLAIMS.format(facts="""
        select f.report_id, f.fact_id, f.rule_id, f.raw, f.label, s.text as sentence, f.char_start
        from facts as f join _compared as c on c.report_id = f.report_id
        left join sentences as s on s.report_id = f.report_id and s.sentence_no = f.sentence_no"""))
    con.execute("""
        create or replace temp table _pairs as
        with by_claim as (
            select o.report_id, o.fact_id as old_id, n.fact_id as new_id, n.claim, o.numbers <> n.numbers as changed
            from _old_claims as o join _new_claims as n on n.report_id = o.report_id and n.claim = o.claim
        ),
        old_left as (
            select *, row_number() over (partition by report_id, printed order by char_start) as nth
            from _old_claims where fact_id not in (select old_id from by_claim)
        ),
        new_left as (
            select *, row_number() over (partition by report_id, printed order by char_start) as nth
            from _new_claims where fact_id not in (select new_id from by_claim)
        )
        select * from by_claim
        union all
        select o.report_id, o.fact_id, n.fact_id, n.claim, false
        from old_left as o join new_left as n on n.report_id = o.report_id and n.printed = o.printed and n.nth = o.nth
    """)
    facts = {r: (changed, added, removed) for r, changed, added, removed in con.execute("""
        select c.report_id,
               (select count(*) from _pairs as p where p.report_id = c.report_id and p.changed),
               (select count(*) from _new_claims as n where n.report_id = c.report_id)
                   - (select count(*) from _pairs as p where p.report_id = c.report_id),
               (select count(*) from _old_claims as o where o.report_id = c.report_id)
                   - (select count(*) from _pairs as p where p.report_id = c.report_id)
        from _compared as c
    """).fetchall()}
    mismatches = {r: (new, gone) for r, new, gone in con.execute("""
        with old as (
            select c.report_id, c.rule_id || ' | ' || coalesce(p.claim, 'old ' || o.claim, c.check_id) as claim_key,
                   bool_or(c.status = 'mismatch') as failed
            from superseded.checks as c join _compared as v on v.report_id = c.report_id and v.version = c.version
            left join _old_claims as o on o.report_id = c.report_id and o.fact_id = c.fact_ids[1]
            left join _pairs as p on p.report_id = c.report_id and p.old_id = c.fact_ids[1]
            group by all
        ),
        new as (
            select c.report_id, c.rule_id || ' | ' || coalesce(n.claim, c.check_id) as claim_key,
                   bool_or(c.status = 'mismatch') as failed
            from checks as c join _compared as v on v.report_id = c.report_id
            left join _new_claims as n on n.report_id = c.report_id and n.fact_id = c.fact_ids[1]
            group by all
        )
        select coalesce(o.report_id, n.report_id),
               count(*) filter (where coalesce(n.failed, false) and not coalesce(o.failed, false)),
               count(*) filter (where coalesce(o.failed, false) and not coalesce(n.failed, false))
        from old as o full join new as n on n.report_id = o.report_id and n.claim_key = o.claim_key
        group by 1
    """).fetchall()}
    for table in ("_compared", "_old_claims", "_new_claims", "_pairs"):
        con.execute(f"drop table {table}")
    return {r: VersionChange(r, old, new_versions.get(r, old + 1), *facts.get(r, (0, 0, 0)),
                             *mismatches.get(r, (0, 0)))
            for r, old in replaced.items()}
