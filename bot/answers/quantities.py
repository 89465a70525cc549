"""Numeric answers: find the one number, read its unit, convert it, check it.

A number with no unit is in the fact's own unit — unless that reading is outside the fact's
plausible range [minimum, maximum] and exactly one declared conversion brings it inside
(creatinine "80" is µmol/L, lymphocytes "1400" are per µL, glucose "126" is mg/dL).
Out-of-range values are invalid, never clamped. Converted values are rounded to 2 decimals
(durations to 1); an integer fact must come out whole ("34.5" years is invalid).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from bot.answers import hints, units
from bot.answers.dontknow import hedge_span
from bot.answers.lexicon import lexicon
from bot.answers.numbers import find_numbers, has_inequality, has_range, prepare_tracked
from bot.answers.result import Parsed, Span, invalid, known, unknown
from bot.answers.text import Tracked
from bot.criteria.model import FactSpec


@dataclass(frozen=True)
class Reading:
    """One number read in the fact's unit (`span`: where, in the patient's text)."""

    value: float
    source_unit: str | None
    converted: bool
    time: bool
    span: Span | None = None


def _in_range(value: float, fact: FactSpec) -> bool:
    if not math.isfinite(value):
        return False
    if fact.minimum is not None and value < fact.minimum:
        return False
    return not (fact.maximum is not None and value > fact.maximum)


def _bare(value: float, fact: FactSpec, target: str) -> Reading:
    """A unit-less number: the fact's unit, or the single conversion that makes it plausible."""
    if _in_range(value, fact) or (fact.minimum is None and fact.maximum is None):
        return Reading(value, None, False, False)
    fits = [
        (unit, divisor)
        for unit, divisor in fact.conversions.items()
        if units.canonical_unit(unit, fact.language) != target
        and isinstance(divisor, (int, float))
        and math.isfinite(divisor)
        and divisor > 0
        and _in_range(value / divisor, fact)
    ]
    if len(fits) == 1:
        unit, divisor = fits[0]
        return Reading(value / divisor, units.canonical_unit(unit, fact.language), True, False)
    return Reading(value, None, False, False)


def _frequency(text: Tracked, language: str) -> tuple[Tracked, float]:
    for row in lexicon(language).records("quantities", "frequencies"):
        if row["regex"].search(text.text):
            return text.sub(row["regex"], " "), row["factor"]
    return text, 1.0


def read_numbers(prepared: Tracked, fact: FactSpec) -> tuple[list[Reading], bool]:
    """Every number in prepared text read in the fact's unit, and whether one had a wrong unit."""
    lang = fact.language
    text = prepared.text
    accepted = units.accepted_units(fact.unit, fact.conversions, lang)
    target = units.canonical_unit(fact.unit, lang) if fact.unit else ""
    readings: list[Reading] = []
    wrong_unit = False
    for number in find_numbers(text, units.digit_unit_spans(text, lang), lang):
        value = number.value
        found = units.unit_at(text, number.end, lang)
        if found is None:
            multiplier = lexicon(lang).regex("quantities", "multiplier").match(text, number.end)
            if multiplier:
                value *= 1000
                found = units.unit_at(text, multiplier.end(), lang)
        span = prepared.origin(number.start, found.end if found else number.end)
        if found is None:
            readings.append(replace(_bare(value, fact, target), span=span))
            continue
        resolved = units.resolve(found.candidates, accepted)
        if resolved is None:
            wrong_unit = True
            continue
        unit, divisor = resolved
        converted = unit != target
        readings.append(
            Reading(
                value / divisor,
                unit if converted else None,
                converted,
                converted and unit in units.TIME_UNITS,
                span,
            )
        )
    return readings, wrong_unit


def finish(reading: Reading, fact: FactSpec, factor: float = 1.0) -> Parsed:
    """Round, type and range-check one reading."""
    value = reading.value * factor
    if not math.isfinite(value):
        return invalid(hints.for_invalid(fact, "out_of_range"))
    if reading.converted or factor != 1.0:
        value = round(value, 1 if reading.time else 2)
    if not _in_range(value, fact):
        return invalid(hints.for_invalid(fact, "out_of_range"))
    value += 0.0  # "-0" is 0, never a negative zero
    if fact.type == "integer":
        if abs(value - round(value)) > 1e-9:
            return invalid(hints.for_invalid(fact, "whole"))
        return known(round(value), fact.unit, reading.source_unit, reading.span)
    return known(float(value), fact.unit, reading.source_unit, reading.span)


def _same(readings: list[Reading]) -> bool:
    first = readings[0].value
    return all(abs(r.value - first) <= 0.02 * max(abs(first), 1e-9) for r in readings[1:])


def parse_quantity(text: Tracked, fact: FactSpec) -> Parsed:
    """Parse a cleaned answer to an integer or number fact."""
    lang = fact.language
    prepared = prepare_tracked(text, lang)
    factor = 1.0
    is_dose = fact.unit is not None and units.canonical_unit(fact.unit, lang) == units.MG_DAY
    if is_dose:
        prepared, factor = _frequency(prepared, lang)
    if has_range(prepared.text, lang):
        return invalid(hints.for_invalid(fact, "range"))
    if has_inequality(prepared.text, lang):
        return invalid(hints.for_invalid(fact, "bound"))
    readings, wrong_unit = read_numbers(prepared, fact)
    if not readings:
        if wrong_unit:
            return invalid(hints.for_invalid(fact, "unit"))
        no_dose = (
            lexicon(lang).regex("quantities", "no_dose").search(prepared.text) if is_dose else None
        )
        if no_dose:
            return finish(Reading(0.0, None, False, False, prepared.origin(*no_dose.span())), fact)
        hedge = hedge_span(prepared.text, lang)
        if hedge:
            return unknown(prepared.origin(*hedge))
        return invalid(hints.for_invalid(fact, "unclear"))
    if not _same(readings):
        return invalid(hints.for_invalid(fact, "several"))
    return finish(readings[0], fact, factor)
