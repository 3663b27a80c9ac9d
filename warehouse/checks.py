"""Run the consistency checks: one SQL file per check in warehouse/checks/, declared by its header.

A check file's header (`-- key: value` lines) gives its code, name, type, title, severity and why,
plus `flags:` and `passes:` lines: sentences in report language that the check must flag and must
pass; tests/warehouse/test_checks.py runs them. A check that compares reports may add `given:`
lines: the lines of an earlier report, loaded into the example's warehouse before each example.

- `type:` the check type its rows carry (the first word; the rest is a note), `title:` that type's
  name in the report ("Tỷ lệ %") and `rank:` (optional) its place in the report's table by type,
  lower first. The title and rank belong to the type: checks of one type must not disagree on them.
  A type no file declares (a check's second type, say) shows under its code after the others.
- `after:` (optional) the codes of the checks this one runs after, `CK01, CK02`, or `*`: every check
  that does not itself say `after: *`. Words in brackets are a note. Checks run in that order,
  ties by code. A check that reads `_new_checks` (the rows of the checks run before it in the
  batch) must say which ones.

The query returns one row per claim tested, with at least check_type, status, reported, computed,
fact_ids, line, page, report_id and message. It reads the batch's facts from the temporary table
`batch_facts` (the rows of `facts` of the reports listed in `_batch`, copied once per batch: a
check that scanned `facts` itself grew slower with every report in the warehouse) and `facts` only
for other reports (CK40).

`load_checks` refuses a broken set at once, every problem as `file:line: what`: the header, the
order, and each query bound (DESCRIBE, not run) against schema.sql, macros.sql and empty temporary
tables in an in-memory DuckDB, so that a wrong column is named before anything is written.
"""
from __future__ import annotations

import hashlib
import heapq
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from warehouse.claims import key_claims

CHECKS_DIR = Path(__file__).resolve().parent / "checks"
SCHEMA = Path(__file__).resolve().parent / "schema.sql"
MACROS = "macros.sql"
REQUIRED = ("code", "name", "type", "title", "severity", "why")
OPTIONAL = ("rank", "after")
SEVERITIES = ("error", "warning", "info")
OUTPUT_COLUMNS = ("check_type", "status", "reported", "computed", "fact_ids", "line", "page", "report_id", "message")
EXAMPLES = ("flags", "passes", "given")
OPTIONAL_COLUMNS = ("reported_low", "reported_high", "computed_low", "computed_high", "difference", "decision")
# The temporary tables a check may read, as run_checks makes them (empty here: binding needs their columns only).
TEMP_TABLES = ("create temp table _batch (report_id varchar)",
               "create temp table batch_facts as select * from facts limit 0",
               "create temp table _new_checks as select * from checks limit 0")
BIND = "describe select * from ("   # a check is bound the way run_checks reads it: as a subquery


class CheckError(Exception):
    """A check file that cannot run: listed with file and line, all at once."""


@dataclass(frozen=True)
class Check:
    code: str
    name: str
    type: str
    severity: str
    why: str
    flags: tuple[str, ...]
    passes: tuple[str, ...]
    sql: str
    source: str
    given: tuple[str, ...] = ()
    title: str = ""
    rank: int | None = None
    after: tuple[str, ...] = ()            # as its header writes them: codes, or "*"
    line: int = 1                           # where its query starts (the line after the header)
    columns: tuple[str, ...] = ()           # the output columns run_checks takes, once bound


def parse_header(text: str, source: str) -> dict:
    """The header's values by key; `lines` gives the line of each key and `query` the query's first line."""
    header, key = {"flags": [], "passes": [], "given": [], "lines": {}}, None
    number = 0
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("--"):
            break
        m = re.match(r"--\s{0,4}(\w+):\s*(.*)$", line)
        if m and m.group(1) in REQUIRED + OPTIONAL + EXAMPLES:
            key, value = m.group(1), m.group(2).strip()
            header["lines"].setdefault(key, number)
            if key in EXAMPLES:  # an example may span lines (\n) and table cells (\t)
                header[key].append(value.replace("\\n", "\n").replace("\\t", "\t"))
            else:
                header[key] = value
        elif key and key not in EXAMPLES:
            header[key] += " " + line[2:].strip()
    else:
        number += 1
    header["query"] = number
    return header


def without_note(value: str) -> str:
    """A header value without its bracketed note: "percent (growth for …)" -> "percent"."""
    return re.sub(r"\([^)]*\)", " ", value).strip()


