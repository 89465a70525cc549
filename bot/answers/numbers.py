"""Numbers as people type them: digits, words, thousands separators, decimal commas, fractions.

``prepare`` rewrites number words into digits ("a hundred and twenty" → "120",
"thirty-four" → "34", "one point four" → "1.4") and fractions into decimals
("7½", "7 1/2", "7 and a half" → "7.5"); ``find_numbers`` then lists the digit numbers with
their positions. Digits glued to letters ("hba1c", "cd19", "x10") are not numbers; "1e3" is
scientific notation (1000).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from bot.answers import units
from bot.answers.lexicon import DEFAULT_LANGUAGE, Lexicon, lexicon
from bot.answers.text import Tracked

#: more significant digits than this is not a measurement; such numbers become infinite.
MAX_DIGITS = 15

_GAP = re.compile(r"[\s-]*")
#: "1e3" is a thousand, not 1 (unless "e9" is a unit: "1.4e9/l" is ×10⁹/L).
_EXPONENT = re.compile(r"e([+-]?\d{1,4})(?![\w.])")


class _Words:
    """One language's number words (``numbers.yaml``)."""

    def __init__(self, lex: Lexicon) -> None:
        self.small: Mapping[str, int] = lex.table("numbers", "small")
        self.tens: Mapping[str, int] = lex.table("numbers", "tens")
        self.scales: Mapping[str, int] = lex.table("numbers", "scales")
        self.all = frozenset({*self.small, *self.tens, *self.scales})
        self.articles = lex.word_set("numbers", "article_words")
        self.ands = lex.word_set("numbers", "and_words")
        self.points = lex.word_set("numbers", "point_words")


@lru_cache(maxsize=8)
def _words(language: str) -> _Words:
    return _Words(lexicon(language))


@dataclass(frozen=True)
class Number:
    """A number found in prepared text: its value and where it was."""

    value: float
    start: int
    end: int


def _run_value(words: list[str], lang: _Words) -> tuple[float, int]:
    """Value of the longest well-formed number-word run at the start of `words`, and its length."""
    total = 0
    current = 0
    last = ""
    used = 0
    for i, word in enumerate(words):
        if word in lang.articles:
            if i + 1 < len(words) and words[i + 1] in lang.scales and used == i and i == 0:
                used = i + 1
                current = 1
                last = "a"
                continue
            break
        if word in lang.ands:
            if last == "scale" and i + 1 < len(words) and words[i + 1] in lang.all:
                used = i + 1
                continue
            break
        if word in lang.small:
            value = lang.small[word]
            if last in ("small", "teen") or (last == "tens" and value >= 10):
                break
            current += value
            last = "teen" if value >= 10 else "small"
        elif word in lang.tens:
            if last in ("small", "teen", "tens"):
                break
            current += lang.tens[word]
            last = "tens"
        elif word in lang.scales:
            if last == "":
                break
            scale = lang.scales[word]
            if scale == 1000:
                total += max(current, 1) * 1000
                current = 0
            else:
                current = max(current, 1) * scale
            last = "scale"
        else:
            break
        used = i + 1
    if last in ("", "a"):
        return 0.0, 0
    return float(total + current), used


def _digits(words: list[str], lang: _Words) -> list[str]:
    """The leading single-digit words ("four" "five" after "point"), as digits."""
    digits = []
    for word in words:
        if word in lang.small and lang.small[word] < 10:
            digits.append(str(lang.small[word]))
        else:
            break
    return digits


def _number_word_edits(text: str, language: str) -> list[tuple[int, int, str]]:
    """(start, end, digits) for every run of number words in `text`."""
    lang = _words(language)
    matches = list(lexicon(language).regex("numbers", "word").finditer(text))
    edits: list[tuple[int, int, str]] = []
    i = 0
    while i < len(matches):
        run: list[re.Match[str]] = [matches[i]]
        j = i + 1
        while j < len(matches) and _GAP.fullmatch(text[matches[j - 1].end() : matches[j].start()]):
            run.append(matches[j])
            j += 1
            if len(run) > 12:
                break
        value, used = _run_value([m.group() for m in run], lang)
        if used == 0:
            i += 1
            continue
        end = run[used - 1].end()
        literal = _format(value)
        rest = [m.group() for m in run[used:]]
        if rest and rest[0] in lang.points:
            decimals = _digits(rest[1:], lang)
            if decimals:
                literal += "." + "".join(decimals)
                end = run[used + len(decimals)].end()
                used += 1 + len(decimals)
        edits.append((run[0].start(), end, literal))
        i += used
    return edits


def words_to_digits_tracked(text: Tracked, language: str = DEFAULT_LANGUAGE) -> Tracked:
    """``words_to_digits``, tracked."""
    edits = _number_word_edits(text.text, language)
    return text.edit(edits) if edits else text


def words_to_digits(text: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Rewrite runs of number words into digits; everything else is left as it was."""
    return words_to_digits_tracked(Tracked.of(text), language).text


def _format(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def prepare_tracked(text: Tracked, language: str = DEFAULT_LANGUAGE) -> Tracked:
    """``prepare``, tracked."""
    text = words_to_digits_tracked(text, language)
    for row in lexicon(language).records("numbers", "fractions"):
        text = text.sub(row["regex"], row["replace"])
    return text


def prepare(text: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Digits for number words and decimals for fractions, ready for ``find_numbers``."""
    return prepare_tracked(Tracked.of(text), language).text


def to_float(literal: str) -> float:
    """Parse "1,400", "0,9", "1.4" or ".9"; too many digits gives infinity."""
    if re.fullmatch(r"[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?", literal):
        literal = literal.replace(",", "")
    else:
        literal = literal.replace(",", ".")
    if sum(c.isdigit() for c in literal) > MAX_DIGITS:
        return math.inf
    if literal.startswith("."):
        literal = "0" + literal
    return float(literal)


def find_numbers(
    text: str, masked: list[tuple[int, int]] | None = None, language: str = DEFAULT_LANGUAGE
) -> list[Number]:
    """Every number in prepared `text` outside the `masked` spans, with a leading minus applied."""
    lex = lexicon(language)
    found = []
    for match in lex.regex("numbers", "number").finditer(text):
        if masked and any(s <= match.start() < e for s, e in masked):
            continue
        value = to_float(match.group())
        end = match.end()
        exponent = _EXPONENT.match(text, end)
        if exponent and units.unit_at(text, end, language) is None:  # "1.4e9": ×10⁹/L
            power = int(exponent.group(1))
            value = value * 10.0**power if abs(power) <= 300 else (math.inf if power > 0 else 0.0)
            end = exponent.end()
        if lex.regex("numbers", "negative_before").search(text[: match.start()]):
            value = -value
        found.append(Number(value, match.start(), end))
    return found


def has_range(text: str, language: str = DEFAULT_LANGUAGE) -> bool:
    """True for "10-15", "10 to 15 mg", "between 10 and 15": a range, not one number."""
    return lexicon(language).regex("numbers", "range").search(text) is not None


def has_inequality(text: str, language: str = DEFAULT_LANGUAGE) -> bool:
    """True for "over 40", "less than 5 mg", "> 100": a bound, not one number."""
    return lexicon(language).regex("numbers", "inequality").search(text) is not None
