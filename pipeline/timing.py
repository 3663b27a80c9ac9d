"""Seconds per ingest stage, summed over the reports of a run: what `ingest --timings` prints.

The per-document stages (read, segment, extract) run in worker processes, so their sums are
worker-seconds and may exceed the wall time; load, check, publish and report run in the one writer
(publish: copying the warehouse, checkpointing the copy and renaming it onto the warehouse,
warehouse/publish.py).
`pipeline bench` reads the printed table back with `parse_timings`.
"""
from __future__ import annotations

import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

STAGES = ("read", "segment", "extract", "rows", "load", "check", "publish", "report")
WORKER_STAGES = ("read", "segment", "extract", "rows")   # rows: laying out a report's warehouse rows
HEADER = "timings (seconds)"
TIMING_LINE = re.compile(r"^\s+(\w+)\s+(\d+\.\d+)\b")


@dataclass
class StageClock:
    """Accumulates wall seconds per stage name, and how many worker processes shared the work."""
    seconds: dict = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    workers: int = 0

    @contextmanager
    def stage(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def add(self, seconds: dict) -> None:
        """Fold in the seconds measured elsewhere (a worker's, for one report)."""
        for name, value in seconds.items():
            self.seconds[name] = self.seconds.get(name, 0.0) + value


def format_timings(seconds: dict, wall: float, workers: int) -> str:
    """The table `--timings` prints to stderr.

    >>> print(format_timings({"read": 0.5, "load": 0.25}, 2.0, 2))
    timings (seconds); read, segment, extract, rows summed over 2 worker processes
      read       0.500
      load       0.250
      wall       2.000
    """
    where = f"{workers} worker process{'es' if workers != 1 else ''}" if workers else "the main process"
    lines = [f"{HEADER}; {', '.join(WORKER_STAGES)} summed over {where}"]
    lines += [f"  {name:<10}{seconds[name]:6.3f}" for name in STAGES if name in seconds]
    lines.append(f"  {'wall':<10}{wall:6.3f}")
    return "\n".join(lines)


def parse_timings(text: str) -> dict[str, float]:
    """Stage -> seconds from output that contains a `format_timings` table (empty when none).

    >>> parse_timings("1 ingested\\n" + format_timings({"read": 0.5}, 2.0, 1))
    {'read': 0.5, 'wall': 2.0}
    """
    found, inside = {}, False
    for line in text.splitlines():
        if line.startswith(HEADER):
            inside, found = True, {}
            continue
        m = TIMING_LINE.match(line) if inside else None
        if m:
            found[m.group(1)] = float(m.group(2))
        else:
            inside = False
    return found
