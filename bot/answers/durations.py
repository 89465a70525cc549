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
from dataclasses import dataclass
from functools import lru_cache

from bot.answers import hints
from bot.answers.lexicon import lexicon
from bot.answers.numbers import prepare_tracked
from bot.answers.quantities import parse_quantity
from bot.answers.result import Parsed, invalid, unknown
from bot.answers.text import Tracked
from bot.criteria.model import FactSpec


@dataclass(frozen=True)
class _Words:
    rewrites: tuple[tuple[re.Pattern[str], str], ...]
    not_done: re.Pattern[str]
    month_names: re.Pattern[str]
    duration: re.Pattern[str]
    future: re.Pattern[str]


@lru_cache(maxsize=8)
def _words(language: str) -> _Words:
    lex = lexicon(language)
    rows = lex.records("durations", "rewrites")
    return _Words(
        tuple((re.compile(row["pattern"]), row["replace"]) for row in rows),
        *(lex.regex("durations", k) for k in ("not_done", "month_names", "duration", "future")),
    )


def rewrite(text: Tracked, language: str) -> Tracked:
    """Relative time phrases as numbers with units: "last month" → "1 month"."""
    text = prepare_tracked(text, language)
    for pattern, repl in _words(language).rewrites:
        text = text.sub(pattern, repl)
    return text


def parse_duration(text: Tracked, fact: FactSpec) -> Parsed:
    """Parse a cleaned "how long ago" answer for a fact in months."""
    words = _words(fact.language)
    rewritten = rewrite(text, fact.language)
    future = words.future.search(rewritten.text)
    if future:
        return unknown(rewritten.origin(*future.span()))
    has_duration = words.duration.search(rewritten.text) is not None
    if words.month_names.search(rewritten.text) and not has_duration:
        return invalid(hints.for_invalid(fact, "date"))
    not_done = words.not_done.search(rewritten.text)
    if not_done and not has_duration and not re.search(r"\d", text.text):
        return unknown(rewritten.origin(*not_done.span()))
    return parse_quantity(rewritten, fact)
