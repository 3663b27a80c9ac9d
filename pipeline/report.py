"""The consistency report: one self-contained HTML page, a Markdown version and a CSV of checks.

All three are rendered from `report_data`, which reads the warehouse in four queries — the
report, its checks, the facts they quote, the sentences those come from — never one query per check.
Report text is untrusted input (a report may contain "<script>"), so every string is escaped for
the format it lands in.
"""
from __future__ import annotations

import csv
import functools
import os
import html
import math
import re
from pathlib import Path

import duckdb

from warehouse.checks import read_checks, type_titles

STATUS_VI = {"mismatch": "Không khớp", "minor": "Lệch nhỏ", "ok": "Khớp", "unverifiable": "Không kiểm tra được"}
SETTLED = ("ok", "unverifiable")            # folded away below the checks that need a reader
SEVERITY_VI = {"error": "lỗi", "warning": "cảnh báo", "info": "thông tin"}
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
STATUS_RANK = {"mismatch": 0, "minor": 1}
CONTEXT = 160                               # characters kept on each side of a highlighted number

REPORT_QUERY = """
select r.report_id, r.title, r.source_path, r.locality, r.year, r.period, r.ingested_at, r.rules_version,
       (select count(*) from facts f where f.report_id = r.report_id) as facts
from reports r where r.report_id in (select unnest($report_ids::varchar[]))
"""
CHECK_QUERY = """
select * from checks where report_id in (select unnest($report_ids::varchar[]))
"""
# One row per cited fact, joined by key (a fact of another report can be cited by a cross-report
# check, so facts are joined on fact_id alone) and grouped into each check's quotes in Python:
# folding them into a list of structs in DuckDB took longer than the rest of the query, and so did
# turning those structs into dicts. Facts and sentences are narrowed to the cited ones first: joined
# whole, the sentences of the whole warehouse were hashed for every batch.
QUOTE_QUERY = """
with cited as (
    select c.check_id, unnest(c.fact_ids) as fact_id, generate_subscripts(c.fact_ids, 1) as ordinal
    from checks c where c.report_id in (select unnest($report_ids::varchar[]))
)
select q.check_id, q.ordinal, q.fact_id, f.report_id, f.raw, f.page, f.line, f.char_start, f.char_end,
       f.rule_id, f.sentence_no, s.char_start as sentence_start, coalesce(s.section, f.section) as section,
       s.footnote
from cited q
left join (select * from facts where fact_id in (select fact_id from cited)) f on f.fact_id = q.fact_id
left join (select report_id, sentence_no, char_start, section, footnote from sentences
           where report_id in (select report_id from facts where fact_id in (select fact_id from cited))) s
       on s.report_id = f.report_id and s.sentence_no = f.sentence_no
"""
# The sentences' texts come once each: copied into every quote, a sentence cited by many checks was
# copied many times, and DuckDB needed hundreds of MB for a report of long sentences.
SENTENCE_QUERY = """
select distinct s.report_id, s.sentence_no, s.text
from (select unnest(fact_ids) as fact_id from checks where report_id in (select unnest($report_ids::varchar[]))) c
join facts f using (fact_id)
join sentences s on s.report_id = f.report_id and s.sentence_no = f.sentence_no
"""


# ---------------------------------------------------------------- data

def report_data(con: duckdb.DuckDBPyConnection, report_id: str, titles: dict[str, str] | None = None) -> dict:
    """Summary and check rows (with their quotes) of one report, most serious check first."""
    return reports_data(con, [report_id], titles)[report_id]


def reports_data(con: duckdb.DuckDBPyConnection, report_ids: list[str],
                 titles: dict[str, str] | None = None) -> dict[str, dict]:
    """`report_data` of several reports with the same four queries (an ingest's batch): id -> data.

    `titles`: the check types' titles in report order (default: the check files', see check_titles).
    A report id that is not in the warehouse raises KeyError."""
    cur = con.execute(REPORT_QUERY, {"report_ids": list(report_ids)})
    names = [d[0] for d in cur.description]
    found = {row[0]: dict(zip(names, row)) for row in cur.fetchall()}
    missing = [r for r in report_ids if r not in found]
    if missing:
        raise KeyError(missing[0])
    texts = {(r, n): text for r, n, text in con.execute(SENTENCE_QUERY, {"report_ids": list(report_ids)}).fetchall()}
    cur = con.execute(QUOTE_QUERY, {"report_ids": list(report_ids)})
    names = [d[0] for d in cur.description][1:]
    quotes: dict[str, list] = {}
    for check_id, *row in cur.fetchall():
        quote = dict(zip(names, row))
        quote["sentence"] = texts.get((quote["report_id"], quote["sentence_no"]))
        quotes.setdefault(check_id, []).append(quote)
    cur = con.execute(CHECK_QUERY, {"report_ids": list(report_ids)})
    names = [d[0] for d in cur.description]
    checks: dict[str, list] = {report_id: [] for report_id in found}
    for row in cur.fetchall():
        check = dict(zip(names, row))
        check["quotes"] = sorted(quotes.get(check["check_id"], []), key=lambda quote: quote["ordinal"])
        checks[check["report_id"]].append(check)
    for report_id, info in found.items():
        ranked = sorted(checks[report_id], key=rank_check)
        info.update(checks=ranked, **count_checks(ranked, titles))
    return found