def read_checks(checks_dir: Path = CHECKS_DIR) -> tuple[Check, ...]:
    """The checks declared in checks_dir, in run order, their headers and order validated (queries not bound)."""
    checks, problems = declared_checks(checks_dir)
    if problems:
        raise CheckError(refusal(problems))
    return checks


def load_checks(checks_dir: Path = CHECKS_DIR) -> tuple[Check, ...]:
    """The checks of checks_dir in run order, each query bound; CheckError lists every problem at once."""
    checks, problems = declared_checks(checks_dir)
    checks, query_problems = bind_checks(checks, checks_dir)
    if problems or query_problems:
        raise CheckError(refusal(problems + query_problems))
    return checks


def refusal(problems: list[str]) -> str:
    """One message for every problem, by file and line."""
    def place(problem: str) -> tuple:
        file, line, _ = (problem.split(":", 2) + ["", ""])[:3]
        return (file, int(line) if line.isdecimal() else 0)
    return "check files refused:\n" + "\n".join(f"  {p}" for p in sorted(problems, key=place))


def declared_checks(checks_dir: Path) -> tuple[tuple[Check, ...], list[str]]:
    """The checks of checks_dir in run order (all of them, by code, when `after:` cannot order them),
    and the problems of their headers."""
    problems, checks, lines = [], [], {}
    for path in sorted(checks_dir.glob("CK[0-9][0-9]_*.sql")):
        text = path.read_text(encoding="utf-8")
        header = parse_header(text, path.name)
        at = header["lines"]
        missing = [k for k in REQUIRED if k not in header]
        if missing:
            problems.append(f"{path.name}:1: header lacks {', '.join(missing)}")
            continue
        if not path.stem.startswith(header["code"] + "_"):
            problems.append(f"{path.name}:{at['code']}: code {header['code']} does not match the file name")
        if not header["flags"] or not header["passes"]:
            problems.append(f"{path.name}:1: header needs at least one 'flags:' and one 'passes:' example")
        check_type = (without_note(header["type"]).split() or [""])[0]
        if not re.fullmatch(r"[a-z][a-z0-9_]*", check_type):
            problems.append(f"{path.name}:{at['type']}: type {header['type']!r} does not start with a lowercase word")
        if header["severity"] not in SEVERITIES:
            problems.append(f"{path.name}:{at['severity']}: severity {header['severity']!r} is not one of "
                            f"{', '.join(SEVERITIES)}")
        rank = header.get("rank")
        if rank is not None and not re.fullmatch(r"\d+", rank):
            problems.append(f"{path.name}:{at['rank']}: rank {rank!r} is not a whole number")
            rank = None
        after = tuple(word for word in re.split(r"[\s,]+", without_note(header.get("after", ""))) if word)
        reads_new = next((n for n, line in enumerate(text.splitlines()[header["query"] - 1:], header["query"])
                          if re.search(r"\b_new_checks\b", line.split("--")[0])), None)
        if reads_new and not after:
            problems.append(f"{path.name}:{reads_new}: reads _new_checks (the rows of the checks run before it) "
                            "but names none in 'after:'")
        lines[header["code"]] = at
        checks.append(Check(header["code"], header["name"], check_type, header["severity"], header["why"],
                            tuple(header["flags"]), tuple(header["passes"]), text, path.name,
                            tuple(header["given"]), header["title"], None if rank is None else int(rank),
                            after, header["query"]))
    codes = [c.code for c in checks]
    problems += [f"{c}: duplicate check code" for c in sorted(set(codes)) if codes.count(c) > 1]
    problems += disagreeing_types(checks, lines)
    ordered, order_problems = run_order(checks, lines)
    return (tuple(checks) if order_problems else ordered), problems + order_problems


def disagreeing_types(checks: list[Check], lines: dict[str, dict]) -> list[str]:
    """Checks of one type must give it the same title, and the same rank where they state one."""
    problems = []
    for field in ("title", "rank"):
        first: dict[str, Check] = {}
        for check in checks:
            value = getattr(check, field)
            if value is None:
                continue
            seen = first.setdefault(check.type, check)
            if getattr(seen, field) != value:
                problems.append(f"{check.source}:{lines[check.code].get(field, 1)}: {field} {value!r} of type "
                                f"{check.type} differs from {getattr(seen, field)!r} in {seen.source}")
    return problems


