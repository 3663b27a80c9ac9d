"""`make sql`: the DuckDB shell on the warehouse, opened read-only, or one query printed as a table.

The shell is the `duckdb` binary of the duckdb-cli package, pinned to the version of the Python
package that writes the file (a newer or older shell may refuse the file). Read-only, so an
analyst's session never blocks or corrupts an ingest, and an ingest never blocks it: an ingest
writes a copy and renames it onto the warehouse when done (warehouse/publish.py), so the shell
reads the warehouse as it was when the shell opened it, until it is opened again (`.open`, or a
new `make sql`). Only a process that holds the file read-write itself (a shell or notebook opened
without read-only) stops it: the shell then fails at once with one line naming that process, or
after `--wait` seconds when given.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from warehouse.damage import WarehouseUnusable
from warehouse.lock import POLL_SECONDS, WarehouseBusy, connect_reader, explain_lock_error, lock_holder

VIEWS = ("v_mismatches", "v_indicator", "v_indicator_history", "v_coverage", "v_report_versions")


class ShellMissing(Exception):
    """No duckdb binary beside this Python or on PATH."""


def find_duckdb_cli() -> Path:
    """The duckdb shell installed with this virtualenv (duckdb-cli), else one on PATH."""
    beside = Path(sys.executable).parent / "duckdb"
    if beside.exists():
        return beside
    found = shutil.which("duckdb")
    if found:
        return Path(found)
    raise ShellMissing("no duckdb shell: install the pinned duckdb-cli (make bootstraps .venv/ with it)")


def shell_command(binary: Path, warehouse: Path, query: str | None = None) -> list[str]:
    """The shell's command line: read-only always; `-c` runs one query and exits.

    >>> shell_command(Path("duckdb"), Path("w.duckdb"), "select 1")
    ['duckdb', '-readonly', 'w.duckdb', '-c', 'select 1']
    """
    return [str(binary), "-readonly", str(warehouse)] + (["-c", query] if query else [])


def missing_views(warehouse: Path, wait: float | None, log) -> list[str]:
    con = connect_reader(warehouse, wait, log)
    try:
        present = {v for (v,) in con.execute("select view_name from duckdb_views() where not internal").fetchall()}
    finally:
        con.close()
    return [v for v in VIEWS if v not in present]


def add_views(warehouse: Path, wait: float | None, log) -> None:
    """Bring an older warehouse up to date (tables it lacks, the views), as a writer would: in a copy,
    published (warehouse/publish.py).

    A reader does not wait for a writer: while one runs (it brings the schema up to date itself),
    or when the warehouse is too old to upgrade, the shell opens without the views."""
    from pipeline.run import writing_warehouse
    try:
        with writing_warehouse(warehouse, 0.0 if wait is None else wait, lambda message: None):
            pass
    except WarehouseBusy:
        log(f"could not add the views to {warehouse} now: another process is writing it (the views come "
            f"with its next ingest)")
    except (duckdb.Error, WarehouseUnusable) as exc:
        log(f"could not add the views to {warehouse} (re-ingest it to upgrade): {str(exc).splitlines()[0]}")


def run_query(command: list[str], warehouse: Path, wait: float | None, log) -> int:
    """Run the shell once. When another process holds the file read-write, fail in one line, or wait
    and retry for `wait` seconds when given (an ingest never holds it)."""
    deadline, told = time.monotonic() + (wait or 0.0), False
    while True:
        done = subprocess.run(command, stderr=subprocess.PIPE, text=True)
        holder = lock_holder(done.stderr) if done.returncode else None
        if holder is None:
            sys.stderr.write(done.stderr)
            return done.returncode
        if time.monotonic() >= deadline:
            raise WarehouseBusy(explain_lock_error(warehouse, holder))
        if not told:
            log(f"waiting for {warehouse}: open in another process ({holder})")
            told = True
        time.sleep(POLL_SECONDS)


def open_shell(warehouse: Path, query: str | None = None, wait: float | None = None, log=print) -> int:
    """Run one query (printing the shell's table) or replace this process by the interactive shell."""
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run make ingest first")
    binary = find_duckdb_cli()
    if missing_views(warehouse, wait, log):
        log(f"adding the analysts' views to {warehouse}")
        add_views(warehouse, wait, log)
    command = shell_command(binary, warehouse, query)
    if query:
        return run_query(command, warehouse, wait, log)
    connect_reader(warehouse, wait, log).close()   # one line, not the shell's error, when a process holds it read-write
    sys.stdout.flush()
    os.execv(command[0], command)
