"""Spotting which facts a message mentions, and corrections of earlier answers."""

from __future__ import annotations

import pytest

from bot.answers import Parsed, find_fact_mentions, parse_correction

from .conftest import FACT_LIST, FACTS


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("I'm diabetic", ["diabetes"]),
        ("I'm not pregnant and I don't have lupus", ["pregnant_or_breastfeeding", "sle_diagnosed"]),
        ("my creatinine was 80 and eGFR 45", ["serum_creatinine_mg_dl", "egfr_ml_min"]),
        ("I had diabetic ketoacidosis", ["diabetic_ketoacidosis"]),
        ("my HbA1c is 8.6%", ["hba1c_percent"]),
        ("Strokes? no", ["neuro_condition"]),
        ("nothing relevant here", []),
        ("", []),
        ("Diabetes, diabetes and DIABETES", ["diabetes"]),
        (
            "lymphocytes 1.4 and prednisone 10 mg",
            ["lymphocytes_10e9_l", "glucocorticoid_mg_per_day"],
        ),
    ],
)
def test_find_fact_mentions(text: str, keys: list[str]) -> None:
    assert find_fact_mentions(text, FACT_LIST) == keys


def test_key_words_count_as_terms() -> None:
    from dataclasses import replace

    bare = replace(FACTS["pregnant_or_breastfeeding"], terms=())
    assert find_fact_mentions("I'm breastfeeding", [bare]) == ["pregnant_or_breastfeeding"]


@pytest.mark.parametrize(
    ("text", "pending", "key", "status", "value"),
    [
        ("sorry, I'm actually 45", "ecog", "age_years", "value", 45),
        ("Sorry I'm actually 45", None, "age_years", "value", 45),
        ("actually I am 45 years old", "diabetes", "age_years", "value", 45),
        ("I made a mistake, I am not diabetic", "ecog", "diabetes", "value", False),
        ("sorry, I do have diabetes", "ecog", "diabetes", "value", True),
        ("correction: my creatinine was 80 umol/l", None, "serum_creatinine_mg_dl", "value", 0.9),
        ("I said I was pregnant but I'm not", None, "pregnant_or_breastfeeding", "value", False),
        ("oops, wrong, my HbA1c was 6.5%", "ecog", "hba1c_percent", "value", 6.5),
        ("I was wrong about the stroke, I never had one", None, "neuro_condition", "value", False),
        (
            "actually I'm not pregnant",
            "pregnant_or_breastfeeding",
            "pregnant_or_breastfeeding",
            "value",
            False,
        ),
        ("sorry, I meant diabetes: no", "diabetes", "diabetes", "value", False),
        ("wait, my biopsy was 2 years ago", "ecog", "biopsy_months_ago", "value", 24.0),
    ],
)
def test_corrections(text: str, pending: str | None, key: str, status: str, value: object) -> None:
    result = parse_correction(text, FACT_LIST, FACTS[pending] if pending else None)
    assert result is not None, text
    found_key, parsed = result
    assert found_key == key
    assert parsed.status == status, parsed
    assert parsed.value == value
    assert type(parsed.value) is type(value)


def test_correction_prefers_the_pending_fact() -> None:
    text = "sorry, my fasting glucose is fine, I meant after meals it was 9"
    result = parse_correction(text, FACT_LIST, FACTS["postprandial_glucose_mmol_l"])
    assert result is not None
    assert result[0] == "postprandial_glucose_mmol_l"
    assert result[1].value == 9.0
    result = parse_correction(text, FACT_LIST, FACTS["ecog"])
    assert result is not None
    assert result[0] == "fasting_glucose_mmol_l"


@pytest.mark.parametrize(
    ("text", "pending"),
    [
        ("yes", "diabetes"),
        ("I'm 45", "age_years"),
        ("I have diabetes", "diabetes"),
        ("sorry, I don't know", "diabetes"),
        ("sorry, what?", "ecog"),
        ("actually yes", "diabetes"),
        ("sorry, I meant 7.5", "glucocorticoid_mg_per_day"),
        ("", None),
    ],
)
def test_not_a_correction(text: str, pending: str | None) -> None:
    assert parse_correction(text, FACT_LIST, FACTS[pending] if pending else None) is None


def test_correction_with_unusable_value_is_returned_invalid() -> None:
    result = parse_correction("sorry, my age is wrong", FACT_LIST, None)
    assert result is not None
    key, parsed = result
    assert key == "age_years"
    assert isinstance(parsed, Parsed)
    assert parsed.status == "invalid"
