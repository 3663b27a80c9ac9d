"""`python -m pipeline docs`: docs/warehouse.md, generated from the schema's own comments.

warehouse/schema.sql and warehouse/views.sql carry a `COMMENT ON` for every table, view and
column. Rather than parse the SQL, the two files are run in an in-memory DuckDB and the comments
read back from duckdb_tables(), duckdb_views() and duckdb_columns(), so the page says exactly what
a warehouse made by this version holds. The tables of superseded versions (schema `superseded`) have
the columns of their current twins, and are listed by them. tests/pipeline/test_docs.py checks that the committed page
is what this module writes now, and that nothing in the schema lacks a comment.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILES = (ROOT / "warehouse" / "schema.sql", ROOT / "warehouse" / "views.sql")
WAREHOUSE_DOC = ROOT / "docs" / "warehouse.md"
# A relation's name as the page gives it: plain in `main`, schema-qualified elsewhere (superseded.facts).
QUALIFIED = "case when schema_name = 'main' then {name} else schema_name || '.' || {name} end"
SUPERSEDED = "superseded."


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    comment: str | None
    not_null: bool = False
    key: str | None = None        # "primary key" or "unique"


@dataclass(frozen=True)
class Relation:
    name: str                     # schema-qualified outside `main`: superseded.facts
    kind: str                     # "table" or "view"
    comment: str | None
    columns: tuple[Column, ...]


def read_relations(sql_texts: list[str]) -> tuple[Relation, ...]:
    """The tables and views that the SQL creates, in the order it creates them, with their comments.

    >>> [r] = read_relations(["create table t (a integer not null); comment on table t is 'T.';"
    ...                       "comment on column t.a is 'A.';"])
    >>> r.name, r.kind, r.comment, r.columns
    ('t', 'table', 'T.', (Column(name='a', data_type='INTEGER', comment='A.', not_null=True, key=None),))
    """
    from warehouse.load import copy_superseded_comments
    con = duckdb.connect(":memory:")
    try:
        for sql in sql_texts:
            con.execute(sql)
        copy_superseded_comments(con)   # as a warehouse gets them (warehouse/load.py create_schema)
        table_name, view_name = QUALIFIED.format(name="table_name"), QUALIFIED.format(name="view_name")
        relations = con.execute(f"""
            select {table_name}, 'table', comment, table_oid from duckdb_tables()
            where database_name = current_database() and schema_name in ('main', 'superseded') and not temporary
            union all
            select {view_name}, 'view', comment, view_oid from duckdb_views()
            where database_name = current_database() and schema_name = 'main' and not internal and not temporary
            order by 4
        """).fetchall()
        keys = {(table, column): kind.lower() for table, kind, columns in con.execute(f"""
                    select {table_name}, constraint_type, constraint_column_names
                    from duckdb_constraints()
                    where constraint_type in ('PRIMARY KEY', 'UNIQUE') and len(constraint_column_names) = 1
                """).fetchall() for column in columns}
        columns = con.execute(f"""
            select {table_name}, column_name, data_type, comment, not is_nullable
            from duckdb_columns()
            where database_name = current_database() and schema_name in ('main', 'superseded')
            order by table_oid, column_index
        """).fetchall()
    finally:
        con.close()
    return tuple(
        Relation(name, kind, comment, tuple(Column(column, data_type, text, not_null, keys.get((name, column)))
                                            for table, column, data_type, text, not_null in columns if table == name))
        for name, kind, comment, _ in relations)


def find_uncommented(relations: tuple[Relation, ...]) -> list[str]:
    """Tables, views and columns without a comment, as 'table' or 'table.column'.

    >>> find_uncommented((Relation("t", "table", None, (Column("a", "INTEGER", "A."), Column("b", "INTEGER", " "))),))
    ['t', 't.b']
    """
    missing = []
    for relation in relations:
        if not (relation.comment or "").strip():
            missing.append(relation.name)
        missing += [f"{relation.name}.{c.name}" for c in relation.columns if not (c.comment or "").strip()]
    return missing


def cell(text: str | None) -> str:
    """Text made safe for one cell of a Markdown table.

    >>> cell("a | b\\nc")
    'a \\\\| b c'
    """
    return " ".join((text or "").replace("|", "\\|").split())


def describe_type(column: Column) -> str:
    """The column's type, with `not null` and its key when it has them.

    >>> describe_type(Column("report_id", "VARCHAR", None, True, "primary key"))
    '`VARCHAR` primary key'
    >>> describe_type(Column("text", "VARCHAR", None, True))
    '`VARCHAR` not null'
    """
    extra = column.key or ("not null" if column.not_null else "")
    return f"`{column.data_type}`" + (f" {extra}" if extra else "")


INTRO = """\
# Warehouse schema

