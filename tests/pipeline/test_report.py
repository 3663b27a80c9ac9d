"""The consistency report without a browser: escaping, ordering, one query per report, Markdown and CSV."""
import csv
import re
import shutil
from html.parser import HTMLParser

import duckdb
import pytest

from extract.rulebook import default_rulebook
from extract.facts.engine import document_from_text
from extract.document import process_document
from pipeline.report import (count_checks, rank_check, render_html, render_markdown, report_data, write_csv,
                             write_reports)
from warehouse.checks import CHECKS_DIR, load_checks, run_checks, type_titles
from warehouse.load import create_schema, load_report

# A report that tries to inject markup through every field that reaches the page. Tags in a source line
# are stripped by the line fixes (normalize.strip_html_tags); markup written as character references is
# text, and reaches the canonical text as "<script>…".
HOSTILE_TEXT = """BÁO CÁO &lt;script&gt;alert('title')&lt;/script&gt; & "ngoặc"
Tổng nguồn vốn được giao: 4.969 triệu đồng <img src=x onerror=alert('img')>. Ước thực hiện năm 4.772 triệu đồng, đạt 90,03% &lt;/script&gt;&lt;script&gt;alert('quote')&lt;/script&gt;.
Diện tích chuyển đổi thực hiện 7,72/6ha đạt 182,6% KH.
"""


class TagCollector(HTMLParser):
    """Start tags with their attributes, and the text a browser would show."""

    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def hostile_warehouse() -> tuple[duckdb.DuckDBPyConnection, str]:
    """The hostile text through the real pipeline, then hostile values in the fields text cannot reach."""
    con = duckdb.connect(":memory:")
    create_schema(con)
    processed = process_document(document_from_text(HOSTILE_TEXT, "evil<b>"), default_rulebook(), "0" * 64)
    report_id = load_report(con, processed, "test")
    run_checks(con, [report_id], "test")
    first = con.execute("select min(check_id) from checks").fetchone()[0]
    con.execute("""update checks set check_type = '"><svg onload=alert(1)>', message = '=HYPERLINK("http://x")<u>'
                   where check_id = ?""", [first])
    con.execute("update sentences set section = '<iframe src=//x>'")
    return con, report_id


def test_hostile_report_text_is_escaped_in_html():
    con, report_id = hostile_warehouse()
    data = report_data(con, report_id)
    assert data["checks"] and all(c["quotes"] for c in data["checks"])
    page = render_html(data)
    parsed = TagCollector()
    parsed.feed(page)
    tags = [t for t, _ in parsed.tags]
    assert tags.count("script") == 1, "only the page's own script"
    assert not {"img", "svg", "iframe", "u"} & set(tags)
    assert not [(t, a) for t, a in parsed.tags for name in a if name.startswith("on")]
    shown = "".join(parsed.text)
    for fragment in ("<script>alert('title')</script>", "<img src=x onerror=alert('img')>",
                     "</script><script>alert('quote')</script>", '"><svg onload=alert(1)>', "<iframe src=//x>"):
        assert fragment in shown, f"{fragment!r} should be shown as text"


def test_hostile_report_text_is_escaped_in_markdown_and_defused_in_csv(tmp_path):
    con, report_id = hostile_warehouse()
    data = report_data(con, report_id)
    markdown = render_markdown(data)
    outside_code = re.sub(r"(`+).*?\1", "", markdown)
    assert not re.search(r"(?<!\\)<", outside_code), "every '<' outside code spans is backslash-escaped"
    write_csv(data, tmp_path / "checks.csv")
    rows = list(csv.DictReader(open(tmp_path / "checks.csv", encoding="utf-8-sig")))
    assert "'=HYPERLINK(\"http://x\")<u>" in [r["message"] for r in rows]


class CountingConnection:
    """Wraps a DuckDB connection and counts the statements sent to it."""

    def __init__(self, con):
        self.con, self.statements = con, 0

    def execute(self, *args, **kwargs):
        self.statements += 1
        return self.con.execute(*args, **kwargs)


