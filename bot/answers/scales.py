"""Integer scales asked in plain words, such as ECOG performance status (0–4).

A number counts only at the start of the answer ("2", "ECOG 1", "1 - light work only"),
so "I can walk 2 miles" is not read as ECOG 2 — and only a number standing alone: "1:0",
"1-2", "1,000,000" or "1e3" are not ECOG 1. For ECOG, everyday descriptions are
recognised ("fully active" → 0, "light work only" → 1, "can look after myself but can't
work" → 2, "in bed or a chair more than half the day" → 3, "bedridden" → 4), checking the
most limited level first. Any scale's own ``value_labels`` are also matched by token
overlap, so a pasted button label gives its value. A number and a description that
disagree make the answer invalid.
"""

from __future__ import annotations

import re

from bot.answers import hints
from bot.answers.labels import best_label
from bot.answers.numbers import words_to_digits
from bot.answers.quantities import Reading, finish
from bot.answers.result import Parsed, invalid
from bot.criteria.model import FactSpec

_LEADING_NUMBER = re.compile(
    r"^[^\w-]*(?:(?:ecog|ps|grade|score|level|status|performance\s+status|stage|it's|it\s+is|"
    r"i'm|i\s+am|i'd\s+say|about|maybe)\s*[:#=]?\s*)*(-?\d+(?:[.,]\d+)?)(?![\w%]|\s*[.,:/-]\s*\d)"
)
_SELF = r"(?:myself|himself|herself|themselves|yourself|him|her|them)"
_CANT = r"(?:can't|can not|cannot|unable to|not able to|couldn't)"
_ECOG: tuple[tuple[int, re.Pattern[str]], ...] = tuple(
    (level, re.compile(pattern))
    for level, pattern in (
        (4, rf"completely disabled|totally disabled|fully disabled|bed[- ]?ridden|bed[- ]?bound|"
            rf"{_CANT} (?:\w+ )?(?:look after|take care of|care for|do anything for) {_SELF}|"
            r"(?:totally|completely|always|entirely) (?:in|confined to) (?:bed|a chair)|"
            r"in bed all (?:day|the time)|need help with everything|"
            r"no self[- ]?care|(?:can't|cannot|can not) do any self[- ]?care"),
        (3, rf"(?:partly|partially|only partly|only partially|only a little|only some) "
            rf"(?:look after|take care of|care for) {_SELF}|"
            rf"(?:look after|take care of|care for) {_SELF} (?:only )?(?:partly|partially)|"
            r"(?:in|confined to|stay in|lying in|stuck in) (?:a |my )?bed or (?:a |my )?chair|"
            r"limited self[- ]?care|(?:in|lying in|confined to) (?:bed|a chair)[^.]{0,25}"
            r"(?:more than|over|most of) (?:half|50|the day)|"
            r"(?:in bed|lying down|resting) (?:for )?(?:most|more than half) of the (?:day|time)|"
            r"most of the day in bed"),
        (2, rf"(?:look after|take care of|care for) {_SELF}|self[- ]?care|{_CANT} work|"
            r"up and about|out of bed (?:more than|most of)|(?:can't|cannot|can not) do any work"),
        (1, r"light (?:work|housework|duties|activit|office|jobs?|exercise)|strenuous|"
            r"(?:can't|cannot|can not|unable to) do (?:heavy|hard|physical)|office work|"
            r"desk job|restricted|(?:a bit|slightly|somewhat) limited|can walk"),
        (0, r"(?<!not )fully active|(?<!not )\b(?:can|able to) do (?:everything|anything|all)|"
            r"everything (?:as )?(?:before|normal)|no (?:restrictions?|limitations?|problems?)|"
            r"normal(?:ly)? (?:activit|life|job)|completely normal|work(?:ing)? full[- ]?time|"
            r"(?:still )?go(?:ing)? to work|not limited|without (?:any )?"
            r"(?:restriction|limitation)|as active as (?:before|ever)|perfectly (?:fine|healthy)"),
    )
)  # fmt: skip


def _is_ecog(fact: FactSpec) -> bool:
    return "ecog" in fact.key.lower() or any("ecog" in t.lower() for t in fact.terms)


def _described(text: str, fact: FactSpec) -> int | None:
    if _is_ecog(fact):
        for level, pattern in _ECOG:
            if pattern.search(text):
                return level
    best = best_label(text, fact.value_labels)
    if best is not None and re.fullmatch(r"-?\d+", best):
        return int(best)
    return None


def parse_scale(text: str, fact: FactSpec) -> Parsed:
    """Parse a cleaned answer to an integer fact with value labels."""
    digits = words_to_digits(text)
    leading = _LEADING_NUMBER.match(digits)
    described = _described(text, fact)
    if leading:
        literal = leading.group(1).replace(",", ".")
        if len(literal) > 6:
            return invalid(hints.for_invalid(fact, "out_of_range"))
        number = float(literal)
        if described is not None and described != number:
            return invalid(hints.for_invalid(fact, "unclear"))
        return finish(Reading(number, None, False, False), fact)
    if described is not None:
        return finish(Reading(float(described), None, False, False), fact)
    return invalid(hints.for_invalid(fact, "unclear"))