def rank_check(c: dict) -> tuple:
    """Sort key: checks needing a reader first; among them decision flips, errors, then larger gaps.

    Differences of different check types are in different units (percentage points, đồng, hộ), so
    they are compared relative to the printed number.
    """
    return (c["status"] in SETTLED, not c.get("decision"), STATUS_RANK.get(c["status"], 2),
            SEVERITY_RANK.get(c.get("severity"), 3), -relative_gap(c), c.get("page") or 0,
            c.get("line") or 0, c["check_id"])


def relative_gap(c: dict) -> float:
    """|computed − reported| relative to the printed number (0 when either is missing)."""
    diff = c.get("difference")
    if diff is None and c.get("reported") is not None and c.get("computed") is not None:
        diff = c["computed"] - c["reported"]
    if diff is None or math.isnan(diff):
        return 0.0
    return abs(diff) / max(abs(c.get("reported") or 0), 1e-9)


def count_checks(checks: list[dict], titles: dict[str, str] | None = None) -> dict:
    """Counts by status and by check type, coverage = claims checked / claims found, and the types' titles."""
    titles = check_titles() if titles is None else titles
    statuses = list(STATUS_VI) + sorted({c["status"] for c in checks} - set(STATUS_VI))
    by_status = {s: sum(c["status"] == s for c in checks) for s in statuses}
    by_type = {t: {s: 0 for s in statuses} for t in order_types({c["check_type"] for c in checks}, titles)}
    for c in checks:
        by_type[c["check_type"]][c["status"]] += 1
    claims = len(checks)
    checked = claims - by_status["unverifiable"]
    return {"by_status": by_status, "by_type": by_type, "claims": claims, "checked": checked,
            "coverage": checked / claims if claims else None,
            "to_review": sum(c["status"] not in SETTLED for c in checks), "titles": titles}


@functools.cache
def check_titles() -> dict[str, str]:
    """The check types' titles in report order, from the headers of the check files (`title:`, `rank:`)."""
    return type_titles(read_checks())


def order_types(types: set[str], titles: dict[str, str]) -> list[str]:
    """The check types in the order of their titles, then any without a title alphabetically."""
    return [t for t in titles if t in types] + sorted(types - set(titles))


def name_type(check_type: str, titles: dict[str, str]) -> str:
    """Vietnamese name of a check type; a type no check file gives a title shows under its own code."""
    return titles.get(check_type, check_type)


def name_status(status: str) -> str:
    return STATUS_VI.get(status, status)


# ---------------------------------------------------------------- numbers and quotes

