"""Spotting a correction of an earlier answer: "sorry, I'm actually 45", "I meant no".

A message is a correction only when it has a correction cue (actually, sorry, mistake,
I meant, correction, wrong, "I said … but", oops, scratch that …) *and* it names a fact
through its topic words — or, for a bare number, reads as an age ("I'm 45", "45 years
old"). The new value is parsed from what follows the last "I meant" / "but" (else from the
message with the cue words removed). When the message names the pending fact, that one is
returned; otherwise the first fact named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.answers import units
from bot.answers.mentions import find_fact_mentions
from bot.answers.numbers import words_to_digits
from bot.answers.parse import parse_answer
from bot.answers.result import Parsed
from bot.answers.text import MAX_CHARS, clean
from bot.criteria.model import FactSpec

_CUE = re.compile(
    r"\b(?:actually|sorry|mistake|mistaken|i meant|i mean|correction|correct that|wrong|"
    r"incorrect|my bad|oops|whoops|typo|scratch that|misspoke|let me correct|change my answer|"
    r"in fact|wait|instead|not right|i said\b.{0,80}\bbut)\b"
)
_AFTER = re.compile(r"\b(?:i meant|i mean|meant to say|it should be|should have said|but)\b")
_STRIP = re.compile(
    r"\b(?:sorry|actually|oops|whoops|my bad|correction|in fact|no wait|wait|scratch that|"
    r"i (?:have |'ve )?made an? (?:mistake|error|typo)|(?:my )?(?:mistake|typo)|i was wrong|"
    r"i misspoke|(?:that|this|it)(?:'s| is| was) (?:wrong|incorrect|not right|a mistake)|"
    r"let me correct (?:that|myself)|i (?:need|want) to (?:correct|change) (?:that|my answer)|"
    r"earlier|before|wrong|incorrect)\b"
)
_AGE_PHRASE = re.compile(
    r"\b(?:i'm|i am|he's|he is|she's|she is|they're|they are|the patient is|"
    r"my (?:son|daughter|child|kid|boy|girl) is|age|aged|i turned|turning|i'll be)\s+"
    r"(?:actually\s+|really\s+|only\s+|just\s+|now\s+)*\d{1,3}\b(?!\s*(?:mg|%|kg|ms|mmol|umol|µmol|months?|weeks?|days?|lbs?|cm|\.\d))|"
    r"\b\d{1,3}\s*(?:years?|yrs?)\s*old\b|\b\d{1,3}\s*y/?o\b"
)


def _age_fact(facts: list[FactSpec]) -> FactSpec | None:
    for fact in facts:
        if fact.key == "age_years":
            return fact
    for fact in facts:
        if fact.type == "integer" and fact.unit and units.canonical_unit(fact.unit) == units.YEARS:
            return fact
    return None


def _new_value_text(text: str) -> str:
    parts = _AFTER.split(text)
    tail = parts[-1] if len(parts) > 1 and parts[-1].strip(" ,.!") else text
    return _STRIP.sub(" ", tail).strip(" ,.!;:-")


def parse_correction(
    text: str, facts: Iterable[FactSpec], pending: FactSpec | None
) -> tuple[str, Parsed] | None:
    """The corrected fact's key and its new parsed value, or None when this is no correction."""
    if not isinstance(text, str):
        return None
    cleaned = clean(text, MAX_CHARS)
    if not _CUE.search(cleaned):
        return None
    fact_list = list(facts)
    by_key = {fact.key: fact for fact in fact_list}
    if pending is not None:
        by_key.setdefault(pending.key, pending)
    mentioned = [k for k in find_fact_mentions(cleaned, by_key.values()) if k in by_key]
    target: FactSpec | None = None
    if pending is not None and pending.key in mentioned:
        target = pending
    elif mentioned:
        target = by_key[mentioned[0]]
    elif _AGE_PHRASE.search(words_to_digits(cleaned)):
        target = _age_fact([*fact_list, *([pending] if pending else [])])
    if target is None:
        return None
    new_text = _new_value_text(cleaned)
    parsed = parse_answer(new_text or cleaned, target)
    return target.key, parsed
