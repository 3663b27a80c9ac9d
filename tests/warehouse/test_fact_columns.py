"""The `facts` table and the Fact record stay in step: every stored field has its column, every column
comes from a field or from what loading works out, and links are stored as the ids of facts that exist."""
from __future__ import annotations

import duckdb

from extract.document import process_file
from extract.rulebook import default_rulebook
from conftest import SAMPLE_TXT
from warehouse.load import SCHEMA, STORED_FIELDS, create_schema, fact_rows, load_report


def schema_columns() -> set[str]:
    con = duckdb.connect(":memory:")
    con.execute(SCHEMA.read_text(encoding="utf-8"))
    return {c for (c,) in con.execute("select column_name from duckdb_columns() "
                                      "where schema_name = 'main' and table_name = 'facts'").fetchall()}


def test_every_stored_field_has_a_column_and_every_column_is_filled():
    processed = process_file(SAMPLE_TXT, default_rulebook())
    columns = set(fact_rows(processed, "v")) | {"report_id"}   # the writer adds the report id
    assert {column for _, column, _ in STORED_FIELDS} <= columns
    assert columns == schema_columns()


def test_links_are_stored_as_ids_of_facts_of_the_same_report(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    create_schema(con)
    report_id = load_report(con, process_file(SAMPLE_TXT, default_rulebook()), "v")
    links = [column for _, column, how in STORED_FIELDS if how == "link"]
    for column in links:
        dangling = con.execute(f"""select count(*) from facts f where {column} is not null
                                   and not exists (select 1 from facts t where t.fact_id = f.{column})""").fetchone()[0]
        linked = con.execute(f"select count(*) from facts where {column} is not null").fetchone()[0]
        assert dangling == 0 and linked > 0, column
    assert con.execute("select count(*) from facts where fact_id not like ? || ':%'", [report_id]).fetchone()[0] == 0
