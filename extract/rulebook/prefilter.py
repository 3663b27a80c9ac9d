"""Which rules can match in a sentence, from one Hyperscan scan of it.

Scanning every rule's `regex` pattern over every sentence is most of extraction's time, and
most of those scans find nothing: a ratio rule needs a '%', a fraction a '/', a date rule a
date. Hyperscan (Intel's multi-pattern matcher) scans a sentence for all rules at once, in one
pass, in a few microseconds. Its prefilter mode compiles an approximation of each pattern that
is guaranteed to match at least wherever the pattern does (look-arounds and other constructs it
lacks are widened), so a rule it does not report cannot match the sentence and is not scanned.
The `regex` patterns still decide every match: the prefilter changes the speed, never the facts.
A rule written as an alternation (the non-fact rules list a dozen kinds of ordinal or date) is
given to Hyperscan branch by branch, so only the branches that may match are scanned.

To keep Hyperscan's compile short, each rule is compiled from a broader source than its own:
the long alternations of units become "anything" and numbers "digits, dots and commas"
(BROADER_PIECES), group names and \\K are dropped, bounded repeats lose their upper bound. Every
step only widens what the pattern matches. The compiled database is cached on disk under the
hash of its sources (extract/rulebook/cache.py: a few seconds to compile, milliseconds to load). Without
Hyperscan (no wheel for the platform), or for a rule it refuses, every sentence is scanned as
before.

A Prefilter may be shared by threads: it is built once under a lock, and each thread scans with
its own Hyperscan scratch (one scratch used by two scans at once raises ScratchInUseError). It
pickles with its compiled database, so a process that receives it (a cluster's worker, on a
machine whose cache is cold) does not compile it again; the database is also left in that
machine's cache, for the same prefilter built there (the indicators' synonyms, say).
"""
from __future__ import annotations

import hashlib
import threading

import regex

from extract.rulebook.cache import cache_dir, mark_used, write_quietly

# Placeholder -> a broader source (see rulebook.build_lexicon for the exact ones).
BROADER_PIECES = {
    "num": r"\d[\d.,]*",
    "unit": r"[\s\S]*",
}

# One token of a regex source: an escape, a character set, a named group opening, an atomic
# group opening, a bounded repeat, any other quantifier (each with its possessive or lazy
# suffix), or any other character. An escaped "\+" or "\?" is an escape, never a suffix.
_TOKEN = regex.compile(r"""
    (?P<escape>\\.)
  | (?P<set>\[\^?\]?(?:\\.|[^\]\\])*\])
  | (?P<named>\(\?P<\w+>)
  | (?P<atomic>\(\?>)
  | (?P<bounded>\{(?P<low>\d+),\d+\}[+?]?)
  | (?P<quantifier>(?:(?<!\()[*+?]|\{\d+,?\})[+?]?)
  | (?P<other>[\s\S])
""", regex.VERBOSE)


VERBOSE = "(?x)"        # how rule patterns are read
IGNORE_CASE = "(?i)"    # how indicator synonyms are read

# Inside a character set, what `regex` (version 1) reads as a nested set or a set operation.
_SET_SYNTAX = regex.compile(r"\[|--|&&|\|\||~~")


def widen(source: str, mode: str = VERBOSE) -> str | None:
    r"""A Hyperscan source matching at least what `source` (regex syntax, read with the inline
    flags `mode`) matches; None when the source has a character set that Hyperscan would read
    differently (nested sets).

    >>> widen(r"(?P<value>\d++)\s{0,3}\K[^\]{]{2,80}?(?>x)")
    '(?x)(?:\\d+)\\s*[^\\]{]{2,}(?:x)'
    >>> widen(r"\?+\++(?:a|b)?+\d{2}+")   # escaped ? and + repeated; possessive groups and repeats
    '(?x)\\?+\\++(?:a|b)?\\d{2}'
    >>> widen(r"[[a-z]--[aeiou]]+") is None
    True
    """
    out = []
    for token in _TOKEN.finditer(source):
        kind, text = token.lastgroup, token.group()
        if kind == "set" and _SET_SYNTAX.search(regex.sub(r"\\.", "", text[1:-1])):
            return None
        if kind == "escape":
            out.append("" if text == r"\K" else text)
        elif kind in ("named", "atomic"):
            out.append("(?:")
        elif kind == "bounded":
            low = token.group("low")
            out.append("*" if low == "0" else "{%s,}" % low)
        elif kind == "quantifier":
            out.append(text[:-1] if len(text) > 1 and text[-1] == "+" else text)   # possessive → greedy
        else:
            out.append(text)
    return mode + "".join(out)


