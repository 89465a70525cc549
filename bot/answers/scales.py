"""Integer scales asked in plain words, such as ECOG performance status (0–4).

A number counts only at the start of the answer ("2", "ECOG 1", "1 - light work only"),
so "I can walk 2 miles" is not read as ECOG 2 — and only a number standing alone: "1:0",
"1-2", "1,000,000" or "1e3" are not ECOG 1. For a named scale (the fact's ``scale``, such
as ``ecog``), the language's ``scales.yaml`` gives everyday descriptions of its levels
("fully active" → 0, "light work only" → 1, "can look after myself but can't work" → 2,
"in bed or a chair more than half the day" → 3, "bedridden" → 4), checked in the file's
order (the most limited level first). Any scale's own ``value_labels`` are also matched by
token overlap, so a pasted button label gives its value. A number and a description that
disagree make the answer invalid.
"""

from __future__ import annotations

import re

from bot.answers import hints
from bot.answers.labels import best_label
from bot.answers.lexicon import lexicon
from bot.answers.numbers import words_to_digits_tracked
from bot.answers.quantities import Reading, finish
from bot.answers.result import Parsed, Span, invalid
from bot.answers.text import Tracked
from bot.criteria.model import FactSpec


def _described(text: str, fact: FactSpec) -> tuple[int, Span] | None:
    """The level the answer describes, and where."""
    levels = lexicon(fact.language).table("scales", "scales").get(fact.scale or "", ())
    for row in levels:
        match = row["regex"].search(text)
        if match:
            return int(row["level"]), match.span()
    best = best_label(text, fact.value_labels, fact.language)
    if best is not None and re.fullmatch(r"-?\d+", best):
        return int(best), (0, len(text))
    return None


def parse_scale(text: Tracked, fact: FactSpec) -> Parsed:
    """Parse a cleaned answer to an integer fact with value labels."""
    digits = words_to_digits_tracked(text, fact.language)
    leading = lexicon(fact.language).regex("scales", "leading_number").match(digits.text)
    described = _described(text.text, fact)
    if leading:
        literal = leading.group(1).replace(",", ".")
        if len(literal) > 6:
            return invalid(hints.for_invalid(fact, "out_of_range"))
        number = float(literal)
        if described is not None and described[0] != number:
            return invalid(hints.for_invalid(fact, "unclear"))
        span = digits.origin(*leading.span(1))
        return finish(Reading(number, None, False, False, span), fact)
    if described is not None:
        level, where = described
        return finish(Reading(float(level), None, False, False, text.origin(*where)), fact)
    return invalid(hints.for_invalid(fact, "unclear"))
