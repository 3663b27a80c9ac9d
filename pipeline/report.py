"""The consistency report: one self-contained HTML page, a Markdown version and a CSV of checks.

All three are rendered from `report_data`, which reads the warehouse in five queries — the
report, its checks with the reviewers' decisions, the facts they quote (with the table rows and
headers of annex figures), the sentences those come from, the data problems — never one query per
check.
Report text is untrusted input (a report may contain "<script>"), so every string is escaped for
the format it lands in: the HTML page is a Jinja2 template of pipeline/templates/ with autoescaping
on, its stylesheet and script inlined from the same folder.
"""
from __future__ import annotations

import csv
import functools
import os
import math
import re
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import jinja2
from markupsafe import Markup

from pipeline.vietnamese import (REVIEWS, REVIEWS_EXPLAINED, computed_label, describe_state, explain_check,
                                 explain_rule, problem_reason, problem_title, reported_label, translate_flag_in)
from warehouse.checks import UNCERTAIN_REASON, read_checks, type_titles

STATUS_VI = {"mismatch": "Không khớp", "minor": "Lệch nhỏ", "ok": "Khớp", "unverifiable": "Không kiểm tra được"}
SETTLED = ("ok", "unverifiable")            # folded away below the checks that need a reader
SEVERITY_VI = {"error": "lỗi", "warning": "cảnh báo", "info": "thông tin"}
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
STATUS_RANK = {"mismatch": 0, "minor": 1}
CONTEXT = 160                               # characters kept on each side of a highlighted number

REPORT_QUERY = """
select r.report_id, r.title, r.source_path, r.locality, r.year, r.period, r.ingested_at, r.rules_version,
       r.sha256, (select count(*) from facts f where f.report_id = r.report_id) as facts
from reports r where r.report_id in (select unnest($report_ids::varchar[]))
"""
# Each check with the reviewer's decision in force on its claim (v_reviews: the latest decision of the
# claim key, beside the check that tests the claim now).
CHECK_QUERY = """
select c.*, d.review, d.note as review_note, d.reviewed_by, d.reviewed_at, d.state as review_state
from checks c
left join (select * from v_reviews
           where report_id in (select unnest($report_ids::varchar[])) and check_id is not null) d on d.check_id = c.check_id
where c.report_id in (select unnest($report_ids::varchar[]))
"""
# A warehouse made before review decisions, opened read-only (`make report` before any ingest): its
# views are those of its version until a writer opens it.
CHECK_QUERY_BEFORE_REVIEWS = """
select c.*, null::varchar as review, null::varchar as review_note,
       null::varchar as reviewed_by, null::timestamp as reviewed_at, null::varchar as review_state
from checks c where c.report_id in (select unnest($report_ids::varchar[]))
"""
# One row per cited fact, joined by key (a fact of another report can be cited by a cross-report
# check, so facts are joined on fact_id alone) and grouped into each check's quotes in Python:
# folding them into a list of structs in DuckDB took longer than the rest of the query, and so did
# turning those structs into dicts. Facts and sentences are narrowed to the cited ones first: joined
# whole, the sentences of the whole warehouse were hashed for every batch. A fact read from a table
# row comes with the row's cells and the table's header rows above it.
QUOTE_QUERY_TEMPLATE = """
with cited as (
    select c.check_id, unnest(c.fact_ids) as fact_id, generate_subscripts(c.fact_ids, 1) as ordinal
    from checks c where c.report_id in (select unnest($report_ids::varchar[]))
),
cited_facts as (select * from facts where fact_id in (select fact_id from cited)),
cited_rows as (
    select f.fact_id, t.report_id, t.table_no, t.row_no, t.cells, t.header, t.char_start as row_start,
           t.char_end as row_end
    from cited_facts f join table_rows t
      on t.report_id = f.report_id and f.char_start >= t.char_start and f.char_start < t.char_end
    qualify row_number() over (partition by f.fact_id order by t.char_start desc) = 1
),
row_headers as (
    select r.fact_id, list(h.cells order by h.row_no) as headers
    from cited_rows r join table_rows h
      on h.report_id = r.report_id and h.table_no = r.table_no and h.header and h.row_no < r.row_no
    group by r.fact_id
)
select q.check_id, q.ordinal, q.fact_id, f.report_id, f.raw, f.page, f.line, f.char_start, f.char_end,
       f.rule_id, f.flag, f.sentence_no, s.char_start as sentence_start, coalesce(s.section, f.section) as section,
       s.footnote, r.cells as row_cells, r.header as row_is_header, r.row_start, r.row_end, h.headers as row_headers,
       {ocr_columns}
from cited q
left join cited_facts f on f.fact_id = q.fact_id
left join (select report_id, sentence_no, char_start, section, footnote from sentences
           where report_id in (select report_id from cited_facts)) s
       on s.report_id = f.report_id and s.sentence_no = f.sentence_no
left join cited_rows r on r.fact_id = q.fact_id
left join row_headers h on h.fact_id = q.fact_id
"""
# where a number read by OCR is printed on the scan (facts.ocr_page, ocr_box), for its image
QUOTE_QUERY = QUOTE_QUERY_TEMPLATE.format(ocr_columns="f.ocr_page, f.ocr_box")
QUOTE_QUERY_BEFORE_OCR = QUOTE_QUERY_TEMPLATE.format(ocr_columns="null as ocr_page, null as ocr_box")
# The sentences' texts come once each: copied into every quote, a sentence cited by many checks was
# copied many times, and DuckDB needed hundreds of MB for a report of long sentences.
SENTENCE_QUERY = """
select distinct s.report_id, s.sentence_no, s.text
from (select unnest(fact_ids) as fact_id from checks where report_id in (select unnest($report_ids::varchar[]))) c
join facts f using (fact_id)
join sentences s on s.report_id = f.report_id and s.sentence_no = f.sentence_no
"""
# The data problems met while reading (malformed numbers ...), each with the sentence it sits in.
PROBLEM_QUERY = """
with numbered as (
    select *, row_number() over (order by report_id, char_start nulls last, code, message) as problem_no
    from problems where report_id in (select unnest($report_ids::varchar[]))
)
select p.report_id, p.problem_no, p.code, p.message, p.char_start, p.char_end, p.page, p.line,
       s.text as sentence, s.char_start as sentence_start, s.section, s.footnote
from numbered p
left join (select * from sentences where report_id in (select unnest($report_ids::varchar[]))) s
       on s.report_id = p.report_id and p.char_start >= s.char_start and p.char_start < s.char_end
qualify row_number() over (partition by p.problem_no order by s.char_start) = 1
order by p.problem_no
"""