<!-- Generated by `python -m pipeline docs` (`make docs`) from the COMMENT ON statements of
warehouse/schema.sql and warehouse/views.sql. Edit the comments there, then run `make docs`. -->

The tables and views of the DuckDB warehouse (`warehouse/warehouse.duckdb` by default), with the
comment each carries in the schema. In the warehouse itself the same comments are in
`select table_name, column_name, comment from duckdb_columns()` (and `comment` in
`duckdb_tables()` and `duckdb_views()`). These names are a contract: later versions add tables and
columns, never rename them; an older warehouse gets the new columns the next time it is opened for
writing (`make ingest`, `make reextract`).

Offsets (`char_start`, `char_end`) point into `reports.text`, the report's normalised text; `line` is
the 1-based line of the source text file (for a PDF, the line within its page). How to query it:
[sql.md](sql.md).
"""


def render_relation(relation: Relation) -> list[str]:
    """One section: the comment, then a table of the columns."""
    lines = [f"### {relation.name}", "", cell(relation.comment), "",
             "| column | type | what it holds |", "|---|---|---|"]
    lines += [f"| `{c.name}` | {describe_type(c)} | {cell(c.comment)} |" for c in relation.columns]
    return lines + [""]


SUPERSEDED_INTRO = """\
The tables above hold the current version of each report. When a file of other content is ingested
under an existing `report_id`, the rows of the version it replaces move to the table of the same name
in the schema `superseded` (`select … from superseded.facts where report_id = … and version = …`),
with the same columns, their comments included, and the version they belong to. `v_report_versions`
lists every version; [operations.md](operations.md#versions-of-a-report) says how versions come and go.
"""


def render_superseded(relations: tuple[Relation, ...]) -> list[str]:
    """The tables of superseded versions, as one table: each one's twin and the columns it adds."""
    by_name = {r.name: r for r in relations}
    lines = ["## Superseded versions", "", SUPERSEDED_INTRO, "| table | what it holds | columns |", "|---|---|---|"]
    for relation in relations:
        if not relation.name.startswith(SUPERSEDED):
            continue
        twin = by_name.get(relation.name[len(SUPERSEDED):])
        known = {c.name for c in twin.columns} if twin else set()
        added = [f"`{c.name}` {describe_type(c)}: {cell(c.comment)}" for c in relation.columns if c.name not in known]
        columns = f"those of [{twin.name}](#{twin.name})" if twin else ""
        columns += (", and " if columns and added else "") + "; ".join(added)
        lines.append(f"| `{relation.name}` | {cell(relation.comment)} | {columns} |")
    return lines + [""]


def render_warehouse_doc(relations: tuple[Relation, ...]) -> str:
    """docs/warehouse.md: an index of the tables and views, then one section each; the tables of
    superseded versions last, by their twins."""
    lines = [INTRO]
    current = tuple(r for r in relations if not r.name.startswith(SUPERSEDED))
    for kind, title in (("table", "Tables"), ("view", "Views for analysts")):
        chosen = [r for r in current if r.kind == kind]
        lines += [f"## {title}", ""]
        lines += [f"- [{r.name}](#{r.name}): {cell(r.comment)}" for r in chosen]
        lines.append("")
        for relation in chosen:
            lines += render_relation(relation)
    if len(current) < len(relations):
        lines += render_superseded(relations)
    return "\n".join(lines).rstrip("\n") + "\n"


def build_warehouse_doc(files: tuple[Path, ...] = SCHEMA_FILES) -> str:
    """What docs/warehouse.md should hold for the schema files as they are now."""
    return render_warehouse_doc(read_relations([f.read_text(encoding="utf-8") for f in files]))


def write_warehouse_doc(out: Path = WAREHOUSE_DOC) -> bool:
    """Write the page; True when its content changed."""
    text = build_warehouse_doc()
    if out.exists() and out.read_text(encoding="utf-8") == text:
        return False
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return True
