"""The vocabulary of claim frames (rules/frames.toml), compiled: which words before a percent state
its relation, which words after it introduce its figure, which words tie a figure to the base it is
part of, and which words of a base name who set it rather than what it measures."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import regex

from extract.rulebook.patterns import compile_pattern

RELATIONS = ("ratio", "increase", "decrease")
KEYS = {"relations", "value_after", "part_of", "base_openers", "base_qualifiers", "common_words", "not_a_base",
        "proportion_cues", "plan_kinds", "period_words", "same_nouns", "restating", "whole_before", "examples"}
NOT_A_LETTER = r"(?<![\p{L}\p{M}\d])"
WORD_END = r"(?![\p{L}\p{M}\d])"


@dataclass(frozen=True)
class FrameWords:
    relation_cue: regex.Pattern      # searched in the text before a percent, ends it: "…, vượt" → group "cue"
    relation_of: dict                # cue (lower case, single spaces) -> ratio / increase / decrease
    value_after: regex.Pattern       # matched where a percent ends (pattern.match(text, pos): ", tương đương" / "(tương ứng"
    part_of: regex.Pattern           # matched between a figure and its base (match(text, pos, endpos)): " nghèo trên tổng số "
    base_opener: regex.Pattern       # starts base words: "so với", "trong"
    base_qualifiers: regex.Pattern   # words of a base that name who set it
    common_words: frozenset[str]
    not_a_base: regex.Pattern        # words opening a bracket of parts, not a base: "(trong đó …"
    proportion_cues: frozenset[str]  # relation words that make a percent a proportion of a population
    restating: frozenset[str]        # relation words by which a percent restates the change before it ("tương ứng")
    whole_before: regex.Pattern      # searched between two figures: "; trong đó" makes the later a part of the earlier
    plan_kinds: tuple[regex.Pattern, ...]  # one pattern per kind of plan: dự toán, phấn đấu, kế hoạch …
    period_words: regex.Pattern      # words that make a base an earlier period: "cùng kỳ", "năm trước"
    noun_of: dict                    # counting noun (lower case) -> the first noun of its group in same_nouns
    examples: tuple[dict, ...] = ()


def alternation(forms) -> str:
    """Literal forms as one alternation, longest first, any spacing between words."""
    return "|".join(regex.escape(f).replace(r"\ ", r"\s+") for f in sorted(set(forms), key=lambda f: (-len(f), f)))


def spaced(text: str) -> str:
    return " ".join(text.lower().split())


def build_frame_words(data: dict) -> FrameWords:
    relation_of = {spaced(cue): relation for relation in RELATIONS for cue in data["relations"].get(relation, [])}
    cues = alternation(relation_of)
    return FrameWords(
        relation_cue=compile_pattern(rf"{NOT_A_LETTER}(?P<cue>{cues}){WORD_END}[\s:]*(?:\(\s*)?$", regex.I),
        relation_of=relation_of,
        # right after the percent, or opening a bracket or a comma clause after its base words
        value_after=compile_pattern(rf"(?:[^\d%;()]{{0,80}}?(?:,|\()|[\s(]*)\s*(?:{alternation(data['value_after'])}){WORD_END}[\s:]*",
                                    regex.I),
        part_of=compile_pattern(rf"[^\d%;()]{{0,60}}?{NOT_A_LETTER}(?:{alternation(data['part_of'])})[\s:]*$", regex.I),
        base_opener=compile_pattern(rf"^\s*(?:{alternation(data['base_openers'])}){WORD_END}\s*", regex.I),
        base_qualifiers=compile_pattern(rf"{NOT_A_LETTER}(?:{alternation(data['base_qualifiers'])}){WORD_END}", regex.I),
        common_words=frozenset(spaced(w) for w in data["common_words"]),
        not_a_base=compile_pattern(rf"(?:{alternation(data['not_a_base'])}){WORD_END}", regex.I),
        proportion_cues=frozenset(spaced(w) for w in data["proportion_cues"]) | {"("},
        restating=frozenset(spaced(w) for w in data.get("restating", ())),
        whole_before=compile_pattern(rf"{NOT_A_LETTER}(?:{alternation(data.get('whole_before', ()))}){WORD_END}", regex.I),
        noun_of={spaced(noun): spaced(group[0]) for group in data["same_nouns"] for noun in group},
        period_words=compile_pattern(rf"{NOT_A_LETTER}(?:{alternation(data['period_words'])}){WORD_END}", regex.I),
        plan_kinds=tuple(compile_pattern(rf"{NOT_A_LETTER}(?:{alternation(kind)}){WORD_END}", regex.I)
                         for kind in data["plan_kinds"]),
        examples=tuple(data.get("examples", ())),
    )


def load_frame_words(path: Path, problems: list[str]) -> FrameWords | None:
    """The compiled vocabulary, or None with the file's problems added to `problems`."""
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{path.name}: invalid TOML: {exc}")
        return None
    before = len(problems)
    for key in sorted(set(data) - KEYS):
        problems.append(f"{path.name}: unknown key {key!r}")
    for key in sorted(KEYS - {"examples"} - set(data)):
        problems.append(f"{path.name}: missing key {key!r}")
    for relation in sorted(set(data.get("relations", {})) - set(RELATIONS)):
        problems.append(f"{path.name}: unknown relation {relation!r}; one of {list(RELATIONS)}")
    if not data.get("examples"):
        problems.append(f"{path.name}: needs at least one [[examples]] entry")
    if len(problems) > before:
        return None
    try:
        return build_frame_words(data)
    except regex.error as exc:
        problems.append(f"{path.name}: a word list does not compile: {exc}")
        return None
