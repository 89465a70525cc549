"""Parsing a value typed by staff into a fact value (then checked by the engine's rules)."""

from __future__ import annotations

import math
import re

from bot.criteria.model import FactSpec, Value
from bot.engine.facts import FactError, coerce_value

TRUE_WORDS = frozenset({"yes", "true", "y"})
FALSE_WORDS = frozenset({"no", "false", "n"})
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_TITRE = re.compile(r"1\s*:\s*(\d+)")


class ValueProblem(ValueError):
    """The text is not a valid value for the fact; the message is for the staff member."""


def expected_form(fact: FactSpec) -> str:
    """What staff may type, e.g. ``yes or no`` or ``a number from 0 to 200``."""
    if fact.type == "boolean":
        return "yes or no"
    if fact.type == "choice":
        return "one of " + ", ".join(fact.choices)
    kind = "a whole number" if fact.type == "integer" else "a number"
    if fact.unit == "titer":
        kind += " (the titre's denominator, e.g. 160 or 1:160)"
    low, high = fact.minimum, fact.maximum
    if low is not None and high is not None:
        return f"{kind} from {low:g} to {high:g}"
    if low is not None:
        return f"{kind} of at least {low:g}"
    if high is not None:
        return f"{kind} of at most {high:g}"
    return kind


def parse_value(fact: FactSpec, text: str) -> Value:
    """The value `text` stands for; raises ValueProblem naming the expected form."""
    raw = " ".join((text or "").split())
    if not raw:
        raise ValueProblem(f"Enter a value for {fact.label}: {expected_form(fact)}.")
    problem = ValueProblem(f"“{raw}” is not valid for {fact.label}: enter {expected_form(fact)}.")
    value: Value
    if fact.type == "boolean":
        word = raw.lower()
        if word in TRUE_WORDS:
            value = True
        elif word in FALSE_WORDS:
            value = False
        else:
            raise problem
    elif fact.type == "choice":
        folded = raw.casefold().replace(" ", "")
        matches = [
            choice
            for choice in fact.choices
            if folded
            in (
                choice.casefold().replace(" ", ""),
                fact.value_labels.get(choice, "").casefold().replace(" ", ""),
            )
        ]
        if len(matches) != 1:
            raise problem
        value = matches[0]
    else:
        number_text = raw
        titre = _TITRE.fullmatch(raw) if fact.unit == "titer" else None
        if titre:
            number_text = titre.group(1)
        elif fact.unit and raw.lower().endswith(fact.unit.lower()):
            number_text = raw[: -len(fact.unit)].strip()
        if not _NUMBER.fullmatch(number_text):
            raise problem
        number = float(number_text)
        if not math.isfinite(number):
            raise problem
        if fact.type == "integer":
            if not number.is_integer():
                raise ValueProblem(f"{fact.label}: enter a whole number, not “{raw}”.")
            value = int(number)
        else:
            value = int(number) if number.is_integer() and "." not in number_text else number
    try:
        checked = coerce_value(fact, value)
    except FactError as exc:
        raise ValueProblem(
            f"“{raw}” is not valid for {fact.label}: enter {expected_form(fact)}."
        ) from exc
    if checked is None:  # pragma: no cover - coerce_value returns None only for None
        raise problem
    return checked
