"""Numeric answers: find the one number, read its unit, convert it, check it.

A number with no unit is in the fact's own unit — unless that reading is outside the fact's
plausible range [minimum, maximum] and exactly one declared conversion brings it inside
(creatinine "80" is µmol/L, lymphocytes "1400" are per µL, glucose "126" is mg/dL).
Out-of-range values are invalid, never clamped. Converted values are rounded to 2 decimals
(durations to 1); an integer fact must come out whole ("34.5" years is invalid).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.answers import hints, units
from bot.answers.dontknow import is_hedge
from bot.answers.numbers import find_numbers, has_inequality, has_range, prepare
from bot.answers.result import Parsed, invalid, known, unknown
from bot.criteria.model import FactSpec

_MULTIPLIER = re.compile(r"\s*(?:thousand|k)(?![a-z0-9µ/])")
#: doses given per intake: "5 mg twice a day" is 10 mg/day.
_FREQUENCIES: tuple[tuple[re.Pattern[str], float], ...] = tuple(
    (re.compile(pattern), factor)
    for pattern, factor in (
        (r"\b(?:twice|2\s*(?:times|x))\s*(?:a|per|each|every)?\s*(?:day|daily)\b|\bb\.?i\.?d\b", 2),
        (r"\b(?:three|3)\s*(?:times|x)\s*(?:a|per|each|every)?\s*(?:day|daily)\b|\bt\.?i\.?d\b", 3),
        (r"\bevery\s+(?:other|second|2)\s+days?\b|\bon\s+alternate\s+days\b", 0.5),
    )
)
_NO_DOSE = re.compile(
    r"^(?:no|nope|none|nothing|zero|nil|n/a)\b|\b(?:none|nothing|zero|nil)\b|"
    r"(?:\bnot|n't|\bno longer|\bnever)\s+(?:\w+\s+){0,2}"
    r"(?:on|taking|take|using|use|had|have|need)\b|"
    r"\b(?:stopped|quit|off)\b|\bno\s+(?:steroids?|prednisone|prednisolone|medication)"
)


@dataclass(frozen=True)
class Reading:
    """One number read in the fact's unit."""

    value: float
    source_unit: str | None
    converted: bool
    time: bool


def _in_range(value: float, fact: FactSpec) -> bool:
    if not math.isfinite(value):
        return False
    if fact.minimum is not None and value < fact.minimum:
        return False
    return not (fact.maximum is not None and value > fact.maximum)


def _bare(value: float, fact: FactSpec, accepted: dict[str, float], target: str) -> Reading:
    """A unit-less number: the fact's unit, or the single conversion that makes it plausible."""
    if _in_range(value, fact) or (fact.minimum is None and fact.maximum is None):
        return Reading(value, None, False, False)
    fits = [
        (unit, divisor)
        for unit, divisor in fact.conversions.items()
        if units.canonical_unit(unit) != target
        and isinstance(divisor, (int, float))
        and math.isfinite(divisor)
        and divisor > 0
        and _in_range(value / divisor, fact)
    ]
    if len(fits) == 1:
        unit, divisor = fits[0]
        return Reading(value / divisor, units.canonical_unit(unit), True, False)
    return Reading(value, None, False, False)


def _frequency(text: str) -> tuple[str, float]:
    for pattern, factor in _FREQUENCIES:
        if pattern.search(text):
            return pattern.sub(" ", text), factor
    return text, 1.0


def read_numbers(text: str, fact: FactSpec) -> tuple[list[Reading], bool]:
    """Every number in prepared text read in the fact's unit, and whether one had a wrong unit."""
    accepted = units.accepted_units(fact.unit, fact.conversions)
    target = units.canonical_unit(fact.unit) if fact.unit else ""
    readings: list[Reading] = []
    wrong_unit = False
    for number in find_numbers(text, units.digit_unit_spans(text)):
        value = number.value
        found = units.unit_at(text, number.end)
        if found is None:
            multiplier = _MULTIPLIER.match(text, number.end)
            if multiplier:
                value *= 1000
                found = units.unit_at(text, multiplier.end())
        if found is None:
            readings.append(_bare(value, fact, accepted, target))
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
        return known(round(value), fact.unit, reading.source_unit)
    return known(float(value), fact.unit, reading.source_unit)


def _same(readings: list[Reading]) -> bool:
    first = readings[0].value
    return all(abs(r.value - first) <= 0.02 * max(abs(first), 1e-9) for r in readings[1:])


def parse_quantity(text: str, fact: FactSpec) -> Parsed:
    """Parse a cleaned answer to an integer or number fact."""
    prepared = prepare(text)
    factor = 1.0
    is_dose = fact.unit is not None and units.canonical_unit(fact.unit) == units.MG_DAY
    if is_dose:
        prepared, factor = _frequency(prepared)
    if has_range(prepared):
        return invalid(hints.for_invalid(fact, "range"))
    if has_inequality(prepared):
        return invalid(hints.for_invalid(fact, "bound"))
    readings, wrong_unit = read_numbers(prepared, fact)
    if not readings:
        if wrong_unit:
            return invalid(hints.for_invalid(fact, "unit"))
        if is_dose and _NO_DOSE.search(prepared):
            return finish(Reading(0.0, None, False, False), fact)
        if is_hedge(prepared):
            return unknown()
        return invalid(hints.for_invalid(fact, "unclear"))
    if not _same(readings):
        return invalid(hints.for_invalid(fact, "several"))
    return finish(readings[0], fact, factor)