def format_number(x, decimals: int = 2) -> str:
    """A number the way a Vietnamese reader writes it, at most `decimals` digits after the comma.

    >>> format_number(201922000000.0)
    '201.922.000.000'
    >>> format_number(37.522438186415485), format_number(27.865000000000002, 4), format_number(-9.6)
    ('37,52', '27,865', '-9,6')
    >>> format_number(None)
    '—'
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if abs(x) >= 1e18:
        return f"{x:.4g}".replace(".", ",")
    text = f"{x:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return "0" if text == "-0" else text


def format_interval(low, high) -> str:
    """'[27,865; 27,875]': the semicolon because the comma is the decimal mark."""
    if low is None or high is None:
        return ""
    return f"[{format_number(low, 4)}; {format_number(high, 4)}]"


def format_signed(x) -> str:
    text = format_number(x)
    return "+" + text if x is not None and x > 0 else text


def group_quotes(c: dict) -> list[dict]:
    """Cited facts grouped by the sentence they sit in, so a sentence citing two facts shows once.

    Each group keeps its facts' spans; the first fact of a check is the printed claim ("claim"),
    the others the numbers it was checked against ("basis").
    """
    groups: dict[tuple, dict] = {}
    for q in c.get("quotes") or []:
        role = "claim" if q["ordinal"] == 1 else "basis"
        if q.get("raw") is None:
            groups[("missing", q["fact_id"])] = {"missing": q["fact_id"], "spans": [], "facts": [q]}
            continue
        key = (q["report_id"], q["sentence_no"]) if q.get("sentence") is not None else ("fact", q["fact_id"])
        group = groups.setdefault(key, {"missing": None, "spans": [], "facts": [], "quote": q,
                                        "text": q.get("sentence") if key[0] != "fact" else q["raw"],
                                        "start": q.get("sentence_start") if key[0] != "fact" else q["char_start"]})
        group["facts"].append(q)
        group["spans"].append((q["char_start"], q["char_end"], role))
    return list(groups.values())


def split_marked(text: str, start: int, spans: list[tuple[int, int, str]], context: int = CONTEXT) -> list[tuple[str, str | None]]:
    """Cut a sentence into (piece, role) parts, role None outside the facts' spans.

    Overlapping spans are merged into the first; stretches of more than `context` characters
    away from any number are shortened with '…' so a 900-character sentence stays readable.

    >>> split_marked("Thu ngân sách đạt 201,922/260 tỷ đồng bằng 77,66% dự toán.", 100, [(118, 157, "claim")])
    [('Thu ngân sách đạt ', None), ('201,922/260 tỷ đồng bằng 77,66% dự toán', 'claim'), ('.', None)]
    """
    parts: list[tuple[str, str | None]] = []
    cursor = 0
    for a, b, role in sorted(spans):
        a, b = max(a - start, cursor), min(b - start, len(text))
        if b <= a:
            continue
        parts.append((text[cursor:a], None))
        parts.append((text[a:b], role))
        cursor = b
    if not any(role for _, role in parts):
        return [(shorten(text, context, "middle"), None)]
    parts.append((text[cursor:], None))
    last = len(parts) - 1
    return [(shorten(piece, context, "head" if i == 0 else "tail" if i == last else "middle") if role is None
             else piece, role) for i, (piece, role) in enumerate(parts) if piece]


def shorten(piece: str, context: int, where: str) -> str:
    """Keep the end of the leading stretch, the start of the trailing one, both ends of a middle one."""
    if len(piece) <= 2 * context:
        return piece
    if where == "head":
        return "…" + piece[-context:]
    if where == "tail":
        return piece[:context] + "…"
    return piece[:context] + " … " + piece[-context:]


def place_line(page, line) -> str:
    """'trang 1, dòng 267', leaving out what is unknown."""
    return ", ".join(p for p in (f"trang {page}" if page is not None else "",
                                 f"dòng {line}" if line is not None else "") if p)


def locate_quote(group: dict, check: dict) -> str:
    """'A > VII > 1 · trang 1, dòng 267 · chú thích 6', plus the report when it is another one."""
    q = group["quote"]
    where = [q.get("section") or "", place_line(q.get("page"), q.get("line")),
             f"chú thích {q['footnote']}" if q.get("footnote") is not None else "",
             f"báo cáo {q['report_id']}" if q.get("report_id") != check["report_id"] else ""]
    return " · ".join(w for w in where if w)


def locate_check(c: dict) -> str:
    """Section path (of the printed claim), page and line of a check."""
    claim = next((q for q in c.get("quotes") or [] if q.get("raw") is not None), {})
    where = [claim.get("section") or "", place_line(c.get("page"), c.get("line"))]
    return " · ".join(w for w in where if w)


# ---------------------------------------------------------------- Markdown

MD_SPECIAL = re.compile(r"([\\`*_\[\]<|~])")


def escape_md(text) -> str:
    r"""Backslash-escape the Markdown punctuation (and '<', which opens HTML) so report text stays text.

    >>> escape_md("<script>*x*</script>  A > I")
    '\\<script>\\*x\\*\\</script> A > I'
    """
    return MD_SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", str(text or "")))


def code_md(text) -> str:
    """An inline code span whose fence is longer than any backtick run inside (nothing is escaped in it).

    >>> code_md("raw_reports/a.txt"), code_md("a`b")
    ('`raw_reports/a.txt`', '`` a`b ``')
    """
    text = re.sub(r"\s+", " ", str(text or ""))
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render_markdown(data: dict) -> str:
    """The report for e-mail: summary, a table by check type, checks needing a reader with quotes."""
    lines = [f"# Kiểm tra số liệu: {escape_md(data['title'] or data['report_id'])}", "",
             f"- Tệp: {code_md(data['source_path'])} · mã báo cáo {code_md(data['report_id'])}",
             f"- Số liệu trích được: {data['facts']} · nhận định đã kiểm tra: {data['checked']}/{data['claims']}"
             + (f" (độ phủ {data['coverage']:.0%})" if data["coverage"] is not None else ""),
             "- Theo trạng thái: " + " · ".join(f"{name_status(s)} {n}" for s, n in data["by_status"].items()),
             "", *render_markdown_types(data), ""]
    statuses = sorted(data["by_status"], key=lambda s: (s in SETTLED, STATUS_RANK.get(s, 2), s))
    for status in statuses:
        rows = [c for c in data["checks"] if c["status"] == status]
        if rows:
            lines += [f"## {name_status(status)} ({len(rows)})", ""]
            render = (render_markdown_line if status in SETTLED
                      else functools.partial(render_markdown_check, titles=data["titles"]))
            lines += [line for c in rows for line in render(c)] + [""]
    return "\n".join(lines)


def render_markdown_types(data: dict) -> list[str]:
    statuses = list(data["by_status"])
    head = "| Loại kiểm tra | " + " | ".join(name_status(s) for s in statuses) + " | Tổng |"
    rule = "|---|" + "---:|" * (len(statuses) + 1)
    rows = [f"| {escape_md(name_type(t, data['titles']))} | " + " | ".join(str(counts[s]) for s in statuses)
            + f" | {sum(counts.values())} |" for t, counts in data["by_type"].items()]
    return [head, rule, *rows] if rows else []


def render_markdown_check(c: dict, titles: dict[str, str]) -> list[str]:
    """A check needing a reader: what, where, printed vs recomputed with intervals, and its quotes."""
    flags = " **[đổi kết luận]**" if c.get("decision") else ""
    printed = f"in: {format_number(c.get('reported'), 4)} {format_interval(c.get('reported_low'), c.get('reported_high'))}"
    computed = f"tính lại: {format_number(c.get('computed'))} {format_interval(c.get('computed_low'), c.get('computed_high'))}"
    numbers = f"{printed.rstrip()}; {computed.rstrip()}; mã {escape_md(c.get('rule_id') or '—')}"
    lines = [f"- **{escape_md(name_type(c['check_type'], titles))}**{flags} {escape_md(locate_check(c))} — "
             f"{escape_md(c.get('message'))} ({numbers})"]
    for group in group_quotes(c):
        if group["missing"]:
            lines.append(f"  - (số liệu {escape_md(group['missing'])} không còn trong kho)")
            continue
        quote = "".join(f"**{escape_md(piece)}**" if role else escape_md(piece)
                        for piece, role in split_marked(group["text"], group["start"], group["spans"]))
        lines.append(f"  - «{quote}» — {escape_md(locate_quote(group, c))}")
    return lines


def render_markdown_line(c: dict) -> list[str]:
    """A settled check on one line: where, the printed figure and the message."""
    raw = next((q["raw"] for q in c.get("quotes") or [] if q.get("raw")), "")
    return [f"- {escape_md(place_line(c.get('page'), c.get('line')))} «{escape_md(raw)}» — {escape_md(c.get('message'))}"]


# ---------------------------------------------------------------- CSV

CSV_FIELDS = ["check_id", "report_id", "check_type", "check_type_vi", "status", "status_vi", "severity",
              "decision", "reported", "reported_low", "reported_high", "computed", "computed_low",
              "computed_high", "difference", "page", "line", "section", "message", "rule_id", "fact_ids",
              "quote", "sentence"]
NUMBER_FIELDS = {"reported", "reported_low", "reported_high", "computed", "computed_low", "computed_high",
                 "difference", "page", "line"}


def write_csv(data: dict, path: Path) -> None:
    """One row per check, UTF-8 with a BOM so Excel shows the Vietnamese; text cells defused."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_FIELDS)
        writer.writerows(csv_row(c, data["titles"]) for c in data["checks"])


