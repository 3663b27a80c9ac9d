"""The consistency report: one self-contained HTML page, a Markdown version and a CSV of checks.

All three are rendered from `report_data`, which reads the warehouse once per report.
"""
from __future__ import annotations

import csv
import html
from pathlib import Path

import duckdb

STATUS_ORDER = {"mismatch": 0, "minor": 1, "unverifiable": 2, "ok": 3}
STATUS_VI = {"mismatch": "Không khớp", "minor": "Lệch nhỏ", "unverifiable": "Không kiểm tra được", "ok": "Khớp"}
TYPE_VI = {"percent": "Tỷ lệ %", "plan_lookup": "Tra kế hoạch", "sum": "Tổng các phần", "cross": "Hai nơi khác nhau",
           "label": "Nhãn đánh giá", "count": "Số đếm", "growth": "Tăng trưởng", "cross_report": "Giữa các báo cáo"}
CHECK_QUERY = """
select c.*, list(struct_pack(fact_id := f.fact_id, raw := f.raw, line := f.line, page := f.page,
                             char_start := f.char_start, char_end := f.char_end, rule_id := f.rule_id,
                             sentence := s.text, s_start := s.char_start, section := s.section)
                 order by list_position(c.fact_ids, f.fact_id)) as quotes
from checks c
left join facts f on f.report_id = c.report_id and list_contains(c.fact_ids, f.fact_id)
left join sentences s on s.report_id = f.report_id and s.sentence_no = f.sentence_no
where c.report_id = ?
group by all
"""


def report_data(con: duckdb.DuckDBPyConnection, report_id: str) -> dict:
    """Summary and check rows (with quotes) of one report."""
    report = con.execute("select report_id, title, source_path, locality, year, period, ingested_at "
                         "from reports where report_id = ?", [report_id]).fetchone()
    if report is None:
        raise KeyError(report_id)
    keys = ["report_id", "title", "source_path", "locality", "year", "period", "ingested_at"]
    info = dict(zip(keys, report))
    info["facts"] = con.execute("select count(*) from facts where report_id = ?", [report_id]).fetchone()[0]
    cur = con.execute(CHECK_QUERY, [report_id])
    names = [d[0] for d in cur.description]
    checks = [dict(zip(names, row)) for row in cur.fetchall()]
    severity = {"error": 0, "warning": 1, "info": 2}
    checks.sort(key=lambda c: (STATUS_ORDER.get(c["status"], 9), not c.get("decision"),
                               severity.get(c.get("severity"), 3), -abs(c.get("difference") or 0), c["line"] or 0))
    by_status = {s: sum(c["status"] == s for c in checks) for s in STATUS_ORDER}
    by_type: dict[str, dict[str, int]] = {}
    for c in checks:
        by_type.setdefault(c["check_type"], {s: 0 for s in STATUS_ORDER})[c["status"]] += 1
    verifiable = sum(by_status[s] for s in ("ok", "minor", "mismatch")) + by_status["unverifiable"]
    checked = verifiable - by_status["unverifiable"]
    info.update(checks=checks, by_status=by_status, by_type=by_type, checked=checked, verifiable=verifiable,
                coverage=(checked / verifiable) if verifiable else None)
    return info


def _num(x) -> str:
    if x is None:
        return "—"
    text = f"{x:,.2f}" if abs(x) < 1e15 else f"{x:.4g}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _quote_text(q: dict) -> str:
    sentence = q.get("sentence") or q.get("raw") or ""
    return " ".join(sentence.split())


def render_markdown(data: dict) -> str:
    lines = [f"# Báo cáo kiểm tra số liệu: {data['title'] or data['report_id']}", "",
             f"- Tệp: `{data['source_path']}`",
             f"- Số liệu trích được: {data['facts']}; nhận định đã kiểm tra: {data['checked']}/{data['verifiable']}"
             + (f" (độ phủ {data['coverage']:.0%})" if data["coverage"] is not None else ""),
             "- Theo trạng thái: " + ", ".join(f"{STATUS_VI[s]} {n}" for s, n in data["by_status"].items()), ""]
    for status in ("mismatch", "minor", "unverifiable", "ok"):
        rows = [c for c in data["checks"] if c["status"] == status]
        if not rows:
            continue
        lines += [f"## {STATUS_VI[status]} ({len(rows)})", ""]
        for c in rows:
            where = f"tr.{c['page']} dòng {c['line']}"
            decision = " **[đổi kết luận]**" if c.get("decision") else ""
            lines.append(f"- **{TYPE_VI.get(c['check_type'], c['check_type'])}** {where} — {c['message']}{decision} "
                         f"(in: {_num(c['reported'])}; tính lại: {_num(c['computed'])}; quy tắc {c['rule_id']})")
            for q in c["quotes"] or []:
                if q.get("fact_id"):
                    lines.append(f"  - «{_quote_text(q)}» — {q.get('section') or ''} tr.{q['page']} dòng {q['line']}")
        lines.append("")
    return "\n".join(lines)