class Prefilter:
    """The rules (by position in the rulebook) that may match a sentence, and which of their branches.

    `sources[i]` is rule i's broadened source (regex syntax): one string, or a tuple with one
    source per top-level branch (scan.branch_sources) so that a rule of many alternatives scans
    only the branches that may match. The database is built on first use (once, whatever the
    threads) and pickled with the Prefilter: see the module's docstring."""

    def __init__(self, sources: tuple[str | tuple[str, ...], ...], mode: str = VERBOSE):
        self.sources, self.mode = sources, mode
        self._owners: list[tuple[int, int | None]] = []   # expression -> (rule, branch or None for the whole)
        self._expressions: list[str] = []
        for rule, source in enumerate(sources):
            parts = [source] if isinstance(source, str) else list(source)
            for branch, part in enumerate(parts):
                self._owners.append((rule, None if isinstance(source, str) else branch))
                self._expressions.append(part)
        self._database = None
        self._always: frozenset[int] = frozenset(range(len(self._expressions)))
        self._ready = False
        self._lock = threading.Lock()
        self._local = threading.local()     # each thread's Hyperscan scratch
        self._blob: bytes | None = None     # the database as the cache stores it, once built or loaded

    def __getstate__(self):
        """Sources, mode and the compiled database (built here first when it was not yet: the sender
        compiles or loads it once, not every process that receives it)."""
        self._ensure_built()
        return {"sources": self.sources, "mode": self.mode, "database": self._blob}

    def __setstate__(self, state):
        self.__init__(state["sources"], state["mode"])
        if state.get("database"):
            self._adopt(state["database"])

    def candidates(self, text: str, start: int, end: int) -> dict[int, set[int] | None]:
        """Rule position -> the positions of its branches that may match text[start:end] (None:
        the rule is not cut into branches). Rules that cannot match are left out; without
        Hyperscan every rule is in."""
        if not self._ready:
            self._ensure_built()
        found = set(self._always)
        if self._database is not None:
            scratch = getattr(self._local, "scratch", None)
            if scratch is None:
                scratch = self._local.scratch = self._hyperscan.Scratch(self._database)
            self._database.scan(text[start:end].encode(), match_event_handler=_collect, context=found,
                                scratch=scratch)
        rules: dict[int, set[int] | None] = {}
        for expression in found:
            rule, branch = self._owners[expression]
            if branch is None:
                rules[rule] = None
            else:
                rules.setdefault(rule, set()).add(branch)
        return rules

    def _ensure_built(self) -> None:
        with self._lock:
            if not self._ready:
                self._build()
                self._ready = True

    def _build(self) -> None:
        try:
            import hyperscan
        except ImportError:
            return
        self._hyperscan = hyperscan
        compiled, refused, self._blob = compile_database(hyperscan, tuple(self._expressions), self.mode)
        self._database = compiled
        self._always = frozenset(refused) if compiled is not None else self._always

    def _adopt(self, blob: bytes) -> None:
        """Use a database received with the pickle, and leave it in this machine's cache; a database
        this Hyperscan cannot load (another version) is ignored, and built on first use instead."""
        try:
            import hyperscan
        except ImportError:
            return
        try:
            database, refused = load_database(hyperscan, blob)
        except (ValueError, hyperscan.error):
            return
        path = cache_path(hyperscan, tuple(self._expressions), self.mode)
        if not path.exists():
            write_quietly(path, blob, kind="prefilter-*.hsdb")
        self._hyperscan, self._database, self._blob = hyperscan, database, blob
        self._always = frozenset(refused)
        self._ready = True


def _collect(expression, _start, _end, _flags, found) -> None:
    found.add(expression)


def database_flags(hyperscan) -> int:
    return (hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_UCP
            | hyperscan.HS_FLAG_ALLOWEMPTY | hyperscan.HS_FLAG_SINGLEMATCH)


def widened_expressions(sources: tuple[str, ...], mode: str) -> list[bytes]:
    return [(widen(source, mode) or "").encode() for source in sources]


def cache_path(hyperscan, sources: tuple[str, ...], mode: str = VERBOSE):
    """Where the cache keeps the database of these sources (named by Hyperscan's version, the flags
    and the widened expressions)."""
    expressions = widened_expressions(sources, mode)
    key = hashlib.sha256(repr((hyperscan.__version__, database_flags(hyperscan), expressions)).encode()).hexdigest()[:20]
    return cache_dir() / f"prefilter-{key}.hsdb"


def load_database(hyperscan, blob: bytes):
    """(database, refused positions) from a cache entry's bytes: the refused positions on the first
    line, then the serialised database. ValueError or hyperscan.error when it is not one."""
    header, _, serialised = blob.partition(b"\n")
    refused = [int(i) for i in header.split(b",") if i]
    database = hyperscan.loadb(serialised, hyperscan.HS_MODE_BLOCK)
    return database, refused


def compile_database(hyperscan, sources: tuple[str, ...], mode: str = VERBOSE):
    """(database, positions of the expressions Hyperscan refused, the cache entry's bytes), from the
    on-disk cache when it has them (the bytes are None when nothing compiled).

    The cache file holds the refused positions on its first line, then the serialised database."""
    flags = database_flags(hyperscan)
    expressions = widened_expressions(sources, mode)
    cached = cache_path(hyperscan, sources, mode)
    try:
        blob = cached.read_bytes()
        database, refused = load_database(hyperscan, blob)
        mark_used(cached)
        return database, refused, blob
    except (OSError, ValueError, hyperscan.error):
        pass
    accepted = [i for i, expression in enumerate(expressions) if expression]
    try:
        database = _compile(hyperscan, expressions, accepted, flags)
        refused = [i for i, expression in enumerate(expressions) if not expression]
    except hyperscan.error:  # find the ones it refuses, one by one, and compile the others
        refused = [i for i, e in enumerate(expressions) if not e or not _compiles(hyperscan, e, flags)]
        accepted = [i for i in accepted if i not in refused]
        if not accepted:
            return None, refused, None
        database = _compile(hyperscan, expressions, accepted, flags)
    blob = ",".join(map(str, refused)).encode() + b"\n" + hyperscan.dumpb(database)
    write_quietly(cached, blob, kind="prefilter-*.hsdb")
    return database, refused, blob


def _compile(hyperscan, expressions: list[bytes], positions: list[int], flags: int):
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(expressions=[expressions[i] for i in positions], ids=positions,
                     elements=len(positions), flags=[flags] * len(positions))
    return database


def _compiles(hyperscan, expression: bytes, flags: int) -> bool:
    """Does Hyperscan accept this expression? (Checked alone, so that one refusal costs one rule.)"""
    try:
        _compile(hyperscan, [expression], [0], flags)
    except hyperscan.error:
        return False
    return True
