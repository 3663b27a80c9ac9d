"""Turn a Document's sentences and table rows into Facts, driven by the rule files.

The engine knows no rule by name. For each sentence it
  1. marks the spans that are not figures (kind "nonfact": dates, document numbers, years …);
  2. runs the fact rules from the highest priority down; a match is kept when its primary
     number (the percent, else the value) is not already part of a kept fact and none of its
     numbers sits in a non-fact span;
  3. builds each fact from the match's named groups, parsing numbers strictly and multiplying
     scale words and units (lexicon.toml) into base units.
Annex tables are read column by column (rules/tables.toml), one fact per data row; other tables cell by
cell, with the relations their rows show between columns (extract/facts/grid.py).
"""
from __future__ import annotations

from dataclasses import replace

from extract.facts.sentences import extract_sentence
from extract.facts.grid import extract_grid_tables
from extract.facts.tables import extract_table_rows, map_columns
from extract.records import Document, Fact, Problem, Sentence, SourceDoc, SourceLine
from extract.rulebook import Rulebook, default_rulebook
from extract.text.segment import LineMap, segment_document


def extract_facts(document: Document, rulebook: Rulebook | None = None) -> tuple[list[Fact], list[Problem]]:
    """All facts of a document: sentence rules over body, footnotes and headings; annex rows."""
    rulebook = rulebook or default_rulebook()
    facts: list[Fact] = []
    for sentence in document.sentences:
        if sentence.kind == "table":
            continue
        facts.extend(extract_sentence(document.text, sentence, rulebook))
    annex = extract_table_rows(document, rulebook)
    # a table is the annex reader's when it read figures from it (a header with "Chỉ tiêu" and no plan,
    # actual or percent column gives rows without figures: its columns are left to extract/facts/grid.py)
    annex_tables = {f.table for f in annex if (f.value, f.plan, f.percent) != (None, None, None)}
    facts.extend(anchor_on_cells(document, annex, rulebook))
    cells, cell_problems = extract_grid_tables(document, rulebook, annex=annex_tables)
    facts.extend(cells)
    problems = [Problem("number.malformed", f.flag, f.char_start, f.char_end) for f in facts if f.flag]
    return facts, problems + cell_problems


def anchor_on_cells(document: Document, annex: list[Fact], rulebook: Rulebook) -> list[Fact]:
    """An annex row printed one cell per line is anchored on its percent cell (else its actual, else its plan
    cell), the line where its claim is printed, rather than on its row number's line."""
    rows = {(r.table, r.row): r for r in document.table_rows}
    locate = LineMap(document)
    roles: dict[int, dict[int, str]] = {}
    for row in document.table_rows:
        if row.header:
            roles[row.table] = map_columns(row, rulebook.tables)
    out = []
    for fact in annex:
        row = rows.get((fact.table, fact.table_row))
        if row is None or len({locate(c.start) for c in row.cells if c.text}) < 2:
            out.append(fact)
            continue
        by_role = {role: row.cells[i] for i, role in roles.get(fact.table, {}).items() if i < len(row.cells)}
        cell = next((by_role[r] for r in ("percent", "actual", "plan") if r in by_role and by_role[r].text), None)
        out.append(replace(fact, char_start=cell.start, char_end=cell.end, raw=cell.text) if cell else fact)
    return out


def extract_from_text(text: str, rulebook: Rulebook | None = None, only: str | None = None) -> tuple[list[Fact], list[Problem]]:
    """Facts of a short text treated as one sentence (used by the rule examples)."""
    rulebook = rulebook or default_rulebook()
    sentence = Sentence(0, 0, len(text), "body", "")
    facts = extract_sentence(text, sentence, rulebook)
    if only:
        facts = [f for f in facts if f.rule == only]
    return facts, [Problem("number.malformed", f.flag, f.char_start, f.char_end) for f in facts if f.flag]




def document_from_text(text: str, doc: str = "inline") -> Document:
    """A Document from a text string, as if read from a .txt file (for tests and examples)."""
    lines = tuple(SourceLine(1, i, line) for i, line in enumerate(text.split("\n"), 1))
    return segment_document(SourceDoc(f"{doc}.txt", "txt", lines, 1), doc)
