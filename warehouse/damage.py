"""A warehouse that cannot be used: a damaged file, or a disk too full to write it.

DuckDB reports both as long IO errors, at connect or at the first query that touches a bad
block. Either way the batch stops (writing on would make things worse), the command exits 4, and
one line says what happened and what to do: a damaged file is moved aside and rebuilt from the
source reports; a full disk is given space and the same command run again. A committed report is
never lost to either: each report is one transaction, and DuckDB's write-ahead log drops an
unfinished one when the file is next opened.
"""
from __future__ import annotations

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


def explain_failure(warehouse: Path, exc: Exception) -> WarehouseUnusable | None:
    """The WarehouseUnusable that a DuckDB error means, or None for errors of another kind (a bug).

    >>> str(explain_failure(Path("w.duckdb"), OSError('IO Error: Could not write file "w.duckdb.wal": No space left on device')))
    'w.duckdb: no space left to write the warehouse (Could not write file "w.duckdb.wal": No space left on device): free space on its disk and run the same command again; the reports ingested before are kept'
    """
    message = str(exc)
    if FULL.search(message):
        return WarehouseUnusable(f"{warehouse}: no space left to write the warehouse ({first_line(message)}): "
                                 f"free space on its disk and run the same command again; the reports ingested "
                                 f"before are kept")
    if DAMAGED.search(message):
        return WarehouseUnusable(f"{warehouse}: warehouse is damaged ({first_line(message)}): "
                                 f"{rebuild_advice(warehouse)}")
    return None


@contextmanager
def failures_explained(warehouse: Path, note: str = ""):
    """Turn a DuckDB error that means damage or a full disk into WarehouseUnusable (with `note`
    appended); let any other error through unchanged, since that is a bug to see in full."""
    try:
        yield
    except duckdb.Error as exc:
        unusable = explain_failure(warehouse, exc)
        if unusable is None:
            raise
        raise WarehouseUnusable(f"{unusable}{note}") from exc
