"""How long ago something happened, for facts in months ("biopsy_months_ago").

Relative phrases are rewritten into numbers with time units, which ``quantities`` then
converts (years ×12, weeks ÷4.345, days ÷30.44, rounded to one decimal):
"2 years ago" → 24, "last month" → 1, "a year and a half ago" → 18, "3 weeks ago" → 0.7,
"yesterday" → 0. Something that has not happened ("I haven't had a biopsy", "never had
one", "it's next week") is ``unknown`` — the spec leaves a not-yet-done biopsy unknown.
Calendar dates ("in March", "May 2024") are not computed: the patient is asked for a
rough number of months instead. The phrases are the language's ``durations.yaml``.
"""

from __future__ import annotations

import re

from bot.answers import hints
from bot.answers.lexicon import lexicon
from bot.answers.numbers import prepare_tracked
from bot.answers.quantities import parse_quantity
from bot.answers.result import Parsed, invalid, unknown
from bot.answers.text import Tracked
from bot.criteria.model import FactSpec


def rewrite(text: Tracked, language: str) -> Tracked:
    """Relative time phrases as numbers with units: "last month" → "1 month"."""
    text = prepare_tracked(text, language)
    for row in lexicon(language).records("durations", "rewrites"):
        text = text.sub(row["regex"], row["replace"])
    return text


def parse_duration(text: Tracked, fact: FactSpec) -> Parsed:
    """Parse a cleaned "how long ago" answer for a fact in months."""
    lex = lexicon(fact.language)
    rewritten = rewrite(text, fact.language)
    future = lex.regex("durations", "future").search(rewritten.text)
    if future:
        return unknown(rewritten.origin(*future.span()))
    has_duration = lex.regex("durations", "duration").search(rewritten.text) is not None
    if lex.regex("durations", "month_names").search(rewritten.text) and not has_duration:
        return invalid(hints.for_invalid(fact, "date"))
    not_done = lex.regex("durations", "not_done").search(rewritten.text)
    if not_done and not has_duration and not re.search(r"\d", text.text):
        return unknown(rewritten.origin(*not_done.span()))
    return parse_quantity(rewritten, fact)
