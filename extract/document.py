"""The per-document stage: one file in, its document, facts and problems out.

`process_file` is a pure function of the file's bytes and the rulebook, with no global state,
so it runs unchanged in a process pool (or a distributed engine): nothing here touches the
warehouse.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from contextlib import nullcontext
from dataclasses import replace

from extract.facts.engine import extract_facts
from extract.links.breakdowns import link_breakdowns, link_share_structures
from extract.links.counts import mark_counts
from extract.links.crossref import link_same_indicator
from extract.links.frames import frame_claims
from extract.links.indicators import assign_indicators
from extract.links.plans import resolve_plans
from extract.reading.errors import ReadError
from extract.reading.limits import Limits, explain_facts
from extract.reading.ocr import mark_ocr_facts, place_words
from extract.reading.source import read_source
from extract.records import Processed
from extract.rulebook import Rulebook
from extract.text.metadata import describe_report
from extract.text.segment import segment_document


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def process_file(path: Path | str, rulebook: Rulebook, sha256: str | None = None,
                 clock=None, limits: Limits = Limits()) -> Processed:
    """Read, normalise, segment and extract one report file. Raises ReadError for bad input,
    and for a file beyond the limits (size, pages, characters per page, facts).

    `clock` (pipeline.timing.StageClock, or anything with a `stage(name)` context) collects the
    seconds of each stage (read, segment, extract) when given."""
    path = Path(path)
    stage = clock.stage if clock is not None else (lambda name: nullcontext())
    with stage("read"):
        source = read_source(path, limits)
    with stage("segment"):
        document = segment_document(source, path.stem)
        if any(line.words for line in source.lines):   # a scan read by OCR: its words go with the text
            document = replace(document, words=place_words(document, source))
    with stage("extract"):
        return process_document(document, rulebook, sha256 or file_sha256(path), limits)


def process_document(document, rulebook: Rulebook, sha256: str, limits: Limits | None = None) -> Processed:
    """Extract facts from an already segmented document (also used by re-extraction).

    With `limits`, a document yielding more facts than allowed is refused (ReadError) before the
    stages that compare facts with each other run."""
    facts, problems = extract_facts(document, rulebook)
    if limits is not None and (problem := explain_facts(len(facts), limits)):
        raise ReadError(problem)
    info = describe_report(document)
    facts = assign_indicators(facts, document, rulebook, info)
    # a table's cells are linked within their table (extract/facts/grid.py): the frames, plans, breakdowns
    # and places of the same indicator of the running text are looked for among the other facts, and never
    # re-link a cell (a cell's column may be last year's, a plan, a part: its row label alone does not say)
    cell_codes = {rulebook.tables.get("cell_code"), rulebook.tables.get("difference_code")}
    cells = [f for f in facts if f.rule in cell_codes]
    facts = frame_claims([f for f in facts if f.rule not in cell_codes], document, rulebook.frames)
    facts = resolve_plans(facts, document, rulebook.plan_words, rulebook.frames)
    if rulebook.lexicon.breakdown_triggers is not None:
        facts = link_breakdowns(document, facts, rulebook.lexicon.breakdown_triggers, rulebook.lexicon.not_summed)
    if rulebook.lexicon.structure_triggers is not None:
        facts = link_share_structures(document, facts, rulebook.lexicon.structure_triggers)
    facts = link_same_indicator(facts, document.text, {s.index: s.start for s in document.sentences}, info["year"])
    facts = sorted(facts + cells, key=lambda f: f.char_start)
    facts = mark_counts(document, facts, rulebook.lexicon.indicator_counts)
    facts = mark_ocr_facts(facts, document)
    return Processed(document=document, facts=tuple(facts), problems=tuple(document.problems) + tuple(problems),
                     sha256=sha256, title=info["title"], locality=info["locality"], year=info["year"],
                     period=info["period"])
