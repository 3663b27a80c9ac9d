"""`python -m pipeline explain <fact_id>`: a fact in its sentence, with where it was printed.

The number is highlighted in the sentence (with »« on a plain terminal, bold yellow on a colour one),
followed by the section path, page, line, offsets, the rule that read it and the checks that cite it.
"""
from __future__ import annotations

import sys
from pathlib import Path

from warehouse.lock import connect_reader

FACT_QUERY = """
select f.fact_id, f.report_id, f.kind, f.label, f.raw, f.value, f.unit, f.plan, f.percent, f.base,
       f.indicator, f.period, f.status, f.flag, f.page, f.line, f.char_start, f.char_end, f.rule_id,
       f.section, f.in_footnote, s.text as sentence, s.char_start as s_start, r.source_path
from facts f
join reports r using (report_id)
left join sentences s on s.report_id = f.report_id and s.sentence_no = f.sentence_no
where f.fact_id = ?
"""


class FactNotFound(LookupError):
    """No such fact (or no warehouse to look in): one line for stderr, and exit 1."""


def highlight(sentence: str, start: int, end: int, colour: bool) -> str:
    """Mark sentence[start:end]: bold yellow on a colour terminal, »…« otherwise.

    >>> highlight("thu ngân sách đạt 201,922/260 tỷ đồng", 18, 29, False)
    'thu ngân sách đạt »201,922/260« tỷ đồng'
    """
    left, right = ("\033[1;33m", "\033[0m") if colour else ("»", "«")
    return sentence[:start] + left + sentence[start:end] + right + sentence[end:]


def explain_fact(warehouse: str, fact_id: str, colour: bool | None = None) -> str:
    """The fact, its sentence with the number highlighted, its section, page, line and checks."""
    colour = sys.stdout.isatty() if colour is None else colour
    if not fact_id.strip():
        raise FactNotFound("no fact id given: make explain FACT=<fact_id> (the ids are in facts.fact_id, and in "
                           "the fact_ids column of a report's CSV)")
    if not Path(warehouse).is_file():
        raise FactNotFound(f"no warehouse at {warehouse}: run make ingest first, or give its path (WAREHOUSE=)")
    con = connect_reader(Path(warehouse), log=lambda line: print(line, file=sys.stderr))
    try:
        cur = con.execute(FACT_QUERY, [fact_id])
        row = cur.fetchone()
        if row is None:
            similar = [r[0] for r in con.execute(
                "select fact_id from facts where fact_id like ? order by fact_id limit 5",
                [fact_id.rsplit(":", 1)[0] + "%"]).fetchall()]
            hint = f"; similar ids: {', '.join(similar)}" if similar else ""
            raise FactNotFound(f"no fact {fact_id!r} in {warehouse}{hint}")
        f = dict(zip([d[0] for d in cur.description], row))
        checks = con.execute(
            "select check_type, status, message from checks where list_contains(fact_ids, ?) order by status",
            [fact_id]).fetchall()
    finally:
        con.close()
    sentence = f["sentence"] or f["raw"]
    offset = (f["char_start"] - f["s_start"]) if f["s_start"] is not None else 0
    lines = [
        f"{f['fact_id']}  ({f['kind']}, rule {f['rule_id']})",
        "  " + highlight(sentence, offset, offset + len(f["raw"]), colour),
        f"  file {f['source_path']}, page {f['page']}, line {f['line']}, characters {f['char_start']}–{f['char_end']}",
        f"  section {f['section'] or '—'}" + (f", footnote {f['in_footnote']}" if f["in_footnote"] else ""),
        f"  label {f['label'] or '—'}; indicator {f['indicator'] or '—'}; period {f['period'] or '—'}; status {f['status'] or '—'}",
        f"  value {f['value']} {f['unit'] or ''}; plan {f['plan']}; percent {f['percent']}; base {f['base'] or '—'}",
    ]
    if f["flag"]:
        lines.append(f"  flag: {f['flag']}")
    lines += [f"  check {t} {s}: {m}" for t, s, m in checks]
    return "\n".join(lines)
