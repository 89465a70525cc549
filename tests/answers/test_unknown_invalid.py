""" "I don't know" for every fact type; empty, huge and strange input never crashes."""

from __future__ import annotations

import pytest

from bot.answers import parse_answer
from bot.criteria.model import FactSpec

from .conftest import FACT_LIST, FACTS
from .support import check

DONT_KNOW = [
    "I don't know",
    "i dont know",
    "I do not know",
    "not sure",
    "I'm not sure",
    "dunno",
    "idk",
    "IDK",
    "can't remember",
    "cannot remember",
    "no idea",
    "I have no idea",
    "I'd have to check",
    "don't remember",
    "unsure",
    "?",
    "??",
    "no clue",
    "I don't know, maybe yes",
    "not sure, around 40",
    "I forgot",
    "never been tested",
]
ONE_PER_TYPE = [
    "age_years",
    "sex",
    "diabetes",
    "ana_titer",
    "biopsy_class",
    "biopsy_months_ago",
    "ecog",
    "serum_creatinine_mg_dl",
    "glucocorticoid_mg_per_day",
]


@pytest.mark.parametrize("text", DONT_KNOW)
@pytest.mark.parametrize("key", ONE_PER_TYPE)
def test_dont_know_is_unknown_for_every_type(key: str, text: str) -> None:
    check(key, text, "unknown")


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\x00\x01", "...", "🙂", "你好", "\u200b"])
@pytest.mark.parametrize("key", ONE_PER_TYPE)
def test_empty_or_strange_input_is_invalid_with_hint(key: str, text: str) -> None:
    check(key, text, "invalid")


@pytest.mark.parametrize("fact", FACT_LIST, ids=lambda f: f.key)
def test_ten_thousand_characters_is_invalid(fact: FactSpec) -> None:
    # Only the first 500 characters are read (bench/parser.py times it).
    text = "34 yes class IV 1:320 " * 500
    parsed = parse_answer(text, FACTS[fact.key])
    assert parsed.status == "invalid"
    assert parsed.hint


def test_hint_uses_the_facts_own_hint() -> None:
    from dataclasses import replace

    own = "Please give your age as a number of years, for example 34."
    parsed = parse_answer("banana", replace(FACTS["age_years"], hint=own))
    assert parsed.status == "invalid"
    assert parsed.hint is not None
    assert parsed.hint.endswith(own)


def test_no_to_a_lab_question_means_unknown() -> None:
    check("serum_creatinine_mg_dl", "no", "unknown")
    check("hba1c_percent", "nope", "unknown")


# ── "I don't know" in its natural forms, for lab values asked of the patient (issue 12) ───

#: each is unknown for every lab value the patient is asked (the issue's quoted answers first).
LAB_DONT_KNOW = [
    "my doctor has those",
    "my doctor has those, I've never looked at them",
    "nope, never been told that number",
    "never been told",
    "haven't seen the results",
    "not sure what that is",
    "no idea what my ANA is",
    "the hospital has my reports",
    "I'd have to check",
    "can't remember",
    "dunno",
    "I was never told",
    "nobody told me",
    "they never told me the number",
    "the doctor never said",
    "I don't have them with me",
    "I haven't looked",
    "my rheumatologist has all my blood results",
    "my GP has those, sorry",
    "not off the top of my head",
    "let me check",
    "No, never been told what it is",
    "I've never had that test",
    "they never did that test",
    "never heard of it",
    "not that I remember",
    "search me",
    "my doctor would know",
    "I think my doctor has them",
    "I can find out",
    "I'll check and come back to you",
    "the results are at home",
    "they're with my doctor",
    "still waiting for the results",
]
LAB_ASKED = ["ana_titer", "lymphocytes_10e9_l", "hba1c_percent", "serum_creatinine_mg_dl",
             "biopsy_class"]  # fmt: skip


@pytest.mark.parametrize("text", LAB_DONT_KNOW)
@pytest.mark.parametrize("key", LAB_ASKED)
def test_natural_dont_know_to_a_lab_question(key: str, text: str) -> None:
    parsed = check(key, text, "unknown")
    assert parsed.span is not None and parsed.span[1] > parsed.span[0]


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("ana_titer", "my doctor has them, it was 1:160", 160),
        ("lymphocytes_10e9_l", "never looked at them but I think it was 1.2", 1.2),
        ("hba1c_percent", "the hospital has my reports, it was 6.1%", 6.1),
        ("lymphocytes_10e9_l", "they're at home but it was 1.2 last time", 1.2),
    ],
)
def test_a_value_beside_records_elsewhere_is_read(key: str, text: str, value: object) -> None:
    check(key, text, "value", value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("never been told I have diabetes", False),
        ("never been told", False),
        ("nope, never been told", False),
        ("not that I know of", False),
        ("I was never told I had it", False),
        ("not that I remember", False),
        ("never heard of it", False),
    ],
)
def test_never_told_is_a_no_to_a_yes_no_question(text: str, value: bool) -> None:
    check("diabetes", text, "value", value)


@pytest.mark.parametrize(
    "text", ["the hospital has my reports", "my doctor has those, I've never looked at them"]
)
def test_records_elsewhere_is_unknown_for_a_yes_no_question(text: str) -> None:
    check("diabetes", text, "unknown")


@pytest.mark.parametrize("key", ["age_years", "ecog", "glucocorticoid_mg_per_day"])
@pytest.mark.parametrize("text", ["never been told", "I haven't looked"])
def test_lab_only_dont_know_is_not_read_for_the_patients_own_facts(key: str, text: str) -> None:
    check(key, text, "invalid")
