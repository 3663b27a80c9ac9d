"""Run the consistency checks: one SQL file per check in warehouse/checks/, declared by its header.

A check file's header (`-- key: value` lines) gives its code, name, type, severity and why, plus
`flags:` and `passes:` lines: sentences in report language that the check must flag and must pass;
tests/warehouse/test_checks.py runs them. A check that compares reports may add `given:` lines: the lines of
an earlier report, loaded into the example's warehouse before each example. The query returns one row per claim tested, with at least
check_type, status, reported, computed, fact_ids, line, page, report_id and message. It reads the
batch's facts from the temporary table `batch_facts` (the rows of `facts` of the reports listed in
`_batch`, copied once per batch: a check that scanned `facts` itself grew slower with every report
in the warehouse) and `facts` only for other reports (CK40). Files run in code order, so a later
check can skip claims an earlier one already covered (`_new_checks`).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

CHECKS_DIR = Path(__file__).resolve().parent / "checks"
REQUIRED = ("code", "name", "type", "severity", "why")
OUTPUT_COLUMNS = ("check_type", "status", "reported", "computed", "fact_ids", "line", "page", "report_id", "message")
EXAMPLES = ("flags", "passes", "given")
OPTIONAL_COLUMNS = ("reported_low", "reported_high", "computed_low", "computed_high", "difference", "decision")


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


def parse_header(text: str, source: str) -> dict:
    header, key = {"flags": [], "passes": [], "given": []}, None
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        m = re.match(r"--\s{0,4}(\w+):\s*(.*)$", line)
        if m and m.group(1) in REQUIRED + EXAMPLES:
            key, value = m.group(1), m.group(2).strip()
            if key in EXAMPLES:  # an example may span lines (\n) and table cells (\t)
                header[key].append(value.replace("\\n", "\n").replace("\\t", "\t"))
            else:
                header[key] = value
        elif key and key not in EXAMPLES:
            header[key] += " " + line[2:].strip()
    return header


def load_checks(checks_dir: Path = CHECKS_DIR) -> tuple[Check, ...]:
    problems, checks = [], []
    for path in sorted(checks_dir.glob("CK[0-9][0-9]_*.sql")):
        text = path.read_text(encoding="utf-8")
        header = parse_header(text, path.name)
        missing = [k for k in REQUIRED if k not in header]
        if missing:
            problems.append(f"{path.name}:1: header lacks {', '.join(missing)}")
            continue
        if not path.stem.startswith(header["code"] + "_"):
            problems.append(f"{path.name}:1: code {header['code']} does not match the file name")
        if not header["flags"] or not header["passes"]:
            problems.append(f"{path.name}:1: header needs at least one 'flags:' and one 'passes:' example")
        checks.append(Check(header["code"], header["name"], header["type"], header["severity"], header["why"],
                            tuple(header["flags"]), tuple(header["passes"]), text, path.name,
                            tuple(header["given"])))
    codes = [c.code for c in checks]
    problems += [f"{c}: duplicate check code" for c in set(codes) if codes.count(c) > 1]
    if problems:
        raise CheckError("check files refused:\n" + "\n".join(f"  {p}" for p in problems))
    return tuple(checks)


def checks_version(checks_dir: Path = CHECKS_DIR) -> str:
    digest = hashlib.sha256()
    for path in sorted(checks_dir.glob("CK[0-9][0-9]_*.sql")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def run_checks(con: duckdb.DuckDBPyConnection, report_ids: list[str], rules_version: str,
               checks: tuple[Check, ...] | None = None) -> int:
    """Run every check over the given reports and insert the rows into `checks`; return the count."""
    checks = checks or load_checks()
    con.execute((CHECKS_DIR / "macros.sql").read_text(encoding="utf-8"))
    con.execute("create or replace temp table _batch (report_id varchar)")
    con.executemany("insert into _batch values (?)", [[r] for r in report_ids])
    con.execute("create or replace temp table batch_facts as "
                "select * from facts where report_id in (select report_id from _batch)")
    con.execute("create or replace temp table _new_checks as select * from checks limit 0")
    total = 0
    for check in checks:
        select = output_columns(con, check)
        # one statement per check: its rows, numbered where several cite the same first fact
        (inserted,) = con.execute(f"""
            insert into _new_checks (check_id, rule_id, severity, rules_version, {select})
            select '{check.code}:' || fact_ids[1] || case when n > 1 then ':' || n else '' end,
                   '{check.code}', '{check.severity}', ?, {select}
            from (select *, row_number() over (partition by fact_ids[1] order by line, reported, fact_ids) as n
                  from (select {select} from ({check.sql})))
        """, [rules_version]).fetchone()
        total += inserted
    con.execute("insert into checks select * from _new_checks")
    con.execute("drop table if exists _new_checks")
    con.execute("drop table if exists batch_facts")
    return total


_columns: dict[str, str] = {}   # check query -> the output columns it has (binding a check costs as much as a small run)


def output_columns(con: duckdb.DuckDBPyConnection, check: Check) -> str:
    """The columns to take from a check's rows; CheckError when its query fails or lacks a column."""
    if check.sql not in _columns:
        try:
            columns = set(con.sql(check.sql).columns)
        except duckdb.Error as exc:
            raise CheckError(f"{check.source}: query failed: {exc}") from exc
        missing = [c for c in OUTPUT_COLUMNS if c not in columns]
        if missing:
            raise CheckError(f"{check.source}: query lacks columns {missing}")
        _columns[check.sql] = ", ".join(OUTPUT_COLUMNS + tuple(c for c in OPTIONAL_COLUMNS if c in columns))
    return _columns[check.sql]


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