def test_report_data_reads_a_report_in_five_queries_whatever_its_size(sample_con):
    counting = CountingConnection(sample_con)
    report_id = sample_con.execute("select min(report_id) from reports").fetchone()[0]
    data = report_data(counting, report_id)
    n_checks = sample_con.execute("select count(*) from checks where report_id = ?", [report_id]).fetchone()[0]
    assert len(data["checks"]) == n_checks > 2
    # the report, the cited sentences, the quoted facts (with their table rows), the checks (with the
    # decisions), the data problems
    assert counting.statements == 5
    cited = sum(len(c["fact_ids"]) for c in data["checks"])
    assert sum(len(c["quotes"]) for c in data["checks"]) == cited
    assert all(q["raw"] for c in data["checks"] for q in c["quotes"])
    assert all(q["sentence"][q["char_start"] - q["sentence_start"]:][:len(q["raw"])] == q["raw"]
               for c in data["checks"] for q in c["quotes"] if q["sentence"] is not None)
    assert sum(q["sentence"] is not None for c in data["checks"] for q in c["quotes"]) > cited / 2


def test_summary_counts_match_the_warehouse(sample_con):
    report_id = sample_con.execute("select min(report_id) from reports").fetchone()[0]
    data = report_data(sample_con, report_id)
    by_status = dict(sample_con.execute("select status, count(*) from checks where report_id = ? group by 1",
                                        [report_id]).fetchall())
    assert {s: n for s, n in data["by_status"].items() if n} == by_status
    assert data["facts"] == sample_con.execute("select count(*) from facts where report_id = ?", [report_id]).fetchone()[0]
    assert data["checked"] == data["claims"] - by_status.get("unverifiable", 0)


def check(status="mismatch", decision=False, severity="error", reported=100.0, difference=1.0, line=1, **extra):
    return {"check_id": f"X:{status}:{decision}:{severity}:{difference}:{line}", "check_type": "percent",
            "status": status, "decision": decision, "severity": severity, "reported": reported,
            "computed": None if difference is None else reported + difference, "difference": difference,
            "page": 1, "line": line, "message": f"thông điệp {line}", "rule_id": "CK99", **extra}


def test_checks_needing_a_reader_come_first_most_serious_first():
    checks = [check("ok", difference=0.0), check("unverifiable", difference=None, severity="info"),
              check("minor", difference=0.1), check(difference=2.0, severity="warning"),
              check(difference=50.0, reported=1e9), check(difference=3.0), check(decision=True, difference=0.5)]
    order = [(c["status"], c["decision"], c["severity"], c["difference"]) for c in sorted(checks, key=rank_check)]
    assert order[:5] == [("mismatch", True, "error", 0.5), ("mismatch", False, "error", 3.0),
                         ("mismatch", False, "error", 50.0), ("mismatch", False, "warning", 2.0),
                         ("minor", False, "error", 0.1)]
    assert {o[0] for o in order[5:]} == {"ok", "unverifiable"}


def test_a_new_check_type_and_status_render_under_their_own_names():
    checks = [check(check_type="cross_report", quotes=[]), check(check_type="brand_new", line=2, quotes=[])]
    data = {"report_id": "r", "title": None, "source_path": "r.txt", "facts": 3, "checks": checks,
            **count_checks(checks)}
    page = render_html(data)
    assert "Giữa các báo cáo" in page and 'value="brand_new"' in page and 'data-type="brand_new"' in page
    assert "| brand\\_new | 1 |" in render_markdown(data)


NEW_CHECK = """-- code:     CK50
-- name:     percent.over_a_thousand
-- type:     implausible
-- title:    Khó tin
-- rank:     5
-- severity: warning
-- why:      A share above 1000% is more likely a misprint than a fact.
-- flags:    Diện tích chuyển đổi thực hiện 77,2/6ha đạt 1286,7% KH.
-- passes:   Diện tích chuyển đổi thực hiện 7,72/6ha đạt 128,6% KH.
select 'implausible' as check_type, 'mismatch' as status, f.percent as reported, null::double as computed,
       [f.fact_id] as fact_ids, f.line, f.page, f.report_id, 'Tỷ lệ trên 1000%.' as message
from batch_facts as f
where f.percent > 1000
"""


