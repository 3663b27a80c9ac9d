"""Load processed reports into DuckDB: Arrow tables, one insert per warehouse table for a whole batch.

The rows of a report are built where the report was processed (`report_tables`, in a worker
process during a parallel ingest); the one writer only inserts them (`insert_tables`). The
caller owns the transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import get_args, get_type_hints

import duckdb

from extract.records import Document, Fact, FactKey, Processed
from extract.text.segment import LineMap
from warehouse.claims import key_unkeyed_claims
from warehouse.versions import supersede

SCHEMA = Path(__file__).resolve().parent / "schema.sql"
VIEWS = Path(__file__).resolve().parent / "views.sql"


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Tables if missing, columns added since the warehouse was made, then the analysts' views afresh.

    All in one transaction: a process killed meanwhile leaves the schema as it was, never half made."""
    con.execute("begin transaction")
    try:
        add_missing_columns(con)
        con.execute(SCHEMA.read_text(encoding="utf-8"))
        # a warehouse made before reports had versions: each of its reports is its first version
        con.execute("update reports set version = 1 where version is null")
        copy_superseded_comments(con)
        con.execute(VIEWS.read_text(encoding="utf-8"))
        key_unkeyed_claims(con)   # checks made before checks.claim_key existed
        con.execute("commit")
    except BaseException:
        try:
            con.execute("rollback")
        except duckdb.Error:  # a failed commit, or a database DuckDB gave up on, has ended it already
            pass
        raise


def add_missing_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Bring an older warehouse up to the current schema: new columns are added, never renamed or dropped.

    The tables of superseded versions (schema `superseded`) get the columns of their current twins."""
    existing = {(s, t, c) for s, t, c in con.execute(
        "select schema_name, table_name, column_name from duckdb_columns() "
        "where schema_name in ('main', 'superseded') and database_name = current_database()").fetchall()}
    if not existing:
        return
    reference = duckdb.connect(":memory:")
    reference.execute(SCHEMA.read_text(encoding="utf-8"))
    wanted = reference.execute(
        "select schema_name, table_name, column_name, data_type from duckdb_columns() "
        "where schema_name in ('main', 'superseded') order by schema_name, table_name, column_index").fetchall()
    reference.close()
    tables = {(s, t) for s, t, _ in existing}
    for schema, table, column, data_type in wanted:
        if (schema, table) in tables and (schema, table, column) not in existing:
            con.execute(f'alter table {schema}.{table} add column "{column}" {data_type}')


def copy_superseded_comments(con: duckdb.DuckDBPyConnection) -> None:
    """Each column of a superseded version's table carries the comment of the same column of its
    current twin (schema.sql comments only what the twin lacks: `version`)."""
    missing = con.execute("""
        select s.table_name, s.column_name, m.comment
        from duckdb_columns() as s
        join duckdb_columns() as m on m.database_name = s.database_name and m.schema_name = 'main'
                                  and m.table_name = s.table_name and m.column_name = s.column_name
        where s.schema_name = 'superseded' and s.database_name = current_database()
          and s.comment is null and m.comment is not null
    """).fetchall()
    for table, column, comment in missing:
        con.execute(f"comment on column superseded.{table}.\"{column}\" is '{comment.replace(chr(39), chr(39) * 2)}'")


def half_unit(raw: str | None, scale: Decimal | None, exact: bool) -> float | None:
    """Half a unit of the last printed digit, in base units; 0 for a whole number of a unit whose
    kind counts things (`exact`: rules/lexicon.toml [kinds]), printed without a scale word.

    >>> half_unit("201,922", Decimal("1e9"), exact=False)
    500000.0
    >>> half_unit("281.981", Decimal(1), exact=True), half_unit("3.915", Decimal(1), exact=False)
    (0.0, 0.5)

    A figure that did not parse has no scale (None): its digits are taken as printed.
    """
    if not raw:
        return None
    scale = Decimal(1) if scale is None else scale
    decimals = len(raw.partition(",")[2]) if "," in raw else 0
    if decimals == 0 and scale == 1 and exact:
        return 0.0
    return float(Decimal("0.5") * Decimal(10) ** -decimals * scale)


def _to_float(x):
    return float(x) if x is not None else None


# Qualifiers that make a printed figure a bound or an approximation ("hơn 3 tỷ USD", "gần 721 triệu USD"):
# it is checked as the whole unit of its last digit either side, not half of it.
APPROXIMATE = {"above", "below", "approx", "approx_below", "at_least", "at_most"}
# Bases found by a claim's frame (extract/links/frames.py) that are measured figures, not set targets.
MEASURED_BASES = {"bracket", "part_of", "named", "sibling", "implicit", "agrees"}


def widened(tolerance: float | None, qualifier: str | None) -> float | None:
    """A figure's tolerance, doubled when its qualifier makes it approximate.

    >>> widened(5e8, "above"), widened(5e8, None), widened(None, "above")
    (1000000000.0, 500000000.0, None)
    """
    return 2 * tolerance if tolerance is not None and qualifier in APPROXIMATE else tolerance


def value_qualifier(fact: Fact, by_key: dict) -> str | None:
    """The qualifier printed before the fact's value: its own for a plain figure, the lender's for a
    value taken from another fact."""
    if fact.value_from is not None:
        source = by_key.get(fact.value_from)
        return source.qualifier if source is not None and source.plan is None else None
    return fact.qualifier if fact.kind == "value" else None


def plan_qualifier(fact: Fact, by_key: dict) -> str | None:
    """The qualifier printed before the figure a fact's base was taken from."""
    source = by_key.get(fact.plan_from) if fact.plan_from is not None else None
    return source.qualifier if source is not None and source.plan is None else None


