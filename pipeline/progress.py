"""One progress line for a person at a terminal: reports done, reports per second, time left, failures.

An ingest of a whole archive prints one line per report, which scrolls thousands of lines past
a reader; on a terminal the line is rewritten in place instead ("\\r" and erase-line), and a
failed file still gets its own error line above it. Pipes and CI logs keep the plain one line
per report (`ingest` decides with `isatty`).
"""
from __future__ import annotations

import sys
import time

ERASE = "\r\033[K"


def format_duration(seconds: float) -> str:
    """'42s', '3m05s', '1h02m'.

    >>> format_duration(42.4), format_duration(185), format_duration(3725)
    ('42s', '3m05s', '1h02m')
    """
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def describe_progress(done: int, total: int, failed: int, elapsed: float) -> str:
    """The line itself.

    >>> describe_progress(25, 100, 1, 5.0)
    '25/100 reports, 5.0 reports/s, about 15s left, 1 failed'
    >>> describe_progress(0, 100, 0, 0.1)
    '0/100 reports'
    """
    line = f"{done}/{total} reports"
    if done and elapsed > 0:
        rate = done / elapsed
        line += f", {rate:.1f} reports/s, about {format_duration((total - done) / rate)} left"
    if failed:
        line += f", {failed} failed"
    return line


class ProgressLine:
    """Callable as ingest's `on_outcome`: redraws the line after each file; `close()` ends it."""

    def __init__(self, total: int, stream=None, errors=None):
        self.total, self.done, self.failed = total, 0, 0
        self.stream, self.errors = stream or sys.stdout, errors or sys.stderr
        self.started = time.perf_counter()
        self.draw()

    def __call__(self, outcome, seconds: float | None = None) -> None:
        from pipeline.run import format_outcome
        self.done += 1
        if outcome.status == "failed":
            self.failed += 1
            self.stream.write(ERASE)
            self.stream.flush()
            print(format_outcome(outcome), file=self.errors, flush=True)
        self.draw()

    def draw(self) -> None:
        line = describe_progress(self.done, self.total, self.failed, time.perf_counter() - self.started)
        self.stream.write(ERASE + line)
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()