# ---------------------------------------------------------------- data

def report_data(con: duckdb.DuckDBPyConnection, report_id: str, titles: dict[str, str] | None = None) -> dict:
    """Summary, check rows (with their quotes and decisions) and data problems of one report, most
    serious check first."""
    return reports_data(con, [report_id], titles)[report_id]


def reports_data(con: duckdb.DuckDBPyConnection, report_ids: list[str],
                 titles: dict[str, str] | None = None) -> dict[str, dict]:
    """`report_data` of several reports with the same five queries (an ingest's batch): id -> data.

    `titles`: the check types' titles in report order (default: the check files', see check_titles).
    A report id that is not in the warehouse raises KeyError."""
    params = {"report_ids": list(report_ids)}
    cur = con.execute(REPORT_QUERY, params)
    names = [d[0] for d in cur.description]
    found = {row[0]: dict(zip(names, row)) for row in cur.fetchall()}
    missing = [r for r in report_ids if r not in found]
    if missing:
        raise KeyError(missing[0])
    texts = {(r, n): text for r, n, text in con.execute(SENTENCE_QUERY, params).fetchall()}
    try:
        cur = con.execute(QUOTE_QUERY, params)
    except duckdb.BinderException:   # a warehouse made before OCR, opened read-only
        cur = con.execute(QUOTE_QUERY_BEFORE_OCR, params)
    names = [d[0] for d in cur.description][1:]
    quotes: dict[str, list] = {}
    for check_id, *row in cur.fetchall():
        quote = dict(zip(names, row))
        quote["sentence"] = texts.get((quote["report_id"], quote["sentence_no"]))
        quotes.setdefault(check_id, []).append(quote)
    try:
        cur = con.execute(CHECK_QUERY, params)
    except duckdb.CatalogException:
        cur = con.execute(CHECK_QUERY_BEFORE_REVIEWS, params)
    names = [d[0] for d in cur.description]
    checks: dict[str, list] = {report_id: [] for report_id in found}
    for row in cur.fetchall():
        check = dict(zip(names, row))
        check["quotes"] = sorted(quotes.get(check["check_id"], []), key=lambda quote: quote["ordinal"])
        if needs_the_scan(check):
            for quote in check["quotes"]:
                quote["scan"] = (quote["ocr_page"], tuple(quote["ocr_box"])) if quote["ocr_box"] else None
        checks[check["report_id"]].append(check)
    cur = con.execute(PROBLEM_QUERY, params)
    names = [d[0] for d in cur.description]
    problems: dict[str, list] = {report_id: [] for report_id in found}
    for row in cur.fetchall():
        problem = dict(zip(names, row))
        problems[problem["report_id"]].append(problem)
    for report_id, info in found.items():
        ranked = sorted(checks[report_id], key=rank_check)
        info.update(checks=ranked, problems=problems[report_id], **count_checks(ranked, titles))
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
    """Counts by status and by check type, coverage, decisions, and the types' titles.

    Coverage is v_coverage's: a claim is a printed figure the checks looked at (the first fact of a
    check), counted once however many checks tested it, and checked when any of them could
    recompute it; the percent has one decimal, rounded half away from zero as DuckDB's round()."""
    titles = check_titles() if titles is None else titles
    statuses = list(STATUS_VI) + sorted({c["status"] for c in checks} - set(STATUS_VI))
    by_status = {s: sum(c["status"] == s for c in checks) for s in statuses}
    by_type = {t: {s: 0 for s in statuses} for t in order_types({c["check_type"] for c in checks}, titles)}
    for c in checks:
        by_type[c["check_type"]][c["status"]] += 1
    seen: dict = {}
    for c in checks:
        claim = (c.get("fact_ids") or [None])[0]
        seen[claim] = seen.get(claim, False) or c["status"] != "unverifiable"
    claims, checked = len(seen), sum(seen.values())
    flagged = [c for c in checks if c["status"] not in SETTLED]
    reviews = {r: sum(c.get("review") == r for c in flagged) for r in REVIEWS}
    return {"by_status": by_status, "by_type": by_type, "claims": claims, "checked": checked,
            "coverage": checked / claims if claims else None,
            "coverage_percent": percent_of(checked, claims),
            "to_review": len(flagged), "reviewed": sum(reviews.values()), "by_review": reviews,
            "fixed": sum(c.get("review_state") == "fixed" for c in checks), "titles": titles}


