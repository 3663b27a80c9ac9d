"""The sample's HTML report in a real headless Chromium: what a reviewer with only a browser can do.

Debian's chromium (/usr/bin/chromium) is driven through Playwright; no browser is downloaded. The page
is served over a local http.server so localStorage has a real origin (file:// storage may be opaque).
In CI a missing chromium fails the tests; locally, without root to install it, they are skipped.
"""
from __future__ import annotations

import functools
import os
import threading
import unicodedata
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline.report import render_html, report_data
from test_report import hostile_warehouse

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
INSTALL_HINT = "install it with `make browser` (apt-get install chromium, as root)"


def require_chromium() -> None:
    """Fail in CI, skip locally without root, when Debian's chromium is not installed."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing in CI: {INSTALL_HINT}", pytrace=False)
    if os.geteuid() != 0:
        pytest.skip(f"{CHROMIUM} is not installed and installing it needs root: {INSTALL_HINT}")
    pytest.fail(f"{CHROMIUM} is missing: {INSTALL_HINT}", pytrace=False)


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):   # keep pytest's output clean
        pass


@pytest.fixture(scope="module")
def report_url(sample_warehouse):
    """URL of the sample's HTML report, served from the reports/ folder beside the warehouse."""
    reports = sample_warehouse.parent / "reports"
    pages = sorted(reports.glob("*.html"))
    assert pages, f"no HTML report in {reports}"
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(reports)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{pages[0].name}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def warehouse_data(sample_warehouse):
    """The report as the warehouse holds it (the page must agree with this)."""
    import duckdb
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    try:
        report_id = con.execute("select min(report_id) from reports").fetchone()[0]
        yield {"report_id": report_id,
               "facts": con.execute("select count(*) from facts where report_id = ?", [report_id]).fetchone()[0],
               "by_status": dict(con.execute("select status, count(*) from checks where report_id = ? group by 1",
                                             [report_id]).fetchall()),
               "by_type": dict(con.execute("select check_type, count(*) from checks where report_id = ? group by 1",
                                           [report_id]).fetchall()),
               "coverage": con.execute("select claims, checked, checked_percent, problems from v_coverage "
                                       "where report_id = ?", [report_id]).fetchone(),
               "report": report_data(con, report_id)}
    finally:
        con.close()


