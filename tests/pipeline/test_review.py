"""Reviewers' decisions in the warehouse: `review`, its file import, and a decision that follows its claim
through `reextract` (new fact and check ids), `make report` and a new version of the report."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from extract.rulebook import RULES_DIR
from warehouse.claims import claim_words

from conftest import ROOT, SAMPLE_TXT, run_cli

TOTAL = "CK10:backan_2023_ktxh:1:6397:VA01"          # "575 tỷ đồng" against parts adding up to 256,51 tỷ
POULTRY = "CK20:backan_2023_ktxh:1:11700:RT01"       # 258.400 in the text, 258.100 in the annex
BUDGET = "CK20:backan_2023_ktxh:1:51452:FR02"        # 197,022 in the text, 201,922 in the annex


@pytest.fixture()
def warehouse(tmp_path, sample_warehouse) -> Path:
    """A private copy of the sample warehouse (decisions must not leak into the shared one)."""
    path = tmp_path / "wh" / "warehouse.duckdb"
    path.parent.mkdir()
    shutil.copy(sample_warehouse, path)
    return path


def query(warehouse: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def review(warehouse: Path, *args: str) -> subprocess.CompletedProcess:
    result = run_cli("review", *args, "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def page(warehouse: Path, name: str = "backan_2023_ktxh.html") -> str:
    return (warehouse.parent / "reports" / name).read_text(encoding="utf-8")


def article(html: str, check_id: str) -> str:
    start = html.index(f'data-id="{check_id}"')
    return html[html.rindex("<article", 0, start):html.index("</article>", start)]


def test_a_decision_is_stored_shown_in_v_mismatches_and_written_into_the_page(warehouse):
    result = review(warehouse, POULTRY, "--as", "confirmed", "--note", "bảng phụ lục đúng", "--by", "Lan")
    assert "confirmed (bảng phụ lục đúng) by Lan" in result.stdout and "index of the reports:" in result.stdout
    [(review_, note, by, at, state)] = query(warehouse, "select review, review_note, reviewed_by, reviewed_at, "
                                             "review_state from v_mismatches where check_id = ?", [POULTRY])
    assert (review_, note, by, state) == ("confirmed", "bảng phụ lục đúng", "Lan", "unchanged") and at is not None
    assert query(warehouse, "select reviewed, confirmed, false_alarms from v_coverage") == [(1, 1, 0)]
    assert query(warehouse, "select count(*) from v_mismatches where review is null")[0][0] == 13
    html = article(page(warehouse), POULTRY)
    assert 'data-stored-review="confirmed"' in html and "Đã lưu trong kho: <b>Lỗi thật</b>" in html
    assert "vẫn còn" in html and "Lan" in html
    assert 'data-reviewed="1"' in page(warehouse, "index.html")


def test_the_key_masks_numbers_and_tells_repeated_claims_apart(warehouse):
    assert claim_words(duckdb.connect(), "Đàn gia cầm 258.400/285.060 con, đạt 90,66% KH¹².") == \
        "đàn gia cầm # # con đạt # kh"
    keys = query(warehouse, "select count(*), count(distinct claim_key), count(claim_key) from checks")
    assert keys[0][0] == keys[0][1] == keys[0][2] > 100


def test_a_decision_follows_its_claim_through_reextract_with_new_ids_and_make_report(tmp_path, warehouse):
    review(warehouse, POULTRY, "--as", "confirmed", "--note", "258.100 là số đúng")
    review(warehouse, TOTAL, "--as", "explained")
    (key,) = query(warehouse, "select claim_key from checks where check_id = ?", [POULTRY])[0]
    # The same rules under another code: every fact the rule reads, and every check citing one, gets a new id.
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    old = next(rules.glob("RT01_*.toml"))
    old.with_name(old.name.replace("RT01", "RT91")).write_text(
        old.read_text(encoding="utf-8").replace('code     = "RT01"', 'code     = "RT91"'), encoding="utf-8")
    old.unlink()
    result = run_cli("reextract", "--warehouse", str(warehouse), "--rules", str(rules))
    assert result.returncode == 0, result.stderr
    assert query(warehouse, "select count(*) from checks where check_id = ?", [POULTRY]) == [(0,)]
    renamed = POULTRY.replace("RT01", "RT91")
    assert query(warehouse, "select check_id, review, review_note, review_state from v_mismatches where claim_key = ?",
                 [key]) == [(renamed, "confirmed", "258.100 là số đúng", "unchanged")]
    assert query(warehouse, "select review from v_mismatches where check_id = ?", [TOTAL]) == [("explained",)]
    assert 'data-stored-review="confirmed"' in article(page(warehouse), renamed)   # reextract wrote the page

    (warehouse.parent / "reports" / "backan_2023_ktxh.html").unlink()
    made = subprocess.run(["make", "-o", ".venv/.installed", "report", f"WAREHOUSE={warehouse}", f"PY={sys.executable}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stdout + made.stderr
    html = page(warehouse)
    assert 'data-stored-review="confirmed"' in article(html, renamed)
    assert 'data-stored-review="explained"' in article(html, TOTAL)
    assert 'data-reviewed="2"' in page(warehouse, "index.html")


def test_a_new_version_with_the_figure_corrected_says_fixed_and_keeps_the_others(tmp_path, warehouse):
    review(warehouse, TOTAL, "--as", "confirmed", "--note", "số cả năm")
    review(warehouse, BUDGET, "--as", "false_alarm")
    # The corrected report: a line added on top (every offset, so every id, moves) and 575 → 256,5 tỷ đồng.
    text = SAMPLE_TXT.read_text(encoding="utf-8")
    assert text.count("công nghiệp đạt 575 tỷ đồng") == 1
    corrected = tmp_path / "v2" / SAMPLE_TXT.name
    corrected.parent.mkdir()
    corrected.write_text("Bản sửa đổi.\n" + text.replace("công nghiệp đạt 575 tỷ đồng", "công nghiệp đạt 256,5 tỷ đồng"),
                         encoding="utf-8")
    # Until versions of a report land, the old one is taken out by hand, keeping its decisions.
    con = duckdb.connect(str(warehouse))
    for table in ("reports", "line_map", "sections", "sentences", "footnotes", "table_rows", "facts", "checks", "problems"):
        con.execute(f"delete from {table} where report_id = 'backan_2023_ktxh'")
    con.close()
    result = run_cli("ingest", str(corrected), "--warehouse", str(warehouse))
    assert result.returncode == 0 and "as backan_2023_ktxh " in result.stdout, result.stdout + result.stderr
    states = dict(((r, c), (s, n)) for r, c, s, n in query(
        warehouse, "select review, reviewed_check_id, state, check_id from v_reviews"))
    fixed_state, fixed_now = states[("confirmed", TOTAL)]
    assert fixed_state == "fixed" and fixed_now not in (None, TOTAL)
    assert query(warehouse, "select status from checks where check_id = ?", [fixed_now]) == [("ok",)]
    kept_state, kept_now = states[("false_alarm", BUDGET)]
    assert kept_state == "unchanged" and kept_now not in (None, BUDGET)
    html = page(warehouse)
    assert 'class="badge fixed">đã sửa' in article(html, fixed_now)
    assert 'data-stored-review="false_alarm"' in article(html, kept_now)


def test_a_decision_is_withdrawn_with_clear_and_the_history_kept(warehouse):
    review(warehouse, BUDGET, "--as", "false_alarm", "--note", "khác kỳ")
    review(warehouse, BUDGET, "--clear")
    assert query(warehouse, "select review from v_mismatches where check_id = ?", [BUDGET]) == [(None,)]
    assert [r for (r,) in query(warehouse, "select review from review_decisions order by reviewed_at")] == \
        ["false_alarm", None]


def test_an_exported_file_is_imported_once(tmp_path, warehouse):
    (key,) = query(warehouse, "select claim_key from checks where check_id = ?", [TOTAL])[0]
    export = tmp_path / "solieu-review.json"
    export.write_text(json.dumps({"format": "solieu-review/1", "report_id": "backan_2023_ktxh", "decisions": [
        {"claim_key": key, "check_id": "an id the page had", "rule_id": "CK10", "review": "confirmed", "note": "ghi chú",
         "reviewed_by": "Hoa", "reviewed_at": "2026-01-02T03:04:05.678Z", "status": "mismatch", "reported": 575e9,
         "computed": 256505130000.0, "quote": "575 tỷ đồng"}]}), encoding="utf-8")
    first = review(warehouse, "--import", str(export))
    assert "imported 1 decision from" in first.stdout
    again = review(warehouse, "--import", str(export))
    assert "imported 0 decisions" in again.stdout and "(1 already stored)" in again.stdout
    assert query(warehouse, "select review, review_note, reviewed_by, reviewed_at::varchar from v_mismatches "
                            "where check_id = ?", [TOTAL]) == [("confirmed", "ghi chú", "Hoa", "2026-01-02 03:04:05.678")]


@pytest.mark.parametrize("content, words", [
    ("not json", "not a JSON file"),
    ('{"format": "other", "decisions": []}', "not a file of decisions"),
    ('{"format": "solieu-review/1", "report_id": "nope", "decisions": [{"claim_key": "k", "review": "confirmed",'
     ' "reviewed_at": "2026-01-01T00:00:00Z"}]}', "report 'nope' is not in the warehouse"),
    ('{"format": "solieu-review/1", "report_id": "backan_2023_ktxh", "decisions": [{"claim_key": "k",'
     ' "review": "maybe", "reviewed_at": "2026-01-01T00:00:00Z"}]}', "unknown decision 'maybe'"),
])
def test_a_file_that_is_not_an_export_is_refused_and_nothing_stored(tmp_path, warehouse, content, words):
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    result = run_cli("review", "--import", str(bad), "--warehouse", str(warehouse))
    assert result.returncode == 1 and words in result.stderr and result.stderr.startswith("error: ")
    assert query(warehouse, "select count(*) from review_decisions") == [(0,)]


def test_review_refuses_an_unknown_check_and_a_missing_decision(warehouse):
    unknown = run_cli("review", "CK99:nope", "--as", "confirmed", "--warehouse", str(warehouse))
    assert unknown.returncode == 1 and "no check 'CK99:nope'" in unknown.stderr
    missing = run_cli("review", TOTAL, "--warehouse", str(warehouse))
    assert missing.returncode == 2 and "--as confirmed|false_alarm|explained" in missing.stderr
    wrong = run_cli("review", TOTAL, "--as", "maybe", "--warehouse", str(warehouse))
    assert wrong.returncode == 2 and "invalid choice" in wrong.stderr
    both = run_cli("review", TOTAL, "--as", "confirmed", "--clear", "--warehouse", str(warehouse))
    assert both.returncode == 2 and "--clear withdraws" in both.stderr
    assert query(warehouse, "select count(*) from review_decisions") == [(0,)]
