"""Overlapped matching of a rule pattern, faster when the pattern is an alternation.

The `regex` module searches a single branch quickly (it skips ahead to the characters the branch
can start with) but tries every branch of a top-level alternation at every position: a non-fact
rule with eleven branches scans a sentence four to ten times slower than its eleven branches do
one after the other. So a pattern `A1 | A2 | … | Ak` is scanned branch by branch to find the
positions where some branch matches, and the pattern itself is then matched at each position
where more than one branch does. The result is exactly the pattern's own overlapped matches: a
pattern matches at a position if and only if one of its branches does; where only one branch
does, its match is the pattern's (the branches before it fail there); elsewhere
`pattern.match(text, i, end)` is the match an overlapped search finds at i (same end, same
look-behind into the text before i). A branch's match carries only that branch's groups: callers
read groups by name through groupdict() (or check match.re.groupindex), never by number.

Patterns whose branches cannot be compiled on their own (back-references by number, recursion,
backtracking verbs, global inline flags) are scanned whole, as before.
"""
from __future__ import annotations

from functools import lru_cache

import regex

from extract.rulebook.patterns import compile_pattern

# Constructs that tie one branch to another or to the whole pattern: never split these.
LEADING_FLAGS = regex.compile(r"\(\?(?:[abefiLmprsuwx]|V[01])*(?:-[fimsx]+)?\)")
UNSPLITTABLE = regex.compile(r"\\[1-9]|\\g[<\d]|\(\?P[=>]|\(\?R|\(\?&|\(\?[-+]?\d|\(\*|\(\?[a-zA-Z\-]+\)")


def split_alternatives(source: str, verbose: bool = True, nested_sets: bool = True) -> list[str]:
    r"""The top-level branches of a regex source, as written (one element when there is no '|').

    Brackets, character sets (nested in regex's V1), escapes and verbose comments are skipped.

    >>> split_alternatives(r"(?i:ngày)\s+\d+   # e.g. ngày 27 | not a branch" "\n" r"| (?<![\d/])\d{1,2}/[|]\d\d")
    ['(?i:ngày)\\s+\\d+   # e.g. ngày 27 | not a branch\n', ' (?<![\\d/])\\d{1,2}/[|]\\d\\d']
    >>> split_alternatives(r"a(?:b|c)")
    ['a(?:b|c)']
    """
    parts, depth, begin, i, n = [], 0, 0, 0, len(source)
    while i < n:
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _skip_set(source, i, nested_sets)
            continue
        if verbose and char == "#":
            newline = source.find("\n", i)
            i = n if newline < 0 else newline
            continue
        if char == "(" and source.startswith("(?#", i):
            close = source.find(")", i)
            i = n if close < 0 else close + 1
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(source[begin:i])
            begin = i + 1
        i += 1
    parts.append(source[begin:])
    return parts


def _skip_set(source: str, i: int, nested: bool) -> int:
    """Offset just after the character set opening at `i` ('[' first, ']' or '^]' literal at its start)."""
    depth, i, n = 1, i + 1, len(source)
    if i < n and source[i] == "^":
        i += 1
    if i < n and source[i] == "]":
        i += 1
    while i < n and depth:
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if char == "[" and nested:
            depth += 1
        elif char == "]":
            depth -= 1
        i += 1
    return i


def branch_sources(pattern: regex.Pattern, source: str) -> tuple[str, ...] | None:
    r"""`source` (a variant of the pattern's source with the same top-level alternation, such as the
    prefilter's broader one) cut where branches_of cuts the pattern; None when it does not cut it.

    >>> branch_sources(regex.compile(r"(?-f)a\d|b"), r"a[0-9]|b")
    ('a[0-9]', 'b')
    """
    branches = branches_of(pattern)
    if not branches or LEADING_FLAGS.match(source):   # flags of the whole pattern would be lost
        return None
    flags = pattern.flags
    parts = split_alternatives(source, bool(flags & regex.VERBOSE), bool(flags & regex.VERSION1))
    return tuple(parts) if len(parts) == len(branches) else None


@lru_cache(maxsize=None)
def branches_of(pattern: regex.Pattern) -> tuple[regex.Pattern, ...]:
    """The pattern's top-level branches compiled on their own; () when it has one or cannot be split."""
    leading = LEADING_FLAGS.match(pattern.pattern)   # "(?-f)…": flags of the whole pattern, kept on each branch
    prefix = leading.group() if leading else ""
    source = pattern.pattern[len(prefix):]
    if "|" not in source or UNSPLITTABLE.search(source):
        return ()
    flags, verbose = pattern.flags, bool(pattern.flags & regex.VERBOSE)
    parts = split_alternatives(source, verbose, bool(flags & regex.VERSION1))
    if len(parts) < 2:
        return ()
    try:  # a verbose branch may end in a comment: end it before the pattern does
        return tuple(compile_pattern(prefix + part + "\n" if verbose else prefix + part, flags) for part in parts)
    except regex.error:
        return ()


def finditer_overlapped(pattern: regex.Pattern, text: str, start: int, end: int, only=None):
    """The same matches, in the same order, as pattern.finditer(text, start, end, overlapped=True).

    `only`: the positions (in branches_of) of the branches that can match here, when a prefilter
    has said so; the others are not scanned."""
    branches = branches_of(pattern)
    if not branches:
        yield from pattern.finditer(text, start, end, overlapped=True)
        return
    if only is not None:
        branches = [branches[i] for i in only]
    found: dict[int, regex.Match | None] = {}   # start -> the one branch match there, None if several
    for branch in branches:
        for match in branch.finditer(text, start, end, overlapped=True):
            position = match.start()
            found[position] = match if position not in found else None
    for position in sorted(found):
        # A lone branch match is the pattern's own (the branches before it fail here); where several
        # branches match, the pattern decides which comes first.
        match = found[position] or pattern.match(text, position, end)
        if match is not None:
            yield match
