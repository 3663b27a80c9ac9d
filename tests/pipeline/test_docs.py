"""The documentation stays true to the code: docs/warehouse.md is what `python -m pipeline docs` writes
from the schema now, every table and column has a comment, and every relative link leads somewhere."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT
from pipeline.__main__ import main
from pipeline.docs import SCHEMA_FILES, build_warehouse_doc, find_uncommented, read_relations

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


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


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading.

    >>> slug("Exit codes"), slug("`make sql`: the shell"), slug("CK40 — cross_report")
    ('exit-codes', 'make-sql-the-shell', 'ck40--cross_report')
    """
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    return {slug(m.group(1)) for m in re.finditer(r"^#+\s+(.*)$", text, flags=re.M)}


def links(page: Path) -> list[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    return [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_to_a_file_and_heading_that_exist(page):
    broken = []
    for target in links(page):
        path, _, fragment = target.partition("#")
        where = (page.parent / path).resolve() if path else page
        if not where.exists():
            broken.append(target)
        elif fragment and where.suffix == ".md" and fragment not in anchors(where):
            broken.append(target)
    assert broken == [], f"{page.name}: broken links {broken}"


def test_the_readme_links_the_docs():
    targets = {t.partition("#")[0] for t in links(ROOT / "README.md")}
    assert {"docs/warehouse.md", "docs/rules.md", "docs/operations.md", "docs/performance.md",
            "docs/report.png"} <= targets
