"""The reviewer's part in a real headless Chromium: marking flags on a report page, exporting the marks
as a file that `review --import` stores, and the index page of the reports (sorting, links).

Same browser set-up as test_report_browser.py (Debian's chromium through Playwright, pages served by
a local http.server); each test works on its own copy of a warehouse, as decisions are written to it.
"""
from __future__ import annotations

import functools
import json
import shutil
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from conftest import SAMPLE_TXT, run_cli
from test_report_browser import CHROMIUM_ARGS, QuietHandler, Watched, browser, require_chromium  # noqa: F401


@pytest.fixture()
def served():
    """Serve a folder over http://127.0.0.1 (localStorage needs a real origin); yields a starter."""
    servers = []

    def serve(folder: Path) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture()
def warehouse(tmp_path, sample_warehouse) -> Path:
    path = tmp_path / "wh" / "warehouse.duckdb"
    path.parent.mkdir()
    shutil.copy(sample_warehouse, path)
    result = run_cli("report", "--warehouse", str(path))
    assert result.returncode == 0, result.stderr
    return path


def test_marks_persist_export_as_a_file_and_import_into_the_warehouse(browser, served, warehouse, tmp_path):
    base = served(warehouse.parent / "reports")
    context = browser.new_context(accept_downloads=True)
    watched = Watched(context, base)
    page = watched.page
    page.goto(f"{base}/backan_2023_ktxh.html")
    assert page.locator("#export").is_disabled() and page.inner_text("#decided") == "0"
    page.fill("#reviewer", "Nguyễn Thị Lan")
    first, second = page.locator("#urgent .check").nth(0), page.locator("#urgent .check").nth(1)
    first.locator('input[value="confirmed"]').check()
    first.locator(".review-note").fill("số cả năm <b>không</b> khớp")
    second.locator('input[value="false_alarm"]').check()
    assert first.locator("input.seen").is_checked(), "a decision marks the check as seen"
    assert page.inner_text("#decided") == "2" and page.inner_text("#pending") == "2"
    assert "Chưa lưu vào kho: Lỗi thật" in first.locator(".review-local").inner_text()

    page.reload()   # kept in the browser, per claim
    first = page.locator("#urgent .check").nth(0)
    assert first.locator('input[value="confirmed"]').is_checked()
    assert first.locator(".review-note").input_value() == "số cả năm <b>không</b> khớp"
    assert page.input_value("#reviewer") == "Nguyễn Thị Lan" and page.inner_text("#pending") == "2"

    with page.expect_download() as download:
        page.click("#export")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("solieu-review-backan_2023_ktxh-") and saved.suffix == ".json"
    exported = json.loads(saved.read_text(encoding="utf-8"))
    assert exported["format"] == "solieu-review/1" and exported["report_id"] == "backan_2023_ktxh"
    by_check = {d["check_id"]: d for d in exported["decisions"]}
    first_id, second_id = first.get_attribute("data-id"), page.locator("#urgent .check").nth(1).get_attribute("data-id")
    assert set(by_check) == {first_id, second_id}
    assert by_check[first_id]["review"] == "confirmed" and by_check[first_id]["reviewed_by"] == "Nguyễn Thị Lan"
    assert by_check[first_id]["claim_key"] == first.get_attribute("data-claim")
    assert by_check[second_id]["review"] == "false_alarm" and by_check[second_id]["note"] == ""

    imported = run_cli("review", "--import", str(saved), "--warehouse", str(warehouse))
    assert imported.returncode == 0 and "imported 2 decisions" in imported.stdout, imported.stdout + imported.stderr
    con = duckdb.connect(str(warehouse), read_only=True)
    stored = dict(con.execute("select check_id, review || '|' || coalesce(review_note, '') || '|' || reviewed_by "
                              "from v_mismatches where review is not null").fetchall())
    con.close()
    assert stored == {first_id: "confirmed|số cả năm <b>không</b> khớp|Nguyễn Thị Lan",
                      second_id: "false_alarm||Nguyễn Thị Lan"}

    page.reload()   # the import wrote the page again: the decisions are now the warehouse's
    first = page.locator(f'.check[data-id="{first_id}"]')
    assert "Đã lưu trong kho: Lỗi thật · “số cả năm <b>không</b> khớp” · Nguyễn Thị Lan" in \
        first.locator(".review-stored").inner_text()
    assert first.locator('input[value="confirmed"]').is_checked()
    assert page.inner_text("#pending") == "0" and page.locator("#export").is_disabled()
    assert first.locator(".review-stored b").count() == 1, "the note is text, not markup"
    assert watched.problems == [] and watched.dialogs == []
    context.close()


