"""ANA titres: "1:320" → 320, "1/160" → 160, "320" → 320, "negative" → 0.

"positive" alone does not say how strongly positive, so it is invalid with a hint asking for
the titre; "negative at 1:80" mixes both and is invalid too (it means *below* 80). "1:0" is
not a titre, nor is a number with a unit ("320 mg"). The words are the language's
``titre.yaml``.
"""

from __future__ import annotations

from bot.answers import hints, units
from bot.answers.lexicon import lexicon
from bot.answers.numbers import find_numbers, prepare_tracked, to_float
from bot.answers.quantities import Reading, finish
from bot.answers.result import Parsed, invalid
from bot.answers.text import Tracked
from bot.criteria.model import FactSpec


def parse_titre(text: Tracked, fact: FactSpec) -> Parsed:
    """Parse a cleaned answer to a titre fact (unit "titer")."""
    lang = fact.language
    lex = lexicon(lang)
    prepared = prepare_tracked(text, lang)
    words = prepared.text
    negative = lex.regex("titre", "negative").search(words)
    positive = lex.regex("titre", "positive").search(words) is not None
    ratios = list(lex.regex("titre", "ratio").finditer(words))
    if ratios:
        values = [to_float(m.group(1)) for m in ratios]
        if negative or any(r <= 0 for r in values):
            return invalid(hints.for_invalid(fact, "unclear"))
        if len(set(values)) > 1:
            return invalid(hints.for_invalid(fact, "several"))
        span = prepared.origin(*ratios[0].span())
        return finish(Reading(values[0], None, False, False, span), fact)
    numbers = find_numbers(words, language=lang)
    if any(units.unit_at(words, n.end, lang) is not None for n in numbers):
        return invalid(hints.for_invalid(fact, "unit"))  # "320 mg", "1e9" (×10⁹): not a titre
    if negative and not positive and not [n for n in numbers if n.value != 0]:
        return finish(Reading(0.0, None, False, False, prepared.origin(*negative.span())), fact)
    if numbers and not negative:
        if len({n.value for n in numbers}) > 1:
            return invalid(hints.for_invalid(fact, "several"))
        span = prepared.origin(numbers[0].start, numbers[0].end)
        return finish(Reading(numbers[0].value, None, False, False, span), fact)
    if positive and not negative:
        return invalid(hints.for_invalid(fact, "titre"))
    return invalid(hints.for_invalid(fact, "unclear"))
