"""Load processed reports into DuckDB: Arrow tables, one insert per warehouse table for a whole batch.

The rows of a report are built where the report was processed (`report_tables`, in a worker
process during a parallel ingest); the one writer only inserts them (`insert_tables`). The
caller owns the transaction.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import duckdb

from extract.records import Document, Processed

SCHEMA = Path(__file__).resolve().parent / "schema.sql"
VIEWS = Path(__file__).resolve().parent / "views.sql"


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Tables if missing, columns added since the warehouse was made, then the analysts' views afresh.

    All in one transaction: a process killed meanwhile leaves the schema as it was, never half made."""
    con.execute("begin transaction")
    try:
        add_missing_columns(con)
        con.execute(SCHEMA.read_text(encoding="utf-8"))
        con.execute(VIEWS.read_text(encoding="utf-8"))
        con.execute("commit")
    except BaseException:
        try:
            con.execute("rollback")
        except duckdb.Error:  # a failed commit, or a database DuckDB gave up on, has ended it already
            pass
        raise


def add_missing_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Bring an older warehouse up to the current schema: new columns are added, never renamed or dropped."""
    existing = {(t, c) for t, c in con.execute(
        "select table_name, column_name from duckdb_columns() where schema_name = 'main'").fetchall()}
    if not existing:
        return
    reference = duckdb.connect(":memory:")
    reference.execute(SCHEMA.read_text(encoding="utf-8"))
    wanted = reference.execute(
        "select table_name, column_name, data_type from duckdb_columns() where schema_name = 'main' "
        "order by table_name, column_index").fetchall()
    reference.close()
    tables = {t for t, _ in existing}
    for table, column, data_type in wanted:
        if table in tables and (table, column) not in existing:
            con.execute(f'alter table {table} add column "{column}" {data_type}')


class LineMap:
    """Offset -> (page, line) lookups for one document."""

    def __init__(self, document: Document):
        self.starts = [s.start for s in document.segments]
        self.segments = document.segments

    def __call__(self, offset: int) -> tuple[int | None, int | None]:
        if not self.segments:
            return None, None
        i = max(bisect.bisect_right(self.starts, offset) - 1, 0)
        return self.segments[i].page, self.segments[i].line


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


def fact_rows(report_id: str, processed: Processed, rules_version: str) -> list[dict]:
    document = processed.document
    locate = LineMap(document)
    sections = {s.index: s.section for s in document.sentences}
    rows = []
    ids = {(f.char_start, f.rule): f"{report_id}:{locate(f.char_start)[0]}:{f.char_start}:{f.rule}" for f in processed.facts}
    for f in processed.facts:
        page, line = locate(f.char_start)
        rows.append({
            "fact_id": f"{report_id}:{page}:{f.char_start}:{f.rule}",
            "report_id": report_id, "kind": f.kind, "label": f.label,
            "value": _to_float(f.value), "unit": f.unit, "plan": _to_float(f.plan),
            "percent": _to_float(f.percent), "percent_decimals": f.percent_decimals, "base": f.base,
            "raw": f.raw, "line": line, "page": page, "char_start": f.char_start, "char_end": f.char_end,
            "rule_id": f.rule,
            "value_exact": _to_float(f.value), "plan_exact": _to_float(f.plan),
            "value_raw": f.value_raw, "plan_raw": f.plan_raw, "percent_raw": f.percent_raw,
            "value_tolerance": half_unit(f.value_raw, f.value_scale, f.unit_exact),
            # a plan is a set target, exact as printed; an earlier period's figure is a rounded measurement
            "plan_tolerance": half_unit(f.plan_raw, f.plan_scale, f.unit_exact) if f.base == "same_period" else 0.0,
            "unit_raw": f.unit_raw, "base_raw": f.base_raw, "change": f.change,
            "comparator": f.comparator, "qualifier": f.qualifier, "value_high": _to_float(f.value_high), "percent_low": _to_float(f.percent_low),
            "delta": _to_float(f.delta), "delta_raw": f.delta_raw,
            "indicator": f.indicator, "period": f.period, "status": f.status, "flag": f.flag,
            "assessment": f.assessment, "stt": f.stt, "table_row": f.table_row,
            "previous": _to_float(f.extra.get("previous")), "sentence_no": f.sentence,
            "plan_source": f.extra.get("plan_source"), "plan_fact_id": ids.get(f.extra.get("plan_from")),
            "total_fact_id": ids.get(f.extra.get("part_of")), "breakdown": f.extra.get("breakdown"),
            "share_group": ids.get(f.extra.get("share_group")),
            "same_as_fact_id": ids.get(f.extra.get("same_as")), "same_as_column": f.extra.get("same_as_column"),
            "direction": f.extra.get("direction"), "assessment_code": f.extra.get("assessment_code"),
            "plan_text": f.extra.get("plan_text"), "listed_count": f.extra.get("listed_count"),
            "listed_alt": f.extra.get("listed_alt"), "counts": f.extra.get("counts"),
            "section": sections.get(f.sentence), "in_footnote": f.in_footnote,
            "rules_version": rules_version,
            "unit_kind": f.unit_kind, "unit_exact": f.unit_exact, "value_scale": _to_float(f.value_scale),
            "plan_scale": _to_float(f.plan_scale), "delta_scale": _to_float(f.delta_scale),
        })
    return rows


FACT_COLUMNS = (
    "fact_id", "report_id", "kind", "label", "value", "unit", "plan", "percent", "percent_decimals", "base",
    "raw", "line", "page", "char_start", "char_end", "rule_id", "value_exact", "plan_exact", "value_raw",
    "plan_raw", "percent_raw", "value_tolerance", "plan_tolerance", "unit_raw", "base_raw", "change",
    "comparator", "qualifier", "value_high", "percent_low", "delta", "delta_raw", "indicator", "period", "status", "flag", "assessment", "stt",
    "table_row", "previous", "plan_source", "plan_fact_id", "total_fact_id", "breakdown", "share_group", "same_as_fact_id", "same_as_column", "direction", "assessment_code", "plan_text", "listed_count", "listed_alt", "counts", "sentence_no", "section", "in_footnote", "rules_version",
    "unit_kind", "unit_exact", "value_scale", "plan_scale", "delta_scale",
)


def structure_rows(report_id: str, document: Document) -> dict[str, tuple[tuple[str, ...], list[tuple]]]:
    """Table -> (columns, rows) for the document's source lines, blocks, sentences, footnotes and annex rows."""
    where = LineMap(document)
    text = document.text
    return {
        "line_map": (("report_id", "char_start", "char_end", "page", "line"),
                     [(report_id, s.start, s.end, s.page, s.line) for s in document.segments]),
        "sections": (("report_id", "block_no", "kind", "char_start", "char_end", "page", "line", "section", "footnote"),
                     [(report_id, i, b.kind, b.start, b.end, *where(b.start), b.section, b.footnote)
                      for i, b in enumerate(document.blocks)]),
        "sentences": (("report_id", "sentence_no", "kind", "char_start", "char_end", "page", "line", "section",
                       "footnote", "text"),
                      [(report_id, s.index, s.kind, s.start, s.end, *where(s.start), s.section, s.footnote,
                        text[s.start:s.end]) for s in document.sentences]),
        "footnotes": (("report_id", "number", "char_start", "char_end", "page", "line", "marker_start",
                       "sentence_no", "text"),
                      [(report_id, n.number, n.start, n.end, *where(n.start), n.marker_start, n.sentence,
                        text[n.start:n.end]) for n in document.footnotes]),
        "table_rows": (("report_id", "table_no", "row_no", "char_start", "char_end", "page", "line", "header", "cells"),
                       [(report_id, r.table, r.row, r.start, r.end, *where(r.start), r.header, [c.text for c in r.cells])
                        for r in document.table_rows]),
    }


