"""Parsing a value typed by staff into a fact value (then checked by the engine's rules)."""

from __future__ import annotations

import math
import re

from bot.criteria.model import FactSpec, Value
from bot.engine.facts import FactError, coerce_value
from bot.i18n import t

TRUE_WORDS = frozenset({"yes", "true", "y"})
FALSE_WORDS = frozenset({"no", "false", "n"})
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_TITRE = re.compile(r"1\s*:\s*(\d+)")


class ValueProblem(ValueError):
    """The text is not a valid value for the fact; the message is for the staff member."""


#: (integer?, titre?) → message id of the kind of number staff may type.
_NUMBER_KINDS = {
    (True, False): "staff.expect.integer",
    (False, False): "staff.expect.number",
    (True, True): "staff.expect.titre_integer",
    (False, True): "staff.expect.titre_number",
}


def expected_form(fact: FactSpec, language: str | None = None) -> str:
    """What staff may type, e.g. ``yes or no`` or ``a number from 0 to 200``."""
    if fact.type == "boolean":
        return t("staff.expect.yes_no", language)
    if fact.type == "choice":
        return t("staff.expect.choice", language, choices=", ".join(fact.choices))
    kind = t(_NUMBER_KINDS[fact.type == "integer", fact.unit == "titer"], language)
    low, high = fact.minimum, fact.maximum
    if low is not None and high is not None:
        return t("staff.expect.between", language, kind=kind, low=f"{low:g}", high=f"{high:g}")
    if low is not None:
        return t("staff.expect.at_least", language, kind=kind, low=f"{low:g}")
    if high is not None:
        return t("staff.expect.at_most", language, kind=kind, high=f"{high:g}")
    return kind


def parse_value(fact: FactSpec, text: str, language: str | None = None) -> Value:
    """The value `text` stands for; raises ValueProblem naming the fact (its staff label) and
    the expected form, in `language`."""
    raw = " ".join((text or "").split())
    label, expected = fact.staff, expected_form(fact, language)
    if not raw:
        raise ValueProblem(t("staff.value.empty", language, label=label, expected=expected))
    problem = ValueProblem(
        t("staff.value.invalid", language, value=raw, label=label, expected=expected)
    )
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
                raise ValueProblem(t("staff.value.not_whole", language, label=label, value=raw))
            value = int(number)
        else:
            value = int(number) if number.is_integer() and "." not in number_text else number
    try:
        checked = coerce_value(fact, value)
    except FactError as exc:
        raise problem from exc
    if checked is None:  # pragma: no cover - coerce_value returns None only for None
        raise problem
    return checked