def percent_of(part: int, whole: int) -> float | None:
    """100 · part / whole to one decimal, rounded half up as DuckDB's round() in v_coverage; None of 0.

    >>> percent_of(118, 134), percent_of(1, 8), percent_of(0, 0)
    (88.1, 12.5, None)
    """
    return math.floor(1000 * part / whole + 0.5) / 10 if whole else None


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


def needs_the_scan(check: dict) -> bool:
    """A flag, or a check left open because a number read from the image was unsure: the reviewer
    compares the printed number with what was read."""
    return check["status"] in ("mismatch", "minor") or UNCERTAIN_REASON in (check.get("message") or "")


def scan_image(source_path: str | None, place: tuple | None) -> str | None:
    """The printed number as a PNG data URI, cut from the scanned page (None when the file is gone)."""
    if not source_path or place is None:
        return None
    import base64
    import io
    from extract.reading.ocr import crop_box
    image = crop_box(source_path, place[0], place[1])
    if image is None:
        return None
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def group_quotes(c: dict) -> list[dict]:
    """Cited facts grouped by the sentence they sit in, so a sentence citing two facts shows once.

    Each group keeps its facts' spans; the first fact of a check is the printed claim ("claim"),
    the others the numbers it was checked against ("basis"). A group whose sentence is a table row
    carries the row (its cells, each with the role of the facts in it, and the table's headers).
    """
    groups: dict[tuple, dict] = {}
    for q in c.get("quotes") or []:
        role = "claim" if q["ordinal"] == 1 else "basis"
        if q.get("raw") is None:
            groups[("missing", q["fact_id"])] = {"missing": q["fact_id"], "spans": [], "facts": [q], "row": None}
            continue
        key = (q["report_id"], q["sentence_no"]) if q.get("sentence") is not None else ("fact", q["fact_id"])
        group = groups.setdefault(key, {"missing": None, "spans": [], "facts": [], "quote": q, "row": None,
                                        "text": q.get("sentence") if key[0] != "fact" else q["raw"],
                                        "start": q.get("sentence_start") if key[0] != "fact" else q["char_start"]})
        group["facts"].append(q)
        group["spans"].append((q["char_start"], q["char_end"], role))
    for group in groups.values():
        q = group.get("quote")
        if q and q.get("row_cells") and not q.get("row_is_header"):
            group["row"] = table_row(q, group["spans"])
    return list(groups.values())