class Watched:
    """A page and everything that went wrong on it: console errors, page errors, failed or remote requests."""

    def __init__(self, context, allowed_prefix: str):
        self.page = context.new_page()
        self.allowed_prefix = allowed_prefix
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", self.note_console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        self.page.on("response", self.note_response)
        self.page.on("request", self.note_request)
        self.page.on("dialog", self.note_dialog)

    def note_console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def note_response(self, response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def note_request(self, request) -> None:
        """Anything but the page's own origin (or an inline data: URL) is a network asset."""
        if not request.url.startswith((self.allowed_prefix, "data:")):
            self.problems.append(f"remote request: {request.url}")

    def note_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def visible(self, selector: str = ".check") -> int:
        return self.page.locator(f"{selector}:visible").count()

    def open_settled(self) -> None:
        """Unfold the ok/unverifiable checks so that every shown check is visible."""
        self.page.evaluate("document.getElementById('settled').open = true")


@pytest.fixture()
def watched(browser, report_url):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    watched = Watched(context, report_url.rsplit("/", 1)[0])
    watched.page.goto(report_url)
    yield watched
    context.close()


def fold(text: str) -> str:
    """What a reader types without diacritics: 'Tỷ lệ' → 'ty le'."""
    stripped = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return stripped.replace("đ", "d").replace("Đ", "D").lower()


def test_page_loads_without_errors_or_network_and_screenshots(watched, tmp_path):
    page = watched.page
    assert page.title().startswith("Kiểm tra số liệu")
    assert watched.visible() > 0
    watched.open_settled()
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    assert watched.problems == []


def test_summary_shows_the_warehouse_counts(watched, warehouse_data):
    page = watched.page
    assert page.inner_text("#n-facts b") == str(warehouse_data["facts"])
    total = sum(warehouse_data["by_status"].values())
    claims, checked, percent, problems = warehouse_data["coverage"]   # one definition: v_coverage's
    assert page.inner_text("#n-checked b") == f"{checked}/{claims}"
    assert page.inner_text("#coverage") == f"{percent:.1f}%".replace(".", ",").replace(",0%", "%")
    assert page.inner_text("#n-problems b") == str(problems) and problems > 0
    for status in ("mismatch", "minor", "ok", "unverifiable"):
        card = page.locator(f'[data-count-status="{status}"] b')
        assert card.inner_text() == str(warehouse_data["by_status"].get(status, 0)), status
    for check_type, n in warehouse_data["by_type"].items():
        row = page.locator(f'tr[data-count-type="{check_type}"] td').last
        assert row.inner_text() == str(n), check_type
    assert page.inner_text("#shown") == str(total)
    assert page.locator(".check").count() == total


def test_mismatches_come_first_and_settled_checks_are_folded(watched, warehouse_data):
    page = watched.page
    n_review = sum(n for s, n in warehouse_data["by_status"].items() if s not in ("ok", "unverifiable"))
    assert watched.visible("#urgent .check") == n_review
    assert watched.visible("#settled .check") == 0
    statuses = page.eval_on_selector_all(".check", "els => els.map(e => e.dataset.status)")
    settled = [s in ("ok", "unverifiable") for s in statuses]
    assert settled == sorted(settled)
    first_claim = page.locator("#urgent .check").first.locator("mark.claim")
    assert first_claim.count() >= 1 and first_claim.first.is_visible()


def test_unchecking_a_filter_hides_its_checks_and_rechecking_shows_them(watched, warehouse_data):
    page = watched.page
    watched.open_settled()
    total = sum(warehouse_data["by_status"].values())
    assert watched.visible() == total
    filters = [("f-status", "data-status", warehouse_data["by_status"]),
               ("f-type", "data-type", warehouse_data["by_type"])]
    for box_class, attribute, counts in filters:
        for value, n in counts.items():
            box = page.locator(f'input.{box_class}[value="{value}"]')
            box.uncheck()
            assert watched.visible(f'.check[{attribute}="{value}"]') == 0
            assert watched.visible() == total - n
            assert page.inner_text("#shown") == str(total - n)
            box.check()
            assert watched.visible(f'.check[{attribute}="{value}"]') == n
            assert watched.visible() == total
    assert watched.problems == []


def test_search_box_filters_without_diacritics(watched, warehouse_data):
    page = watched.page
    target = warehouse_data["report"]["checks"][0]            # the most serious check
    words = fold(target["message"]).split()[:4]
    page.fill("#search", " ".join(words))
    shown = page.locator(".check:visible")
    assert 1 <= shown.count() < len(warehouse_data["report"]["checks"])
    assert page.locator(f'.check[data-id="{target["check_id"]}"]').is_visible()
    for text in shown.all_inner_texts():
        assert all(word in fold(text) for word in words)
    page.fill("#search", "zzzz-không-có-đâu")
    assert watched.visible() == 0
    assert page.locator("#urgent > .empty").is_visible()
    page.fill("#search", "")
    assert page.inner_text("#shown") == str(len(warehouse_data["report"]["checks"]))


def test_reviewed_mark_persists_across_a_reload(watched, warehouse_data):
    page = watched.page
    first = page.locator("#urgent .check").first
    check_id, claim_key = first.get_attribute("data-id"), first.get_attribute("data-claim")
    first.locator("input.seen").check()
    assert page.inner_text("#reviewed") == "1"
    keys = page.evaluate("Object.keys(localStorage)")
    assert f"solieu:reviewed:{warehouse_data['report_id']}:{claim_key}" in keys   # per claim, not per check id
    page.reload()
    again = page.locator(f'.check[data-id="{check_id}"]')
    assert again.locator("input.seen").is_checked()
    assert page.inner_text("#reviewed") == "1"
    page.check("#hide-reviewed")
    assert not again.is_visible()
    page.uncheck("#hide-reviewed")
    again.locator("input.seen").uncheck()
    page.reload()
    assert not page.locator(f'.check[data-id="{check_id}"] input.seen').is_checked()
    assert page.inner_text("#reviewed") == "0"
    assert watched.problems == []


def test_page_works_when_local_storage_is_refused(browser, report_url):
    context = browser.new_context()
    context.add_init_script("Object.defineProperty(window, 'localStorage', "
                            "{get() { throw new DOMException('denied', 'SecurityError'); }});")
    watched = Watched(context, report_url.rsplit("/", 1)[0])
    watched.page.goto(report_url)
    watched.page.locator("#urgent .check input.seen").first.check()
    assert watched.page.inner_text("#reviewed") == "1"
    assert watched.page.locator("#storage-note").is_visible()
    assert watched.problems == []
    context.close()


def test_hostile_report_runs_no_script_of_its_own(browser, tmp_path):
    con, report_id = hostile_warehouse()
    path = tmp_path / "hostile.html"
    path.write_text(render_html(report_data(con, report_id)), encoding="utf-8")
    context = browser.new_context()
    watched = Watched(context, path.as_uri())
    watched.page.goto(path.as_uri())
    watched.open_settled()
    assert watched.dialogs == [] and watched.problems == []
    assert "<script>alert('title')</script>" in watched.page.inner_text("h1")
    context.close()
