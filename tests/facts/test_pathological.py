"""Pathological text through the whole pipeline: 1 MB lines of digits, dots and commas, of one
digit, of letters and spaces, of spaces, and of report words and figures packed together. No rule
may backtrack catastrophically and no stage may be quadratic in a line: the ingest must finish
within a wall-clock limit, in a subprocess so that a hang fails the test instead of the run.
"""
from __future__ import annotations

import random
import subprocess
import sys

import duckdb

from conftest import ROOT

MB = 1 << 20
WALL_CLOCK_SECONDS = 60   # about 20 s on a 2-core machine; a quadratic stage takes hours


def pathological_lines(chance: random.Random) -> list[str]:
    words = ["đạt ", "1.234", ",5", "% ", "KH ", "/", "tỷ đồng ", " ", "(", ")", "bằng ", "trong đó ", "gồm "]
    return ["".join(chance.choice("0123456789.,") for _ in range(MB)),
            "7" * MB,
            "".join(chance.choice(" abcđạtxyz") for _ in range(MB)),
            " " * MB,
            "".join(chance.choice(words) for _ in range(MB // 4))[:MB]]


def test_megabyte_lines_of_digits_letters_and_figures_finish(tmp_path):
    report = tmp_path / "patho.txt"
    lines = pathological_lines(random.Random(1))
    # one line per page: a text page may hold up to 2 000 000 characters (--max-page-chars)
    report.write_text("UBND HUYỆN YÊN THẠCH\n\nBÁO CÁO\n\n" + "\n\f".join(lines) + "\n", encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    result = subprocess.run([sys.executable, "-m", "pipeline", "ingest", str(report), "--warehouse", str(warehouse)],
                            cwd=ROOT, capture_output=True, text=True, timeout=WALL_CLOCK_SECONDS)
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(str(warehouse), read_only=True)
    (text,) = con.execute("select text from reports").fetchone()
    facts = con.execute("select raw, char_start, char_end from facts").fetchall()
    cut = con.execute("select count(*) from problems where code = 'segment.sentence_too_long'").fetchone()[0]
    con.close()
    assert facts and all(text[start:end] == raw for raw, start, end in facts)
    assert cut >= 1, "the long lines are cut into sentences of bounded length, and the cut is explained"