def stored_fields() -> tuple[tuple[str, str, str], ...]:
    """(field, column, how) for every Fact field stored in `facts`: its column is the field's name unless
    the field's metadata names another (None: not stored); `how` is "number" for a Decimal (stored as
    DOUBLE), "link" for a FactKey (stored as that fact's id) or "plain"."""
    hints = get_type_hints(Fact)
    out = []
    for f in fields(Fact):
        column = f.metadata.get("column", f.name)
        if column is None:
            continue
        types = get_args(hints[f.name]) or (hints[f.name],)
        how = "link" if FactKey in types else "number" if Decimal in types else "plain"
        out.append((f.name, column, how))
    return tuple(out)


STORED_FIELDS = stored_fields()
# Columns of `facts` that are fact ids: made in the worker without the report id, which the writer
# puts in front when it inserts them (see insert_rows).
FACT_ID_COLUMNS = ("fact_id",) + tuple(column for _, column, how in STORED_FIELDS if how == "link")
ID_COLUMNS = {"facts": FACT_ID_COLUMNS}


def fact_rows(processed: Processed, rules_version: str) -> dict[str, list]:
    """The `facts` columns of one report, a list of values each: every stored Fact field, and what is worked
    out here — where the fact is (page, line, section), the rounding its printed numbers allow, and its id
    within the report ("page:char_start:rule"; the writer makes it "report:page:char_start:rule")."""
    document, facts = processed.document, processed.facts
    locate = LineMap(document)
    sections = {s.index: s.section for s in document.sentences}
    places = [locate(f.char_start) for f in facts]
    ids = {f.key: f"{page}:{f.char_start}:{f.rule}" for f, (page, _) in zip(facts, places)}
    by_key = {f.key: f for f in facts}
    columns = {
        "fact_id": [ids[f.key] for f in facts],
        "page": [page for page, _ in places], "line": [line for _, line in places],
        "section": [sections.get(f.sentence) for f in facts],
        "value_exact": [_to_float(f.value) for f in facts], "plan_exact": [_to_float(f.plan) for f in facts],
        "value_tolerance": [widened(half_unit(f.value_raw, f.value_scale, f.unit_exact), value_qualifier(f, by_key))
                            for f in facts],
        # a plan is a set target, exact as printed; an earlier period's figure is a rounded measurement, and
        # so is a base found by a claim's frame (a total, a population)
        "plan_tolerance": [widened(half_unit(f.plan_raw, f.plan_scale, f.unit_exact), plan_qualifier(f, by_key))
                           if f.base == "same_period" or f.plan_source in MEASURED_BASES else 0.0 for f in facts],
        "rules_version": [rules_version] * len(facts),
    }
    for name, column, how in STORED_FIELDS:
        values = [getattr(f, name) for f in facts]
        if how == "number":
            values = [_to_float(v) for v in values]
        elif how == "link":
            values = [ids.get(v) for v in values]
        columns[column] = values
    return columns