def csv_row(c: dict, titles: dict[str, str]) -> list:
    """A check's cells in CSV_FIELDS order."""
    quotes = [q for q in c.get("quotes") or [] if q.get("raw") is not None]
    derived = {"check_type_vi": name_type(c["check_type"], titles), "status_vi": name_status(c["status"]),
               "section": quotes[0].get("section") if quotes else None,
               "fact_ids": " ".join(c.get("fact_ids") or []),
               "quote": " | ".join(q["raw"] for q in quotes),
               "sentence": " ".join((quotes[0].get("sentence") or "").split()) if quotes else None}
    row = []
    for field in CSV_FIELDS:
        value = derived[field] if field in derived else c.get(field)
        row.append(round_cell(value) if field in NUMBER_FIELDS else defuse_cell(value))
    return row


def round_cell(x):
    return round(x, 6) if isinstance(x, float) and not math.isnan(x) else x


def defuse_cell(value):
    """Prefix text a spreadsheet would run as a formula ('=', '+', '-', '@') with an apostrophe.

    >>> defuse_cell("=HYPERLINK(\\"http://x\\")"), defuse_cell("-5%"), defuse_cell("Khớp")
    ('\\'=HYPERLINK("http://x")', "'-5%", 'Khớp')
    """
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


# ---------------------------------------------------------------- HTML

