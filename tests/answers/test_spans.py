"""The evidence span and the language of a parsed answer.

``Parsed.span`` is (start, end) in the very text the caller passed — before any cleaning,
number-word or time-phrase rewriting — and covers the words that gave the value.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.answers import (
    Parsed,
    find_fact_mention_spans,
    find_fact_mentions,
    parse_answer,
    parse_correction,
)

from .conftest import FACT_LIST, FACTS

#: (fact, what the patient typed, the words the value was read from)
EVIDENCE: list[tuple[str, str, str]] = [
    # yes/no
    ("sle_diagnosed", "yes, since 2018", "yes"),
    ("diabetes", "Yes", "Yes"),
    ("diabetes", "  Nope.  ", "Nope"),
    ("severe_allergy", "not that I know of", "not that I know of"),
    ("pregnant_or_breastfeeding", "No, but I'm breastfeeding", "breastfeeding"),
    ("diabetes", "my mother has diabetes but I don't", "I don't"),
    ("heart_condition", "I had a heart attack last year", "I had a heart attack"),
    # numbers, with and without units, in words, converted
    ("age_years", "I'm 34", "34"),
    ("age_years", "I'm thirty-four", "thirty-four"),
    ("age_years", "  I’m  THIRTY four  ", "THIRTY four"),
    ("age_years", "34 years old", "34 years old"),
    ("glucocorticoid_mg_per_day", "about 15 mg", "15 mg"),
    ("glucocorticoid_mg_per_day", "5 mg twice a day", "5 mg"),
    ("serum_creatinine_mg_dl", "it was 80 umol/L last time", "80 umol/L"),
    ("lymphocytes_10e9_l", "1,400 per microliter", "1,400 per microliter"),
    ("lymphocytes_10e9_l", "about 1.4 ×10⁹/L", "1.4 ×10⁹/L"),
    ("hba1c_percent", "8.6%", "8.6%"),
    # durations
    ("biopsy_months_ago", "2 years ago", "2 years"),
    ("biopsy_months_ago", "It was last month.", "last month"),
    ("biopsy_months_ago", "a year and a half ago", "a year and a half"),
    # titres
    ("ana_titer", "1:320 I think", "1:320"),
    ("ana_titer", "it came back Negative", "Negative"),
    # choices
    ("sex", "I'm a Woman", "Woman"),
    ("sex", "F", "F"),
    ("biopsy_class", "I think it was class IV", "IV"),
    ("biopsy_class", "V and IV", "V and IV"),
    # scales
    ("ecog", "2 - I look after myself", "2"),
    ("ecog", "I can look after myself but can't work", "look after myself"),
    ("ecog", "Bedridden", "Bedridden"),
    # unknown: the words that said so
    ("egfr_ml_min", "Sorry, I don't know", "I don't know"),
    ("age_years", "I cant remember", "cant remember"),
    ("diabetes", "maybe", "maybe"),
]


@pytest.mark.parametrize(("key", "text", "evidence"), EVIDENCE)
def test_span_points_at_the_words_that_gave_the_value(key: str, text: str, evidence: str) -> None:
    parsed = parse_answer(text, FACTS[key])
    assert parsed.status in ("value", "unknown"), parsed
    assert parsed.span is not None, parsed
    start, end = parsed.span
    assert text[start:end] == evidence, (text, parsed.span, text[start:end])


@pytest.mark.parametrize(("key", "text"), [("age_years", "banana"), ("diabetes", "yes and no")])
def test_an_invalid_answer_has_no_span(key: str, text: str) -> None:
    parsed = parse_answer(text, FACTS[key])
    assert parsed.status == "invalid"
    assert parsed.span is None


def test_a_correction_points_into_the_whole_message() -> None:
    text = "Sorry, I'm actually 45"
    found = parse_correction(text, FACT_LIST, FACTS["sex"])
    assert found is not None
    key, parsed = found
    assert key == "age_years" and parsed.value == 45 and parsed.span is not None
    assert text[parsed.span[0] : parsed.span[1]] == "45"


def test_the_result_carries_the_facts_language() -> None:
    assert parse_answer("34", FACTS["age_years"]).language == "en"
    # a language without parser resources is read with the default language's words
    parsed = parse_answer("34", replace(FACTS["age_years"], language="qq"))
    assert parsed.value == 34
    assert parsed.language == "qq"


def test_parsed_keeps_its_old_shape() -> None:
    """The dialogue builds ``Parsed`` by keyword; the new fields have defaults."""
    parsed = Parsed(status="value", value=True)
    assert parsed.span is None and parsed.language == "en"
    assert Parsed("unknown") == Parsed(status="unknown")


def test_mentions_point_at_the_words_that_name_each_fact() -> None:
    text = "I'm 45,  Diabetic and had a HEART ATTACK; no pregnancy"
    found = find_fact_mention_spans(text, FACT_LIST)
    assert [(key, text[start:end]) for key, (start, end) in found] == [
        ("diabetes", "Diabetic"),
        ("heart_condition", "HEART ATTACK"),
        ("pregnant_or_breastfeeding", "pregnancy"),
    ]
    assert [key for key, _ in found] == find_fact_mentions(text, FACT_LIST)
