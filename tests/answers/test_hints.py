"""Hints come from the answers catalog (``answers.po``), word for word as before."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.answers import hints, parse_answer
from bot.i18n import catalog

from .conftest import FACTS

SORRY = "Sorry, I didn't quite understand that."
HINTS = [
    ("age_years", "banana",
     f"{SORRY} Please answer with a whole number of years between 0 and 120, for example 34."),
    ("age_years", "500", "That seems outside the range I can accept (0 to 120 years). Please "
     "answer with a whole number of years between 0 and 120, for example 34."),
    ("lymphocytes_10e9_l", "banana", f"{SORRY} Please answer with a number in ×10⁹/L between 0 "
     "and 50, for example 1.4 (/µL or ×10³/µL is fine too)."),
    ("fasting_glucose_mmol_l", "99999", "That seems outside the range I can accept (1 to 35 "
     "mmol/L). Please answer with a number in mmol/L between 1 and 35, for example 5.6 (mg/dL "
     "is fine too)."),
    ("sex", "banana", f"{SORRY} Please answer female or male — or say you don't know."),
    ("diabetes", "banana", f"{SORRY} Please answer yes, no, or I don't know."),
    ("diabetes", "yes and no", "I heard both yes and no. Please answer yes, no, or I don't know."),
    ("biopsy_months_ago", "banana", f"{SORRY} Please tell me roughly how long ago, for example "
     "'4 months ago' or '2 years ago'."),
    ("ana_titer", "positive", "Thanks — do you know the titre itself? Please give the titre as "
     "written on the report, for example 1:160, or say 'negative' — it's fine to say you don't "
     "know."),
    ("glucocorticoid_mg_per_day", "10-15", "Please give one number rather than a range — your "
     "best estimate is fine. Please answer with a number in mg a day between 0 and 1000, for "
     "example 10."),
    ("hba1c_percent", "30", "That seems outside the range I can accept (3 to 20 %). Please "
     "answer with a number in % between 3 and 20, for example 6.5."),
    ("biopsy_class", "banana", f"{SORRY} Please answer I, II, III, IV, V, V+III, V+IV or VI — "
     "or say you don't know."),
]  # fmt: skip


@pytest.mark.parametrize(("key", "text", "hint"), HINTS)
def test_hint_wording_is_unchanged(key: str, text: str, hint: str) -> None:
    assert parse_answer(text, FACTS[key]).hint == hint


def test_scale_hint_lists_every_label_in_one_sentence() -> None:
    hint = parse_answer("banana", FACTS["ecog"]).hint or ""
    assert hint.startswith(
        f"{SORRY} Please pick the description closest to you, or answer with a number from "
        "0 to 4: 0 = Fully active, able to do everything as before the illness; 1 = "
    )
    assert hint.endswith("; 4 = Completely disabled; cannot look after yourself at all; "
                         "totally in bed or a chair.")  # fmt: skip


def test_number_hints_without_a_range_or_unit() -> None:
    bare = replace(FACTS["age_years"], unit=None, minimum=None, maximum=None, type="number")
    assert hints.expected(bare) == "Please answer with a number, for example 1."
    wide = replace(FACTS["age_years"], minimum=None)
    assert hints.for_invalid(wide, "out_of_range").startswith(
        "That seems outside the range I can accept. Please answer with a whole number of years,"
    )


def test_the_default_yes_no_hint_is_the_catalogs() -> None:
    assert hints.yes_no("en") == catalog("en")["answers.hint.yes_no"]
    assert hints.expected(FACTS["diabetes"]) == "Please answer yes, no, or I don't know."


@pytest.mark.parametrize(
    "text", ["maybe light work", "I work full time but I'm in bed most of the day", "I get tired"]
)
def test_an_unclear_ecog_description_gets_the_scale_hint(text: str) -> None:
    # hedged, contradictory or no level at all: the same kind hint as any unclear answer
    assert parse_answer(text, FACTS["ecog"]).hint == parse_answer("banana", FACTS["ecog"]).hint


def test_the_real_ecog_question_is_asked_back_with_its_own_hint() -> None:
    from bot.criteria import get_trial

    ecog = get_trial("NCT06585514").in_language("en").facts["ecog"]
    hint = parse_answer("some days are good, some days are bad", ecog).hint
    assert hint == (f"{SORRY} Please choose one of the options, or describe a normal day in a "
                    "few words.")  # fmt: skip


@pytest.mark.parametrize("text", ["my doctor has those", "nope, never been told that number"])
def test_a_natural_dont_know_needs_no_hint(text: str) -> None:
    parsed = parse_answer(text, FACTS["lymphocytes_10e9_l"])
    assert parsed.status == "unknown"
    assert parsed.hint is None
