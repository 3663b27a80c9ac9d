"""Rebuild a report's Document from what the warehouse stored, without the source file.

Re-extraction runs new rules over old reports; the source files may be gone or moved, and
reading a PDF again is slow and could normalise differently. The warehouse already holds
everything segmenting produced — the canonical text (reports.text), where each stretch came from
(line_map), blocks with their sections (sections), sentences, footnotes, table rows and the words
OCR read on a scan with their confidences (ocr_words) — so the
Document is read back from those tables, exactly as it was when the report was ingested.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from extract.records import Block, Document, Footnote, OcrWord, Problem, Segment, Sentence, TableRow
from extract.text.segment import split_cells


def read_document(con: duckdb.DuckDBPyConnection, report_id: str) -> Document:
    """The Document the report was segmented into at ingest, rebuilt from the warehouse tables."""
    row = con.execute("select source_path, fmt, text, pages, encoding, fixes from reports where report_id = ?",
                      [report_id]).fetchone()
    if row is None:
        raise KeyError(f"no report {report_id!r} in the warehouse")
    source_path, fmt, text, pages, encoding, fixes = row

    def rows(sql: str) -> list[tuple]:
        return con.execute(sql, [report_id]).fetchall()

    segments = tuple(Segment(*r) for r in rows(
        "select char_start, char_end, page, line from line_map where report_id = ? order by char_start, line"))
    blocks = tuple(Block(kind, start, end, section or "", footnote) for kind, start, end, section, footnote in rows(
        "select kind, char_start, char_end, section, footnote from sections where report_id = ? order by block_no"))
    sentences = tuple(Sentence(index, start, end, kind, section or "", footnote)
                      for index, start, end, kind, section, footnote in rows(
        "select sentence_no, char_start, char_end, kind, section, footnote from sentences "
        "where report_id = ? order by sentence_no"))
    footnotes = tuple(Footnote(*r) for r in rows(
        "select number, char_start, char_end, marker_start, sentence_no from footnotes "
        "where report_id = ? order by number"))
    table_rows = tuple(TableRow(table, row_no, start, end, split_cells(text, 0, start, end), bool(header))
                       for table, row_no, start, end, header in rows(
        "select table_no, row_no, char_start, char_end, header from table_rows "
        "where report_id = ? order by table_no, row_no"))
    words = tuple(OcrWord(start, end, word, confidence, page, tuple(box or (0.0, 0.0, 0.0, 0.0)))
                  for start, end, page, word, confidence, box in rows(
        "select char_start, char_end, page, text, confidence, box from ocr_words "
        "where report_id = ? order by char_start, char_end"))
    return Document(doc=Path(source_path).stem, path=source_path, fmt=fmt, text=text, segments=segments,
                    blocks=blocks, sentences=sentences, footnotes=footnotes, table_rows=table_rows,
                    pages=pages, encoding=encoding, fixes=tuple(fixes or ()), problems=read_problems(con, report_id),
                    words=words)


def read_problems(con: duckdb.DuckDBPyConnection, report_id: str) -> tuple[Problem, ...]:
    """Problems met while reading and segmenting the file (read.*, segment.*): they belong to the
    document and survive re-extraction; the others come from the rules and are made anew."""
    return tuple(Problem(*r) for r in con.execute(
        "select code, message, char_start, char_end from problems "
        "where report_id = ? and (code like 'read.%' or code like 'segment.%') "
        "order by char_start nulls first, code", [report_id]).fetchall())
