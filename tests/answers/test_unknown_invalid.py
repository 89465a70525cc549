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
