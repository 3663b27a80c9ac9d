"""Fault injection for the crash tests: `SOLIEU_FAULT=after_load:2` kills the ingest (SIGKILL, as
the OOM killer or a power cut would) the second time it reaches the point `after_load`.

Named points, in the order a report passes them (pipeline/run.py):
  after_read     the file is read and its facts found; nothing written yet
  after_load     its rows are inserted, its checks not yet run (the transaction is open)
  before_commit  its checks are inserted; the commit is next
  before_publish it is committed in the writer's copy of the warehouse, not yet published
                 (warehouse/publish.py): readers do not see it, and a kill loses it
  after_commit   it is committed and published; its HTML/Markdown/CSV report is not written yet

tests/warehouse/test_faults.py kills a batch at each point and asserts that the warehouse opens, holds only
complete reports, and that a rerun finishes the batch. Without the variable a point costs one
dictionary lookup.
"""
from __future__ import annotations

import os
import signal
from collections import Counter

FAULT_ENV = "SOLIEU_FAULT"
POINTS = ("after_read", "after_load", "before_commit", "before_publish", "after_commit")
_reached: Counter = Counter()   # per process: how often each point was passed


def parse_fault(spec: str | None) -> tuple[str, int] | None:
    """The point and the count a fault spec names; None when unset.

    >>> parse_fault("after_load:2"), parse_fault("after_commit"), parse_fault("")
    (('after_load', 2), ('after_commit', 1), None)
    >>> parse_fault("after_lunch:1")
    Traceback (most recent call last):
    ValueError: $SOLIEU_FAULT: unknown point 'after_lunch'; one of after_read, after_load, before_commit, before_publish, after_commit
    """
    if not spec:
        return None
    point, _, count = spec.partition(":")
    if point not in POINTS:
        raise ValueError(f"${FAULT_ENV}: unknown point {point!r}; one of {', '.join(POINTS)}")
    return point, int(count or 1)


def reach(point: str) -> None:
    """Mark `point` as passed; kill this process there if $SOLIEU_FAULT asks for it."""
    fault = parse_fault(os.environ.get(FAULT_ENV))
    if fault is None:
        return
    _reached[point] += 1
    if fault == (point, _reached[point]):
        os.kill(os.getpid(), signal.SIGKILL)