def table_row(q: dict, spans: list[tuple[int, int, str]]) -> dict:
    """A quoted table row: its header rows (repeated ones once) and its cells, each cell with the role
    of a fact printed in it. A fact that spans the whole row (an annex row) marks the row instead.

    >>> row = table_row({"row_cells": ["1", "Lúa", "ha", "9,5"], "row_headers": [["STT", "Chỉ tiêu", "ĐVT", "KH"]],
    ...                  "sentence": "1\\tLúa\\tha\\t9,5", "sentence_start": 100, "row_start": 100, "row_end": 112},
    ...                 [(109, 112, "claim")])
    >>> row["headers"], row["cells"], row["role"]
    ([['STT', 'Chỉ tiêu', 'ĐVT', 'KH']], [('1', None), ('Lúa', None), ('ha', None), ('9,5', 'claim')], None)
    """
    text, start = q.get("sentence") or "", q.get("sentence_start") or q["row_start"]
    row_role, cell_spans = None, []
    for a, b, role in spans:
        if a <= q["row_start"] and b >= q["row_end"] - 1:
            row_role = row_role or role
        else:
            cell_spans.append((a - start, b - start, role))
    cells, cursor = [], 0
    for cell in q["row_cells"]:
        found = text.find(cell, cursor) if cell else -1
        role = None
        if found >= 0:
            end = found + len(cell)
            role = next((r for a, b, r in sorted(cell_spans, key=lambda s: s[2] != "claim")
                         if a < end and b > found), None)
            cursor = end
        cells.append((cell, role))
    headers, seen = [], set()
    for header in q.get("row_headers") or []:
        if tuple(header) not in seen:
            seen.add(tuple(header))
            headers.append(list(header))
    return {"headers": headers, "cells": cells, "role": row_role}


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
    """The report for e-mail: summary, a table by check type, checks needing a reader with quotes,
    the data problems, then the settled checks one line each."""
    lines = [f"# Kiểm tra số liệu: {escape_md(data['title'] or data['report_id'])}", "",
             f"- Tệp: {code_md(data['source_path'])} · mã báo cáo {code_md(data['report_id'])}"
             + (f" · nạp lúc {escape_md(local_time(data['ingested_at']))}" if data.get("ingested_at") else ""),
             f"- Số liệu trích được: {data['facts']} · nhận định đã kiểm tra: {data['checked']}/{data['claims']}"
             + (f" (độ phủ {format_percent(data.get('coverage_percent'))})" if data.get("coverage_percent") is not None else ""),
             "- Theo trạng thái: " + " · ".join(f"{name_status(s)} {n}" for s, n in data["by_status"].items())
             + f" · lỗi dữ liệu {len(data.get('problems') or [])}",
             f"- Đã đánh giá: {data.get('reviewed', 0)}/{data['to_review']}"
             + "".join(f" · {REVIEWS[r]} {n}" for r, n in (data.get("by_review") or {}).items() if n)
             + (f" · đã sửa {data['fixed']}" if data.get("fixed") else ""),
             "", *render_markdown_types(data), ""]
    statuses = sorted(data["by_status"], key=lambda s: (s in SETTLED, STATUS_RANK.get(s, 2), s))
    flagged = [s for s in statuses if s not in SETTLED]
    for status in flagged + ["problems"] + [s for s in statuses if s in SETTLED]:
        if status == "problems":   # between the checks that need a reader and the settled ones
            lines += render_markdown_problems(data.get("problems") or [])
            continue
        rows = [c for c in data["checks"] if c["status"] == status]
        if rows:
            lines += [f"## {name_status(status)} ({len(rows)})", ""]
            render = (render_markdown_line if status in SETTLED
                      else functools.partial(render_markdown_check, titles=data["titles"]))
            lines += [line for c in rows for line in render(c)] + [""]
    lines += ["---", "", "Mã CK…: phép kiểm tra (warehouse/checks/); các số trong ngoặc vuông: khoảng làm tròn của số in.", ""]
    return "\n".join(lines)


