"""Misreadings found through the running bot, checked against the real trial's facts."""

from __future__ import annotations

import pytest

from bot.answers import parse_answer, parse_correction
from bot.criteria import get_trial

TRIAL = get_trial()
ASKABLE = [f for f in TRIAL.facts.values() if f.askable]


@pytest.mark.parametrize(
    ("text", "pending"),
    [
        ("he's 70", "other_cancer"),
        ("I'm 45", "diabetes"),
        ("she is actually 12", "heart_condition"),
    ],
)
def test_an_age_is_not_a_yes(text: str, pending: str) -> None:
    assert parse_answer(text, TRIAL.facts[pending]).status == "invalid"


@pytest.mark.parametrize(
    ("text", "pending", "age"),
    [
        ("sorry, he's actually 70", "other_cancer", 70),
        ("sorry, I'm actually 45", "diabetes", 45),
        ("actually she is 12", "sex", 12),
        ("oops, my son is 9", "sle_diagnosed", 9),
    ],
)
def test_third_person_age_corrections(text: str, pending: str, age: int) -> None:
    correction = parse_correction(text, ASKABLE, TRIAL.facts[pending])
    assert correction is not None
    key, parsed = correction
    assert key == "age_years" and parsed.value == age


@pytest.mark.parametrize(
    ("text", "fact", "value"),
    [
        ("I am", "diabetes", True),
        ("yes I'm diabetic", "diabetes", True),
        ("I'm 5 months pregnant", "pregnant_or_breastfeeding", True),
        ("yes, I stopped them last year without a flare", "can_stop_immunosuppressants", True),
        ("I've been on tacrolimus for a year", "had_immunomodulator_3mo", True),
        ("still protein in my urine", "ln_no_remission", True),
    ],
)
def test_real_trial_yes_no(text: str, fact: str, value: bool) -> None:
    parsed = parse_answer(text, TRIAL.facts[fact])
    assert parsed.status == "value" and parsed.value is value, parsed
