"""Reviewers' decisions: `python -m pipeline review CHECK_ID --as confirmed|false_alarm|explained`, or
`review --import FILE` with a file exported from the HTML page.

A decision is stored in review_decisions under the report and the key of its claim (checks.claim_key,
warehouse/claims.py: the check code and the claim's words with the numbers masked), never under the
check id, which `reextract` and a new version of the report change. Rows are only added: the latest
row of a claim is the decision in force (v_reviews), a row whose review is null withdraws it, the
rest is the history. Importing the same file twice adds nothing the second time.
"""
from __future__ import annotations

import getpass
import json
import math
import os
from dataclasses import astuple, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path

import duckdb

VERDICTS = ("confirmed", "false_alarm", "explained")
FILE_FORMAT = "solieu-review/1"
REVIEWER_ENV = "SOLIEU_REVIEWER"
MAX_NOTE = 2000
MAX_FILE_BYTES = 16 * 1024 * 1024


class ReviewError(Exception):
    """A decision that cannot be stored: an unknown check, a file that is not an export of the page."""


@dataclass(frozen=True)
class Decision:
    """One row of review_decisions, in its column order."""
    report_id: str
    claim_key: str
    review: str | None
    note: str | None
    reviewed_by: str | None
    reviewed_at: datetime           # naive, UTC (as the warehouse keeps its times)
    rule_id: str | None = None
    check_id: str | None = None
    status: str | None = None
    reported: float | None = None
    computed: float | None = None
    quote: str | None = None
    sentence: str | None = None
    sha256: str | None = None
    source: str | None = None


COLUMNS = tuple(f.name for f in fields(Decision))

# A check with its claim's key and what the decision records of it; by check id or by claim key.
CLAIM_QUERY = """
select c.report_id, c.claim_key, c.rule_id, c.check_id, c.status, c.reported, c.computed, f.raw as quote,
       s.text as sentence, r.sha256
from checks c
join reports r on r.report_id = c.report_id
left join facts f on f.fact_id = c.fact_ids[1]
left join sentences s on s.report_id = f.report_id and s.sentence_no = f.sentence_no
where c.claim_key is not null and (c.check_id = $id or c.claim_key = $id)
order by c.check_id = $id desc
limit 1
"""


def default_reviewer() -> str:
    """$SOLIEU_REVIEWER, else the login name."""
    name = os.environ.get(REVIEWER_ENV)
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def decide(con: duckdb.DuckDBPyConnection, check_or_claim: str, review: str | None, note: str | None = None,
           by: str | None = None, at: datetime | None = None) -> Decision:
    """The decision on the check (or the claim key) given: the check's claim, as it stands now."""
    if review is not None and review not in VERDICTS:
        raise ReviewError(f"unknown decision {review!r}: use one of {', '.join(VERDICTS)}")
    row = con.execute(CLAIM_QUERY, {"id": check_or_claim}).fetchone()
    if row is None:
        raise ReviewError(f"no check {check_or_claim!r} in the warehouse: the check ids are in the report's CSV "
                          f"(check_id) and in v_mismatches")
    report_id, claim_key, rule_id, check_id, status, reported, computed, quote, sentence, sha256 = row
    return Decision(report_id, claim_key, review, clean_note(note), by if by is not None else default_reviewer(),
                    at or utc_now(), rule_id, check_id, status, reported, computed, quote, sentence, sha256, "cli")


def clean_note(note: str | None) -> str | None:
    """A note as written, without surrounding blanks; none when empty; refused beyond MAX_NOTE characters."""
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ReviewError(f"the note has {len(note)} characters; at most {MAX_NOTE}")
    return note or None