def render_markdown_types(data: dict) -> list[str]:
    statuses = list(data["by_status"])
    head = "| Loại kiểm tra | " + " | ".join(name_status(s) for s in statuses) + " | Tổng |"
    rule = "|---|" + "---:|" * (len(statuses) + 1)
    rows = [f"| {escape_md(name_type(t, data['titles']))} | " + " | ".join(str(counts[s]) for s in statuses)
            + f" | {sum(counts.values())} |" for t, counts in data["by_type"].items()]
    return [head, rule, *rows] if rows else []


def render_markdown_check(c: dict, titles: dict[str, str]) -> list[str]:
    """A check needing a reader: what, where, printed vs what it was set against (with intervals), the
    decision stored, and its quotes (a table row with its column headers)."""
    flags = " **[đổi kết luận]**" if c.get("decision") else ""
    claim = next((q for q in c.get("quotes") or [] if q.get("raw") is not None), {})
    cells = [f"{reported_label(c['check_type']).lower().removeprefix('số ')}: {format_number(c.get('reported'), 4)} "
             f"{format_interval(c.get('reported_low'), c.get('reported_high'))}".rstrip()]
    if c.get("computed") is not None:
        cells.append(f"{computed_label(c['check_type']).lower()}: {format_number(c.get('computed'))} "
                     f"{format_interval(c.get('computed_low'), c.get('computed_high'))}".rstrip())
    numbers = "; ".join(cells + [f"mã {escape_md(c.get('rule_id') or '—')}"])
    lines = [f"- **{escape_md(name_type(c['check_type'], titles))}**{flags} {escape_md(locate_check(c))} — "
             f"{escape_md(translate_flag_in(c.get('message'), claim.get('flag')))} ({numbers})"]
    if c.get("review"):
        state = describe_state(c.get("review"), c.get("review_state"))
        lines.append(f"  - Đánh giá: **{REVIEWS.get(c['review'], escape_md(c['review']))}**"
                     + (f" — {escape_md(c['review_note'])}" if c.get("review_note") else "")
                     + (f" · {escape_md(c['reviewed_by'])}" if c.get("reviewed_by") else "")
                     + f" · {escape_md(local_time(c.get('reviewed_at')))}" + (f" · {state}" if state else ""))
    for group in group_quotes(c):
        if group["missing"]:
            lines.append(f"  - (số liệu {escape_md(group['missing'])} không còn trong kho)")
            continue
        if group.get("row"):
            lines.append(f"  - «{markdown_row(group['row'])}» — {escape_md(locate_quote(group, c))}")
            continue
        quote = "".join(f"**{escape_md(piece)}**" if role else escape_md(piece)
                        for piece, role in split_marked(group["text"], group["start"], group["spans"]))
        lines.append(f"  - «{quote}» — {escape_md(locate_quote(group, c))}")
    return lines


def markdown_row(row: dict) -> str:
    """A table row as 'header: cell' pairs (the last header row names the columns), cited cells in bold.

    >>> markdown_row({"headers": [["STT", "Chỉ tiêu", "KH"]], "cells": [("2", None), ("Lúa", None), ("9,5", "claim")],
    ...               "role": None})
    'STT: 2 · Chỉ tiêu: Lúa · KH: **9,5**'
    """
    names = row["headers"][-1] if row["headers"] else []
    pairs = []
    for i, (cell, role) in enumerate(row["cells"]):
        if not cell:
            continue
        text = f"**{escape_md(cell)}**" if role else escape_md(cell)
        name = names[i] if i < len(names) and names[i] else ""
        pairs.append(f"{escape_md(name)}: {text}" if name else text)
    return " · ".join(pairs)


