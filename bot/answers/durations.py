"""How long ago something happened, for facts in months ("biopsy_months_ago").

Relative phrases are rewritten into numbers with time units, which ``quantities`` then
converts (years ×12, weeks ÷4.345, days ÷30.44, rounded to one decimal):
"2 years ago" → 24, "last month" → 1, "a year and a half ago" → 18, "3 weeks ago" → 0.7,
"yesterday" → 0. Something that has not happened ("I haven't had a biopsy", "never had
one", "it's next week") is ``unknown`` — the spec leaves a not-yet-done biopsy unknown.
Calendar dates ("in March", "May 2024") are not computed: the patient is asked for a
rough number of months instead.
"""

from __future__ import annotations

import re

from bot.answers import hints
from bot.answers.numbers import prepare
from bot.answers.quantities import parse_quantity
from bot.answers.result import Parsed, invalid, unknown
from bot.criteria.model import FactSpec

_UNIT = r"(years?|months?|weeks?|days?)"
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"\b(?:a|one|1)\s+fortnight\b", "2 weeks"),
        (rf"\b(?:a|an|1)\s+{_UNIT}\s+and\s+a\s+half\b", r"1.5 \1"),
        (rf"\bhalf\s+(?:a|an)\s+{_UNIT}", r"0.5 \1"),
        (rf"\b(?:a\s+)?couple\s+(?:of\s+)?{_UNIT}", r"2 \1"),
        (rf"\b(?:a|an|one)\s+{_UNIT}", r"1 \1"),
        (r"\b(?:last|past|previous)\s+(month|week)\b", r"1 \1"),
        (rf"\b(?:a\s+)?few\s+{_UNIT}", r"3 \1"),
        (
            r"\b(?:yesterday|today|this\s+(?:morning|week)|earlier\s+this\s+week|just\s+now)\b|"
            r"\bjust\s+(?:had|done|did|got|finished)(?:\s+(?:it|one|1|that|the\s+biopsy|a\s+biopsy))?"
            r"(?:\s+done)?\W*$",
            "0 days",
        ),
    )
)
_NOT_DONE = re.compile(
    r"^(?:no|nope|nah|n|none|never|not yet)\b|"
    r"\b(?:never|not\s+yet|haven't|have\s+not|hasn't|has\s+not|didn't|did\s+not|not\s+had|"
    r"not\s+done|no\s+biopsy|not\s+been\s+done|don't\s+have\s+one)\b|"
    r"\b(?:next|upcoming|scheduled|planned|booked|going\s+to\s+have|will\s+have|waiting\s+for)\b|"
    r"\bin\s+\d+(?:\.\d+)?\s+(?:days?|weeks?|months?)\b(?!\s+ago)"
)
_MONTH_NAMES = re.compile(
    r"\b(?:january|february|march|april|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\b|"
    r"\b(?:in|since|of|during)\s+may\b|\bmay\s+\d|\b(?:19|20)\d\d\b|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"
)
_DURATION = re.compile(
    r"\d\s*(?:years?|yrs?|months?|mos?|mths?|weeks?|wks?|days?)\b|\d\s*(?:y|m|w|d)\b"
)
_FUTURE = re.compile(r"\bin\s+\d+(?:\.\d+)?\s+(?:days?|weeks?|months?)\b(?!\s+ago)")


def rewrite(text: str) -> str:
    """Relative time phrases as numbers with units: "last month" → "1 month"."""
    text = prepare(text)
    for pattern, repl in _REWRITES:
        text = pattern.sub(repl, text)
    return text


def parse_duration(text: str, fact: FactSpec) -> Parsed:
    """Parse a cleaned "how long ago" answer for a fact in months."""
    rewritten = rewrite(text)
    if _FUTURE.search(rewritten):
        return unknown()
    has_duration = _DURATION.search(rewritten) is not None
    if _MONTH_NAMES.search(rewritten) and not has_duration:
        return invalid(hints.for_invalid(fact, "date"))
    if _NOT_DONE.search(rewritten) and not has_duration and not re.search(r"\d", text):
        return unknown()
    return parse_quantity(rewritten, fact)
