"""Compiled rule patterns kept on disk between runs (extract/rulebook/cache.py).

`regex` parses a pattern in Python: the rule set's two hundred patterns, most of them carrying
the whole list of units, take about 0.4 s to compile, in every process that loads the rules
(each ingest, each command, each test). A compiled pattern pickles as the program regex's C core
runs (regex's own pickle support) and loads from that in a fraction of the time. While a
`kept_patterns(...)` block runs, compile_pattern() serves the patterns an earlier run compiled
and keeps the new ones. Entries are keyed by their exact source and flags, so an entry of an
older rule set is never served for a changed pattern: it is only dead weight, and the file of a
rule set holds only the patterns that rule set compiled.
"""
from __future__ import annotations

import hashlib
import pickle
import sys
from contextlib import contextmanager
from pathlib import Path

import regex

from extract.rulebook.cache import cache_dir, mark_used, write_quietly

_kept: dict | None = None   # (source, flags) -> Pattern, while a kept_patterns block runs
_added = False


def compile_pattern(source: str, flags: int = 0) -> regex.Pattern:
    """regex.compile(source, flags), served from the kept patterns when a kept_patterns block runs."""
    global _added
    if _kept is None:
        return regex.compile(source, flags)
    key = (source, int(flags))
    pattern = _kept.get(key)
    if pattern is None:
        pattern = _kept[key] = regex.compile(source, flags)
        _added = True
    return pattern


@contextmanager
def kept_patterns(sources: list[Path]):
    """Serve and keep compiled patterns for the rule set read from these files (their bytes name
    the cache entry); the entry is rewritten when the block compiled a pattern it lacked."""
    global _kept, _added
    path = cache_dir() / f"patterns-{entry_name(sources)}.pickle"
    outer, outer_added = _kept, _added
    _kept, _added = read_entry(path), False
    try:
        yield
        if _added:
            write_quietly(path, pickle.dumps(_kept, protocol=pickle.HIGHEST_PROTOCOL), kind="patterns-*.pickle")
        else:
            mark_used(path)
    finally:
        _kept, _added = outer, outer_added


def entry_name(sources: list[Path]) -> str:
    """A hash of the files, and of the regex and Python versions that compiled their patterns."""
    digest = hashlib.sha256(f"{regex.__version__} {sys.version}".encode())
    for path in sorted(sources):
        try:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        except OSError:
            digest.update(path.name.encode() + b"\0missing")
    return digest.hexdigest()[:20]


def read_entry(path: Path) -> dict:
    """The patterns kept in an entry; an empty dict when it is missing or unreadable (it is rebuilt)."""
    try:
        kept = pickle.loads(path.read_bytes())
    except Exception:   # missing, truncated or written by another version: compile again
        return {}
    if not isinstance(kept, dict) or not all(isinstance(p, regex.Pattern) for p in kept.values()):
        return {}
    return kept