def render_markdown_problems(problems: list[dict]) -> list[str]:
    """The data problems: kind, reason in Vietnamese, where, and the text concerned in bold."""
    if not problems:
        return []
    lines = [f"## Lỗi dữ liệu ({len(problems)})", ""]
    for p in problems:
        item = html_problem(p)
        quote = "".join(f"**{escape_md(piece)}**" if role else escape_md(piece) for piece, role in item["parts"])
        lines.append(f"- **{escape_md(item['title'])}** {escape_md(item['where'])} — {escape_md(item['reason'])}"
                     + (f" («{quote}»)" if quote else ""))
    return lines + [""]


def render_markdown_line(c: dict) -> list[str]:
    """A settled check on one line: where, the printed figure and the message."""
    claim = next((q for q in c.get("quotes") or [] if q.get("raw")), {})
    return [f"- {escape_md(place_line(c.get('page'), c.get('line')))} «{escape_md(claim.get('raw') or '')}» — "
            f"{escape_md(translate_flag_in(c.get('message'), claim.get('flag')))}"
            + (f" (đánh giá: {REVIEWS.get(c['review'], escape_md(c['review']))}"
               + (f", {describe_state(c['review'], c.get('review_state'))}" if describe_state(c["review"], c.get("review_state")) else "")
               + ")" if c.get("review") else "")]


# ---------------------------------------------------------------- CSV

CSV_FIELDS = ["check_id", "report_id", "check_type", "check_type_vi", "status", "status_vi", "severity",
              "decision", "reported", "reported_low", "reported_high", "computed", "computed_low",
              "computed_high", "difference", "page", "line", "section", "message", "rule_id", "fact_ids",
              "quote", "sentence", "claim_key", "review", "review_note", "reviewed_by", "reviewed_at"]
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
               "sentence": " ".join((quotes[0].get("sentence") or "").split()) if quotes else None,
               "reviewed_at": iso_utc(c.get("reviewed_at")) or None}
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

TEMPLATES = Path(__file__).resolve().parent / "templates"