def run_order(checks: list[Check], lines: dict[str, dict]) -> tuple[tuple[Check, ...], list[str]]:
    """The checks in run order, each after the ones its `after:` names, ties by code; and what is wrong with `after:`."""
    by_code = {c.code: c for c in checks}
    last = {c.code for c in checks if "*" in c.after}    # `after: *`: after every check not itself after *
    problems, waits = [], {}
    for check in checks:
        where = f"{check.source}:{lines[check.code].get('after', 1)}"
        waits[check.code] = set()
        for word in check.after:
            if word == "*":
                waits[check.code] |= set(by_code) - last
            elif word == check.code:
                problems.append(f"{where}: after: {word} is this check itself")
            elif word not in by_code:
                problems.append(f"{where}: after: unknown check {word}")
            else:
                waits[check.code].add(word)
    ready = [code for code, named in waits.items() if not named]
    heapq.heapify(ready)
    waiting = {code: set(named) for code, named in waits.items() if named}
    placed = []
    while ready:
        code = heapq.heappop(ready)
        placed.append(by_code[code])
        for other in sorted(waiting):
            waiting[other].discard(code)
            if not waiting[other]:
                del waiting[other]
                heapq.heappush(ready, other)
    if waiting:
        cycle = find_cycle(waiting)
        problems.append(f"{by_code[cycle[0]].source}:{lines[cycle[0]].get('after', 1)}: after: "
                        f"{' → '.join(cycle + [cycle[0]])} is a cycle (each runs after the next)")
    return tuple(placed), problems


def find_cycle(waiting: dict[str, set[str]]) -> list[str]:
    """A cycle among checks that still wait: each waits for one that waits, so following them must loop."""
    path, code = [], min(waiting)
    while code not in path:
        path.append(code)
        code = min(c for c in waiting[code] if c in waiting)
    return path[path.index(code):]


_bound: dict[tuple[str, str], tuple[str, ...]] = {}   # (schema and macros, check file) -> output columns


def bind_checks(checks: tuple[Check, ...], checks_dir: Path = CHECKS_DIR) -> tuple[tuple[Check, ...], list[str]]:
    """Each check with the output columns its query gives, and the problems of those that do not bind.

    The queries are described, not run, in an in-memory DuckDB with the warehouse's tables (no
    comments: they cost more than the rest), the macros and the temporary tables the checks read;
    a query bound once in this process is not bound again."""
    macros = (checks_dir / MACROS).read_text(encoding="utf-8")
    schema = SCHEMA.read_text(encoding="utf-8")
    context = hashlib.sha256((schema + "\0" + macros).encode()).hexdigest()
    con, problems, result = None, [], []
    for check in checks:
        columns = _bound.get((context, check.sql))
        if columns is None:
            if con is None:
                con, setup_problem = binding_connection(schema, macros)
                if setup_problem:   # every check would fail with it
                    con.close()
                    return checks, [setup_problem]
            columns, problem = bind_query(con, check)
            if problem:
                problems.append(problem)
                continue
            _bound[(context, check.sql)] = columns
        result.append(replace(check, columns=columns))
    if con is not None:
        con.close()
    return tuple(result), problems


def binding_connection(schema: str, macros: str) -> tuple[duckdb.DuckDBPyConnection, str | None]:
    """An in-memory DuckDB with what a check may read, and a problem of macros.sql if it fails."""
    con = duckdb.connect(":memory:")
    for statement in con.extract_statements(schema):
        if statement.type == duckdb.StatementType.CREATE:
            con.execute(statement)
    con.execute("set errors_as_json = true")
    try:
        con.execute(macros)
    except duckdb.Error as exc:
        line, message = locate_error(exc, macros, 0)
        return con, f"{MACROS}:{line or 1}: {message}"
    for statement in TEMP_TABLES:
        con.execute(statement)
    return con, None


def bind_query(con: duckdb.DuckDBPyConnection, check: Check) -> tuple[tuple[str, ...], str | None]:
    """The output columns run_checks takes from a check's query, or the problem (file:line) that stops it."""
    try:
        names = [row[0] for row in con.execute(f"{BIND}{check.sql}\n)").fetchall()]
    except duckdb.Error as exc:
        line, message = locate_error(exc, check.sql, len(BIND))
        return (), f"{check.source}:{line or check.line}: {message}"
    missing = [c for c in OUTPUT_COLUMNS if c not in names]
    if missing:
        return (), f"{check.source}:{check.line}: query lacks output columns {', '.join(missing)}"
    return OUTPUT_COLUMNS + tuple(c for c in OPTIONAL_COLUMNS if c in names), None