def structure_rows(document: Document) -> dict[str, tuple[tuple[str, ...], list[tuple]]]:
    """Table -> (columns, rows) for the document's source lines, blocks, sentences, footnotes and annex rows."""
    where = LineMap(document)
    text = document.text
    return {
        "line_map": (("char_start", "char_end", "page", "line"),
                     [(s.start, s.end, s.page, s.line) for s in document.segments]),
        "sections": (("block_no", "kind", "char_start", "char_end", "page", "line", "section", "footnote"),
                     [(i, b.kind, b.start, b.end, *where(b.start), b.section, b.footnote)
                      for i, b in enumerate(document.blocks)]),
        "sentences": (("sentence_no", "kind", "char_start", "char_end", "page", "line", "section", "footnote", "text"),
                      [(s.index, s.kind, s.start, s.end, *where(s.start), s.section, s.footnote,
                        text[s.start:s.end]) for s in document.sentences]),
        "footnotes": (("number", "char_start", "char_end", "page", "line", "marker_start", "sentence_no", "text"),
                      [(n.number, n.start, n.end, *where(n.start), n.marker_start, n.sentence,
                        text[n.start:n.end]) for n in document.footnotes]),
        "table_rows": (("table_no", "row_no", "char_start", "char_end", "page", "line", "header", "cells"),
                       [(r.table, r.row, r.start, r.end, *where(r.start), r.header, [c.text for c in r.cells])
                        for r in document.table_rows]),
        "ocr_words": (("char_start", "char_end", "page", "text", "confidence", "box"),
                      [(w.start, w.end, w.page, w.text, float(w.confidence), list(w.box)) for w in document.words]),
    }


PROBLEM_COLUMNS = ("code", "message", "char_start", "char_end", "page", "line")


def problem_rows(processed: Processed) -> list[tuple]:
    locate = LineMap(processed.document)
    rows = []
    for p in processed.problems:
        page, line = locate(p.start) if p.start is not None else (None, None)
        rows.append((p.code, p.message, p.start, p.end, page, line))
    return rows


REPORT_COLUMNS = ("source_path", "sha256", "title", "fmt", "pages", "encoding", "locality", "year",
                  "period", "text", "fixes", "rules_version")


def report_tables(processed: Processed, rules_version: str) -> dict:
    """Every warehouse row of one report as Arrow tables (pure: runs in a worker process).

    The rows carry no report id, which only the writer decides (insert_tables), and `reports`
    leaves out ingested_at, which the writer sets when it inserts."""
    document = processed.document
    report = (document.path, processed.sha256, processed.title, document.fmt, document.pages,
              document.encoding, processed.locality, processed.year, processed.period, document.text,
              list(document.fixes), rules_version)
    tables = {"reports": arrow_table(REPORT_COLUMNS, [report])}
    for table, (columns, rows) in structure_rows(document).items():
        tables[table] = arrow_table(columns, rows)
    return tables | extraction_tables(processed, rules_version)


@dataclass(frozen=True)
class ExtractionRows:
    """What re-extracting a stored report replaces: its facts and problems (Arrow tables) and the
    header fields the rules decide (title, locality, year, period)."""
    report_id: str
    header: tuple
    tables: dict


def extraction_tables(processed: Processed, rules_version: str) -> dict:
    """The facts and problems of one processed report as Arrow tables (pure: runs in a worker process)."""
    facts = fact_rows(processed, rules_version)
    return {"facts": columns_table(tuple(facts), list(facts.values())),
            "problems": arrow_table(PROBLEM_COLUMNS, problem_rows(processed))}


def extraction_rows(report_id: str, processed: Processed, rules_version: str) -> ExtractionRows:
    """A stored report's new facts and problems, with the header fields to refresh."""
    return ExtractionRows(report_id, (processed.title, processed.locality, processed.year, processed.period),
                          extraction_tables(processed, rules_version))


def arrow_table(columns: tuple[str, ...], rows: list[tuple]):
    """An Arrow table from row tuples; each column's type is inferred (DuckDB casts on insert)."""
    values = list(zip(*rows)) if rows else [() for _ in columns]
    return columns_table(columns, [list(v) for v in values])


def columns_table(columns: tuple[str, ...], values: list[list]):
    """An Arrow table from one list of values per column, typed as arrow_column says."""
    import pyarrow as pa
    return pa.table([arrow_column(v) for v in values], names=list(columns))


