"""A folder for what is slow to rebuild and safe to lose: the compiled prefilter databases and
rule patterns.

$SOLIEU_CACHE, else $XDG_CACHE_HOME/solieu, else ~/.cache/solieu. Every entry is named by a hash
of everything it depends on, so an entry is either right or unused; a cache that cannot be
written only costs the next run the work again. Each edit of the rules makes a new entry of a few
megabytes: writing one removes all but the KEEP most recently used of its kind.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

CACHE_ENV = "SOLIEU_CACHE"
KEEP = 6          # entries of one kind (file name pattern) kept when a new one is written


def cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "solieu"


def write_quietly(path: Path, data: bytes, kind: str | None = None) -> None:
    """Write a cache entry atomically (a reader never sees half of it); failures are ignored.

    `kind`, a glob such as "prefilter-*.hsdb": older entries matching it beyond KEEP are removed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            handle.write(data)
        os.replace(handle.name, path)
        if kind:
            prune(path.parent, kind)
    except OSError:
        pass


def mark_used(path: Path) -> None:
    """Note that an entry was read, so pruning keeps it (its modification time is the last use)."""
    try:
        os.utime(path)
    except OSError:
        pass


def prune(folder: Path, kind: str, keep: int = KEEP) -> None:
    """Remove all but the `keep` most recently used entries matching the glob `kind`."""
    entries = sorted(folder.glob(kind), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[keep:]:
        stale.unlink(missing_ok=True)
