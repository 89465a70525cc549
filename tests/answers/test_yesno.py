"""Yes/no answers with hedges, negation, time and topic words (medspaCy ConText)."""

from __future__ import annotations

import pytest

from .support import Case, check

PLAIN: list[Case] = [
    ("diabetes", "yes", "value", True),
    ("diabetes", "Yes.", "value", True),
    ("diabetes", "YES!!!", "value", True),
    ("diabetes", "yeah", "value", True),
    ("diabetes", "yep", "value", True),
    ("diabetes", "y", "value", True),
    ("diabetes", "sure", "value", True),
    ("diabetes", "correct", "value", True),
    ("diabetes", "I do", "value", True),
    ("diabetes", "I have", "value", True),
    ("diabetes", "definitely", "value", True),
    ("diabetes", "yes I do", "value", True),
    ("diabetes", "👍", "value", True),
    ("diabetes", "no", "value", False),
    ("diabetes", "No.", "value", False),
    ("diabetes", "nope", "value", False),
    ("diabetes", "n", "value", False),
    ("diabetes", "nah", "value", False),
    ("diabetes", "never", "value", False),
    ("diabetes", "not really", "value", False),
    ("diabetes", "none", "value", False),
    ("diabetes", "no I don't", "value", False),
    ("diabetes", "no i dont", "value", False),
    ("diabetes", "I don't", "value", False),
    ("diabetes", "I haven't", "value", False),
    ("diabetes", "not that I know of", "value", False),
    ("diabetes", "not as far as I know", "value", False),
    ("diabetes", "I don't think so", "value", False),
    ("diabetes", "absolutely not", "value", False),
    ("diabetes", "no no no", "value", False),
]

HEDGES: list[Case] = [
    ("diabetes", "I think so", "value", True),
    ("diabetes", "I believe so", "value", True),
    ("diabetes", "maybe", "unknown", None),
    ("diabetes", "possibly", "unknown", None),
    ("diabetes", "perhaps", "unknown", None),
    ("diabetes", "probably", "unknown", None),
    ("diabetes", "probably not", "unknown", None),
    ("diabetes", "maybe yes", "unknown", None),
    ("diabetes", "I might have diabetes", "unknown", None),
    ("diabetes", "borderline diabetic", "unknown", None),
    ("diabetes", "I don't know, maybe yes", "unknown", None),
    ("diabetes", "no idea", "unknown", None),
]

TOPICS: list[Case] = [
    ("pregnant_or_breastfeeding", "No, I'm not pregnant", "value", False),
    ("pregnant_or_breastfeeding", "I am pregnant", "value", True),
    ("pregnant_or_breastfeeding", "not pregnant", "value", False),
    ("pregnant_or_breastfeeding", "I'm breastfeeding", "value", True),
    ("pregnant_or_breastfeeding", "not pregnant but I am breastfeeding", "value", True),
    ("pregnant_or_breastfeeding", "No, but I'm breastfeeding", "value", True),
    ("pregnant_or_breastfeeding", "neither", "value", False),
    ("diabetes", "I'm diabetic", "value", True),
    ("diabetes", "I don't have diabetes", "value", False),
    ("diabetes", "I do not have diabetes", "value", False),
    ("diabetes", "no diabetes", "value", False),
    ("diabetes", "I have type 2 diabetes", "value", True),
    ("diabetes", "I'm not diabetic", "value", False),
    ("diabetes", "My mother has diabetes but I don't", "value", False),
    ("diabetes", "my mother has diabetes", "invalid", None),
    ("diabetes", "if I had diabetes I would know", "invalid", None),
    ("diabetes", "I don't smoke", "invalid", None),
    ("sle_diagnosed", "my doctor said I have lupus", "value", True),
    ("sle_diagnosed", "yes, SLE since 2015", "value", True),
    ("sle_diagnosed", "I was diagnosed with lupus", "value", True),
    ("neuro_condition", "never had a stroke", "value", False),
    ("neuro_condition", "I had a stroke 2 months ago", "value", True),
    ("heart_condition", "no heart problems", "value", False),
    ("heart_condition", "I have heart failure", "value", True),
    (
        "heart_condition",
        "I don't have heart failure but I had a heart attack last month",
        "value",
        True,
    ),
    ("infection_serology_positive", "negative", "value", False),
    ("infection_serology_positive", "I tested positive for hepatitis B", "value", True),
    ("infection_serology_positive", "my HIV test was negative", "value", False),
    ("had_immunomodulator_3mo", "I take hydroxychloroquine", "value", True),
    ("had_immunomodulator_3mo", "I took plaquenil for two years", "value", True),
    ("can_stop_immunosuppressants", "yes I can", "value", True),
    ("can_stop_immunosuppressants", "I can't", "value", False),
    ("can_stop_immunosuppressants", "I cannot", "value", False),
    ("can_consent", "I can sign it myself", "value", True),
    ("severe_allergy", "I'm allergic to penicillin, anaphylaxis", "value", True),
    ("other_cancer", "no cancer", "value", False),
    ("other_cancer", "free of cancer", "value", False),
    ("routine_treatment_failed", "it didn't work", "value", True),
    ("routine_treatment_failed", "the lupus came back", "value", True),
    ("routine_treatment_failed", "no, it worked", "value", False),
    ("had_immunomodulator_3mo", "I'm on plaquenil", "value", True),
    ("diabetes", "I'm on prednisone", "invalid", None),
    ("neuro_condition", "I was wrong about the stroke, I never had one", "value", False),
    ("diabetes", "diabetes: no", "value", False),
]

TIME: list[Case] = [
    ("heart_condition", "I had one years ago but not now", "value", False),
    ("severe_allergy", "I had one years ago but not now", "value", True),
    ("heart_condition", "no longer", "value", False),
    ("heart_condition", "not anymore", "value", False),
    ("heart_condition", "I used to", "value", False),
    ("organ_transplant", "used to", "value", True),
    ("severe_allergy", "not anymore", "value", True),
    ("heart_condition", "I had a heart attack 10 years ago", "value", False),
    ("organ_transplant", "yes, years ago", "value", True),
    ("uncontrolled_infection", "yes, years ago", "value", False),
    (
        "uncontrolled_infection",
        "I had pneumonia years ago and I still have an infection now",
        "value",
        True,
    ),
    ("lung_condition", "I used to need oxygen but not anymore", "value", False),
    ("diabetes", "I don't have it anymore", "value", False),
]

CONFLICTS: list[Case] = [
    ("diabetes", "yes and no", "invalid", None),
    ("diabetes", "yes. no.", "invalid", None),
    ("diabetes", "no, yes", "invalid", None),
    ("diabetes", "yes, no diabetes", "invalid", None),
    ("diabetes", "banana", "invalid", None),
    ("diabetes", "what do you mean?", "invalid", None),
    ("diabetes", "ok", "invalid", None),
]


@pytest.mark.parametrize(
    ("key", "text", "status", "value"), PLAIN + HEDGES + TOPICS + TIME + CONFLICTS
)
def test_yes_no(key: str, text: str, status: str, value: object) -> None:
    check(key, text, status, value)


def test_not_in_a_term_matches_its_contraction() -> None:
    from dataclasses import replace

    from bot.answers import parse_answer

    from .conftest import FACTS

    fact = replace(FACTS["routine_treatment_failed"], terms=("did not work",))
    assert parse_answer("it didn't work", fact).value is True
    assert parse_answer("it did not work", fact).value is True


def test_contradiction_hint() -> None:
    hint = check("diabetes", "yes and no", "invalid").hint or ""
    assert "Please answer yes, no, or I don't know." in hint