PROBLEM_COLUMNS = ("report_id", "code", "message", "char_start", "char_end", "page", "line")


def problem_rows(report_id: str, processed: Processed) -> list[tuple]:
    locate = LineMap(processed.document)
    rows = []
    for p in processed.problems:
        page, line = locate(p.start) if p.start is not None else (None, None)
        rows.append((report_id, p.code, p.message, p.start, p.end, page, line))
    return rows


REPORT_COLUMNS = ("report_id", "source_path", "sha256", "title", "fmt", "pages", "encoding", "locality", "year",
                  "period", "text", "fixes", "rules_version")


def report_tables(report_id: str, processed: Processed, rules_version: str) -> dict:
    """Every warehouse row of one report as Arrow tables (pure: runs in a worker process).

    `reports` leaves out ingested_at, which the writer sets when it inserts."""
    document = processed.document
    report = (report_id, document.path, processed.sha256, processed.title, document.fmt, document.pages,
              document.encoding, processed.locality, processed.year, processed.period, document.text,
              list(document.fixes), rules_version)
    tables = {"reports": arrow_table(REPORT_COLUMNS, [report])}
    for table, (columns, rows) in structure_rows(report_id, document).items():
        tables[table] = arrow_table(columns, rows)
    return tables | extraction_rows(report_id, processed, rules_version).tables


