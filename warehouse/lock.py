"""One writer at a time: a lock file beside the warehouse; readers that never wait for it.

DuckDB lets one process open a database file read-write, or many open it read-only, never both.
Writers therefore never open the warehouse itself: they change a copy and publish it
(warehouse/publish.py), and readers open the published file read-only, at any time, ingest or not.
Two writers must still not work at once (the second would publish over the first): each takes an
fcntl lock on `<warehouse>.lock` first (the file holds the pid of the holder) and waits for it, up
to --wait. The one process that can still hold the warehouse file against others is one that opened
it read-write itself — an analyst's shell or notebook opened without read-only: a writer waits for
it like for another writer, a reader fails at once (or after its --wait) with one line naming it.
"""
from __future__ import annotations

import fcntl
import os
import re
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.damage import explain_failure

DEFAULT_TIMEOUT = 600.0
TIMEOUT_ENV = "SOLIEU_LOCK_TIMEOUT"
POLL_SECONDS = 0.2
DUCKDB_LOCK = re.compile(r"Could not set lock on file(?:.*?held in (?P<holder>\S+) \(PID (?P<pid>\d+)\))?", re.S)


class WarehouseBusy(Exception):
    """The warehouse is held by another process for longer than we were told to wait."""


def lock_timeout(seconds: float | None = None) -> float:
    """Seconds to wait for the warehouse: the option, else $SOLIEU_LOCK_TIMEOUT, else 600."""
    if seconds is not None:
        return float(seconds)
    return float(os.environ.get(TIMEOUT_ENV) or DEFAULT_TIMEOUT)


def lock_path_for(warehouse: Path) -> Path:
    return Path(warehouse).with_name(Path(warehouse).name + ".lock")


def read_holder_pid(lock_file: Path) -> str:
    try:
        return lock_file.read_text(encoding="ascii").strip() or "?"
    except OSError:
        return "?"


@contextmanager
def hold_writer_lock(warehouse: Path, timeout: float | None = None, log=print):
    """Hold `<warehouse>.lock` exclusively while the body writes; wait for another ingest to end.

    The lock is released by the kernel when the process dies, so a killed ingest never leaves
    the warehouse locked.
    """
    timeout = lock_timeout(timeout)
    lock_file = lock_path_for(warehouse)
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a+", encoding="ascii") as handle:
        deadline, told = time.monotonic() + timeout, False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pid = read_holder_pid(lock_file)
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(f"{warehouse}: another ingest is running (pid {pid}); "
                                        f"gave up after {timeout:g}s (set --wait or ${TIMEOUT_ENV})") from None
                if not told:
                    log(f"waiting for {warehouse}: another ingest is running (pid {pid})")
                    told = True
                time.sleep(POLL_SECONDS)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)


def lock_holder(message: str) -> str | None:
    """Who holds the file, from DuckDB's "Could not set lock on file" error; None for other errors.

    >>> lock_holder('IO Error: Could not set lock on file "w.duckdb": Conflicting lock is held in '
    ...             '/usr/bin/duckdb (PID 42). See also https://duckdb.org/docs/stable/connect/concurrency')
    '/usr/bin/duckdb, pid 42'
    """
    m = DUCKDB_LOCK.search(message)
    if not m:
        return None
    return f"{m.group('holder')}, pid {m.group('pid')}" if m.group("pid") else "pid unknown"


def explain_lock_error(warehouse: Path, holder: str) -> str:
    """The line for a file held read-write by another process (never an ingest: it writes a copy).

    >>> explain_lock_error(Path("w.duckdb"), "/usr/bin/duckdb, pid 42")
    'w.duckdb is open in another process (/usr/bin/duckdb, pid 42) read-write: close it and retry; open the warehouse read-only to read it (duckdb -readonly, duckdb.connect(path, read_only=True))'
    """
    return (f"{warehouse} is open in another process ({holder}) read-write: close it and retry; open the "
            f"warehouse read-only to read it (duckdb -readonly, duckdb.connect(path, read_only=True))")


def connect_warehouse(warehouse: Path, read_only: bool = False, timeout: float | None = None,
                      log=print) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, waiting while another process holds the file; WarehouseBusy after the timeout,
    WarehouseUnusable when the file is damaged."""
    timeout = lock_timeout(timeout)
    deadline, told = time.monotonic() + timeout, False
    while True:
        try:
            return duckdb.connect(str(warehouse), read_only=read_only)
        except duckdb.Error as exc:
            holder = lock_holder(str(exc))
            if holder is None:
                unusable = explain_failure(warehouse, exc)   # a damaged file: one line, exit 4
                if unusable is None:
                    raise
                raise unusable from exc
            if time.monotonic() >= deadline:
                raise WarehouseBusy(explain_lock_error(warehouse, holder)) from None
            if not told:
                log(f"waiting for {warehouse}: open in another process ({holder})")
                told = True
            time.sleep(POLL_SECONDS)


def connect_reader(warehouse: Path, wait: float | None = None, log=print) -> duckdb.DuckDBPyConnection:
    """A read-only connection for a reader (sql, report, export, explain): the last published warehouse.

    An ingest never holds the file, so a reader never waits for one. Only a process that opened the
    file read-write itself can refuse it: the reader then fails at once, or after `wait` seconds
    when given (not $SOLIEU_LOCK_TIMEOUT, which is the writers'), with WarehouseBusy."""
    return connect_warehouse(warehouse, read_only=True, timeout=0.0 if wait is None else wait, log=log)
