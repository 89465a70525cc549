"""Units as people type them, mapped to the trial's canonical unit strings, and conversion.

``UNIT_ALIASES`` maps each canonical unit to the regular expressions of what people type
("mg per dl", "umol/l", "k/ul", "x 10*9/l", "percent", "yo" …). Some typed units are loose
("mg" may mean mg/day or mg/dL, "mmol" mmol/L): they list several candidates and the first
one the fact accepts wins. Units recognised but never accepted (kg, cm, mg/kg, mmol/mol …)
make an answer invalid rather than being silently ignored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.answers.text import clean

MG_DL = "mg/dL"
UMOL_L = "µmol/L"
MMOL_L = "mmol/L"
PER_UL = "/µL"
K_PER_UL = "×10³/µL"
G_PER_L = "×10⁹/L"
PERCENT = "%"
MS = "ms"
MG_DAY = "mg/day"
IU_ML = "IU/mL"
ML_MIN = "mL/min/1.73 m²"
YEARS = "years"
MONTHS = "months"
WEEKS = "weeks"
DAYS = "days"
HOURS = "hours"
TITER = "titer"
#: recognised, never convertible: a number with one of these is answered in the wrong unit.
OTHER = "other"

TIME_UNITS = frozenset({YEARS, MONTHS, WEEKS, DAYS, HOURS})
#: built-in conversions (divisors) for time, beside whatever the fact declares.
TIME_CONVERSIONS: Mapping[str, Mapping[str, float]] = {
    MONTHS: {YEARS: 1 / 12, WEEKS: 4.345, DAYS: 30.44, HOURS: 730.5},
    YEARS: {MONTHS: 12.0, WEEKS: 52.18, DAYS: 365.25, HOURS: 8766.0},
}

_MU = r"(?:µ|u|mc|micro[- ]?)"
_L = r"(?:l|lit(?:er|re)s?)"
_DL = r"(?:dl|deci[- ]?lit(?:er|re)s?)"
_PER = r"\s*(?:/|\bper\b|\ba\b|\ban\b)\s*"
_MG = r"(?:mgs?|milli[- ]?grams?)"
#: "x10^", "10*", "10e" — or a bare "e" right after the number ("1.4e9/l": ×10⁹/L).
_TEN = r"(?:(?:x\s*|\*\s*)?10\s*(?:\^|\*\*|\*|e)?\s*|e\s*)"
_UL = rf"(?:{_MU}\s*{_L}|mcl|cubic\s+milli[- ]?met(?:er|re)s?|mm\^?3)"

#: (canonical candidates, regex) — more specific patterns first.
UNIT_ALIASES: tuple[tuple[tuple[str, ...], str], ...] = (
    ((OTHER,), rf"{_MG}\s*/\s*kg(?:\s*/\s*d(?:ay)?|\s*(?:a|per)\s+day)?"),
    ((OTHER,), r"mmol\s*/\s*mol"),
    ((MG_DL,), rf"{_MG}{_PER}{_DL}|mg\s*%"),
    (
        (MG_DAY,),
        rf"{_MG}\s*(?:/\s*d(?:ay)?\b|(?:a|per|each|every)\s+day|daily|qd|od|"
        r"once\s+(?:a|per)\s+day|a\s+d)",
    ),
    ((OTHER,), rf"{_MG}\s*/\s*{_L}|ng\s*/\s*ml|{_MU}g\s*/\s*{_L}"),
    ((MG_DAY, MG_DL), _MG),
    ((UMOL_L,), rf"{_MU}\s*mol(?:es)?(?:{_PER}{_L})?"),
    ((MMOL_L,), rf"(?:mmol|milli[- ]?mol(?:es)?)(?:{_PER}{_L})?"),
    (
        (K_PER_UL,),
        rf"{_TEN}3\s*(?:/|per)\s*{_UL}|k\s*(?:/|per)\s*{_UL}|"
        rf"thousands?\s*(?:/|per)\s*{_UL}",
    ),
    ((G_PER_L,), rf"{_TEN}9(?:\s*(?:/|per)\s*{_L})?|giga\s*/\s*{_L}|g\s*/\s*l"),
    ((PER_UL,), rf"(?:cells?\s*)?(?:/|per)\s*{_UL}|cells?"),
    (
        (ML_MIN,),
        r"mls?\s*(?:/|per)\s*min(?:ute)?s?(?:\s*(?:/|per)\s*1[.,]73\s*"
        r"(?:m\s*\^?\s*2|square\s+met(?:er|re)s?)?)?",
    ),
    (
        (IU_ML,),
        r"(?:iu|u|units?|international\s+units?)\s*(?:/|per)\s*ml|"
        r"iu|units?|international\s+units?",
    ),
    ((PERCENT,), r"%|percent|per\s*cent|pct"),
    ((MS,), r"ms|msecs?|milli[- ]?seconds?"),
    ((YEARS,), r"years?\s+old|yrs?\s+old|y\.?\s?o\.?|y/o|years?|yrs?|y"),
    ((MONTHS,), r"months?\s+old|months?|mos?|mths?|mnths?"),
    ((WEEKS,), r"weeks?|wks?"),
    ((DAYS,), r"days?|d"),
    ((HOURS,), r"hours?|hrs?|h"),
    (
        (OTHER,),
        r"kgs?|kilo(?:gram)?s?|grams?|g|lbs?|pounds?|stones?|cm|mm|met(?:er|re)s?|ft|"
        r"feet|inch(?:es)?|mcg|µg|ug|g\s*/\s*dl|mm\s*hg|bpm|u\s*/\s*l|iu\s*/\s*l|"
        r"seconds?|secs?|s|minutes?|mins?|ml|l|lit(?:er|re)s?|points?|pts?",
    ),
)

_AFTER = r"(?![a-z0-9µ/^])"
_UNIT = re.compile(
    "|".join(f"(?P<u{i}>{pattern}){_AFTER}" for i, (_, pattern) in enumerate(UNIT_ALIASES))
)
_UNIT_AT = re.compile(r"\s*(?:" + _UNIT.pattern + ")")
#: unit spans whose digits ("10^9", "1.73 m2") are not numbers of their own.
_PER_VOLUME = rf"\s*(?:/|per)\s*(?:{_UL}|{_L})"
#: "x10^9", "10^9/L", "10*9" — and a bare "109/L" (a flattened 10⁹/L) only before "/L": a bare
#: "109" is a number (an eGFR of 109), not a unit.
_DIGIT_UNIT = re.compile(
    rf"(?:(?:x|\*)\s*10\s*(?:\^|\*\*|\*|e)?\s*[39]|10\s*(?:\^|\*\*|\*|e)\s*[39]|"
    rf"10\s*[39](?={_PER_VOLUME}))(?:{_PER_VOLUME})?{_AFTER}|/\s*1[.,]73\s*m?\s*\^?\s*2?"
)


@dataclass(frozen=True)
class UnitMatch:
    """A unit found right after a number: its canonical candidates and where it ends."""

    candidates: tuple[str, ...]
    end: int


def unit_at(text: str, pos: int) -> UnitMatch | None:
    """The unit that starts at `pos` (after optional spaces) in cleaned text, if any."""
    match = _UNIT_AT.match(text, pos)
    if match is None or match.lastgroup is None:
        return None
    index = int(match.lastgroup[1:])
    return UnitMatch(UNIT_ALIASES[index][0], match.end())


def digit_unit_spans(text: str) -> list[tuple[int, int]]:
    """Spans like "x10^9/l" whose digits belong to the unit, not to the answer."""
    return [m.span() for m in _DIGIT_UNIT.finditer(text)]


def canonical_unit(unit: str) -> str:
    """The canonical form of a unit string ("umol/l" → "µmol/L"); unrecognised ones as given."""
    cleaned = clean(unit)
    match = _UNIT.fullmatch(cleaned)
    if match is None or match.lastgroup is None:
        return unit
    candidates = UNIT_ALIASES[int(match.lastgroup[1:])][0]
    return unit if candidates == (OTHER,) else candidates[0]


def accepted_units(fact_unit: str | None, conversions: Mapping[str, float]) -> dict[str, float]:
    """Every canonical unit a fact accepts, mapped to its divisor (1 for the fact's own unit)."""
    accepted: dict[str, float] = {}
    if fact_unit is None:
        return accepted
    target = canonical_unit(fact_unit)
    accepted.update(TIME_CONVERSIONS.get(target, {}))
    for unit, divisor in conversions.items():
        if isinstance(divisor, (int, float)) and math.isfinite(divisor) and divisor > 0:
            accepted[canonical_unit(unit)] = float(divisor)
    accepted[target] = 1.0
    return accepted


def resolve(candidates: tuple[str, ...], accepted: Mapping[str, float]) -> tuple[str, float] | None:
    """The first candidate unit the fact accepts, with its divisor; None when none is accepted."""
    for unit in candidates:
        if unit in accepted:
            return unit, accepted[unit]
    return None