def store(con: duckdb.DuckDBPyConnection, decisions: list[Decision]) -> int:
    """Add the decisions that are not stored already (same claim, time, decision, note and reviewer):
    importing a file twice adds nothing. Returns how many were added. The caller owns the transaction."""
    added = 0
    for d in decisions:
        known = con.execute(
            "select 1 from review_decisions where report_id = ? and claim_key = ? and reviewed_at = ? "
            "and review is not distinct from ? and note is not distinct from ? and reviewed_by is not distinct from ?",
            [d.report_id, d.claim_key, d.reviewed_at, d.review, d.note, d.reviewed_by]).fetchone()
        if known:
            continue
        con.execute(f"insert into review_decisions ({', '.join(COLUMNS)}) values ({', '.join('?' * len(COLUMNS))})",
                    list(astuple(d)))
        added += 1
    return added


# ---------------------------------------------------------------- the page's export file

@dataclass
class Imported:
    decisions: list[Decision]
    report_ids: list[str]
    unknown_claims: int        # decisions whose claim no check tests now (kept: a later version may bring it back)


def read_export(path: Path) -> dict:
    """The JSON the page's "Xuất" button writes, checked for its shape (ReviewError otherwise)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ReviewError(f"{path}: {path.stat().st_size} bytes is not a file of decisions (at most {MAX_FILE_BYTES})")
        payload = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ReviewError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReviewError(f"{path}: not a JSON file of decisions ({exc})") from exc
    if not isinstance(payload, dict) or payload.get("format") != FILE_FORMAT or not isinstance(payload.get("decisions"), list):
        raise ReviewError(f"{path}: not a file of decisions exported from a report page (format {FILE_FORMAT!r})")
    return payload


def import_decisions(con: duckdb.DuckDBPyConnection, path: Path, by: str | None = None) -> Imported:
    """The decisions of an exported file, checked against the warehouse: the report must be there;
    each decision keeps the claim key the page gave it (the page may be older than the checks)."""
    payload = read_export(path)
    report_id = payload.get("report_id")
    known_reports = {r for (r,) in con.execute("select report_id from reports").fetchall()}
    decisions, unknown = [], 0
    for number, item in enumerate(payload["decisions"], 1):
        where = f"{path}: decision {number}"
        if not isinstance(item, dict):
            raise ReviewError(f"{where}: not an object")
        rid = item.get("report_id") or report_id
        if rid not in known_reports:
            raise ReviewError(f"{where}: report {rid!r} is not in the warehouse")
        key, review = item.get("claim_key"), item.get("review") or None
        if not isinstance(key, str) or not key:
            raise ReviewError(f"{where}: no claim_key")
        if review is not None and review not in VERDICTS:
            raise ReviewError(f"{where}: unknown decision {review!r}: use one of {', '.join(VERDICTS)}")
        now = con.execute("select 1 from checks where report_id = ? and claim_key = ?", [rid, key]).fetchone()
        unknown += now is None
        decisions.append(Decision(
            rid, key, review, clean_note(text(item.get("note"), where, "note")),
            text(item.get("reviewed_by"), where, "reviewed_by") or by or default_reviewer(),
            parse_time(item.get("reviewed_at"), where), text(item.get("rule_id"), where, "rule_id"),
            text(item.get("check_id"), where, "check_id"), text(item.get("status"), where, "status"),
            number_or_none(item.get("reported"), where), number_or_none(item.get("computed"), where),
            text(item.get("quote"), where, "quote"), None, text(payload.get("sha256"), where, "sha256"),
            f"import:{path.name}"))
    return Imported(decisions, sorted({d.report_id for d in decisions}), unknown)


def text(value, where: str, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ReviewError(f"{where}: {name} is not text")
    return value


def number_or_none(value, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ReviewError(f"{where}: {value!r} is not a number")
    return float(value)


def parse_time(value, where: str) -> datetime:
    """An ISO time ('2026-12-06T18:20:17.473Z', as the page writes it) as naive UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise ReviewError(f"{where}: reviewed_at {value!r} is not an ISO time") from exc
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def describe(d: Decision) -> str:
    """One line for the terminal: what was decided about which claim."""
    what = d.review or "withdrawn"
    note = f" ({d.note})" if d.note else ""
    quote = f" «{d.quote}»" if d.quote else ""
    return f"{d.report_id} {d.check_id or d.claim_key}: {what}{note} by {d.reviewed_by or '?'} — claim{quote} [{d.claim_key}]"