def locate_error(exc: duckdb.Error, text: str, offset: int) -> tuple[int | None, str]:
    """The line of `text` a DuckDB error points at (None when it gives no position) and its message in one line.

    With errors_as_json the message is JSON with a position in the statement, which began `offset`
    characters before `text`. DuckDB 1.5 counts a parser error's position in characters and a
    binder's in bytes of UTF-8 (they differ after "Tỷ lệ"), so the reading under which the
    position falls on the name the error quotes wins; else the parser's in characters, the others' in bytes."""
    raw = str(exc)
    kind, _, rest = raw.partition(": ")
    try:
        info = json.loads(rest)
    except ValueError:
        info = {"exception_message": rest}
    parts = [part.strip() for part in str(info.get("exception_message", rest)).splitlines() if part.strip()]
    hint = next((part for part in parts[1:] if part.startswith(("Did you mean", "Candidate bindings"))), None)
    message = f"{kind}: {parts[0] if parts else rest}" + (f" ({hint.replace(': :', ':')})" if hint else "")
    if not str(info.get("position", "")).isdecimal():
        found = re.search(r"LINE (\d+):", raw)
        return (int(found.group(1)) if found else None), message
    position = int(info["position"]) - offset
    as_chars = text[:max(position, 0)]
    as_bytes = text.encode("utf-8")[:max(position, 0)].decode("utf-8", errors="ignore")
    readings = [as_chars, as_bytes] if kind.startswith("Parser") else [as_bytes, as_chars]
    name = info.get("name") or next(iter(re.findall(r'"([^"]+)"', parts[0] if parts else "")), None)
    if name:
        readings.sort(key=lambda before: not text[len(before):].lower().startswith(name.lower()))
    return readings[0].count("\n") + 1, message


def type_titles(checks: tuple[Check, ...]) -> dict[str, str]:
    """Each check type's title, in the order the report shows the types: by rank, then by type."""
    titles: dict[str, tuple] = {}
    for check in checks:
        titles.setdefault(check.type, (check.rank is None, check.rank or 0, check.type, check.title))
        if check.rank is not None:   # a type's rank may be stated by one of its checks only
            titles[check.type] = (False, check.rank, check.type, check.title)
    return {t: title for _, _, t, title in sorted(titles.values())}