def test_a_decision_stored_in_the_warehouse_shows_on_another_browser(browser, served, warehouse):
    check_id = "CK20:backan_2023_ktxh:1:51452:FR02"
    result = run_cli("review", check_id, "--as", "explained", "--note", "khác kỳ báo cáo", "--by", "Hoa",
                     "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    base = served(warehouse.parent / "reports")
    context = browser.new_context()   # a fresh profile: nothing in localStorage
    watched = Watched(context, base)
    watched.page.goto(f"{base}/backan_2023_ktxh.html")
    check = watched.page.locator(f'.check[data-id="{check_id}"]')
    assert check.get_attribute("data-review") == "explained"
    assert check.locator('input[value="explained"]').is_checked()
    assert check.locator(".review-note").input_value() == "khác kỳ báo cáo"
    assert "Có giải thích" in check.locator(".badge.review-badge").inner_text()
    assert watched.page.inner_text("#decided") == "1" and watched.page.inner_text("#n-decided b") == "1/14"
    assert watched.problems == []
    context.close()


SMALL_REPORTS = {
    "a_small.txt": "BÁO CÁO Tình hình kinh tế xã A năm 2023\nDiện tích chuyển đổi thực hiện 7,72/6ha đạt 182,6% KH.\n",
    "z_tiny.txt": "BÁO CÁO Kết quả huyện B 6 tháng năm 2024\nThu ngân sách đạt 201,922/260 tỷ đồng bằng 77,66% dự toán.\n"
                  "Tổng nguồn vốn được giao: 4.969 triệu đồng. Ước thực hiện năm 4.772 triệu đồng, đạt 90,03%.\n",
}


@pytest.fixture()
def three_reports(tmp_path) -> Path:
    """The sample and two short reports, ingested into one warehouse."""
    folder = tmp_path / "raw"
    folder.mkdir()
    shutil.copy(SAMPLE_TXT, folder / SAMPLE_TXT.name)
    for name, text in SMALL_REPORTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    path = tmp_path / "wh" / "warehouse.duckdb"
    result = run_cli("ingest", str(folder), "--warehouse", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"index of the reports: {path.parent / 'reports' / 'index.html'}" in result.stdout
    return path


def column(page, key: str) -> list[str]:
    return page.eval_on_selector_all("#reports tbody tr", f"rows => rows.map(r => r.dataset['{key}'])")


def test_index_lists_every_report_sorts_by_any_column_and_links_to_the_pages(browser, served, three_reports):
    base = served(three_reports.parent / "reports")
    context = browser.new_context()
    watched = Watched(context, base)
    page = watched.page
    page.goto(f"{base}/index.html")
    assert page.title() == "Kiểm tra số liệu — danh sách báo cáo"
    con = duckdb.connect(str(three_reports), read_only=True)
    coverage = {r: (facts, checked, claims, mismatch) for r, facts, checked, claims, mismatch in con.execute(
        "select report_id, facts, checked, claims, mismatch from v_coverage").fetchall()}
    con.close()
    assert sorted(column(page, "report")) == sorted(coverage) and len(coverage) == 3
    for report_id, (facts, checked, claims, mismatch) in coverage.items():
        row = page.locator(f'#reports tr[data-report="{report_id}"]')
        assert row.get_attribute("data-facts") == str(facts) and row.get_attribute("data-mismatch") == str(mismatch)
        assert f"{checked}/{claims}" in row.inner_text()

    page.click('th[data-key="facts"] button')
    facts = [int(n) for n in column(page, "facts")]
    assert facts == sorted(facts) and page.get_attribute('th[data-key="facts"]', "aria-sort") == "ascending"
    page.click('th[data-key="facts"] button')
    assert [int(n) for n in column(page, "facts")] == sorted(facts, reverse=True)
    assert page.get_attribute('th[data-key="facts"]', "aria-sort") == "descending"
    page.click('th[data-key="locality"] button')
    assert page.get_attribute('th[data-key="facts"]', "aria-sort") is None
    page.click('th[data-key="coverage"] button')
    percents = [float(n) for n in column(page, "coverage")]
    assert percents == sorted(percents)

    for kind in ("md", "csv"):
        for href in page.eval_on_selector_all(f"#reports a.{kind}", "links => links.map(a => a.href)"):
            assert page.request.get(href).ok, href
    page.click('#reports tr[data-report="backan_2023_ktxh"] td.title a')
    page.wait_for_url(f"{base}/backan_2023_ktxh.html")
    assert page.title().startswith("Kiểm tra số liệu") and page.locator(".check").count() > 100
    page.click(".crumbs a")
    page.wait_for_url(f"{base}/index.html")
    assert watched.problems == []
    context.close()
