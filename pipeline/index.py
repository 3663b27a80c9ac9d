"""The index of the consistency reports: warehouse/reports/index.html, beside the report pages.

One row per report of the warehouse — period, locality, facts, claims checked and coverage (from
v_coverage, so the same numbers as `make sql` and each report's page), checks by status, data
problems, reviewers' decisions — with links to its HTML, Markdown and CSV. Sortable by any column,
in Vietnamese, self-contained (inline CSS and JS) like the report pages. Written by `ingest`,
`report`, `reextract` and `review`.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import duckdb

from pipeline.report import asset, format_number, format_percent, local_time, percent_of, templates, write_into_place

INDEX_NAME = "index.html"
COVERAGE_QUERY = "select * from v_coverage order by report_id"
STATE_QUERY = "select report_id, state, count(*) from v_reviews group by all"


def index_rows(con: duckdb.DuckDBPyConnection, out_dir: Path) -> list[dict]:
    """Every report of the warehouse with its counts, and which of its pages exist in out_dir."""
    cur = con.execute(COVERAGE_QUERY)
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, row)) for row in cur.fetchall()]
    states: dict[str, dict[str, int]] = {}
    try:
        for report_id, state, n in con.execute(STATE_QUERY).fetchall():
            states.setdefault(report_id, {})[state] = n
    except duckdb.CatalogException:   # a warehouse made before review decisions, opened read-only
        pass
    for row in rows:
        flagged = (row.get("mismatch") or 0) + (row.get("minor") or 0)
        row.update(flagged=flagged, reviewed=row.get("reviewed") or 0, confirmed=row.get("confirmed") or 0,
                   false_alarms=row.get("false_alarms") or 0, explained=row.get("explained") or 0,
                   fixed=states.get(row["report_id"], {}).get("fixed", 0),
                   gone=states.get(row["report_id"], {}).get("gone", 0),
                   coverage_text=format_percent(row.get("checked_percent")),
                   ingested_text=local_time(row.get("ingested_at")),
                   ingested_sort=str(row.get("ingested_at") or ""),
                   place=" ".join(str(x) for x in (row.get("period"), row.get("year")) if x),
                   links={kind: quote(f"{row['report_id']}.{kind}") for kind in ("html", "md", "csv")
                          if (out_dir / f"{row['report_id']}.{kind}").exists()})
    return rows


def render_index(rows: list[dict]) -> str:
    totals = {key: sum(r.get(key) or 0 for r in rows)
              for key in ("facts", "claims", "checked", "mismatch", "minor", "ok", "unverifiable", "problems",
                          "flagged", "reviewed", "confirmed", "false_alarms", "explained", "fixed")}
    return templates().get_template("index.html").render(
        rows=rows, totals=totals, coverage_text=format_percent(percent_of(totals["checked"], totals["claims"])),
        number=format_number, css=asset("index.css"), script=asset("index.js"))


def write_index(con: duckdb.DuckDBPyConnection, out_dir: Path) -> Path:
    """Write out_dir/index.html for every report of the warehouse (in place, never half a file)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / INDEX_NAME
    page = render_index(index_rows(con, out_dir))
    write_into_place(path, lambda p: p.write_text(page, encoding="utf-8"))
    return path
