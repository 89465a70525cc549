"""Answers to choice facts: sex, kidney-biopsy class, and any other list of choices.

* ``female``/``male`` accept everyday words ("woman", "girl", "man", "boy"); the single
  letters "F"/"M" only as the whole answer. Naming both, or negating one ("not male"),
  is invalid rather than guessed.
* ISN/RPS classes (I … VI, V+III, V+IV) accept roman or arabic numerals or number words,
  ignore sub-class suffixes ("IV-G (A)" → IV) and combine V with III/IV in any order or
  wording ("5 and 4", "IV+V", "class V with IV", "mixed V/IV" → V+IV). "I" counts as
  class I only after "class" or as the whole answer (it is also the pronoun).
* Otherwise a choice matches by its own text or its value label (fuzzy token overlap).
"""

from __future__ import annotations

import re

from bot.answers import hints
from bot.answers.labels import best_label
from bot.answers.result import Parsed, invalid, known
from bot.criteria.model import FactSpec

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "female": ("female", "woman", "women", "lady", "girl", "feminine", "fem"),
    "male": ("male", "man", "men", "guy", "boy", "masculine", "gentleman"),
}
_LETTERS: dict[str, str] = {"f": "female", "m": "male"}
_CLASS_CHOICE = re.compile(r"^(?:i{1,3}|iv|v|vi)(?:\+(?:i{1,3}|iv|v|vi))?$")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6}
_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "zero": 0,
}  # fmt: skip
_TO_ROMAN = {value: roman for roman, value in _ROMAN.items()}
_NUMERAL = re.compile(
    r"(?<![a-z0-9])(vi|iv|v|iii|ii|i|\d+|one|two|three|four|five|six|seven|eight|nine|ten|zero)"
    r"(?![a-z0-9])"
)
_NEGATED = r"(?:not|n't|no)\s+(?:a\s+|an\s+)?"


def _is_class_scale(fact: FactSpec) -> bool:
    return bool(fact.choices) and all(_CLASS_CHOICE.match(c.lower()) for c in fact.choices)


def _class_numbers(text: str) -> list[int]:
    start = text.find("class")
    region = re.split(r"[,.;]", text[start + 5 :])[0] if start >= 0 else text
    whole = re.sub(r"[^a-z0-9+/ ]", "", text).strip()
    numbers = []
    for match in _NUMERAL.finditer(region):
        token = match.group(1)
        if token == "i":
            after_class = start >= 0 and region[: match.start()].strip() == ""
            if not (after_class or whole in ("i", "class i")):
                continue
        if token in _ROMAN:
            numbers.append(_ROMAN[token])
        elif token in _WORDS:
            numbers.append(_WORDS[token])
        elif len(token) <= 3:
            numbers.append(int(token))
        else:
            numbers.append(-1)
    return numbers


def _parse_class(text: str, fact: FactSpec) -> Parsed:
    found = sorted(set(_class_numbers(text)))
    value: str | None = None
    if len(found) == 1 and found[0] in _TO_ROMAN:
        value = _TO_ROMAN[found[0]].upper()
    elif len(found) == 2 and 5 in found and found[0] in (3, 4):
        value = f"V+{_TO_ROMAN[found[0]].upper()}"
    choices = {c.upper(): c for c in fact.choices}
    if value is not None and value in choices:
        return known(choices[value])
    return invalid(hints.for_invalid(fact, "unclear"))


def _word_choices(text: str, fact: FactSpec) -> set[str] | None:
    """Choices named by their words; None when one is negated ("not male")."""
    whole = text.strip(" .!,;:")
    hits: set[str] = set()
    for choice in fact.choices:
        lowered = choice.lower()
        words = {lowered, *_SYNONYMS.get(lowered, ())}
        if any(re.search(rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])", text) for w in words):
            if any(re.search(rf"{_NEGATED}{re.escape(w)}(?![a-z0-9])", text) for w in words):
                return None
            hits.add(choice)
        if _LETTERS.get(whole) == lowered:
            hits.add(choice)
    return hits


def parse_choice(text: str, fact: FactSpec) -> Parsed:
    """Parse a cleaned answer to a choice fact."""
    if _is_class_scale(fact):
        return _parse_class(text, fact)
    hits = _word_choices(text, fact)
    if hits is None:
        return invalid(hints.for_invalid(fact, "unclear"))
    if len(hits) == 1:
        return known(hits.pop())
    if not hits and fact.value_labels:
        best = best_label(text, {k: v for k, v in fact.value_labels.items() if k in fact.choices})
        if best is not None:
            return known(best)
    return invalid(hints.for_invalid(fact, "unclear"))
