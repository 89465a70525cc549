"""Short, kind hints telling the patient what form of answer the question expects."""

from __future__ import annotations

import math
from typing import Literal

from bot.answers import units
from bot.criteria.model import FactSpec

Reason = Literal[
    "unclear",
    "empty",
    "too_long",
    "out_of_range",
    "range",
    "bound",
    "unit",
    "whole",
    "several",
    "contradiction",
    "date",
    "titre",
]

YES_NO = "Please answer yes, no, or I don't know."

_OPENERS: dict[str, str] = {
    "unclear": "Sorry, I didn't quite understand that.",
    "empty": "I didn't catch an answer.",
    "too_long": "That's a long message — a short answer is enough here.",
    "range": "Please give one number rather than a range — your best estimate is fine.",
    "bound": "Please give one number rather than 'more than' or 'less than' — "
    "your best estimate is fine.",
    "unit": "I didn't recognise that unit for this question.",
    "whole": "Please use a whole number here.",
    "several": "I found more than one number — please give just one.",
    "contradiction": "I heard both yes and no.",
    "date": "I can't work out the time from a date.",
    "titre": "Thanks — do you know the titre itself?",
}

#: a friendly example value per canonical unit (the first one inside the fact's range is used).
_EXAMPLES: dict[str, tuple[float, ...]] = {
    units.YEARS: (34, 10),
    units.MONTHS: (4, 1),
    units.MG_DAY: (10, 5),
    units.IU_ML: (45, 10),
    units.G_PER_L: (1.4,),
    units.MS: (430,),
    units.PERCENT: (55, 6.5),
    units.MMOL_L: (5.6,),
    units.MG_DL: (0.9,),
    units.ML_MIN: (90, 45),
    units.TITER: (160,),
}

_UNIT_WORDS: dict[str, str] = {
    units.YEARS: "years",
    units.MONTHS: "months",
    units.MG_DAY: "mg a day",
    units.PERCENT: "%",
}


def number(value: float) -> str:
    """A number as a person would write it: 34, 1.4, 0.9."""
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"


def _in_range(value: float, fact: FactSpec) -> bool:
    low = fact.minimum if fact.minimum is not None else -float("inf")
    high = fact.maximum if fact.maximum is not None else float("inf")
    return low <= value <= high


def _example(fact: FactSpec) -> float:
    canonical = units.canonical_unit(fact.unit) if fact.unit else ""
    for value in _EXAMPLES.get(canonical, ()):
        if _in_range(value, fact) and (fact.type != "integer" or value == int(value)):
            return value
    if fact.minimum is not None and fact.maximum is not None:
        middle = (fact.minimum + fact.maximum) / 2
        if not math.isfinite(middle):
            return 1.0
        return float(round(middle)) if fact.type == "integer" else round(middle, 1)
    return 1.0


def _unit_text(fact: FactSpec) -> str:
    if not fact.unit:
        return ""
    canonical = units.canonical_unit(fact.unit)
    return _UNIT_WORDS.get(canonical, fact.unit)


def _numeric(fact: FactSpec) -> str:
    canonical = units.canonical_unit(fact.unit) if fact.unit else ""
    if canonical == units.TITER:
        return (
            "Please give the titre as written on the report, for example 1:160, "
            "or say 'negative' — it's fine to say you don't know."
        )
    if canonical == units.MONTHS and (fact.maximum is None or fact.maximum > 24):
        return "Please tell me roughly how long ago, for example '4 months ago' or '2 years ago'."
    kind = "a whole number" if fact.type == "integer" else "a number"
    unit = _unit_text(fact)
    text = f"Please answer with {kind}"
    if unit:
        text += f" of {unit}" if unit in ("years", "months") else f" in {unit}"
    if fact.minimum is not None and fact.maximum is not None:
        text += f" between {number(fact.minimum)} and {number(fact.maximum)}"
    text += f", for example {number(_example(fact))}"
    others = [u for u in fact.conversions if u != fact.unit]
    if others:
        text += f" ({' or '.join(others)} is fine too)"
    return text + "."


def _choice(fact: FactSpec) -> str:
    options = list(fact.choices)
    if len(options) > 1:
        listed = ", ".join(options[:-1]) + " or " + options[-1]
    else:
        listed = "".join(options)
    return f"Please answer {listed} — or say you don't know."


def _scale(fact: FactSpec) -> str:
    low = number(fact.minimum) if fact.minimum is not None else min(fact.value_labels)
    high = number(fact.maximum) if fact.maximum is not None else max(fact.value_labels)
    labels = "; ".join(f"{key} = {label}" for key, label in fact.value_labels.items())
    return (
        f"Please pick the description closest to you, or answer with a number from {low} to "
        f"{high}: {labels}."
    )


def expected(fact: FactSpec) -> str:
    """The expected form of an answer: the fact's own hint, else one built from its spec."""
    if fact.hint:
        return fact.hint
    if fact.type == "boolean":
        return YES_NO
    if fact.type == "choice":
        return _choice(fact)
    if fact.type == "integer" and fact.value_labels:
        return _scale(fact)
    return _numeric(fact)


def for_invalid(fact: FactSpec, reason: Reason) -> str:
    """The hint for an invalid answer: why (briefly), then the expected form."""
    if reason == "out_of_range":
        opener = "That seems outside the range I can accept"
        if fact.minimum is not None and fact.maximum is not None:
            unit = f" {_unit_text(fact)}" if fact.unit else ""
            opener += f" ({number(fact.minimum)} to {number(fact.maximum)}{unit})"
        opener += "."
    else:
        opener = _OPENERS[reason]
    if fact.type == "boolean" and reason in ("unclear", "contradiction"):
        return f"{opener} {YES_NO}"
    return f"{opener} {expected(fact)}"
