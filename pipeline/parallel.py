"""The per-document stage in worker processes, ahead of the one writer, in the order files are listed.

`process_file` is a pure function of a file and the rulebook, so worker processes run it while
the writer loads, checks and reports the files before. The workers are forked once the rulebook
is compiled (they inherit it instead of compiling it again) and before the warehouse is opened
(they inherit no DuckDB connection and no lock). At most `window` files are processed ahead of
the writer, so a batch of any size holds only that many documents in memory. Each file keeps
its place: the writer receives them in the listed order, a file that failed included.

A worker hands back the report's warehouse rows (Arrow tables, `ReportRows`), not its Document:
Arrow tables cross the process boundary as buffers, and building the rows is work the writer no
longer does. The rows carry no report id: the writer decides it when it inserts them.

The same split runs under Spark, Ray or Dask: `process_in_worker` becomes the mapped function
(one file in, its rows out) and the writer consumes the results in order.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from extract.reading.limits import Limits
from extract.document import process_document, process_file
from pipeline.timing import StageClock
from warehouse.load import ExtractionRows, extraction_rows, report_tables

WORKERS_ENV = "SOLIEU_WORKERS"
AHEAD_PER_WORKER = 4   # files processed ahead of the writer, per worker: enough to keep workers busy

_rulebook = None       # set in each worker by _start_worker
_limits = Limits()


def choose_workers(requested: int | None = None, files: int | None = None) -> int:
    """Worker processes: the option, else $SOLIEU_WORKERS, else one per usable core; 0 means none
    (everything in the main process), and so does a batch of one file.

    >>> choose_workers(3, 10), choose_workers(0, 10), choose_workers(4, 1), choose_workers(8, 2)
    (3, 0, 0, 2)
    """
    if requested is None:
        requested = int(os.environ.get(WORKERS_ENV) or 0) or usable_cores()
    if files is not None and files < 2:
        return 0
    return max(0, min(requested, files if files is not None else requested))


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def worker_pool(rulebook, workers: int, limits: Limits = Limits()):
    """A pool of `workers` processes holding the rulebook (None when workers is 0); closed on exit."""
    if workers <= 0:
        yield None
        return
    import pyarrow  # noqa: F401 — imported once here, inherited by the workers
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = context.Pool(workers, initializer=_start_worker, initargs=(rulebook, limits))
    try:
        yield pool
    except BaseException:
        pool.terminate()
        raise
    else:
        pool.close()
    finally:
        pool.join()


def _start_worker(rulebook, limits: Limits) -> None:
    global _rulebook, _limits
    _rulebook, _limits = rulebook, limits
    sys.meta_path.insert(0, WithoutPandas())


class WithoutPandas:
    """An import hook refusing pandas, for the workers. Arrow's first conversion of a Python list
    imports pandas, only to tell whether the list is a pandas object: a third of a second per
    worker, spent before the first report. The workers use no pandas; the writer imports it while
    they work."""

    def find_spec(self, name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"{name} is not used in the worker processes", name=name)
        return None


@dataclass(frozen=True)
class ReportRows:
    """A processed report as the writer loads it: its rows, and what the log says."""
    stem: str            # the report id: the file's stem, unless `ingest --as` names another
    sha256: str
    facts: int
    tables: dict         # warehouse table -> Arrow table (warehouse/load.py report_tables)


def build_rows(path: Path, sha256: str, version: str, rulebook, limits: Limits, clock: StageClock) -> ReportRows:
    """Read, segment and extract a file, and lay out its warehouse rows (the load stage's share)."""
    processed = process_file(path, rulebook, sha256, clock=clock, limits=limits)
    with clock.stage("rows"):
        tables = report_tables(processed, version)
    return ReportRows(processed.document.doc, sha256, len(processed.facts), tables)


def process_in_worker(path: str, sha256: str, version: str):
    """(ReportRows, seconds per stage) of one file; exceptions (ReadError …) reach the writer."""
    clock = StageClock()
    rows = build_rows(Path(path), sha256, version, _rulebook, _limits, clock)
    return rows, clock.seconds


def reextract_in_worker(document, sha256: str, report_id: str, version: str) -> ExtractionRows:
    """The new facts and problems rows of a report's stored Document (pipeline/reextract.py)."""
    return extraction_rows(report_id, process_document(document, _rulebook, sha256), version)


@dataclass
class Prepared:
    """A file on its way to the writer: its hash (or why it has none), and its processing, if a worker
    started it."""
    path: Path
    sha256: str | None
    problem: str = ""
    pending: object = None                      # the pool's AsyncResult
    seconds: dict = field(default_factory=dict)  # worker seconds per stage, once the result is taken

    def result(self, rulebook, version: str, limits: Limits = Limits()) -> ReportRows:
        """The file's rows: the worker's, or built here when no worker took the file."""
        if self.pending is None:
            clock = StageClock()
            rows = build_rows(self.path, self.sha256, version, rulebook, limits, clock)
            self.seconds = clock.seconds
            return rows
        rows, self.seconds = self.pending.get()
        return rows


class FilesAhead:
    """Each file's Prepared in the listed order (iterate), keeping up to `window` files in the workers.

    `hash_file(path)` gives (sha256, problem); `stored(sha)` says whether the warehouse holds that
    content already, so such a file, or one listed twice, is not processed for nothing. `winding_down()` says when
    the last files are in the workers (every file sent, at most one per worker still to come) and
    the next one is not done: a writer then stores what it holds instead of waiting for a full
    batch, while the cores free up."""

    def __init__(self, files: list[Path], hash_file: Callable, stored: Callable[[str], bool],
                 pool, window: int, version: str, workers: int = 1):
        self.queue: deque[Prepared] = deque()
        self.sent: set[str] = set()
        self.upcoming = iter(files)
        self.exhausted = False
        self.hash_file, self.stored, self.pool, self.window, self.version = hash_file, stored, pool, window, version
        self.workers = max(workers, 1)

    def __iter__(self) -> Iterator[Prepared]:
        while len(self.queue) < max(self.window, 1) and self._send_next():
            pass
        while self.queue:
            item = self.queue.popleft()
            self._send_next()   # before the writer takes this one, so that winding_down() is up to date
            yield item

    def winding_down(self) -> bool:
        if not (self.exhausted and 0 < len(self.queue) <= self.workers):
            return False
        following = self.queue[0].pending
        return following is not None and not following.ready()

    def _send_next(self) -> bool:
        path = next(self.upcoming, None)
        if path is None:
            self.exhausted = True
            return False
        sha, problem = self.hash_file(path)
        item = Prepared(path, sha, problem)
        if self.pool is not None and sha is not None and sha not in self.sent and not self.stored(sha):
            item.pending = self.pool.apply_async(process_in_worker, (str(path), sha, self.version))
        if sha is not None:
            self.sent.add(sha)
        self.queue.append(item)
        return True
