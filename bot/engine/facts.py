"""Fact sets: validation of values against the fact dictionary, and derived values.

A fact set maps fact key → value. An absent key is *not yet asked*; ``None`` is *asked, and
unknown* (the patient does not know) — both evaluate as unknown, but only the first may be asked.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from bot.calculators import DERIVATIONS, derive
from bot.criteria.model import FactSpec, Trial, Value

Facts = Mapping[str, Value | None]


class FactError(ValueError):
    """A fact value does not fit the fact dictionary."""


def coerce_value(fact: FactSpec, value: Any) -> Value | None:
    """Check and normalise one value for `fact`; raise FactError with the allowed form."""
    if value is None:
        return None
    where = f"fact {fact.key!r} ({fact.type})"
    if fact.type == "boolean":
        if isinstance(value, bool):
            return value
        raise FactError(f"{where}: expected true, false or null, got {value!r}")
    if fact.type == "choice":
        if isinstance(value, str) and value in fact.choices:
            return value
        raise FactError(
            f"{where}: expected one of {', '.join(fact.choices)} or null, got {value!r}"
        )
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise FactError(f"{where}: expected a number, got {value!r}")
    number: int | float = value
    if fact.type == "integer":
        if float(value) != int(value):
            raise FactError(f"{where}: expected a whole number, got {value!r}")
        number = int(value)
    low = fact.minimum if fact.minimum is not None else -math.inf
    high = fact.maximum if fact.maximum is not None else math.inf
    if not low <= number <= high:
        raise FactError(
            f"{where}: {value!r} is outside the allowed range {fact.minimum}–{fact.maximum}"
        )
    return number


def validate_facts(trial: Trial, facts: Mapping[str, Any]) -> dict[str, Value | None]:
    """Return a clean copy of `facts`; raise FactError naming every unknown key or bad value."""
    problems = []
    clean: dict[str, Value | None] = {}
    for key, value in facts.items():
        fact = trial.facts.get(key)
        if fact is None:
            problems.append(f"unknown fact {key!r}")
            continue
        try:
            clean[key] = coerce_value(fact, value)
        except FactError as exc:
            problems.append(str(exc))
    if problems:
        allowed = ", ".join(trial.facts)
        raise FactError("; ".join(problems) + f" (trial {trial.id}; allowed facts: {allowed})")
    return clean


def with_derived(trial: Trial, facts: Facts) -> dict[str, Value | None]:
    """Fact values plus every derived value (measured when known, else computed, else None)."""
    values: dict[str, Value | None] = dict(facts)
    for key, spec in trial.derived.items():
        measured = facts.get(spec.measured) if spec.measured else None
        if measured is not None:
            values[key] = measured
            continue
        inputs = {param: facts.get(fact) for param, fact in spec.inputs.items()}
        values[key] = derive(spec.compute, inputs)
    return values


def derived_sources(trial: Trial, key: str, facts: Facts) -> tuple[str, ...]:
    """The facts a derived value was taken from (or, while unknown, could be taken from)."""
    spec = trial.derived[key]
    inputs = tuple(spec.inputs.values())
    if spec.measured and facts.get(spec.measured) is not None:
        return (spec.measured,)
    computed = derive(spec.compute, {p: facts.get(f) for p, f in spec.inputs.items()})
    if computed is not None or not spec.measured:
        return inputs
    return (spec.measured, *inputs)


def possible_derived_values(trial: Trial, key: str, facts: Facts) -> list[float]:
    """Every value derived value `key` can take when only choice-typed inputs are unknown.

    E.g. eGFR from creatinine and age with the sex unknown: one value per sex. Empty when
    a measured value is known (no need) or when a non-choice input is unknown (unbounded).
    """
    spec = trial.derived[key]
    if spec.measured and facts.get(spec.measured) is not None:
        return []
    unknown = [p for p, f in spec.inputs.items() if facts.get(f) is None]
    if not unknown or any(trial.facts[spec.inputs[p]].type != "choice" for p in unknown):
        return []
    known = {p: facts.get(f) for p, f in spec.inputs.items()}
    combos: list[dict[str, Any]] = [known]
    for param in unknown:
        choices = trial.facts[spec.inputs[param]].choices
        combos = [{**combo, param: choice} for combo in combos for choice in choices]
    values = [derive(spec.compute, combo) for combo in combos]
    return [] if any(v is None for v in values) else [v for v in values if v is not None]


def derivable_inputs(trial: Trial, key: str, facts: Facts) -> tuple[str, ...]:
    """Unknown facts that could still give derived value `key` a value (for planner and flags)."""
    spec = trial.derived[key]
    unknown: list[str] = []
    if spec.measured and facts.get(spec.measured) is None:
        unknown.append(spec.measured)
    known = {param: facts.get(fact) for param, fact in spec.inputs.items()}
    if DERIVATIONS[spec.compute].applies(known) is not False:
        unknown.extend(fact for param, fact in spec.inputs.items() if known[param] is None)
    return tuple(unknown)