@functools.cache
def templates() -> jinja2.Environment:
    """The page templates beside this module (pipeline/templates/), autoescaped: report text is
    untrusted and every value lands escaped for HTML text and attributes alike."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


@functools.cache
def asset(name: str) -> Markup:
    """A stylesheet or script of pipeline/templates/, inlined into the page as it is (our own code,
    never report text): the pages fetch nothing."""
    return Markup((TEMPLATES / name).read_text(encoding="utf-8"))


def render_html(data: dict) -> str:
    """One self-contained page (inline CSS and JS, no network): summary, legend, tools, the checks
    needing a reader first, the data problems, the settled checks folded below."""
    checks = [html_check(c, number, data["titles"], data["source_path"]) for number, c in enumerate(data["checks"], 1)]
    problems = [html_problem(p) for p in data.get("problems") or []]
    at_problem = {(p["report_id"], p["char_start"]): p["anchor"] for p in problems}
    for c in checks:
        c["problem"] = at_problem.get(c.pop("claim_at"))
    place = " ".join(str(x) for x in (data.get("locality"), data.get("period"), data.get("year")) if x)
    return templates().get_template("report.html").render(
        title=data["title"] or data["report_id"], report_id=data["report_id"], source_path=data["source_path"],
        place=place, ingested_at=local_time(data.get("ingested_at")),
        sha256=data.get("sha256") or "", facts=data["facts"], checked=data["checked"], claims=data["claims"],
        coverage_text=format_percent(data.get("coverage_percent")),
        by_status=data["by_status"], by_type=data["by_type"], to_review=data["to_review"],
        reviewed=data.get("reviewed", 0), by_review=data.get("by_review") or {}, fixed=data.get("fixed", 0),
        status_vi={s: name_status(s) for s in data["by_status"]},
        type_vi={t: name_type(t, data["titles"]) for t in data["by_type"]},
        checks=checks, urgent=[c for c in checks if c["status"] not in SETTLED],
        settled=[c for c in checks if c["status"] in SETTLED], problems=problems,
        settled_label=" và ".join(f"{name_status(s).lower()} ({data['by_status'][s]})" for s in SETTLED),
        legend=legend(data), reviews=REVIEWS, reviews_explained=REVIEWS_EXPLAINED, statuses_explained=STATUS_EXPLAINED,
        rules_version=data.get("rules_version") or "", css=asset("report.css"), script=asset("report.js"))


STATUS_EXPLAINED = {
    "mismatch": "số in và số suy ra từ các số khác của báo cáo lệch nhau quá mức làm tròn",
    "minor": "lệch một đơn vị ở chữ số cuối: thường do cắt bớt thay vì làm tròn",
    "ok": "khớp trong phạm vi làm tròn của mọi số in",
    "unverifiable": "báo cáo không in đủ số để tính lại; không bao giờ là lỗi",
}


def html_check(c: dict, number: int, titles: dict[str, str], source_path: str | None = None) -> dict:
    """What the template shows of one check: badges, where, message, the numbers, the quotes, the
    codes (behind a disclosure) and the decision stored in the warehouse."""
    claim = next((q for q in c.get("quotes") or [] if q.get("raw") is not None), {})
    return {"number": number, "check_id": c["check_id"], "check_type": c["check_type"], "status": c["status"],
            "status_vi": name_status(c["status"]), "type_vi": name_type(c["check_type"], titles),
            "decision": bool(c.get("decision")),
            "severity_vi": SEVERITY_VI.get(c["severity"], c["severity"]) if c.get("severity") and c["status"] not in SETTLED else "",
            "where": locate_check(c), "message": translate_flag_in(c.get("message"), claim.get("flag")),
            "numbers": number_cells(c), "quotes": [html_quote(g, c, source_path) for g in group_quotes(c)],
            "rule_id": c.get("rule_id") or "", "rule_explained": explain_check(c.get("rule_id"), name_type(c["check_type"], titles)),
            "facts": [{"fact_id": q["fact_id"], "rule_id": q.get("rule_id") or "", "span": fact_span(q),
                       "role": "số in" if q["ordinal"] == 1 else "số dùng để so"} for q in c.get("quotes") or []],
            "claim_key": c.get("claim_key") or "", "quote": claim.get("raw") or "",
            "reported_raw": repr(c["reported"]) if isinstance(c.get("reported"), float) else "",
            "computed_raw": repr(c["computed"]) if isinstance(c.get("computed"), float) else "",
            "review": c.get("review") or "", "review_vi": REVIEWS.get(c.get("review") or "", ""),
            "review_note": c.get("review_note") or "", "reviewed_by": c.get("reviewed_by") or "",
            "reviewed_at": iso_utc(c.get("reviewed_at")), "reviewed_at_local": local_time(c.get("reviewed_at")),
            "review_state": c.get("review_state") or "",
            "state_vi": describe_state(c.get("review"), c.get("review_state")),
            "claim_at": (claim.get("report_id"), claim.get("char_start"))}


def fact_span(q: dict) -> str:
    return f"[{q['char_start']}:{q['char_end']}]" if q.get("char_start") is not None else ""


def number_cells(c: dict) -> list[dict]:
    """The printed number and what the check set against it, each with the interval it may have been
    rounded from when known; 'Tính lại' only where the check computed something."""
    cells = [(reported_label(c["check_type"]), format_number(c.get("reported"), 4),
              format_interval(c.get("reported_low"), c.get("reported_high")))]
    if c.get("computed") is not None:
        cells.append((computed_label(c["check_type"]), format_number(c.get("computed")),
                      format_interval(c.get("computed_low"), c.get("computed_high"))))
    if c.get("difference") is not None:
        cells.append(("Chênh lệch", format_signed(c["difference"]), ""))
    return [{"name": name, "value": value, "interval": interval} for name, value, interval in cells]


def html_quote(group: dict, c: dict, source_path: str | None = None) -> dict:
    """A cited sentence cut into pieces, each cited number marked with its role (claim or basis); a
    table row as its cells under the table's headers; for numbers read from a scan, their images."""
    if group["missing"]:
        return {"missing": group["missing"]}
    scans = [src for q in group["facts"] if (src := scan_image(source_path, q.get("scan")))]
    return {"missing": None, "parts": split_marked(group["text"], group["start"], group["spans"]),
            "row": group.get("row"), "where": locate_quote(group, c), "scans": scans}


