"""ANA titres: "1:320" → 320, "1/160" → 160, "320" → 320, "negative" → 0.

"positive" alone does not say how strongly positive, so it is invalid with a hint asking for
the titre; "negative at 1:80" mixes both and is invalid too (it means *below* 80). "1:0" is
not a titre, nor is a number with a unit ("320 mg").
"""

from __future__ import annotations

import re

from bot.answers import hints, units
from bot.answers.numbers import find_numbers, prepare, to_float
from bot.answers.quantities import Reading, finish
from bot.answers.result import Parsed, invalid
from bot.criteria.model import FactSpec

_RATIO = re.compile(r"(?<![\d.,])1\s*(?::|/|in|to)\s*(\d[\d,]*)(?![\d.])")
_NEGATIVE = re.compile(
    r"\b(?:neg|negative|not\s+detected|undetected|non[- ]?reactive|normal)\b|"
    r"\b(?:was|came\s+back|is|it's)\s+clear\b"
)
_POSITIVE = re.compile(
    r"(?<!not )(?<!non)(?<!non-)\b(?:pos|positive|detected|reactive|high|raised)\b"
)


def parse_titre(text: str, fact: FactSpec) -> Parsed:
    """Parse a cleaned answer to a titre fact (unit "titer")."""
    prepared = prepare(text)
    negative = _NEGATIVE.search(prepared) is not None
    positive = _POSITIVE.search(prepared) is not None
    ratios = [to_float(m.group(1)) for m in _RATIO.finditer(prepared)]
    if ratios:
        if negative or any(r <= 0 for r in ratios):
            return invalid(hints.for_invalid(fact, "unclear"))
        if len(set(ratios)) > 1:
            return invalid(hints.for_invalid(fact, "several"))
        return finish(Reading(ratios[0], None, False, False), fact)
    numbers = find_numbers(prepared)
    if any(units.unit_at(prepared, n.end) is not None for n in numbers):
        return invalid(hints.for_invalid(fact, "unit"))  # "320 mg", "1e9" (×10⁹): not a titre
    if negative and not positive and not [n for n in numbers if n.value != 0]:
        return finish(Reading(0.0, None, False, False), fact)
    if numbers and not negative:
        if len({n.value for n in numbers}) > 1:
            return invalid(hints.for_invalid(fact, "several"))
        return finish(Reading(numbers[0].value, None, False, False), fact)
    if positive and not negative:
        return invalid(hints.for_invalid(fact, "titre"))
    return invalid(hints.for_invalid(fact, "unclear"))
