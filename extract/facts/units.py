"""Printed units and bases, as the lexicon (rules/lexicon.toml) defines them: 'tỷ đồng' is VND × 10⁹."""
from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

import regex

from extract.rulebook import Lexicon

SPACES = regex.compile(r"\s+")


class Unit(NamedTuple):
    """What the lexicon makes of a printed unit."""
    unit: str | None     # normalised: "VND", "ha", "count" for a counting noun; None for a bare scale word
    scale: Decimal       # multiplies the printed number into base units: 1e9 for "tỷ đồng"
    kind: str | None     # the entry's kind (lexicon [kinds]); `per_kind` for "triệu đồng/ha"; None if unknown


def lookup_unit(raw: str | None, lexicon: Lexicon) -> Unit:
    """Normalised unit, scale factor and kind of a printed unit such as 'tỷ đồng' or 'nghìn tấn'.

    >>> from extract.rulebook import default_rulebook
    >>> lexicon = default_rulebook().lexicon
    >>> lookup_unit("tỷ đồng", lexicon)
    Unit(unit='VND', scale=Decimal('1E+9'), kind='money')
    >>> lookup_unit("ha", lexicon)
    Unit(unit='ha', scale=Decimal('1'), kind='area')
    >>> lookup_unit("triệu đồng/ha", lexicon)
    Unit(unit='VND/ha', scale=Decimal('1E+6'), kind='rate')
    >>> lookup_unit("MW", lexicon)
    Unit(unit='mw', scale=Decimal('1'), kind=None)
    >>> lookup_unit("triệu KW/h", lexicon)
    Unit(unit='kWh', scale=Decimal('1E+6'), kind='energy')
    """
    if not raw:
        return Unit(None, Decimal(1), None)
    key = ("lookup", raw)
    if key not in lexicon.unit_memo:
        lexicon.unit_memo[key] = _lookup_unit(raw, lexicon)
    return lexicon.unit_memo[key]


def _lookup_unit(raw: str, lexicon: Lexicon) -> Unit:
    text = SPACES.sub(" ", raw.strip()).lower()
    found = scaled_unit(text, lexicon)   # the whole form first: "triệu kw/h" is a form of kWh, not kW per hour
    if found is not None:
        return found
    text, slash, per = text.partition("/")
    found = scaled_unit(text, lexicon) or Unit(text, Decimal(1), None)
    if found.unit is None or not slash:   # a scale word alone before the "/": the scale, as without it
        return found
    # a unit per another is a rate, unless the lexicon names the whole unit ("VND/người/năm")
    unit = f"{found.unit}/{per}"
    return Unit(unit, found.scale, lexicon.unit_kinds.get(unit, lexicon.per_kind))


def scaled_unit(text: str, lexicon: Lexicon) -> Unit | None:
    """The Unit of a lower-cased form the lexicon knows, alone or after a scale word
    ("nghìn tấn"); a scale word alone is a scale without a unit. None when the lexicon has no such form."""
    if text in lexicon.units:
        unit, kind, scale = lexicon.units[text]
        return Unit(unit, scale, kind)
    for form, factor in sorted(lexicon.scales.items(), key=lambda kv: -len(kv[0])):
        if text == form:
            return Unit(None, factor, None)
        if text.startswith(form + " ") or (text.startswith(form) and text[len(form):] in lexicon.units):
            rest = text[len(form):].strip()
            if rest in lexicon.units:
                unit, kind, scale = lexicon.units[rest]
                return Unit(unit, factor * scale, kind)
    return None


def display_unit(raw: str | None, lexicon: Lexicon) -> str | None:
    """The unit as readers say it: counting nouns keep their noun ("hộ"), others the normal form."""
    key = ("display", raw)
    if key not in lexicon.unit_memo:
        lexicon.unit_memo[key] = _display_unit(raw, lexicon)
    return lexicon.unit_memo[key]


def _display_unit(raw: str | None, lexicon: Lexicon) -> str | None:
    unit = lookup_unit(raw, lexicon).unit
    if unit is None:
        return None
    if unit.startswith("count"):
        noun = SPACES.sub(" ", raw.strip())
        for form in sorted(lexicon.scales, key=len, reverse=True):
            if noun.lower().startswith(form + " "):
                noun = noun[len(form) + 1:]
                break
        return noun.lower() if noun.isupper() is False else noun
    return unit


def lookup_base(raw: str | None, lexicon: Lexicon) -> str | None:
    """Normalised base of a printed basis: 'KH tỉnh giao' -> 'plan', 'so với cùng kỳ' -> 'same_period'."""
    if not raw:
        return None
    text = SPACES.sub(" ", raw.strip()).lower()
    best = None
    for form, base in lexicon.bases.items():
        if (text.startswith(form) or text.startswith("so với " + form)) and (best is None or len(form) > len(best[0])):
            best = (form, base)
    return best[1] if best else None