@dataclass(frozen=True)
class ExtractionRows:
    """What re-extracting a stored report replaces: its facts and problems (Arrow tables) and the
    header fields the rules decide (title, locality, year, period)."""
    report_id: str
    header: tuple
    tables: dict


def extraction_rows(report_id: str, processed: Processed, rules_version: str) -> ExtractionRows:
    """The facts and problems rows of one processed report (pure: runs in a worker process)."""
    facts = fact_rows(report_id, processed, rules_version)
    tables = {"facts": columns_table(FACT_COLUMNS, [[row[c] for row in facts] for c in FACT_COLUMNS]),
              "problems": arrow_table(PROBLEM_COLUMNS, problem_rows(report_id, processed))}
    return ExtractionRows(report_id, (processed.title, processed.locality, processed.year, processed.period), tables)


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


def insert_tables(con: duckdb.DuckDBPyConnection, batch: list[dict]) -> None:
    """Insert the tables of several reports: one statement per warehouse table, reports first.

    The reports' Arrow tables are stacked into one (a column all-null in one report takes the type
    it has in the others) and inserted by column name, DuckDB casting to the warehouse's types."""
    import pyarrow as pa
    ingested_at = datetime.now(timezone.utc).replace(tzinfo=None)
    names = list(dict.fromkeys(name for tables in batch for name in tables))
    for table in ["reports"] + [n for n in names if n != "reports"]:
        parts = [tables[table] for tables in batch if table in tables and tables[table].num_rows]
        if not parts:
            continue
        try:
            stacked = [pa.concat_tables(parts, promote_options="permissive")]
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # types no promotion reconciles: DuckDB casts each one
            stacked = parts
        for rows in stacked:
            insert_rows(con, table, rows, ingested_at)


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows, ingested_at: datetime) -> None:
    """Insert an Arrow table by column name; `reports` rows get their ingestion time."""
    columns = ", ".join(rows.column_names)
    con.register("_rows_in", rows)
    try:
        if table == "reports":
            con.execute(f"insert into reports ({columns}, ingested_at) select {columns}, ? from _rows_in",
                        [ingested_at])
        else:
            con.execute(f"insert into {table} ({columns}) select {columns} from _rows_in")
    finally:
        con.unregister("_rows_in")


def choose_report_id(con: duckdb.DuckDBPyConnection, stem: str, sha256: str, taken: set[str] = frozenset()) -> str:
    """The file stem, or stem_<hash prefix> when another file already uses that stem (or `taken` has it)."""
    if stem in taken or con.execute("select 1 from reports where report_id = ?", [stem]).fetchone():
        return unique_report_id(stem, sha256, {stem})
    return stem


def unique_report_id(stem: str, sha256: str, taken: set[str]) -> str:
    """The file stem, or stem_<hash prefix> when `taken` has the stem.

    >>> unique_report_id("bc", "0123456789ab", {"x"}), unique_report_id("bc", "0123456789ab", {"bc"})
    ('bc', 'bc_01234567')
    """
    return f"{stem}_{sha256[:8]}" if stem in taken else stem


def stored_reports(con: duckdb.DuckDBPyConnection) -> tuple[set[str], set[str]]:
    """The content hashes and the report ids the warehouse holds."""
    rows = con.execute("select sha256, report_id from reports").fetchall()
    return {sha for sha, _ in rows}, {report_id for _, report_id in rows}


def load_report(con: duckdb.DuckDBPyConnection, processed: Processed, rules_version: str) -> str:
    """Insert one report and its records; the caller owns the transaction."""
    report_id = choose_report_id(con, processed.document.doc, processed.sha256)
    insert_tables(con, [report_tables(report_id, processed, rules_version)])
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
    insert_tables(con, [rows.tables for rows in batch])
