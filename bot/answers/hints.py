"""Short, kind hints telling the patient what form of answer the question expects."""

from __future__ import annotations

import math
from typing import Literal

from bot.answers import units
from bot.criteria.model import FactSpec
from bot.i18n import t

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

#: the reason an answer was not used, by `Reason` (out_of_range: ``_out_of_range``).
_REASONS: dict[str, str] = {
    "unclear": "answers.reason.unclear",
    "empty": "answers.reason.empty",
    "too_long": "answers.reason.too_long",
    "range": "answers.reason.range",
    "bound": "answers.reason.bound",
    "unit": "answers.reason.unit",
    "whole": "answers.reason.whole",
    "several": "answers.reason.several",
    "contradiction": "answers.reason.contradiction",
    "date": "answers.reason.date",
    "titre": "answers.reason.titre",
}

#: the expected form of a number: (whole?, unit form, between?, also other units?) → message.
_NUMERIC: dict[tuple[bool, str, bool, bool], str] = {
    (True, "", False, False): "answers.hint.whole",
    (True, "", False, True): "answers.hint.whole_also",
    (True, "", True, False): "answers.hint.whole_between",
    (True, "", True, True): "answers.hint.whole_between_also",
    (True, "of", False, False): "answers.hint.whole_of_unit",
    (True, "of", False, True): "answers.hint.whole_of_unit_also",
    (True, "of", True, False): "answers.hint.whole_of_unit_between",
    (True, "of", True, True): "answers.hint.whole_of_unit_between_also",
    (True, "in", False, False): "answers.hint.whole_in_unit",
    (True, "in", False, True): "answers.hint.whole_in_unit_also",
    (True, "in", True, False): "answers.hint.whole_in_unit_between",
    (True, "in", True, True): "answers.hint.whole_in_unit_between_also",
    (False, "", False, False): "answers.hint.number",
    (False, "", False, True): "answers.hint.number_also",
    (False, "", True, False): "answers.hint.number_between",
    (False, "", True, True): "answers.hint.number_between_also",
    (False, "of", False, False): "answers.hint.number_of_unit",
    (False, "of", False, True): "answers.hint.number_of_unit_also",
    (False, "of", True, False): "answers.hint.number_of_unit_between",
    (False, "of", True, True): "answers.hint.number_of_unit_between_also",
    (False, "in", False, False): "answers.hint.number_in_unit",
    (False, "in", False, True): "answers.hint.number_in_unit_also",
    (False, "in", True, False): "answers.hint.number_in_unit_between",
    (False, "in", True, True): "answers.hint.number_in_unit_between_also",
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

#: units named by a word in sentences ("a whole number of years"); "of" marks time units.
_UNIT_WORDS: dict[str, tuple[str, str]] = {
    units.YEARS: ("answers.unit.years", "of"),
    units.MONTHS: ("answers.unit.months", "of"),
    units.MG_DAY: ("answers.unit.mg_day", "in"),
    units.PERCENT: ("answers.unit.percent", "in"),
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
    canonical = units.canonical_unit(fact.unit, fact.language) if fact.unit else ""
    for value in _EXAMPLES.get(canonical, ()):
        if _in_range(value, fact) and (fact.type != "integer" or value == int(value)):
            return value
    if fact.minimum is not None and fact.maximum is not None:
        middle = (fact.minimum + fact.maximum) / 2
        if not math.isfinite(middle):
            return 1.0
        return float(round(middle)) if fact.type == "integer" else round(middle, 1)
    return 1.0


def _unit_text(fact: FactSpec) -> tuple[str, str]:
    """The fact's unit as shown in a sentence, and its form ("of" a time unit, "in" others)."""
    if not fact.unit:
        return "", ""
    word = _UNIT_WORDS.get(units.canonical_unit(fact.unit, fact.language))
    return (t(word[0], fact.language), word[1]) if word else (fact.unit, "in")


def _fold(items: list[str], message: str, language: str) -> str:
    """The items joined pair by pair with a list pattern ("%(left)s, %(right)s")."""
    listed = items[0] if items else ""
    for item in items[1:]:
        listed = t(message, language, left=listed, right=item)
    return listed


def _numeric(fact: FactSpec) -> str:
    lang = fact.language
    canonical = units.canonical_unit(fact.unit, lang) if fact.unit else ""
    if canonical == units.TITER:
        return t("answers.hint.titre", lang)
    if canonical == units.MONTHS and (fact.maximum is None or fact.maximum > 24):
        return t("answers.hint.months_ago", lang)
    unit, form = _unit_text(fact)
    between = fact.minimum is not None and fact.maximum is not None
    others = [u for u in fact.conversions if u != fact.unit]
    message = _NUMERIC[(fact.type == "integer", form, between, bool(others))]
    return t(
        message,
        lang,
        unit=unit,
        low=number(fact.minimum) if fact.minimum is not None else "",
        high=number(fact.maximum) if fact.maximum is not None else "",
        example=number(_example(fact)),
        others=_fold(others, "answers.list.or", lang),
    )


def _choice(fact: FactSpec) -> str:
    lang, options = fact.language, list(fact.choices)
    listed = _fold(options, "answers.list.or", lang)
    if len(options) > 2:  # "a, b or c"
        first = _fold(options[:-1], "answers.list.comma", lang)
        listed = t("answers.list.or", lang, left=first, right=options[-1])
    return t("answers.hint.choice", lang, choices=listed)


def _scale(fact: FactSpec) -> str:
    lang = fact.language
    low = number(fact.minimum) if fact.minimum is not None else min(fact.value_labels)
    high = number(fact.maximum) if fact.maximum is not None else max(fact.value_labels)
    items = [
        t("answers.scale.label", lang, value=key, label=label)
        for key, label in fact.value_labels.items()
    ]
    labels = _fold(items, "answers.list.semicolon", lang)
    return t("answers.hint.scale", lang, low=low, high=high, labels=labels)


def yes_no(language: str | None) -> str:
    """The default hint of a yes/no question."""
    return t("answers.hint.yes_no", language)


def expected(fact: FactSpec) -> str:
    """The expected form of an answer: the fact's own hint, else one built from its spec."""
    if fact.hint:
        return fact.hint
    if fact.type == "boolean":
        return yes_no(fact.language)
    if fact.type == "choice":
        return _choice(fact)
    if fact.type == "integer" and fact.value_labels:
        return _scale(fact)
    return _numeric(fact)


def _out_of_range(fact: FactSpec) -> str:
    if fact.minimum is None or fact.maximum is None:
        return t("answers.reason.out_of_range", fact.language)
    low, high = number(fact.minimum), number(fact.maximum)
    unit, _ = _unit_text(fact)
    if unit:
        return t("answers.reason.out_of_range_between_unit", fact.language, low=low, high=high,
                 unit=unit)  # fmt: skip
    return t("answers.reason.out_of_range_between", fact.language, low=low, high=high)


def for_invalid(fact: FactSpec, reason: Reason) -> str:
    """The hint for an invalid answer: why (briefly), then the expected form."""
    why = _out_of_range(fact) if reason == "out_of_range" else t(_REASONS[reason], fact.language)
    if fact.type == "boolean" and reason in ("unclear", "contradiction"):
        form = yes_no(fact.language)
    else:
        form = expected(fact)
    return t("answers.hint.join", fact.language, reason=why, expected=form)
