"""Each check file's own examples: its `flags:` sentences must be flagged, its `passes:` sentences not."""
import duckdb
import pytest

from extract.rulebook import default_rulebook
from extract.facts.engine import document_from_text
from extract.document import process_document
from warehouse.checks import load_checks, run_checks
from warehouse.load import create_schema, load_report

CASES = [pytest.param(check, kind, text, id=f"{check.code}/{kind}/{i}")
         for check in load_checks()
         for kind, texts in (("flags", check.flags), ("passes", check.passes))
         for i, text in enumerate(texts, 1)]


def statuses_for(check, text: str) -> list[str]:
    """Ingest one sentence (or a few) into an in-memory warehouse; the statuses this check gives.

    The check's `given:` lines, if any, are loaded first as an earlier report."""
    con = duckdb.connect(":memory:")
    create_schema(con)
    if check.given:
        given = process_document(document_from_text("\n".join(check.given), "given"), default_rulebook(), "1" * 64)
        load_report(con, given, "test")
    processed = process_document(document_from_text(text, "example"), default_rulebook(), "0" * 64)
    report_id = load_report(con, processed, "test")
    run_checks(con, [report_id], "test")
    return [s for (s,) in con.execute("select status from checks where rule_id = ?", [check.code]).fetchall()]


@pytest.mark.parametrize("check, kind, text", CASES)
def test_check_examples(check, kind, text):
    statuses = statuses_for(check, text)
    expected = "unverifiable" if check.severity == "info" else "mismatch"
    if kind == "flags":
        assert expected in statuses, f"{check.code} should flag {text!r}, got {statuses}"
    else:
        assert expected not in statuses and "minor" not in statuses, f"{check.code} should pass {text!r}, got {statuses}"
