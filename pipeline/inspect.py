"""For rule authors: the facts extracted from some lines of a report, without a warehouse.

    .venv/bin/python -m pipeline.inspect FILE [LINE ...]

The rules are those of $SOLIEU_RULES, else the project's rules/, as for `python -m pipeline`.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from extract.cases import load_checked_rulebook
from extract.document import process_file
from extract.rulebook import Rulebook, RulebookError
from extract.text.segment import LineMap


def show(path: str, lines: set[int], rulebook: Rulebook) -> None:
    processed = process_file(Path(path), rulebook, "0" * 64)
    locate = LineMap(processed.document)
    for fact in processed.facts:
        page, line = locate(fact.char_start)
        if lines and line not in lines:
            continue
        print(f"l.{line} {fact.rule} {fact.kind:<9} {fact.raw!r} value={fact.value} plan={fact.plan} "
              f"percent={fact.percent} unit={fact.unit} base={fact.base} change={fact.change} "
              f"label={fact.label!r} ind={fact.indicator} status={fact.status}"
              + (f" flag={fact.flag}" if fact.flag else ""))


def main(argv: list[str]) -> int:
    """The facts of the lines asked for, once the rules load and their cases hold (exit 2 otherwise)."""
    try:
        rulebook = load_checked_rulebook(os.environ.get("SOLIEU_RULES"))
    except RulebookError as exc:
        print(exc, file=sys.stderr)
        return 2
    show(argv[0], {int(x) for x in argv[1:]}, rulebook)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