def write_csv(data: dict, path: Path) -> None:
    fields = ["check_id", "check_type", "status", "reported", "computed", "difference", "decision", "page", "line",
              "message", "rule_id", "fact_ids", "quote"]
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for c in data["checks"]:
            quote = " | ".join(q.get("raw") or "" for q in c["quotes"] or [] if q.get("fact_id"))
            writer.writerow({**{k: c.get(k) for k in fields if k not in ("fact_ids", "quote")},
                             "fact_ids": " ".join(c["fact_ids"] or []), "quote": quote})


def _highlight(q: dict) -> str:
    sentence = q.get("sentence")
    if not sentence or q.get("s_start") is None:
        return f"<mark>{html.escape(q.get('raw') or '')}</mark>"
    a = max(q["char_start"] - q["s_start"], 0)
    b = max(q["char_end"] - q["s_start"], a)
    return (html.escape(sentence[:a]) + "<mark>" + html.escape(sentence[a:b]) + "</mark>" + html.escape(sentence[b:]))


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:1rem 1.5rem;color:#1d1d1f;line-height:1.45}
h1{font-size:1.4rem;margin-bottom:.2rem}.meta{color:#555;font-size:.9rem}
.summary{display:flex;flex-wrap:wrap;gap:.6rem;margin:1rem 0}.card{border:1px solid #ddd;border-radius:8px;padding:.5rem .8rem;min-width:8rem}
.card b{display:block;font-size:1.3rem}.mismatch b{color:#b00020}.minor b{color:#a66300}.ok b{color:#1b7f3b}.unverifiable b{color:#555}
table.types{border-collapse:collapse;font-size:.9rem}table.types td,table.types th{border:1px solid #ddd;padding:.2rem .5rem;text-align:right}
.filters{position:sticky;top:0;background:#fff;padding:.5rem 0;border-bottom:1px solid #eee;z-index:2}
.filters label{margin-right:.8rem;font-size:.9rem;white-space:nowrap}
.check{border:1px solid #ddd;border-left:6px solid #999;border-radius:6px;padding:.6rem .8rem;margin:.6rem 0}
.check.mismatch{border-left-color:#b00020}.check.minor{border-left-color:#e39400}.check.ok{border-left-color:#1b7f3b}
.check .head{font-weight:600}.badge{display:inline-block;border-radius:4px;padding:0 .4rem;font-size:.8rem;margin-right:.3rem;background:#eee}
.badge.decision{background:#b00020;color:#fff}.nums{font-size:.9rem;color:#333;margin:.2rem 0}
blockquote{margin:.3rem 0 .3rem .5rem;padding-left:.6rem;border-left:3px solid #ccc;color:#222}
mark{background:#ffe066;padding:0 .1rem}.where{color:#666;font-size:.8rem}
details{margin:1rem 0}summary{cursor:pointer;font-weight:600}.hidden{display:none}
"""

SCRIPT = """
(function(){
  function apply(){
    var types=[].slice.call(document.querySelectorAll('input[data-type]')).filter(function(i){return i.checked}).map(function(i){return i.dataset.type});
    var statuses=[].slice.call(document.querySelectorAll('input[data-status]')).filter(function(i){return i.checked}).map(function(i){return i.dataset.status});
    var shown=0;
    document.querySelectorAll('.check').forEach(function(el){
      var on=types.indexOf(el.dataset.type)>=0&&statuses.indexOf(el.dataset.status)>=0;
      el.classList.toggle('hidden',!on); if(on){shown++;}
    });
    document.getElementById('shown').textContent=shown;
  }
  document.querySelectorAll('.filters input').forEach(function(i){i.addEventListener('change',apply);});
  apply();
})();
"""


def _check_html(c: dict) -> str:
    decision = '<span class="badge decision">đổi kết luận</span>' if c.get("decision") else ""
    quotes = []
    for q in c["quotes"] or []:
        if not q.get("fact_id"):
            continue
        quotes.append(f'<blockquote>{_highlight(q)}<div class="where">{html.escape(q.get("section") or "")} · '
                      f'trang {q["page"]}, dòng {q["line"]} · [{q["char_start"]}:{q["char_end"]}] · {q["rule_id"]}</div></blockquote>')
    return (f'<div class="check {c["status"]}" data-type="{html.escape(c["check_type"])}" data-status="{c["status"]}" '
            f'id="{html.escape(c["check_id"])}">'
            f'<div class="head"><span class="badge">{STATUS_VI.get(c["status"], c["status"])}</span>'
            f'<span class="badge">{TYPE_VI.get(c["check_type"], c["check_type"])}</span>{decision}'
            f'trang {c["page"]}, dòng {c["line"]}</div>'
            f'<div>{html.escape(c["message"] or "")}</div>'
            f'<div class="nums">Số in: <b>{_num(c["reported"])}</b> · Tính lại: <b>{_num(c["computed"])}</b>'
            f' · Chênh lệch: {_num(c.get("difference"))} · Quy tắc {html.escape(c["rule_id"] or "")}</div>'
            + "".join(quotes) + "</div>")


def render_html(data: dict) -> str:
    """One self-contained page (no network assets): summary, filters, mismatches first."""
    title = data["title"] or data["report_id"]
    cards = "".join(f'<div class="card {s}"><b>{n}</b>{STATUS_VI[s]}</div>' for s, n in data["by_status"].items())
    coverage = f"{data['coverage']:.0%}" if data["coverage"] is not None else "—"
    type_rows = "".join(
        f"<tr><th>{TYPE_VI.get(t, t)}</th>" + "".join(f"<td>{counts[s]}</td>" for s in STATUS_ORDER) + "</tr>"
        for t, counts in sorted(data["by_type"].items()))
    type_filters = "".join(f'<label><input type="checkbox" data-type="{html.escape(t)}" checked> {TYPE_VI.get(t, t)}</label>'
                           for t in sorted(data["by_type"]))
    status_filters = "".join(
        f'<label><input type="checkbox" data-status="{s}" {"checked" if s in ("mismatch", "minor") else ""}> {STATUS_VI[s]}</label>'
        for s in STATUS_ORDER)
    urgent = [c for c in data["checks"] if c["status"] in ("mismatch", "minor")]
    rest = [c for c in data["checks"] if c["status"] not in ("mismatch", "minor")]
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Kiểm tra số liệu — {html.escape(title)}</title><style>{CSS}</style></head>
<body>
<h1>Kiểm tra số liệu: {html.escape(title)}</h1>
<div class="meta">Tệp <code>{html.escape(data["source_path"] or "")}</code> · mã báo cáo <code>{html.escape(data["report_id"])}</code></div>
<div class="summary">
<div class="card"><b>{data["facts"]}</b>số liệu trích được</div>
<div class="card"><b>{data["checked"]}/{data["verifiable"]}</b>nhận định đã kiểm tra (độ phủ {coverage})</div>
{cards}</div>
<table class="types"><tr><th>Loại kiểm tra</th>{"".join(f"<th>{STATUS_VI[s]}</th>" for s in STATUS_ORDER)}</tr>{type_rows}</table>
<div class="filters"><div>Loại: {type_filters}</div><div>Trạng thái: {status_filters} · đang hiện <span id="shown">0</span></div></div>
<h2>Cần xem ({len(urgent)})</h2>
{"".join(_check_html(c) for c in urgent) or "<p>Không có số liệu nào lệch.</p>"}
<details><summary>Khớp và không kiểm tra được ({len(rest)})</summary>
{"".join(_check_html(c) for c in rest)}
</details>
<script>{SCRIPT}</script>
</body></html>
"""


def write_reports(con: duckdb.DuckDBPyConnection, report_id: str, out_dir: Path) -> dict[str, Path]:
    """Write <report_id>.html, .md and .csv into out_dir; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = report_data(con, report_id)
    paths = {"html": out_dir / f"{report_id}.html", "md": out_dir / f"{report_id}.md", "csv": out_dir / f"{report_id}.csv"}
    paths["html"].write_text(render_html(data), encoding="utf-8")
    paths["md"].write_text(render_markdown(data), encoding="utf-8")
    write_csv(data, paths["csv"])
    return paths


def report_dir_for(warehouse: Path) -> Path:
    """Reports sit beside the warehouse file: warehouse/reports/ for warehouse/warehouse.duckdb."""
    return Path(warehouse).resolve().parent / "reports"


