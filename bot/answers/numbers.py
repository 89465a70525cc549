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
from dataclasses import dataclass

from bot.answers import units

#: more significant digits than this is not a measurement; such numbers become infinite.
MAX_DIGITS = 15

_SMALL = {
    "zero": 0,
    "nought": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000, "dozen": 12}
_NUMBER_WORDS = {*_SMALL, *_TENS, *_SCALES}
_WORD = re.compile(r"[a-z]+")
_GAP = re.compile(r"[\s-]*")

_FRACTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"(\d)\s*½", r"\1.5"),
        (r"(\d)\s*¼", r"\1.25"),
        (r"(\d)\s*¾", r"\1.75"),
        (r"½", "0.5"),
        (r"¼", "0.25"),
        (r"¾", "0.75"),
        (r"(?<![\d.,:/])(\d+)\s+1/2(?![\d/])", r"\1.5"),
        (r"(?<![\d.,])(\d+)\s+and\s+(?:a\s+)?half\b", r"\1.5"),
    )
)

NUMBER_PATTERN = r"(?:[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?(?![\d,])|\d+(?:[.,]\d+)?|[.,]\d+)"
_NUMBER = re.compile(rf"(?<![\w.,]){NUMBER_PATTERN}")
_NEGATIVE_BEFORE = re.compile(r"(?:^|[\s(:=~])(?:-|minus\s+|negative\s+)\s*$")
#: "1e3" is a thousand, not 1 (unless "e9" is a unit: "1.4e9/l" is ×10⁹/L).
_EXPONENT = re.compile(r"e([+-]?\d{1,4})(?![\w.])")
_RANGE = re.compile(
    rf"(?<![\w.,]){NUMBER_PATTERN}\s*(?:[a-z%µ/^0-9.]+\s*)?"
    rf"(?:-|to|and|or|till|until)\s*(?<![\w.,]){NUMBER_PATTERN}"
    rf"|\b(?:between|from)\s+(?:about\s+|around\s+)?{NUMBER_PATTERN}[^\d]{{0,20}}?\b(?:and|to)\s+"
    rf"{NUMBER_PATTERN}"
)
_INEQUALITY = re.compile(
    r"(?:\b(?:more|less|greater|fewer|higher|lower|bigger|smaller)\s+than|\bover|\bunder|"
    r"\babove|\bbelow|\bat\s+least|\bat\s+most|\bup\s+to|\bno\s+more\s+than|"
    r"\bexceeding|[<>≤≥])\s*(?:about\s+|around\s+)?(?=[\d.]|a\s|an\s)"
)


@dataclass(frozen=True)
class Number:
    """A number found in prepared text: its value and where it was."""

    value: float
    start: int
    end: int


def _run_value(words: list[str]) -> tuple[float, int]:
    """Value of the longest well-formed number-word run at the start of `words`, and its length."""
    total = 0
    current = 0
    last = ""
    used = 0
    for i, word in enumerate(words):
        if word in ("a", "an"):
            if i + 1 < len(words) and words[i + 1] in _SCALES and used == i and i == 0:
                used = i + 1
                current = 1
                last = "a"
                continue
            break
        if word == "and":
            if last == "scale" and i + 1 < len(words) and words[i + 1] in _NUMBER_WORDS:
                used = i + 1
                continue
            break
        if word in _SMALL:
            value = _SMALL[word]
            if last in ("small", "teen") or (last == "tens" and value >= 10):
                break
            current += value
            last = "teen" if value >= 10 else "small"
        elif word in _TENS:
            if last in ("small", "teen", "tens"):
                break
            current += _TENS[word]
            last = "tens"
        elif word in _SCALES:
            if last == "":
                break
            scale = _SCALES[word]
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


def _digit_words(words: list[str]) -> str:
    """ "four" "five" → "45" for the digits after "point"."""
    return "".join(str(_SMALL[w]) for w in words if w in _SMALL and _SMALL[w] < 10)


def words_to_digits(text: str) -> str:
    """Rewrite runs of number words into digits; everything else is left as it was."""
    matches = list(_WORD.finditer(text))
    out: list[str] = []
    pos = 0
    i = 0
    while i < len(matches):
        run: list[re.Match[str]] = [matches[i]]
        j = i + 1
        while j < len(matches) and _GAP.fullmatch(text[matches[j - 1].end() : matches[j].start()]):
            run.append(matches[j])
            j += 1
            if len(run) > 12:
                break
        value, used = _run_value([m.group() for m in run])
        if used == 0:
            i += 1
            continue
        end = run[used - 1].end()
        literal = _format(value)
        rest = [m.group() for m in run[used:]]
        if rest and rest[0] == "point":
            decimals = []
            for word in rest[1:]:
                if word in _SMALL and _SMALL[word] < 10:
                    decimals.append(word)
                else:
                    break
            if decimals:
                literal += "." + _digit_words(decimals)
                end = run[used + len(decimals)].end()
                used += 1 + len(decimals)
        out.append(text[pos : run[0].start()])
        out.append(literal)
        pos = end
        i += used
    out.append(text[pos:])
    return "".join(out)


def _format(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def prepare(text: str) -> str:
    """Digits for number words and decimals for fractions, ready for ``find_numbers``."""
    text = words_to_digits(text)
    for pattern, repl in _FRACTIONS:
        text = pattern.sub(repl, text)
    return text


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


def find_numbers(text: str, masked: list[tuple[int, int]] | None = None) -> list[Number]:
    """Every number in prepared `text` outside the `masked` spans, with a leading minus applied."""
    found = []
    for match in _NUMBER.finditer(text):
        if masked and any(s <= match.start() < e for s, e in masked):
            continue
        value = to_float(match.group())
        end = match.end()
        exponent = _EXPONENT.match(text, end)
        if exponent and units.unit_at(text, end) is None:  # "1.4e9" lymphocytes: ×10⁹/L
            power = int(exponent.group(1))
            value = value * 10.0**power if abs(power) <= 300 else (math.inf if power > 0 else 0.0)
            end = exponent.end()
        if _NEGATIVE_BEFORE.search(text[: match.start()]):
            value = -value
        found.append(Number(value, match.start(), end))
    return found


def has_range(text: str) -> bool:
    """True for "10-15", "10 to 15 mg", "between 10 and 15": a range, not one number."""
    return _RANGE.search(text) is not None


def has_inequality(text: str) -> bool:
    """True for "over 40", "less than 5 mg", "> 100": a bound, not one number."""
    return _INEQUALITY.search(text) is not None
