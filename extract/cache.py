"""A folder for what is slow to rebuild and safe to lose: the compiled prefilter database.

$SOLIEU_CACHE, else $XDG_CACHE_HOME/solieu, else ~/.cache/solieu. Every entry is named by a hash
of everything it depends on, so an entry is either right or unused; a cache that cannot be
written only costs the next run the work again.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

CACHE_ENV = "SOLIEU_CACHE"


def cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "solieu"


def write_quietly(path: Path, data: bytes) -> None:
    """Write a cache entry atomically (a reader never sees half of it); failures are ignored."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            handle.write(data)
        os.replace(handle.name, path)
    except OSError:
        pass
