"""Annex tables read column by column (rules/tables.toml): one annex_row fact per data row."""
from __future__ import annotations

import bisect
from decimal import Decimal

import regex

from extract.facts.numbers import parse_number
from extract.facts.units import SPACES, display_unit, lookup_unit
from extract.records import Document, Fact, TableRow
from extract.rulebook import Rulebook


def map_columns(header: TableRow, config: dict) -> dict[int, str]:
    """Column index -> role (stt, indicator, unit, plan, actual, percent, assessment, previous).

    Several "TH <year>" columns: the earliest year is the previous period, the latest the actual.
    """
    roles: dict[int, str] = {}
    actual_candidates: list[tuple[int, int]] = []
    for index, cell in enumerate(header.cells):
        name = regex.sub(r"\s+", " ", cell.text).strip().lower()
        for role, patterns in config["columns"]:
            if not any(p.search(name) for p in patterns):
                continue
            if role == "actual":
                year = regex.search(r"(?:19|20)\d\d", name)
                actual_candidates.append((int(year.group(0)) if year else 9999, index))
                break
            if role not in roles.values():  # "Chỉ tiêu NQ giao" after "Chỉ tiêu": try the next role
                roles[index] = role
                break
    actual_candidates.sort()
    for position, (_, index) in enumerate(actual_candidates):
        roles[index] = "actual" if position == len(actual_candidates) - 1 else "previous"
    return roles


COMPARATOR_CELL = regex.compile(r"^\s*(?P<comparator>[<>≤≥]=?|trên|dưới|tối thiểu|tối đa)?\s*(?P<number>\d[\d.,]*)"
                                r"(?:\s*[-–]\s*(?P<high>\d[\d.,]*))?\s*$")
COMPARATOR_WORDS = {"trên": ">", "dưới": "<", "tối thiểu": ">=", "tối đa": "<=", "≥": ">=", "≤": "<=",
                    ">=": ">=", "<=": "<=", ">": ">", "<": "<"}


def parse_cell(text: str) -> tuple[Decimal | None, str | None, Decimal | None, str | None]:
    """(number, comparator, high end of a range, problem) of an annex cell: '<12', '>99', '7-8', '3.803'.

    >>> parse_cell(">99")
    (Decimal('99'), '>', None, None)
    >>> parse_cell("7-8")
    (Decimal('7'), 'range', Decimal('8'), None)
    """
    m = COMPARATOR_CELL.match(text.strip())
    if not m:
        return None, None, None, None
    value, _, problem = parse_number(m.group("number"))
    high, _, problem_high = parse_number(m.group("high"))
    comparator = COMPARATOR_WORDS.get(m.group("comparator") or "")
    if high is not None:
        comparator = "range"
    return value, comparator, high, problem or problem_high


def extract_table_rows(document: Document, rulebook: Rulebook) -> list[Fact]:
    """One annex_row fact per data row of every table whose header names its columns."""
    config = rulebook.tables
    starts = [sentence.start for sentence in document.sentences]
    facts: list[Fact] = []
    roles: dict[int, str] = {}
    current_table = None
    for row in document.table_rows:
        if row.table != current_table:
            current_table, roles = row.table, {}
        if row.header:
            roles = map_columns(row, config)
            continue
        if not roles or "indicator" not in roles.values():
            continue
        cells = {roles[i]: c for i, c in enumerate(row.cells) if i in roles}
        indicator = cells.get("indicator")
        if indicator is None or not indicator.text:
            continue
        plan_cell, actual_cell = cells.get("plan"), cells.get("actual")
        unit_cell = cells.get("unit")
        unit, scale, unit_kind = lookup_unit(unit_cell.text if unit_cell else None, rulebook.lexicon)
        if unit == "%":
            scale = Decimal(1)
        plan, comparator, plan_high, p1 = parse_cell(plan_cell.text) if plan_cell else (None, None, None, None)
        actual, actual_cmp, _, p2 = parse_cell(actual_cell.text) if actual_cell else (None, None, None, None)
        prev_cell = cells.get("previous")
        previous, _, _, p3 = parse_cell(prev_cell.text) if prev_cell else (None, None, None, None)
        pct_cell = cells.get("percent")
        percent, percent_decimals, p4 = parse_number(pct_cell.text) if pct_cell and COMPARATOR_CELL.match(pct_cell.text) else (None, None, None)
        label_cell = cells.get("assessment")
        stt_cell = cells.get("stt")
        scaled = lambda x: x * scale if x is not None else None  # noqa: E731
        facts.append(Fact(
            rule=config["code"], kind="annex_row", raw=document.text[row.start:row.end], char_start=row.start,
            char_end=row.end, sentence=_sentence_at(document, starts, row.start),
            value=scaled(actual), plan=scaled(plan), percent=percent,
            value_raw=actual_cell.text if actual_cell else None, plan_raw=plan_cell.text if plan_cell else None,
            percent_raw=pct_cell.text if pct_cell else None, percent_decimals=percent_decimals if percent is not None else None,
            unit=display_unit(unit_cell.text, rulebook.lexicon) if unit_cell and unit_cell.text else None,
            unit_raw=unit_cell.text if unit_cell else None, unit_kind=unit_kind,
            unit_exact=rulebook.lexicon.is_exact(unit_kind),
            value_scale=scale if actual is not None else None, plan_scale=scale if plan is not None else None,
            base="plan" if plan is not None else None,
            comparator=comparator or actual_cmp, value_high=scaled(plan_high) if plan_high is not None else None,
            label=indicator.text, assessment=label_cell.text if label_cell and label_cell.text else None,
            stt=stt_cell.text if stt_cell and stt_cell.text else None, table_row=row.row,
            flag="; ".join(p for p in (p1, p2, p3, p4) if p) or None,
            previous=scaled(previous), plan_text=plan_cell.text if plan_cell else None, table=row.table,
            assessment_code=assessment_code(label_cell.text if label_cell else None, config),
        ))
    return facts


def assessment_code(label: str | None, config: dict) -> str | None:
    """met / exceeded / not_met for an annex label such as "Đạt", "Vượt KH", "Không đạt"."""
    if not label:
        return None
    return config["labels"].get(SPACES.sub(" ", label.strip().lower()))


def _sentence_at(document: Document, starts: list[int], offset: int) -> int | None:
    """The sentence holding `offset` (sentences are in text order and do not overlap; `starts` are theirs)."""
    i = bisect.bisect_right(starts, offset) - 1
    if i >= 0 and offset < document.sentences[i].end:
        return document.sentences[i].index
    return None

