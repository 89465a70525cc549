"""Units as people type them, mapped to the trial's canonical unit strings, and conversion.

A language's ``units.yaml`` maps each canonical unit (``bot.answers.names``) to the regular
expressions of what people type ("mg per dl", "umol/l", "k/ul", "x 10*9/l", "percent", "yo"
…). Some typed units are loose ("mg" may mean mg/day or mg/dL, "mmol" mmol/L): they list
several candidates and the first one the fact accepts wins. Units recognised but never
accepted (kg, cm, mg/kg, mmol/mol …) make an answer invalid rather than being silently
ignored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from bot.answers.lexicon import DEFAULT_LANGUAGE, lexicon
from bot.answers.names import (
    CANONICAL_UNITS,
    DAYS,
    G_PER_L,
    HOURS,
    IU_ML,
    K_PER_UL,
    MG_DAY,
    MG_DL,
    ML_MIN,
    MMOL_L,
    MONTHS,
    MS,
    OTHER,
    PER_UL,
    PERCENT,
    TIME_CONVERSIONS,
    TIME_UNITS,
    TITER,
    UMOL_L,
    WEEKS,
    YEARS,
)
from bot.answers.text import clean

__all__ = [
    "DAYS", "G_PER_L", "HOURS", "IU_ML", "K_PER_UL", "MG_DAY", "MG_DL", "ML_MIN", "MMOL_L",
    "MONTHS", "MS", "OTHER", "PERCENT", "PER_UL", "TIME_CONVERSIONS", "TIME_UNITS", "TITER",
    "UMOL_L", "WEEKS", "YEARS", "UnitMatch", "accepted_units", "canonical_unit",
    "digit_unit_spans", "resolve", "unit_at",
]  # fmt: skip


@dataclass(frozen=True)
class UnitMatch:
    """A unit found right after a number: its canonical candidates and where it ends."""

    candidates: tuple[str, ...]
    end: int


@dataclass(frozen=True)
class _Units:
    """One language's unit spellings, compiled."""

    candidates: tuple[tuple[str, ...], ...]
    unit: re.Pattern[str]
    unit_at: re.Pattern[str]
    #: unit spans whose digits ("10^9", "1.73 m2") are not numbers of their own.
    digit_unit: re.Pattern[str]


@lru_cache(maxsize=8)
def _units(language: str) -> _Units:
    lex = lexicon(language)
    aliases = lex.records("units", "aliases")
    after = lex.fragment("units", "after")
    unit = re.compile(
        "|".join(f"(?P<u{i}>{alias['pattern']}){after}" for i, alias in enumerate(aliases))
    )
    return _Units(
        tuple(tuple(alias["units"]) for alias in aliases),
        unit,
        re.compile(r"\s*(?:" + unit.pattern + ")"),
        lex.regex("units", "digit_unit"),
    )


def unit_at(text: str, pos: int, language: str = DEFAULT_LANGUAGE) -> UnitMatch | None:
    """The unit that starts at `pos` (after optional spaces) in cleaned text, if any."""
    units = _units(language)
    match = units.unit_at.match(text, pos)
    if match is None or match.lastgroup is None:
        return None
    return UnitMatch(units.candidates[int(match.lastgroup[1:])], match.end())


def digit_unit_spans(text: str, language: str = DEFAULT_LANGUAGE) -> list[tuple[int, int]]:
    """Spans like "x10^9/l" whose digits belong to the unit, not to the answer."""
    return [m.span() for m in _units(language).digit_unit.finditer(text)]


def canonical_unit(unit: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The canonical form of a unit string ("umol/l" → "µmol/L"); unrecognised ones as given."""
    if unit in CANONICAL_UNITS:
        return unit
    units = _units(language)
    match = units.unit.fullmatch(clean(unit, language=language))
    if match is None or match.lastgroup is None:
        return unit
    candidates = units.candidates[int(match.lastgroup[1:])]
    return unit if candidates == (OTHER,) else candidates[0]


def accepted_units(
    fact_unit: str | None, conversions: Mapping[str, float], language: str = DEFAULT_LANGUAGE
) -> dict[str, float]:
    """Every canonical unit a fact accepts, mapped to its divisor (1 for the fact's own unit)."""
    accepted: dict[str, float] = {}
    if fact_unit is None:
        return accepted
    target = canonical_unit(fact_unit, language)
    accepted.update(TIME_CONVERSIONS.get(target, {}))
    for unit, divisor in conversions.items():
        if isinstance(divisor, (int, float)) and math.isfinite(divisor) and divisor > 0:
            accepted[canonical_unit(unit, language)] = float(divisor)
    accepted[target] = 1.0
    return accepted


def resolve(candidates: tuple[str, ...], accepted: Mapping[str, float]) -> tuple[str, float] | None:
    """The first candidate unit the fact accepts, with its divisor; None when none is accepted."""
    for unit in candidates:
        if unit in accepted:
            return unit, accepted[unit]
    return None
