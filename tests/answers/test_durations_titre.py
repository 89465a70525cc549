"""Durations in months ("how long ago") and ANA titres."""

from __future__ import annotations

import pytest

from .support import Case, check

DURATIONS: list[Case] = [
    ("biopsy_months_ago", "2 years ago", "value", 24.0),
    ("biopsy_months_ago", "two years ago", "value", 24.0),
    ("biopsy_months_ago", "4 months ago", "value", 4.0),
    ("biopsy_months_ago", "six months ago", "value", 6.0),
    ("biopsy_months_ago", "last month", "value", 1.0),
    ("biopsy_months_ago", "a month ago", "value", 1.0),
    ("biopsy_months_ago", "a year ago", "value", 12.0),
    ("biopsy_months_ago", "a year and a half ago", "value", 18.0),
    ("biopsy_months_ago", "1.5 years ago", "value", 18.0),
    ("biopsy_months_ago", "half a year ago", "value", 6.0),
    ("biopsy_months_ago", "3 weeks ago", "value", 0.7),
    ("biopsy_months_ago", "three weeks ago", "value", 0.7),
    ("biopsy_months_ago", "a couple of weeks ago", "value", 0.5),
    ("biopsy_months_ago", "10 days ago", "value", 0.3),
    ("biopsy_months_ago", "yesterday", "value", 0.0),
    ("biopsy_months_ago", "about 5 months", "value", 5.0),
    ("biopsy_months_ago", "4", "value", 4.0),
    ("biopsy_months_ago", "I had it 8 months ago", "value", 8.0),
    ("biopsy_months_ago", "no, it was six months ago", "value", 6.0),
    ("biopsy_months_ago", "I haven't had a biopsy", "unknown", None),
    ("biopsy_months_ago", "never had one", "unknown", None),
    ("biopsy_months_ago", "not yet", "unknown", None),
    ("biopsy_months_ago", "no", "unknown", None),
    ("biopsy_months_ago", "it's scheduled for next week", "unknown", None),
    ("biopsy_months_ago", "in 2 weeks", "unknown", None),
    ("biopsy_months_ago", "in March", "invalid", None),
    ("biopsy_months_ago", "May 2024", "invalid", None),
    ("biopsy_months_ago", "1-2 months ago", "invalid", None),
    ("biopsy_months_ago", "more than a year ago", "invalid", None),
    ("biopsy_months_ago", "a while", "invalid", None),
    ("biopsy_months_ago", "5 kg", "invalid", None),
]

TITRES: list[Case] = [
    ("ana_titer", "1:320", "value", 320),
    ("ana_titer", "1/160", "value", 160),
    ("ana_titer", "1 : 80", "value", 80),
    ("ana_titer", "ANA 1:1,280 speckled", "value", 1280),
    ("ana_titer", "positive 1:640", "value", 640),
    ("ana_titer", "320", "value", 320),
    ("ana_titer", "negative", "value", 0),
    ("ana_titer", "neg", "value", 0),
    ("ana_titer", "it was negative", "value", 0),
    ("ana_titer", "not detected", "value", 0),
    ("ana_titer", "positive", "invalid", None),
    ("ana_titer", "1:0", "invalid", None),
    ("ana_titer", "negative at 1:80", "invalid", None),
    ("ana_titer", "1:80 or 1:160", "invalid", None),
    ("ana_titer", "no", "unknown", None),
    ("ana_titer", "high", "invalid", None),
]


@pytest.mark.parametrize(("key", "text", "status", "value"), DURATIONS + TITRES)
def test_durations_and_titres(key: str, text: str, status: str, value: object) -> None:
    check(key, text, status, value)


def test_duration_source_unit() -> None:
    assert check("biopsy_months_ago", "3 weeks ago", "value", 0.7).source_unit == "weeks"
    assert check("biopsy_months_ago", "2 years ago", "value", 24.0).unit == "months"


def test_positive_titre_hint_asks_for_the_number() -> None:
    hint = check("ana_titer", "positive", "invalid").hint or ""
    assert "1:160" in hint