def arrow_column(values: list):
    """An Arrow array typed after its first value when that is text or a float, or when every value
    is an integer: Arrow's own inference is eight times slower. Anything else is left to the
    inference: a column of integers and floats (typed as integers, Arrow would silently truncate
    the floats), lists, and a column whose values do not fit the type of its first.

    >>> [str(arrow_column(v).type) for v in (["đạt", None], [None, 2.5, 3], [1, 2.5], [None], [3, None, 4])]
    ['string', 'double', 'double', 'null', 'int64']
    >>> arrow_column([1, 2.5]).to_pylist(), arrow_column([True, False]).type
    ([1.0, 2.5], DataType(bool))
    """
    import pyarrow as pa
    first = next((v for v in values if v is not None), None)
    kind = {str: pa.string(), float: pa.float64()}.get(type(first))
    if type(first) is int and all(type(v) is int for v in values if v is not None):
        kind = pa.int64()
    if kind is not None:
        try:
            return pa.array(values, type=kind)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            pass
    return pa.array(values)


def insert_tables(con: duckdb.DuckDBPyConnection, batch: list[tuple[str, dict]],
                  versions: dict[str, int] | None = None) -> None:
    """Insert the tables of several reports, each given with its report id: one statement per warehouse
    table, reports first; `versions` gives the version number of each report's row (default 1).

    The reports' Arrow tables are stacked into one (a column all-null in one report takes the type
    it has in the others), each row with its report's id beside it, and inserted by column name,
    DuckDB casting to the warehouse's types."""
    import pyarrow as pa
    ingested_at = datetime.now(timezone.utc).replace(tzinfo=None)
    names = list(dict.fromkeys(name for _, tables in batch for name in tables))
    versions = versions or {}

    def with_ids(report_id: str, table: str, rows):
        rows = rows.append_column("_report_id", pa.array([report_id] * rows.num_rows, pa.string()))
        if table == "reports" and "version" not in rows.column_names:
            rows = rows.append_column("version", pa.array([versions.get(report_id, 1)] * rows.num_rows, pa.int32()))
        return rows

    for table in ["reports"] + [n for n in names if n != "reports"]:
        parts = [with_ids(report_id, table, tables[table])
                 for report_id, tables in batch if table in tables and tables[table].num_rows]
        if not parts:
            continue
        try:
            stacked = [pa.concat_tables(parts, promote_options="permissive")]
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # types no promotion reconciles: DuckDB casts each one
            stacked = parts
        for rows in stacked:
            insert_rows(con, table, rows, ingested_at)


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows, ingested_at: datetime) -> None:
    """Insert an Arrow table whose `_report_id` column names each row's report, by column name: the report
    id goes into `report_id` and in front of the table's fact ids (ID_COLUMNS); `reports` rows get their
    ingestion time."""
    columns = [c for c in rows.column_names if c != "_report_id"]
    values = [f"_report_id || ':' || {c}" if c in ID_COLUMNS.get(table, ()) else c for c in columns]
    extra, params = (", ingested_at", [ingested_at]) if table == "reports" else ("", [])
    con.register("_rows_in", rows)
    try:
        con.execute(f"insert into {table} (report_id, {', '.join(columns)}{extra}) "
                    f"select _report_id, {', '.join(values)}{', ?' if params else ''} from _rows_in", params)
    finally:
        con.unregister("_rows_in")


def load_report(con: duckdb.DuckDBPyConnection, processed: Processed, rules_version: str,
                report_id: str | None = None) -> str:
    """Insert one report and its records under `report_id` (default: its file's stem), as a new version
    when the warehouse holds that report already; the caller owns the transaction."""
    report_id = report_id or processed.document.doc
    replaced = supersede(con, [report_id])
    insert_tables(con, [(report_id, report_tables(processed, rules_version))],
                  {report_id: replaced.get(report_id, 0) + 1})
    return report_id


def delete_extraction(con: duckdb.DuckDBPyConnection, report_ids: list[str]) -> None:
    """Remove the facts, checks and problems of these reports: one statement per table, however many."""
    for table in ("facts", "checks", "problems"):
        con.execute(f"delete from {table} where report_id in (select unnest(?::varchar[]))", [report_ids])


def store_extraction(con: duckdb.DuckDBPyConnection, batch: list[ExtractionRows], rules_version: str) -> None:
    """Insert new extractions of stored reports (their old rows deleted) and refresh their header fields."""
    if not batch:
        return
    con.executemany("update reports set title = ?, locality = ?, year = ?, period = ?, rules_version = ? "
                    "where report_id = ?", [[*rows.header, rules_version, rows.report_id] for rows in batch])
    insert_tables(con, [(rows.report_id, rows.tables) for rows in batch])
