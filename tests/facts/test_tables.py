"""rules/tables.toml: each example header row gets the column roles it lists."""
import tomllib

import pytest

from extract.rulebook import default_rulebook
from extract.facts.tables import map_columns
from extract.records import Cell, TableRow
from extract.rulebook import RULES_DIR

EXAMPLES = tomllib.loads((RULES_DIR / "tables.toml").read_text(encoding="utf-8"))["examples"]


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["header"][:40] for e in EXAMPLES])
def test_header_columns_get_their_roles(example):
    cells = tuple(Cell(0, 0, text) for text in example["header"].split("\t"))
    roles = map_columns(TableRow(1, 1, 0, 0, cells, True), default_rulebook().tables)
    assert [roles.get(i) for i in range(len(cells))] == example["roles"]