def checks_version(checks_dir: Path = CHECKS_DIR) -> str:
    digest = hashlib.sha256()
    for path in sorted(checks_dir.glob("CK[0-9][0-9]_*.sql")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def run_checks(con: duckdb.DuckDBPyConnection, report_ids: list[str], rules_version: str,
               checks: tuple[Check, ...] | None = None) -> int:
    """Run every check, in the order given (load_checks': its run order), over the given reports and
    insert the rows into `checks`; return the count."""
    checks = checks or load_checks()
    if not all(c.columns for c in checks):   # read, not loaded: bound here (once per process, see bind_checks)
        checks, problems = bind_checks(checks)
        if problems:
            raise CheckError(refusal(problems))
    con.execute((CHECKS_DIR / MACROS).read_text(encoding="utf-8"))
    con.execute("create or replace temp table _batch (report_id varchar)")
    con.executemany("insert into _batch values (?)", [[r] for r in report_ids])
    con.execute("create or replace temp table batch_facts as "
                "select * from facts where report_id in (select report_id from _batch)")
    con.execute("create or replace temp table _new_checks as select * from checks limit 0")
    total = 0
    for check in checks:
        select = ", ".join(check.columns)
        # one statement per check: its rows, numbered where several cite the same first fact
        (inserted,) = con.execute(f"""
            insert into _new_checks (check_id, rule_id, severity, rules_version, {select})
            select '{check.code}:' || fact_ids[1] || case when n > 1 then ':' || n else '' end,
                   '{check.code}', '{check.severity}', ?, {select}
            from (select *, row_number() over (partition by fact_ids[1] order by line, reported, fact_ids) as n
                  from (select {select} from ({check.sql}
)))
        """, [rules_version]).fetchone()
        total += inserted
    mark_scanned_numbers(con)
    key_claims(con, "_new_checks")   # the key reviewers' decisions follow (warehouse/claims.py)
    con.execute("insert into checks select * from _new_checks")
    con.execute("drop table if exists _new_checks")
    con.execute("drop table if exists batch_facts")
    return total


UNCERTAIN_REASON = "số đọc từ ảnh chưa chắc chắn"   # as extract/reading/ocr.py names it


def mark_scanned_numbers(con: duckdb.DuckDBPyConnection) -> None:
    """The checks of the batch (`_new_checks`) that cite numbers read by OCR from a scan, whatever the check.

    A mismatch or minor difference that cites an uncertain fact (facts.uncertain: a number OCR read with
    a confidence below the threshold, or with letters in it), or a sum (check type sum: totals, shares)
    over lines of a page on which, or right beside which, such a fact is printed (a part that could not
    be read is missing from it), becomes unverifiable with the reason
    "số đọc từ ảnh chưa chắc chắn": a misread digit ("3.915" as "3.910") makes a valid number, and a
    check must not report the scanner's error as the report's. A mismatch whose facts were all read
    confidently says it comes from the scan ("từ bản quét"), so the reader compares the printed page
    (facts.ocr_page and ocr_box say where it is)."""
    (scanned,) = con.execute("select count(*) from batch_facts where provenance = 'ocr'").fetchone()
    cited_elsewhere = con.execute("""
        select count(*) from (select unnest(fact_ids) as fact_id from _new_checks)
        where fact_id not in (select fact_id from batch_facts)""").fetchone()[0]
    if not scanned and not cited_elsewhere:
        return
    # the facts a check cites: the batch's, and those of other reports a cross-report check cites
    columns = "fact_id, report_id, page, line, provenance, uncertain, ocr_confidence, ocr_page"
    others = (f"union all select {columns} from facts where fact_id in (select fact_id from _cited_ids) "
              "and fact_id not in (select fact_id from batch_facts)" if cited_elsewhere else "")
    con.execute("create or replace temp table _cited_ids as "
                "select distinct unnest(fact_ids) as fact_id from _new_checks where status in ('mismatch', 'minor')")
    con.execute(f"""
        create or replace temp table _cited as
        select c.check_id, f.*
        from (select check_id, unnest(fact_ids) as fact_id from _new_checks where status in ('mismatch', 'minor')) as c
        join (select {columns} from batch_facts {others}) as f using (fact_id)
        where f.provenance = 'ocr'""")
    # what makes a check unsure: an uncertain fact it cites, or one printed on the lines it spans or right
    # beside them (a part of a sum or a share that could not be read, and so is missing from it)
    con.execute("""
        create or replace temp table _doubts as
        select check_id, page, line,
               case when ocr_confidence is null then printf('trang %d: không đọc được số', page)
                    else printf('trang %d, độ tin cậy %d', page, round(ocr_confidence)::integer) end as said
        from _cited where uncertain
        union
        select s.check_id, u.page, u.line,
               case when u.ocr_confidence is null then printf('trang %d, dòng %d bên cạnh: không đọc được số', u.page, u.line)
                    else printf('trang %d, dòng %d bên cạnh: độ tin cậy %d', u.page, u.line,
                                round(u.ocr_confidence)::integer) end
        from (select check_id, report_id, page, min(line) as low, max(line) as high from _cited
              where check_id in (select check_id from _new_checks where check_type = 'sum')
              group by check_id, report_id, page having count(*) > 1) as s
        join batch_facts as u on u.report_id = s.report_id and u.page = s.page
                             and u.line between s.low - 1 and s.high + 1
        where u.uncertain""")
    con.execute("""
        update _new_checks as c set status = 'unverifiable',
            message = 'Không kết luận: ' || ? || ' (' || u.said || '); đối chiếu với bản giấy. '
                      || 'Phép tính trên số đọc được: ' || coalesce(message, '')
        from (select check_id, string_agg(distinct said, '; ' order by said) as said from _doubts group by check_id) as u
        where c.check_id = u.check_id""", [UNCERTAIN_REASON])
    con.execute("""
        update _new_checks set message = coalesce(message, '') || ' (Số đọc từ bản quét, độ tin cậy đủ: đối chiếu với '
                                         || 'bản giấy trước khi kết luận.)'
        where status = 'mismatch' and check_id in (select check_id from _cited)""")
    con.execute("drop table if exists _doubts")
    con.execute("drop table if exists _cited")
    con.execute("drop table if exists _cited_ids")


def later_reports_of_locality(con: duckdb.DuckDBPyConnection, report_id: str) -> list[str]:
    """Reports of the same locality and a later year: their cross-report checks may cite this one."""
    rows = con.execute("""
        select later.report_id
        from reports as this join reports as later
          on later.locality = this.locality and later.year > this.year and later.report_id <> this.report_id
        where this.report_id = ?
        order by later.year, later.report_id
    """, [report_id]).fetchall()
    return [r for (r,) in rows]


def recheck_reports(con: duckdb.DuckDBPyConnection, report_ids: list[str], rules_version: str,
                    checks: tuple[Check, ...] | None = None) -> int:
    """Replace the checks of these reports by a fresh run (an earlier report they cite has arrived)."""
    if not report_ids:
        return 0
    con.execute("delete from checks where report_id in (select unnest(?::varchar[]))", [report_ids])
    return run_checks(con, report_ids, rules_version, checks)
