"""Claim frames: a percent gets the figure and base its clause names (rules/frames.toml examples and
variants of each family, read by the whole per-document stage)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from extract.document import process_document
from extract.facts.engine import document_from_text
from extract.links.frames import parse_percent
from extract.rulebook import default_rulebook


def percent_fact(text: str, percent: str):
    """The fact of `text` that prints `percent`, after every stage of the per-document function."""
    facts = process_document(document_from_text(text), default_rulebook(), "sha").facts
    wanted = parse_percent(percent)
    found = [f for f in facts if f.percent == wanted]
    assert len(found) == 1, [(f.rule, f.raw, f.percent) for f in facts]
    return found[0]


def frame_examples():
    for number, example in enumerate(default_rulebook().frames.examples, 1):
        yield pytest.param(example, id=f"frames/{number}/{example['family']}")


@pytest.mark.parametrize("example", list(frame_examples()))
def test_frame_example(example):
    fact = percent_fact(example["text"], example["percent"])
    assert (fact.value, fact.plan) == (Decimal(example["value"]), Decimal(example["plan"])), fact