def html_problem(p: dict) -> dict:
    """A data problem: its kind and reason in Vietnamese, where, and its sentence with the span marked."""
    reason, known = problem_reason(p.get("message"))
    parts = []
    if p.get("sentence") is not None and p.get("char_start") is not None:
        parts = split_marked(p["sentence"], p["sentence_start"], [(p["char_start"], p["char_end"] or p["char_start"], "problem")])
    where = [p.get("section") or "", place_line(p.get("page"), p.get("line")),
             f"chú thích {p['footnote']}" if p.get("footnote") is not None else ""]
    return {"anchor": f"p{p['problem_no']}", "code": p["code"], "title": problem_title(p["code"]),
            "reason": reason, "original": "" if known else p.get("message") or "", "parts": parts,
            "where": " · ".join(w for w in where if w), "report_id": p["report_id"], "char_start": p.get("char_start"),
            "span": f"[{p['char_start']}:{p['char_end']}]" if p.get("char_start") is not None else ""}


def legend(data: dict) -> dict:
    """The codes the page shows, explained: the checks and the rules (by family) that appear in it."""
    checks = sorted({(c.get("rule_id") or "", c["check_type"]) for c in data["checks"] if c.get("rule_id")})
    rules = sorted({q["rule_id"] for c in data["checks"] for q in c.get("quotes") or [] if q.get("rule_id")})
    return {"checks": [{"code": code, "title": name_type(t, data["titles"]),
                        "explained": explain_check(code, name_type(t, data["titles"]))} for code, t in checks],
            "rules": [{"code": code, "explained": explain_rule(code)} for code in rules]}


# ---------------------------------------------------------------- times

def vietnam_zone() -> tzinfo:
    """Asia/Ho_Chi_Minh; without a time zone database, UTC+7 (Vietnam has kept it since 1975)."""
    try:
        return ZoneInfo("Asia/Ho_Chi_Minh")
    except (ZoneInfoNotFoundError, ValueError):
        return timezone(timedelta(hours=7), "ICT")


def as_utc(ts) -> datetime | None:
    """A warehouse timestamp (naive, in UTC) or an aware one, as an aware UTC datetime."""
    if ts is None:
        return None
    return ts.replace(tzinfo=timezone.utc) if ts.tzinfo is None else ts.astimezone(timezone.utc)


def local_time(ts) -> str:
    """'06/12/2026 01:20 (giờ Việt Nam)' for a UTC timestamp; '' for none.

    >>> local_time(datetime(2026, 12, 6, 18, 20, 17))
    '07/12/2026 01:20 (giờ Việt Nam)'
    """
    ts = as_utc(ts)
    return f"{ts.astimezone(vietnam_zone()):%d/%m/%Y %H:%M} (giờ Việt Nam)" if ts else ""


def iso_utc(ts) -> str:
    """The instant as the page's script writes it (Date.toISOString): '2026-12-06T18:20:17.473Z'.

    >>> iso_utc(datetime(2026, 12, 6, 18, 20, 17, 473901)), iso_utc(None)
    ('2026-12-06T18:20:17.473Z', '')
    """
    ts = as_utc(ts)
    return f"{ts:%Y-%m-%dT%H:%M:%S}.{ts.microsecond // 1000:03d}Z" if ts else ""


def format_percent(x) -> str:
    """'88,1%': one decimal, the comma as decimal mark; '—' when there is nothing to divide.

    >>> format_percent(88.1), format_percent(100.0), format_percent(None)
    ('88,1%', '100%', '—')
    """
    return "—" if x is None else f"{format_number(x, 1)}%"


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
