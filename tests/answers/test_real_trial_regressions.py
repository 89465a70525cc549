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


@pytest.mark.parametrize(
    ("text", "fact", "value"),
    [
        # found by bench/agreement.py (simulated patients over the full stack)
        ("my heart is fine", "heart_condition", False),
        ("her heart is fine", "heart_condition", False),
        ("never tested positive", "infection_serology_positive", False),
        ("all negative", "infection_serology_positive", False),
        ("only a fungal nail infection", "uncontrolled_infection", False),
        ("only the lupus rash", "skin_disease", False),
        ("I had a stem cell transplant", "organ_transplant", False),
        ("yes, a chest infection", "uncontrolled_infection", True),
        ("psoriasis and a lupus rash", "skin_disease", True),
        ("yes, a kidney transplant", "organ_transplant", True),
        ("yes, that's fine", "can_consent", True),
    ],
)
def test_answers_found_by_the_simulated_population(text: str, fact: str, value: bool) -> None:
    parsed = parse_answer(text, TRIAL.facts[fact])
    assert parsed.status == "value" and parsed.value is value, parsed


@pytest.mark.parametrize(("text", "value"), [("109", 109.0), ("eGFR 109", 109.0), ("90", 90.0)])
def test_a_bare_109_is_a_number_not_ten_to_the_ninth(text: str, value: float) -> None:
    parsed = parse_answer(text, TRIAL.facts["egfr_ml_min"])
    assert parsed.status == "value" and parsed.value == value


@pytest.mark.parametrize("text", ["I agree", "agreed", "go ahead"])
def test_agreement_in_plain_words(text: str) -> None:
    from bot.dialogue.interpret import consent_fact

    parsed = parse_answer(text, consent_fact("en"))
    assert parsed.status == "value" and parsed.value is True


@pytest.mark.parametrize("fact", ["egfr_ml_min", "ana_titer", "lymphocytes_10e9_l"])
def test_not_having_seen_results_is_dont_know(fact: str) -> None:
    assert parse_answer("I haven't seen the results", TRIAL.facts[fact]).status == "unknown"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("I can only partly look after myself", 3),
        ("she can partially take care of herself", 3),
        ("I can look after myself but I can't work", 2),
    ],
)
def test_partial_self_care_is_ecog_3(text: str, value: int) -> None:
    """The benchmark's one disagreement: "only partly look after myself" was read as ECOG 2."""
    parsed = parse_answer(text, TRIAL.facts["ecog"])
    assert parsed.status == "value" and parsed.value == value, parsed


@pytest.mark.parametrize(
    "text", ["I don't take steroids", "he doesn't take any prednisone", "I don't need any"]
)
def test_not_taking_steroids_is_zero_mg(text: str) -> None:
    parsed = parse_answer(text, TRIAL.facts["glucocorticoid_mg_per_day"])
    assert parsed.status == "value" and parsed.value == 0.0, parsed


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("I just had it", 0.0),
        ("just had one", 0.0),
        ("I just had it done last week", 0.2),
        ("just had a biopsy 2 weeks ago", 0.5),
        ("a few weeks ago", 0.7),
    ],
)
def test_a_biopsy_just_done(text: str, months: float) -> None:
    parsed = parse_answer(text, TRIAL.facts["biopsy_months_ago"])
    assert parsed.status == "value" and parsed.value == months, parsed


@pytest.mark.parametrize(
    "text", ["maybe? i think so", "Maybe. Yes I think", "probably. yes", "yes.. i guess"]
)
def test_a_hedge_in_its_own_sentence_still_hedges_the_yes(text: str) -> None:
    """Found by role-playing a guardian: "maybe? i think so" was stored as yes (ConText's
    scope ends at the sentence, so the hedge did not reach the "i think so")."""
    parsed = parse_answer(text, TRIAL.facts["had_glucocorticoid_and_cyclophosphamide_6mo"])
    assert parsed.status == "unknown" and parsed.value is None
