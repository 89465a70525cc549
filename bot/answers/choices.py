"""Answers to choice facts: sex, kidney-biopsy class, and any other list of choices.

* A choice matches by its own word or the language's synonyms of it (``choices.yaml``:
  "woman", "girl" for ``female``); a single letter ("F"/"M") only as the whole answer.
  Naming two choices, or negating one ("not male"), is invalid rather than guessed.
* Choices written as roman numerals, alone or joined by "+" (biopsy classes ``I`` … ``VI``,
  ``V+III``, ``V+IV``), are read from the fact's own choices: the answer's roman or arabic
  numerals or number words ("4", "IV", "four") after a class word, with sub-class suffixes
  ignored ("IV-G (A)" → IV), give a set of numbers, and the choice made of exactly that
  set is the value, in any order or wording ("5 and 4", "IV+V", "class V with IV", "mixed
  V/IV" → V+IV). A numeral that is also a word ("I", the pronoun) counts only after a class
  word or as the whole answer.
* Otherwise a choice matches by its value label (fuzzy token overlap).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from bot.answers import hints
from bot.answers.labels import best_label
from bot.answers.lexicon import Lexicon, lexicon
from bot.answers.result import Parsed, Span, invalid, known
from bot.answers.text import Tracked
from bot.criteria.model import FactSpec

_ROMAN = re.compile(r"x{0,3}(?:ix|iv|v?i{0,3})")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}
_STRIP = " .!,;:"


def _roman(token: str) -> int | None:
    """The value of a roman numeral from I to XXXIX, else None."""
    if not token or not _ROMAN.fullmatch(token):
        return None
    values = [_ROMAN_VALUES[c] for c in token]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


@dataclass(frozen=True)
class _Numerals:
    """A fact whose choices are roman numerals: the set of numbers → the choice."""

    choices: Mapping[frozenset[int], str]
    romans: Mapping[str, int]
    pattern: re.Pattern[str]


@lru_cache(maxsize=64)
def _numerals(choices: tuple[str, ...], language: str) -> _Numerals | None:
    by_set: dict[frozenset[int], str] = {}
    romans: dict[str, int] = {}
    for choice in choices:
        parts = choice.lower().split("+")
        values = [_roman(part) for part in parts]
        if any(value is None for value in values):
            return None
        romans.update(
            {part: value for part, value in zip(parts, values, strict=True) if value is not None}
        )
        by_set[frozenset(v for v in values if v is not None)] = choice
    if not by_set:
        return None
    numeral_words = lexicon(language).table("choices", "numeral_words")
    tokens = sorted([*romans, *numeral_words], key=len, reverse=True)
    alternatives = "|".join([*(re.escape(t) for t in tokens), r"\d+"])
    return _Numerals(by_set, romans, re.compile(rf"(?<![a-z0-9])({alternatives})(?![a-z0-9])"))


def _class_numbers(text: str, numerals: _Numerals, lex: Lexicon) -> list[tuple[int, Span]]:
    """The numbers named after the first class word (or anywhere without one), with spans."""
    class_words = lex.words("choices", "class_words")
    numeral_words = lex.table("choices", "numeral_words")
    found = [(text.find(w), w) for w in class_words if w in text]
    start, word = min(found) if found else (-1, "")
    offset = start + len(word) if start >= 0 else 0
    region = re.split(r"[,.;]", text[offset:])[0] if start >= 0 else text
    whole = re.sub(r"[^a-z0-9+/ ]", "", text).strip()
    numbers = []
    for match in numerals.pattern.finditer(region):
        token = match.group(1)
        if token in lex.word_set("choices", "pronoun_numerals"):
            after_class = start >= 0 and region[: match.start()].strip() == ""
            if not (after_class or whole in (token, *(f"{w} {token}" for w in class_words))):
                continue
        if token in numerals.romans:
            value = numerals.romans[token]
        elif token in numeral_words:
            value = numeral_words[token]
        else:
            value = int(token) if len(token) <= 3 else -1
        numbers.append((value, (offset + match.start(), offset + match.end())))
    return numbers


def _parse_numeral(text: Tracked, fact: FactSpec, numerals: _Numerals) -> Parsed:
    found = _class_numbers(text.text, numerals, lexicon(fact.language))
    choice = numerals.choices.get(frozenset(value for value, _ in found))
    if choice is None:
        return invalid(hints.for_invalid(fact, "unclear"))
    spans = [span for _, span in found]
    return known(choice, span=text.origin(min(s for s, _ in spans), max(e for _, e in spans)))


def _word_choices(text: str, fact: FactSpec) -> dict[str, Span] | None:
    """Choices named by their words, with where; None when one is negated ("not male")."""
    lex = lexicon(fact.language)
    synonyms, negated = lex.table("choices", "synonyms"), lex.pattern("choices", "negated")
    letters = lex.table("choices", "letters")
    whole = text.strip(_STRIP)
    hits: dict[str, Span] = {}
    for choice in fact.choices:
        lowered = choice.lower()
        for word in (lowered, *synonyms.get(lowered, ())):
            match = re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text)
            if match is None:
                continue
            if re.search(rf"{negated}{re.escape(word)}(?![a-z0-9])", text):
                return None
            hits.setdefault(choice, match.span())
        if letters.get(whole) == lowered:
            hits.setdefault(choice, _whole_span(text))
    return hits


def _whole_span(text: str) -> Span:
    start = len(text) - len(text.lstrip(_STRIP))
    return start, max(start, len(text.rstrip(_STRIP)))


def parse_choice(text: Tracked, fact: FactSpec) -> Parsed:
    """Parse a cleaned answer to a choice fact."""
    numerals = _numerals(tuple(fact.choices), fact.language)
    if numerals is not None:
        return _parse_numeral(text, fact, numerals)
    hits = _word_choices(text.text, fact)
    if hits is None:
        return invalid(hints.for_invalid(fact, "unclear"))
    if len(hits) == 1:
        choice, span = hits.popitem()
        return known(choice, span=text.origin(*span))
    if not hits and fact.value_labels:
        labels = {k: v for k, v in fact.value_labels.items() if k in fact.choices}
        best = best_label(text.text, labels, fact.language)
        if best is not None:
            return known(best, span=text.origin(*_whole_span(text.text)))
    return invalid(hints.for_invalid(fact, "unclear"))
