"""Printed units and bases, as the lexicon (rules/lexicon.toml) defines them: 'tỷ đồng' is VND × 10⁹."""
from __future__ import annotations

from decimal import Decimal

import regex

from extract.rulebook import Lexicon

SPACES = regex.compile(r"\s+")


def lookup_unit(raw: str | None, lexicon: Lexicon) -> tuple[str | None, Decimal]:
    """Normalised unit and scale factor of a printed unit such as 'tỷ đồng' or 'nghìn tấn'.

    >>> from extract.rulebook import default_rulebook
    >>> lexicon = default_rulebook().lexicon
    >>> lookup_unit("tỷ đồng", lexicon)
    ('VND', Decimal('1E+9'))
    >>> lookup_unit("ha", lexicon)
    ('ha', Decimal('1'))
    >>> lookup_unit("triệu đồng/ha", lexicon)
    ('VND/ha', Decimal('1E+6'))
    """
    if not raw:
        return None, Decimal(1)
    key = ("lookup", raw)
    if key not in lexicon.unit_memo:
        lexicon.unit_memo[key] = _lookup_unit(raw, lexicon)
    return lexicon.unit_memo[key]


def _lookup_unit(raw: str, lexicon: Lexicon) -> tuple[str | None, Decimal]:
    text = SPACES.sub(" ", raw.strip()).lower()
    per = ""
    if "/" in text and text not in lexicon.units:
        text, _, per = text.partition("/")
        per = "/" + per
    if text in lexicon.units:
        unit, _, scale = lexicon.units[text]
        return (unit + per if unit != "count" or not per else unit + per), scale
    for form, factor in sorted(lexicon.scales.items(), key=lambda kv: -len(kv[0])):
        if text == form:
            return None, factor
        if text.startswith(form + " ") or (text.startswith(form) and text[len(form):] in lexicon.units):
            rest = text[len(form):].strip()
            if rest in lexicon.units:
                unit, _, scale = lexicon.units[rest]
                return unit + per, factor * scale
    return text + per, Decimal(1)


def display_unit(raw: str | None, lexicon: Lexicon) -> str | None:
    """The unit as readers say it: counting nouns keep their noun ("hộ"), others the normal form."""
    key = ("display", raw)
    if key not in lexicon.unit_memo:
        lexicon.unit_memo[key] = _display_unit(raw, lexicon)
    return lexicon.unit_memo[key]


def _display_unit(raw: str | None, lexicon: Lexicon) -> str | None:
    unit, _ = lookup_unit(raw, lexicon)
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

