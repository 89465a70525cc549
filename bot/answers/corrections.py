"""Spotting a correction of an earlier answer: "sorry, I'm actually 45", "I meant no".

A message is a correction only when it has a correction cue (actually, sorry, mistake,
I meant, correction, wrong, "I said … but", oops, scratch that …) *and* it names a fact
through its topic words — or, for a bare number, reads as an age ("I'm 45", "45 years
old"). The new value is parsed from what follows the last "I meant" / "but" (else from the
message with the cue words removed). When the message names the pending fact, that one is
returned; otherwise the first fact named. The cues are the language's ``corrections.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.answers import units
from bot.answers.lexicon import lexicon
from bot.answers.mentions import find_fact_mentions, language_of
from bot.answers.numbers import words_to_digits
from bot.answers.parse import read
from bot.answers.result import Parsed
from bot.answers.text import MAX_CHARS, Tracked, clean_tracked
from bot.criteria.model import FactSpec


def _pattern(language: str, key: str) -> re.Pattern[str]:
    """The language's correction cues (``corrections.yaml``): cue, after, strip, age_phrase."""
    return lexicon(language).regex("corrections", key)


def _age_fact(facts: list[FactSpec]) -> FactSpec | None:
    """The fact a bare age ("I'm 45") corrects: the first whole number of years."""
    for fact in facts:
        unit = units.canonical_unit(fact.unit, fact.language) if fact.unit else None
        if fact.type == "integer" and unit == units.YEARS:
            return fact
    return None


def _new_value_text(text: Tracked, language: str) -> Tracked:
    """What follows the last "I meant"/"but" (else the whole message), cue words removed."""
    last = None
    for last in _pattern(language, "after").finditer(text.text):  # noqa: B007
        pass
    tail = text
    if last is not None and text.text[last.end() :].strip(" ,.!"):
        tail = text.slice(last.end())
    return tail.sub(_pattern(language, "strip"), " ").strip(" ,.!;:-")


def parse_correction(
    text: str, facts: Iterable[FactSpec], pending: FactSpec | None
) -> tuple[str, Parsed] | None:
    """The corrected fact's key and its new parsed value, or None when this is no correction.

    The value's span points into `text`.
    """
    if not isinstance(text, str):
        return None
    fact_list = list(facts)
    lang = language_of([*fact_list, *([pending] if pending else [])]) or "en"
    cleaned = clean_tracked(Tracked.of(text), MAX_CHARS, lang)
    if not _pattern(lang, "cue").search(cleaned.text):
        return None
    by_key = {fact.key: fact for fact in fact_list}
    if pending is not None:
        by_key.setdefault(pending.key, pending)
    mentioned = [k for k in find_fact_mentions(cleaned.text, by_key.values()) if k in by_key]
    target: FactSpec | None = None
    if pending is not None and pending.key in mentioned:
        target = pending
    elif mentioned:
        target = by_key[mentioned[0]]
    elif _pattern(lang, "age_phrase").search(words_to_digits(cleaned.text, lang)):
        target = _age_fact([*fact_list, *([pending] if pending else [])])
    if target is None:
        return None
    new_text = _new_value_text(cleaned, lang)
    return target.key, read(new_text if new_text.text else cleaned, target)
