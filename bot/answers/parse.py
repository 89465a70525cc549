"""``parse_answer``: one free-text answer to one fact's question → a typed ``Parsed``."""

from __future__ import annotations

import re

from bot.answers import hints, units
from bot.answers.choices import parse_choice
from bot.answers.dontknow import is_dont_know
from bot.answers.durations import parse_duration
from bot.answers.quantities import parse_quantity
from bot.answers.result import Parsed, invalid, unknown
from bot.answers.scales import parse_scale
from bot.answers.text import MAX_CHARS, clean, looks_like_code
from bot.answers.titre import parse_titre
from bot.answers.yesno import parse_boolean
from bot.criteria.model import FactSpec

#: "no" to "do you know your latest …?" means "I don't know" for values the patient may not have.
_NO_IDEA = re.compile(r"^(?:no|nope|nah|n|not really|no i don't|i don't|no sorry|sorry no)\W*$")


def parse_answer(text: str, fact: FactSpec) -> Parsed:
    """Turn what the patient typed, in answer to the question for `fact`, into a value.

    Never raises: anything that cannot be understood is ``invalid`` with a hint.
    """
    if not isinstance(text, str) or not text.strip():
        return invalid(hints.for_invalid(fact, "empty"))
    if len(text.strip()) > MAX_CHARS:
        return invalid(hints.for_invalid(fact, "too_long"))
    cleaned = clean(text)
    if not cleaned:
        return invalid(hints.for_invalid(fact, "empty"))
    if looks_like_code(cleaned):  # never read a number out of "<script>alert(1)</script>"
        return invalid(hints.for_invalid(fact, "unclear"))
    if is_dont_know(cleaned):
        return unknown()
    if fact.type == "boolean":
        return parse_boolean(cleaned, fact)
    if fact.source == "lab-asked" and _NO_IDEA.match(cleaned):
        return unknown()
    if fact.type == "choice":
        return parse_choice(cleaned, fact)
    if fact.type == "integer" and fact.value_labels:
        return parse_scale(cleaned, fact)
    canonical = units.canonical_unit(fact.unit) if fact.unit else None
    if canonical == units.TITER:
        return parse_titre(cleaned, fact)
    if canonical == units.MONTHS:
        return parse_duration(cleaned, fact)
    return parse_quantity(cleaned, fact)