def esc(value) -> str:
    """HTML-escape any value, quotes included, so it is safe in text and in attribute values."""
    return html.escape("" if value is None else str(value), quote=True)


def render_html(data: dict) -> str:
    """One self-contained page (inline CSS and JS, no network): summary, tools, checks needing a reader
    first, the settled ones folded below."""
    title = data["title"] or data["report_id"]
    urgent = [c for c in data["checks"] if c["status"] not in SETTLED]
    settled = [c for c in data["checks"] if c["status"] in SETTLED]
    settled_label = " và ".join(f"{name_status(s).lower()} ({data['by_status'][s]})" for s in SETTLED)
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Kiểm tra số liệu — {esc(title)}</title><link rel="icon" href="data:,"><style>{CSS}</style></head>
<body data-report="{esc(data['report_id'])}">
<header class="top"><h1>Kiểm tra số liệu: {esc(title)}</h1>
<p class="meta">{render_meta(data)}</p></header>
{render_summary(data)}
{render_toolbar(data)}
<main>
<section id="urgent"><h2>Cần xem <span class="count" data-shown-in="urgent">{len(urgent)}</span>/{len(urgent)}</h2>
{"".join(render_check(c, i, data["titles"]) for i, c in enumerate(urgent, 1)) or '<p class="none">Không có số liệu nào lệch.</p>'}
<p class="empty" hidden>Không có mục nào khớp bộ lọc.</p></section>
<details id="settled"><summary>Các mục còn lại: {esc(settled_label)} — đang hiện
<span class="count" data-shown-in="settled">{len(settled)}</span>/{len(settled)}</summary>
{"".join(render_check(c, i, data["titles"]) for i, c in enumerate(settled, len(urgent) + 1))}
<p class="empty" hidden>Không có mục nào khớp bộ lọc.</p></details>
</main>
<footer class="foot">solieu · phiên bản quy tắc {esc(data.get('rules_version'))} · mỗi trích dẫn trỏ về trang và dòng của tệp gốc</footer>
<script>{SCRIPT}</script>
</body></html>
"""


def render_meta(data: dict) -> str:
    parts = [f"Tệp <code>{esc(data['source_path'])}</code>", f"mã báo cáo <code>{esc(data['report_id'])}</code>"]
    place = " ".join(str(x) for x in (data.get("locality"), data.get("period"), data.get("year")) if x)
    if place:
        parts.append(esc(place))
    if data.get("ingested_at"):
        parts.append(f"nạp lúc {esc(str(data['ingested_at'])[:16])} UTC")
    return " · ".join(parts)


def render_summary(data: dict) -> str:
    """Cards (facts, coverage, each status) and a check type × status table; counts in data-* too."""
    coverage = f"{data['coverage']:.0%}" if data["coverage"] is not None else "—"
    cards = "".join(f'<div class="card {esc(s)}" data-count-status="{esc(s)}" data-count="{n}"><b>{n}</b>'
                    f'{esc(name_status(s))}</div>' for s, n in data["by_status"].items())
    statuses = list(data["by_status"])
    rows = "".join(
        f'<tr data-count-type="{esc(t)}" data-count="{sum(counts.values())}"><th>{esc(name_type(t, data["titles"]))}</th>'
        + "".join(f'<td data-status="{esc(s)}">{counts[s]}</td>' for s in statuses)
        + f"<td>{sum(counts.values())}</td></tr>" for t, counts in data["by_type"].items())
    return f"""<section class="summary">
