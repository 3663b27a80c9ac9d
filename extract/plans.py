"""Find the plan of a share printed without it, elsewhere in the report.

"Tổng nguồn vốn được giao: 4.969 triệu đồng … Ước thực hiện năm 4.772 triệu đồng, đạt 90,03%":
the share's plan is the allocation stated a sentence earlier. A plan is taken from
  1. the nearest earlier figure of the same section announced as a plan (status "kế hoạch",
     from rules/indicators.toml `plan_words`), in the same unit, a few sentences back at most; or
  2. the annex row of the same indicator, when exactly one row matches.
The fact keeps where its plan came from (`plan_source`, `extra["plan_from"]`), so the check can
cite both places.
"""
from __future__ import annotations

from dataclasses import replace

from extract.records import Document, Fact

MAX_SENTENCES_BACK = 6


def _needs_plan(fact: Fact) -> bool:
    return (fact.kind == "ratio" and fact.plan is None and fact.value is not None and fact.percent is not None
            and fact.flag is None and (fact.base or "plan") in ("plan", "budget"))


def _section_of(document: Document, fact: Fact) -> str | None:
    if fact.sentence is None:
        return None
    return document.sentences[fact.sentence].section


def find_section_plan(fact: Fact, facts: list[Fact], document: Document) -> Fact | None:
    section = _section_of(document, fact)
    candidates = [g for g in facts
                  if g.status == "kế hoạch" and g.kind == "value" and g.value and g.value > 0
                  and g.char_end <= fact.char_start and g.unit == fact.unit
                  and g.sentence is not None and fact.sentence is not None
                  and fact.sentence - MAX_SENTENCES_BACK <= g.sentence <= fact.sentence
                  and _section_of(document, g) == section]
    return max(candidates, key=lambda g: g.char_start) if candidates else None


def find_annex_plan(fact: Fact, facts: list[Fact]) -> Fact | None:
    rows = [g for g in facts if g.kind == "annex_row" and g.indicator and g.indicator == fact.indicator
            and g.plan is not None and g.plan > 0 and g.comparator is None and g.unit in (fact.unit, None)]
    return rows[0] if len(rows) == 1 else None


def resolve_plans(facts: list[Fact], document: Document) -> list[Fact]:
    """Give each share printed without its plan the plan found elsewhere in the report."""
    out = []
    for fact in facts:
        if _needs_plan(fact):
            source, where = find_section_plan(fact, facts, document), "section"
            plan = source.value if source else None
            raw = source.value_raw if source else None
            if source is None:
                source, where = find_annex_plan(fact, facts), "annex"
                plan = source.plan if source else None
                raw = source.plan_raw if source else None
            if source is not None:
                fact = replace(fact, plan=plan, plan_raw=raw,
                               extra={**fact.extra, "plan_from": (source.char_start, source.rule),
                                      "plan_source": where})
        out.append(fact)
    return out
