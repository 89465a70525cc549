"""Integer scales asked in plain words, such as ECOG performance status (0–4).

A number counts only at the start of the answer ("2", "ECOG 1", "1 - light work only"),
so "I can walk 2 miles" is not read as ECOG 2 — and only a number standing alone: "1:0",
"1-2", "1,000,000" or "1e3" are not ECOG 1. For a named scale (the fact's ``scale``, such
as ``ecog``), the language's ``scales.yaml`` gives everyday descriptions of its levels
("fully active" → 0, "light work only" → 1, "can look after myself but can't work" → 2,
"in bed or a chair more than half the day" → 3, "bedridden" → 4), in the file's order (the
most limited level first). An answer often says several things ("I still go to work, just
no heavy work"): every description in it is found, a phrase already claimed by a more
limited level's description does not count again ("can't look after myself" is not also
"look after myself"), and then

* descriptions of neighbouring levels give the more limited one ("go to work" + "no heavy
  work" → 1: the limitation is the news);
* descriptions further apart ("I work full time but I'm in bed most of the day") contradict
  each other, and a description wrapped in a hedge ("maybe light work") is a guess: both
  are invalid with the scale's hint, so the patient is asked again rather than given a
  level they did not say.

Any scale's own ``value_labels`` are also matched by token overlap, so a pasted button label
gives its value. A number and a description that disagree make the answer invalid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.answers import hints
from bot.answers.dontknow import hedge_span
from bot.answers.labels import best_label
from bot.answers.lexicon import lexicon
from bot.answers.numbers import words_to_digits_tracked
from bot.answers.quantities import Reading, finish
from bot.answers.result import Parsed, Span, invalid
from bot.answers.text import Tracked
from bot.criteria.model import FactSpec

#: described levels further apart than this contradict each other.
_NEIGHBOURS = 1


@dataclass(frozen=True)
class _Description:
    """What an answer's words say about the level: the (most limited) level described,
    where, and whether it can be taken."""

    level: int
    span: Span
    #: the words describe levels too far apart to be one answer.
    conflict: bool = False
    #: the description is hedged ("maybe", "I guess").
    hedged: bool = False


def _found(text: str, fact: FactSpec) -> list[tuple[int, Span]]:
    """Every (level, span) the scale's descriptions find, most limited level first; a span
    overlapping one a more limited level already claimed is left out."""
    rows = lexicon(fact.language).table("scales", "scales").get(fact.scale or "", ())
    found: list[tuple[int, Span]] = []
    for row in rows:
        for match in row["regex"].finditer(text):
            start, end = match.span()
            if end > start and not any(s < end and start < e for _, (s, e) in found):
                found.append((int(row["level"]), (start, end)))
    return found


def _described(text: str, fact: FactSpec) -> _Description | None:
    """The level the answer describes, and where (None when it describes none)."""
    found = _found(text, fact)
    if found:
        levels = [level for level, _ in found]
        level, span = found[0]
        return _Description(
            level,
            span,
            conflict=max(levels) - min(levels) > _NEIGHBOURS,
            hedged=hedge_span(text, fact.language) is not None,
        )
    best = best_label(text, fact.value_labels, fact.language)
    if best is not None and re.fullmatch(r"-?\d+", best):
        return _Description(int(best), (0, len(text)))
    return None


def parse_scale(text: Tracked, fact: FactSpec) -> Parsed:
    """Parse a cleaned answer to an integer fact with value labels."""
    digits = words_to_digits_tracked(text, fact.language)
    leading = lexicon(fact.language).regex("scales", "leading_number").match(digits.text)
    described = _described(text.text, fact)
    unclear = invalid(hints.for_invalid(fact, "unclear"))
    if leading:
        literal = leading.group(1).replace(",", ".")
        if len(literal) > 6:
            return invalid(hints.for_invalid(fact, "out_of_range"))
        number = float(literal)
        if described is not None and (described.conflict or described.level != number):
            return unclear
        span = digits.origin(*leading.span(1))
        return finish(Reading(number, None, False, False, span), fact)
    if described is None or described.conflict or described.hedged:
        return unclear
    where = text.origin(*described.span)
    return finish(Reading(float(described.level), None, False, False, where), fact)