<div class="card" id="n-facts" data-count="{data['facts']}"><b>{data['facts']}</b>số liệu trích được</div>
<div class="card" id="n-checked" data-checked="{data['checked']}" data-claims="{data['claims']}">
<b>{data['checked']}/{data['claims']}</b>nhận định đã kiểm tra (độ phủ {coverage})</div>
{cards}</section>
<table class="types"><thead><tr><th>Loại kiểm tra</th>{"".join(f"<th>{esc(name_status(s))}</th>" for s in statuses)}
<th>Tổng</th></tr></thead><tbody>{rows}</tbody></table>"""


def render_toolbar(data: dict) -> str:
    """Search, filters by type and status, 'hide reviewed', and the counters; all client-side."""
    types = "".join(f'<label><input type="checkbox" class="f-type" value="{esc(t)}" checked> {esc(name_type(t, data["titles"]))}'
                    f' <small>({sum(counts.values())})</small></label>' for t, counts in data["by_type"].items())
    statuses = "".join(f'<label><input type="checkbox" class="f-status" value="{esc(s)}" checked> '
                       f'{esc(name_status(s))} <small>({n})</small></label>' for s, n in data["by_status"].items())
    return f"""<div class="toolbar" role="search">
<input type="search" id="search" placeholder="Tìm trong nội dung, trích dẫn, mục… (không cần dấu)" aria-label="Tìm kiếm">
<div class="filters"><span class="group">Loại:</span> {types}</div>
<div class="filters"><span class="group">Trạng thái:</span> {statuses}
<label><input type="checkbox" id="hide-reviewed"> ẩn mục đã xem</label></div>
<div class="counters"><span class="legend"><mark class="claim">số in được kiểm tra</mark>
<mark class="basis">số dùng để tính lại</mark></span> Đang hiện <b id="shown">{len(data['checks'])}</b>/{len(data['checks'])} mục ·
Đã xem <b id="reviewed">0</b>/<span id="to-review">{data['to_review']}</span> mục cần xem
<progress id="progress" max="{data['to_review']}" value="0"></progress>
<span id="storage-note" hidden>(trình duyệt không cho lưu: dấu “đã xem” sẽ mất khi tải lại trang)</span></div>
</div>"""


def render_check(c: dict, number: int, titles: dict[str, str]) -> str:
    """One check: badges, where, message, printed vs recomputed with intervals, codes, quotes."""
    badges = [f'<span class="badge st-{esc(c["status"])}">{esc(name_status(c["status"]))}</span>',
              f'<span class="badge">{esc(name_type(c["check_type"], titles))}</span>']
    if c.get("decision"):
        badges.append('<span class="badge decision" title="Sai số làm đổi kết luận (đạt/không đạt, tăng/giảm)">đổi kết luận</span>')
    if c.get("severity") and c["status"] not in SETTLED:
        badges.append(f'<span class="badge sev">{esc(SEVERITY_VI.get(c["severity"], c["severity"]))}</span>')
    quotes = "".join(render_quote(g, c) for g in group_quotes(c))
    return f"""<article class="check st-{esc(c['status'])}" id="c{number}" data-id="{esc(c['check_id'])}" \
