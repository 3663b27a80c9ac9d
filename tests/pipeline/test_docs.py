"""The documentation stays true to the code: docs/warehouse.md is what `python -m pipeline docs` writes
from the schema now, and every table and column has a comment."""
from __future__ import annotations

from conftest import ROOT
from pipeline.__main__ import main
from pipeline.docs import SCHEMA_FILES, build_warehouse_doc, find_uncommented, read_relations


def test_the_committed_warehouse_page_is_what_the_command_writes_now():
    committed = (ROOT / "docs" / "warehouse.md").read_text(encoding="utf-8")
    assert committed == build_warehouse_doc(), "docs/warehouse.md is out of date: run `make docs` and commit it"


def test_every_table_view_and_column_of_the_schema_has_a_comment():
    relations = read_relations([f.read_text(encoding="utf-8") for f in SCHEMA_FILES])
    assert {r.name for r in relations} >= {"reports", "facts", "checks", "problems", "v_coverage"}
    assert find_uncommented(relations) == []


def test_the_page_names_every_column_with_its_comment():
    page = build_warehouse_doc()
    assert "| `fact_id` | `VARCHAR` not null | Deterministic id, unique: report_id:page:char_start:rule_id. |" in page
    assert "| `report_id` | `VARCHAR` primary key |" in page
    assert "### v_coverage" in page


def test_the_command_writes_the_page_and_check_tells_when_it_is_stale(tmp_path, capsys):
    out = tmp_path / "warehouse.md"
    assert main(["docs", "--check", "--out", str(out)]) == 1
    assert main(["docs", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == build_warehouse_doc()
    assert main(["docs", "--check", "--out", str(out)]) == 0
    out.write_text("stale", encoding="utf-8")
    assert main(["docs", "--check", "--out", str(out)]) == 1
    assert "run `make docs`" in capsys.readouterr().err
