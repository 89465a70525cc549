"""``parse_answer``: one free-text answer to one fact's question → a typed ``Parsed``."""

from __future__ import annotations

from bot.answers import hints, units
from bot.answers.choices import parse_choice
from bot.answers.dontknow import dont_know_span, no_idea_span
from bot.answers.durations import parse_duration
from bot.answers.quantities import parse_quantity
from bot.answers.result import Parsed, in_language, invalid, unknown
from bot.answers.scales import parse_scale
from bot.answers.text import MAX_CHARS, Tracked, clean_tracked, looks_like_code
from bot.answers.titre import parse_titre
from bot.answers.yesno import parse_boolean
from bot.criteria.model import FactSpec


def parse_answer(text: str, fact: FactSpec) -> Parsed:
    """Turn what the patient typed, in answer to the question for `fact`, into a value.

    Read in the fact's language; the result's span points into `text`. Never raises:
    anything that cannot be understood is ``invalid`` with a hint.
    """
    if not isinstance(text, str):
        return in_language(invalid(hints.for_invalid(fact, "empty")), fact.language)
    return read(Tracked.of(text), fact)


def read(source: Tracked, fact: FactSpec) -> Parsed:
    """``parse_answer`` of tracked text: the span points into the text `source` came from."""
    return in_language(_read(source, fact), fact.language)


def _read(source: Tracked, fact: FactSpec) -> Parsed:
    stripped = source.text.strip()
    if not stripped:
        return invalid(hints.for_invalid(fact, "empty"))
    if len(stripped) > MAX_CHARS:
        return invalid(hints.for_invalid(fact, "too_long"))
    lang = fact.language
    cleaned = clean_tracked(source, MAX_CHARS, lang)
    text = cleaned.text
    if not text:
        return invalid(hints.for_invalid(fact, "empty"))
    if looks_like_code(text):  # never read a number out of "<script>alert(1)</script>"
        return invalid(hints.for_invalid(fact, "unclear"))
    dont_know = dont_know_span(text, lang)
    if dont_know is not None:
        return unknown(cleaned.origin(*dont_know))
    if fact.type == "boolean":
        return parse_boolean(cleaned, fact)
    #: "no" to "do you know your latest …?" means "I don't know" for values the patient may
    #: not have.
    no_idea = no_idea_span(text, lang) if fact.source == "lab-asked" else None
    if no_idea is not None:
        return unknown(cleaned.origin(*no_idea))
    if fact.type == "choice":
        return parse_choice(cleaned, fact)
    if fact.type == "integer" and fact.value_labels:
        return parse_scale(cleaned, fact)
    canonical = units.canonical_unit(fact.unit, lang) if fact.unit else None
    if canonical == units.TITER:
        return parse_titre(cleaned, fact)
    if canonical == units.MONTHS:
        return parse_duration(cleaned, fact)
    return parse_quantity(cleaned, fact)
