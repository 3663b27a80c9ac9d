"""For rule authors: the facts extracted from some lines of a report, without a warehouse.

    .venv/bin/python -m pipeline.inspect FILE [LINE ...]
"""
from __future__ import annotations

import sys
from pathlib import Path

from extract.rulebook import default_rulebook
from extract.text.segment import LineMap
from extract.document import process_file


def show(path: str, lines: set[int]) -> None:
    processed = process_file(Path(path), default_rulebook(), "0" * 64)
    locate = LineMap(processed.document)
    for fact in processed.facts:
        page, line = locate(fact.char_start)
        if lines and line not in lines:
            continue
        print(f"l.{line} {fact.rule} {fact.kind:<9} {fact.raw!r} value={fact.value} plan={fact.plan} "
              f"percent={fact.percent} unit={fact.unit} base={fact.base} change={fact.change} "
              f"label={fact.label!r} ind={fact.indicator} status={fact.status}"
              + (f" flag={fact.flag}" if fact.flag else "") )


if __name__ == "__main__":
    show(sys.argv[1], {int(x) for x in sys.argv[2:]})