def test_a_new_check_type_shows_the_title_and_rank_of_its_file(tmp_path):
    folder = tmp_path / "checks"
    shutil.copytree(CHECKS_DIR, folder)
    (folder / "CK50_implausible_share.sql").write_text(NEW_CHECK, encoding="utf-8")
    checks = load_checks(folder)
    con = duckdb.connect(":memory:")
    create_schema(con)
    text = "Diện tích chuyển đổi thực hiện 77,2/6ha đạt 1286,7% KH."
    report_id = load_report(con, process_document(document_from_text(text, "r"), default_rulebook(), "0" * 64), "test")
    run_checks(con, [report_id], "test", checks)
    data = report_data(con, report_id, type_titles(checks))
    markdown = render_markdown(data)
    assert markdown.index("| Khó tin | 1 |") < markdown.index("| Tỷ lệ % |")   # rank 5 comes before percent's 10
    assert "- **Khó tin** trang 1, dòng 1 — Tỷ lệ trên 1000%." in markdown
    assert '<span class="badge">Khó tin</span>' in render_html(data)


def test_sample_reports_are_written_with_a_bom_csv_and_mismatches_first(sample_con, tmp_path):
    report_id = sample_con.execute("select min(report_id) from reports").fetchone()[0]
    paths = write_reports(sample_con, report_id, tmp_path)
    assert paths["csv"].read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(open(paths["csv"], encoding="utf-8-sig")))
    statuses = [r["status"] for r in rows]
    n_checks = sample_con.execute("select count(*) from checks where report_id = ?", [report_id]).fetchone()[0]
    assert len(rows) == n_checks
    settled = [s in ("ok", "unverifiable") for s in statuses]
    assert settled == sorted(settled), "checks needing a reader come first"
    markdown = paths["md"].read_text(encoding="utf-8")
    for status, n in sample_con.execute("select status, count(*) from checks where report_id = ? group by 1",
                                        [report_id]).fetchall():
        assert re.search(rf"^## .+ \({n}\)$", markdown, re.M), status
    assert "**" in markdown, "the numbers of the quotes are in bold"


@pytest.mark.parametrize("field", ["title", "source_path"])
def test_missing_metadata_does_not_break_the_page(sample_con, field):
    report_id = sample_con.execute("select min(report_id) from reports").fetchone()[0]
    data = {**report_data(sample_con, report_id), field: None}
    assert "<h1>" in render_html(data) and render_markdown(data).startswith("# ")


def test_a_hostile_reviewer_note_and_name_are_escaped_in_html_and_markdown():
    con, report_id = hostile_warehouse()
    check_id, key, status = con.execute("select check_id, claim_key, status from checks order by check_id limit 1").fetchone()
    con.execute("insert into review_decisions (report_id, claim_key, review, note, reviewed_by, reviewed_at, status) "
                "values (?, ?, 'confirmed', ?, ?, now()::timestamp, ?)",
                [report_id, key, "<img src=x onerror=alert('note')>", '"><script>alert("by")</script>', status])
    data = report_data(con, report_id)
    assert [c["review"] for c in data["checks"] if c["check_id"] == check_id] == ["confirmed"]
    page = render_html(data)
    parsed = TagCollector()
    parsed.feed(page)
    tags = [t for t, _ in parsed.tags]
    assert tags.count("script") == 1 and "img" not in tags
    assert not [(t, a) for t, a in parsed.tags for name in a if name.startswith("on")]
    assert "<img src=x onerror=alert('note')>" in "".join(parsed.text)
    assert any(a.get("data-stored-by") == '"><script>alert("by")</script>' for _, a in parsed.tags)
    markdown = render_markdown(data)
    assert not re.search(r"(?<!\\)<", re.sub(r"(`+).*?\1", "", markdown))
