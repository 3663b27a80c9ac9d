"""A warehouse that cannot be used: a damaged file, or a disk too full to write it.

DuckDB reports both as long IO errors, at connect or at the first query that touches a bad
block. Either way the batch stops (writing on would make things worse), the command exits 4, and
one line says what happened and what to do: a damaged file is moved aside and rebuilt from the
source reports; a full disk is given space and the same command run again. A published report is
never lost to either: a writer works on a copy of the warehouse and renames it onto the warehouse
only when it is complete (warehouse/publish.py), so a write that fails leaves the warehouse as it
was. That copy is why a writer needs free space for a second warehouse: the message says how much.
"""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path

import duckdb

EXIT_UNUSABLE = 4
DAMAGED = re.compile(r"not a valid DuckDB database file|Corrupt database file|Could not read enough bytes|"
                     r"checksum|Failed to (?:read|deserialize)|Serialization Error|INTERNAL Error", re.I)
FULL = re.compile(r"No space left on device|File too large|Disk quota exceeded|out of disk space", re.I)


class WarehouseUnusable(Exception):
    """The warehouse file is damaged or cannot be written; the message says what to do."""


def first_line(message: str, width: int = 160) -> str:
    """DuckDB's message without its 'IO Error: ' prefix and hints, cut to one line.

    >>> first_line('IO Error: Corrupt database file: computed checksum 1 does not match stored checksum 2\\nSee also')
    'Corrupt database file: computed checksum 1 does not match stored checksum 2'
    """
    line = message.strip().splitlines()[0] if message.strip() else message
    line = re.sub(r"^(?:\w+ )*Error: ", "", line)
    return line if len(line) <= width else line[:width - 1] + "…"


def rebuild_advice(warehouse: Path) -> str:
    """How to set a damaged warehouse aside and rebuild it from the reports it was made of.

    >>> rebuild_advice(Path("warehouse/warehouse.duckdb"))
    'move it aside (mv warehouse/warehouse.duckdb warehouse/warehouse.duckdb.damaged) and run `make ingest` to rebuild it from raw_reports/'
    """
    wal = Path(f"{warehouse}.wal")
    moves = f"mv {warehouse} {warehouse}.damaged" + (f"; mv {wal} {wal}.damaged" if wal.exists() else "")
    default = Path(warehouse) == Path("warehouse/warehouse.duckdb")
    command = "make ingest" if default else f"make ingest WAREHOUSE={warehouse}"
    return f"move it aside ({moves}) and run `{command}` to rebuild it from raw_reports/"


def is_unusable(exc: Exception) -> bool:
    """Does this error mean the warehouse is damaged or out of space (so writing more cannot help)?

    >>> is_unusable(OSError("IO Error: No space left on device")), is_unusable(ValueError("Binder Error"))
    (True, False)
    """
    return bool(FULL.search(str(exc)) or DAMAGED.search(str(exc)))


def size_text(size: int) -> str:
    """A file size for a message.

    >>> size_text(0), size_text(412_000), size_text(69_000_000), size_text(3_500_000_000)
    ('0 MB', '0.4 MB', '69 MB', '3.5 GB')
    """
    if size >= 1e9:
        return f"{size / 1e9:.1f} GB"
    return f"{size / 1e6:.1f} MB" if 0 < size < 10e6 else f"{size / 1e6:.0f} MB"


def no_space(warehouse: Path, exc: Exception) -> WarehouseUnusable:
    """The one line for a full disk (or a file size limit) met while writing the warehouse's copy.

    >>> str(no_space(Path("/nonexistent/w.duckdb"), OSError('IO Error: Could not write file "w.duckdb.writing.wal": No space left on device')))
    '/nonexistent/w.duckdb: no space left to write the warehouse (Could not write file "w.duckdb.writing.wal": No space left on device): a writer needs free space for a copy of the warehouse (0 MB) and what it adds; free space on its disk and run the same command again; the reports ingested before are kept'
    """
    try:
        size = os.path.getsize(warehouse)
    except OSError:
        size = 0
    reason = first_line(str(exc)) if not isinstance(exc, OSError) or not exc.strerror else (
        f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror)
    return WarehouseUnusable(f"{warehouse}: no space left to write the warehouse ({reason}): a writer needs free "
                             f"space for a copy of the warehouse ({size_text(size)}) and what it adds; free space "
                             f"on its disk and run the same command again; the reports ingested before are kept")


def explain_failure(warehouse: Path, exc: Exception) -> WarehouseUnusable | None:
    """The WarehouseUnusable that a DuckDB error means, or None for errors of another kind (a bug).

    A writer works on a copy (`<warehouse>.writing`, warehouse/publish.py): damage found in the copy
    is the warehouse's, and is named so.

    >>> str(explain_failure(Path("w.duckdb"), OSError('IO Error: Corrupt database file "w.duckdb.writing": checksum')))
    'w.duckdb: warehouse is damaged (Corrupt database file "w.duckdb": checksum): move it aside (mv w.duckdb w.duckdb.damaged) and run `make ingest WAREHOUSE=w.duckdb` to rebuild it from raw_reports/'
    """
    message = str(exc)
    if FULL.search(message):
        return no_space(warehouse, exc)
    if DAMAGED.search(message):
        seen = first_line(message).replace(f"{warehouse}.writing", str(warehouse))
        return WarehouseUnusable(f"{warehouse}: warehouse is damaged ({seen}): {rebuild_advice(warehouse)}")
    return None


@contextmanager
def failures_explained(warehouse: Path, note: str = ""):
    """Turn a DuckDB error that means damage or a full disk into WarehouseUnusable (with `note`
    appended, as to a WarehouseUnusable raised inside); let any other error through unchanged, since
    that is a bug to see in full."""
    try:
        yield
    except WarehouseUnusable as exc:
        if not note:
            raise
        raise WarehouseUnusable(f"{exc}{note}") from exc
    except duckdb.Error as exc:
        unusable = explain_failure(warehouse, exc)
        if unusable is None:
            raise
        raise WarehouseUnusable(f"{unusable}{note}") from exc