data-type="{esc(c['check_type'])}" data-status="{esc(c['status'])}">
<div class="head"><label class="seen-box"><input type="checkbox" class="seen"> đã xem</label>
{"".join(badges)} <span class="where">{esc(locate_check(c))}</span> <a class="anchor" href="#c{number}" title="Liên kết tới mục này">#</a></div>
<p class="message search-text">{esc(c.get('message'))}</p>
{render_numbers(c)}
{quotes}</article>
"""


def render_numbers(c: dict) -> str:
    """Printed vs recomputed, each with the interval it may have been rounded from when known."""
    cells = [("Số in", format_number(c.get("reported"), 4), format_interval(c.get("reported_low"), c.get("reported_high"))),
             ("Tính lại", format_number(c.get("computed")), format_interval(c.get("computed_low"), c.get("computed_high")))]
    if c.get("difference") is not None:
        cells.append(("Chênh lệch", format_signed(c["difference"]), ""))
    cells.append(("Mã kiểm tra", c.get("rule_id") or "—", ""))
    return '<dl class="nums">' + "".join(
        f'<div><dt>{esc(name)}</dt><dd><b>{esc(value)}</b>'
        + (f' <span class="interval" title="khoảng làm tròn">{esc(interval)}</span>' if interval else "")
        + "</dd></div>" for name, value, interval in cells) + "</dl>"


def render_quote(group: dict, c: dict) -> str:
    """A cited sentence with each cited number highlighted (the claim and the numbers behind it)."""
    if group["missing"]:
        return f'<blockquote class="quote missing">Số liệu {esc(group["missing"])} không còn trong kho.</blockquote>'
    body = "".join(f'<mark class="{role}" title="{"số in" if role == "claim" else "số dùng để tính"}">{esc(piece)}</mark>'
                   if role else esc(piece)
                   for piece, role in split_marked(group["text"], group["start"], group["spans"]))
    rules = ", ".join(f'{q["rule_id"]} [{q["char_start"]}:{q["char_end"]}]' for q in group["facts"])
    return (f'<blockquote class="quote"><span class="search-text">{body}</span>'
            f'<footer class="where search-text">{esc(locate_quote(group, c))} · <small>{esc(rules)}</small></footer></blockquote>')


CSS = """
:root{--bad:#b00020;--minor:#a35f00;--good:#1b7f3b;--muted:#5f6368;--line:#d9d9de}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0 auto;max-width:1100px;padding:1rem 1.5rem 3rem;color:#1d1d1f;line-height:1.5}
h1{font-size:1.25rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.4rem 0 .4rem}.meta{color:var(--muted);font-size:.9rem;margin:.2rem 0}
.summary{display:flex;flex-wrap:wrap;gap:.6rem;margin:1rem 0}
.card{border:1px solid var(--line);border-radius:8px;padding:.35rem .7rem;min-width:6.5rem;font-size:.85rem}
.card b{display:block;font-size:1.25rem}.card.mismatch b{color:var(--bad)}.card.minor b{color:var(--minor)}.card.ok b{color:var(--good)}.card.unverifiable b{color:var(--muted)}
table.types{border-collapse:collapse;font-size:.88rem;margin-bottom:.8rem}
table.types td,table.types th{border:1px solid var(--line);padding:.2rem .55rem;text-align:right}table.types th:first-child{text-align:left}
.toolbar{position:sticky;top:0;background:#fff;padding:.6rem 0;border-bottom:1px solid var(--line);z-index:2;font-size:.9rem}
#search{width:100%;font-size:1rem;padding:.35rem .6rem;border:1px solid #bbb;border-radius:6px;margin-bottom:.35rem}
.filters label{margin-right:.8rem;white-space:nowrap}.group{font-weight:600;margin-right:.3rem}.counters{margin-top:.2rem}
progress{vertical-align:middle;width:8rem}#storage-note{color:var(--minor)}
.check{border:1px solid var(--line);border-left:6px solid #999;border-radius:6px;padding:.55rem .8rem;margin:.6rem 0;background:#fff}
.check.st-mismatch{border-left-color:var(--bad)}.check.st-minor{border-left-color:#e39400}.check.st-ok{border-left-color:var(--good)}
.check.is-reviewed{opacity:.6}.check.hidden{display:none!important}.check:target{box-shadow:0 0 0 3px #8ab4f8}
.head{display:flex;flex-wrap:wrap;align-items:center;gap:.3rem}.where{color:var(--muted);font-size:.82rem}
.seen-box{font-size:.85rem;margin-right:.4rem;white-space:nowrap;cursor:pointer}.anchor{margin-left:auto;color:#999;text-decoration:none}
.badge{display:inline-block;border-radius:4px;padding:0 .4rem;font-size:.8rem;background:#eee}
.badge.st-mismatch{background:var(--bad);color:#fff}.badge.st-minor{background:#ffe0a3}.badge.st-ok{background:#d7f0de}
.badge.decision{background:#6d0015;color:#fff;font-weight:600}.badge.sev{background:#f3f3f3;color:var(--muted)}
.message{margin:.35rem 0}
dl.nums{display:flex;flex-wrap:wrap;gap:.2rem 1.4rem;margin:.2rem 0 .4rem;font-size:.9rem}dl.nums div{display:flex;gap:.35rem}
dt{color:var(--muted)}dd{margin:0}.interval{color:var(--muted);font-size:.85em}
blockquote{margin:.35rem 0 .35rem .3rem;padding:.1rem 0 .1rem .7rem;border-left:3px solid #ccc}
blockquote footer{font-size:.8rem}.missing{color:var(--muted)}
mark{padding:0 .12rem;border-radius:2px}mark.claim{background:#ffe066}mark.basis{background:#c6e2ff}
details#settled>summary{cursor:pointer;font-weight:600;font-size:1.05rem;margin:1.4rem 0 .4rem}
.empty,.none{color:var(--muted)}.legend{float:right;font-size:.8rem}.foot{margin-top:2rem;color:var(--muted);font-size:.8rem}
@media print{.toolbar{position:static}.anchor,.seen-box{display:none}}
"""

# Plain ES5 so the page works from an e-mail attachment in an old browser. localStorage may be
# missing or throw (file:// pages, private windows): the reviewed marks then live in memory.
SCRIPT = """
(function(){
  'use strict';
  var reportId=document.body.getAttribute('data-report')||'';
  var checks=[].slice.call(document.querySelectorAll('.check'));
  var search=document.getElementById('search');
  var hideReviewed=document.getElementById('hide-reviewed');
  var settled=document.getElementById('settled');
  var store=openStore(), memory={};
  function openStore(){
    try{var s=window.localStorage,k='solieu:probe';s.setItem(k,'1');s.removeItem(k);return s;}catch(e){return null;}
  }
  function keyFor(el){return 'solieu:reviewed:'+reportId+':'+el.getAttribute('data-id');}
  function readReviewed(el){
    var k=keyFor(el);
    if(store){try{return store.getItem(k)==='1';}catch(e){}}
    return memory[k]===true;
  }
  function writeReviewed(el,on){
    var k=keyFor(el);memory[k]=on;
    if(store){try{if(on){store.setItem(k,'1');}else{store.removeItem(k);}return;}catch(e){}}
    document.getElementById('storage-note').hidden=false;
  }
  function fold(s){
    s=(s||'').toLowerCase();
    if(s.normalize){s=s.normalize('NFD').replace(/[\\u0300-\\u036f]/g,'');}
    return s.replace(/\\u0111/g,'d').replace(/\\s+/g,' ');
  }
  function values(cls){
    return [].slice.call(document.querySelectorAll('input.'+cls)).filter(function(i){return i.checked;}).map(function(i){return i.value;});
  }
  checks.forEach(function(el){
    el.searchText=fold([].slice.call(el.querySelectorAll('.search-text')).map(function(n){return n.textContent;}).join(' '));
    var box=el.querySelector('input.seen');
    box.checked=readReviewed(el);
    el.classList.toggle('is-reviewed',box.checked);
    box.addEventListener('change',function(){writeReviewed(el,box.checked);el.classList.toggle('is-reviewed',box.checked);apply();});
  });
  function apply(){
    var types=values('f-type'),statuses=values('f-status');
    var terms=fold(search.value).split(' ').filter(function(t){return t;});
    var shown=0,reviewed=0,perSection={};
    checks.forEach(function(el){
      var seen=el.querySelector('input.seen').checked;
      var section=el.parentNode.id;
      if(section==='urgent'&&seen){reviewed++;}
      var on=types.indexOf(el.getAttribute('data-type'))>=0&&statuses.indexOf(el.getAttribute('data-status'))>=0
        &&terms.every(function(t){return el.searchText.indexOf(t)>=0;})&&!(hideReviewed.checked&&seen);
      el.classList.toggle('hidden',!on);
      if(on){shown++;perSection[section]=(perSection[section]||0)+1;}
    });
    [].slice.call(document.querySelectorAll('[data-shown-in]')).forEach(function(n){
      var id=n.getAttribute('data-shown-in'),count=perSection[id]||0;
      n.textContent=count;
      var empty=document.querySelector('#'+id+' > .empty');
      if(empty){empty.hidden=count>0||!document.querySelector('#'+id+' .check');}
    });
    if(terms.length&&perSection.settled){settled.open=true;}
    document.getElementById('shown').textContent=shown;
    document.getElementById('reviewed').textContent=reviewed;
    document.getElementById('progress').value=reviewed;
  }
  [].slice.call(document.querySelectorAll('.toolbar input[type=checkbox]')).forEach(function(i){i.addEventListener('change',apply);});
  search.addEventListener('input',apply);
  apply();
})();
"""


# ---------------------------------------------------------------- files

def write_reports(con: duckdb.DuckDBPyConnection, report_id: str, out_dir: Path, data: dict | None = None) -> dict[str, Path]:
    """Write <report_id>.html, .md and .csv into out_dir; return their paths (`data`: its report_data, if read).

    Each file is written under a temporary name and renamed into place, so a crash or a full disk
    never leaves half a report; the HTML comes last, so where it exists all three are complete
    (ingest rewrites the reports of an already ingested file whose HTML is missing)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = data or report_data(con, report_id)
    paths = {"html": out_dir / f"{report_id}.html", "md": out_dir / f"{report_id}.md", "csv": out_dir / f"{report_id}.csv"}
    write_into_place(paths["md"], lambda p: p.write_text(render_markdown(data), encoding="utf-8"))
    write_into_place(paths["csv"], lambda p: write_csv(data, p))
    write_into_place(paths["html"], lambda p: p.write_text(render_html(data), encoding="utf-8"))
    return paths


def write_into_place(path: Path, write) -> None:
    """Call write(temporary path), then rename the result to `path`; no partial file is left behind."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def report_dir_for(warehouse: Path) -> Path:
    """Reports sit beside the warehouse file: warehouse/reports/ for warehouse/warehouse.duckdb."""
    return Path(warehouse).resolve().parent / "reports"
