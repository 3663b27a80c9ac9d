"""The consistency report: one self-contained HTML page, a Markdown version and a CSV of checks.

All three are rendered from `report_data`, which reads the warehouse in four queries — the
report, its checks, the facts they quote, the sentences those come from — never one query per check.
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
from pathlib import Path

import duckdb
import jinja2
from markupsafe import Markup

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
    """One self-contained page (inline CSS and JS, no network): summary, tools, checks needing a reader
    first, the settled ones folded below."""
    checks = [html_check(c, number, data["titles"]) for number, c in enumerate(data["checks"], 1)]
    place = " ".join(str(x) for x in (data.get("locality"), data.get("period"), data.get("year")) if x)
    return templates().get_template("report.html").render(
        title=data["title"] or data["report_id"], report_id=data["report_id"], source_path=data["source_path"],
        place=place, ingested_at=f"{str(data['ingested_at'])[:16]} UTC" if data.get("ingested_at") else "",
        facts=data["facts"], checked=data["checked"], claims=data["claims"],
        coverage_text=f"{data['coverage']:.0%}" if data["coverage"] is not None else "—",
        by_status=data["by_status"], by_type=data["by_type"], to_review=data["to_review"],
        status_vi={s: name_status(s) for s in data["by_status"]},
        type_vi={t: name_type(t, data["titles"]) for t in data["by_type"]},
        checks=checks, urgent=[c for c in checks if c["status"] not in SETTLED],
        settled=[c for c in checks if c["status"] in SETTLED],
        settled_label=" và ".join(f"{name_status(s).lower()} ({data['by_status'][s]})" for s in SETTLED),
        rules_version=data.get("rules_version") or "", css=asset("report.css"), script=asset("report.js"))


def html_check(c: dict, number: int, titles: dict[str, str]) -> dict:
    """What the template shows of one check: badges, where, message, the numbers and the quotes."""
    return {"number": number, "check_id": c["check_id"], "check_type": c["check_type"], "status": c["status"],
            "status_vi": name_status(c["status"]), "type_vi": name_type(c["check_type"], titles),
            "decision": bool(c.get("decision")),
            "severity_vi": SEVERITY_VI.get(c["severity"], c["severity"]) if c.get("severity") and c["status"] not in SETTLED else "",
            "where": locate_check(c), "message": c.get("message") or "", "numbers": number_cells(c),
            "quotes": [html_quote(g, c) for g in group_quotes(c)]}


def number_cells(c: dict) -> list[dict]:
    """Printed vs recomputed, each with the interval it may have been rounded from when known."""
    cells = [("Số in", format_number(c.get("reported"), 4), format_interval(c.get("reported_low"), c.get("reported_high"))),
             ("Tính lại", format_number(c.get("computed")), format_interval(c.get("computed_low"), c.get("computed_high")))]
    if c.get("difference") is not None:
        cells.append(("Chênh lệch", format_signed(c["difference"]), ""))
    cells.append(("Mã kiểm tra", c.get("rule_id") or "—", ""))
    return [{"name": name, "value": value, "interval": interval} for name, value, interval in cells]


def html_quote(group: dict, c: dict) -> dict:
    """A cited sentence cut into pieces, each cited number marked with its role (claim or basis)."""
    if group["missing"]:
        return {"missing": group["missing"]}
    return {"missing": None, "parts": split_marked(group["text"], group["start"], group["spans"]),
            "where": locate_quote(group, c),
            "rules": ", ".join(f'{q["rule_id"]} [{q["char_start"]}:{q["char_end"]}]' for q in group["facts"])}


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
