"""The parser's phrasing cases against the real trial file's FactSpecs, when it exists."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import pytest

from bot.answers import parse_answer
from bot.criteria.model import FactSpec

from . import test_choices_scales, test_durations_titre, test_numbers, test_yesno
from .support import Case

TRIAL_FILE = Path(__file__).resolve().parents[2] / "bot/trials/NCT06585514/criteria.yaml"
#: cases that depend on this suite's own plausible ranges, not on the parser.
_RANGE_DEPENDENT = {("egfr_ml_min", "0")}
#: topic words that the real file names differently are not this module's concern.
CASES: list[Case] = [
    case
    for case in (
        test_numbers.AGE
        + test_numbers.LABS
        + test_numbers.DOSES
        + test_yesno.PLAIN
        + test_yesno.HEDGES
        + test_yesno.TIME
        + test_yesno.CONFLICTS
        + test_durations_titre.DURATIONS
        + test_durations_titre.TITRES
        + test_choices_scales.SEX
        + test_choices_scales.BIOPSY
        + test_choices_scales.ECOG
    )
    if (case[0], case[1]) not in _RANGE_DEPENDENT
]


@pytest.fixture(scope="module")
def real_facts() -> Mapping[str, FactSpec]:
    if not TRIAL_FILE.exists():
        pytest.skip("bot/trials/nct06585514.yaml not written yet")
    loader = pytest.importorskip("bot.criteria.loader")
    facts: Mapping[str, FactSpec] = loader.load_trial(TRIAL_FILE).facts
    return facts


@pytest.mark.parametrize(("key", "text", "status", "value"), CASES)
def test_case_against_real_facts(
    real_facts: Mapping[str, FactSpec], key: str, text: str, status: str, value: object
) -> None:
    if key not in real_facts:
        pytest.skip(f"{key} not in the trial file")
    parsed = parse_answer(text, real_facts[key])
    assert parsed.status == status, (text, parsed)
    if isinstance(value, float):
        assert isinstance(parsed.value, float)
        assert math.isclose(parsed.value, value, abs_tol=1e-9), (text, parsed)
    elif status == "value":
        assert parsed.value == value, (text, parsed)


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("pregnant_or_breastfeeding", "No, I'm not pregnant", False),
        ("pregnant_or_breastfeeding", "I'm breastfeeding", True),
        ("diabetes", "I'm diabetic", True),
        ("diabetes", "I don't have diabetes", False),
        ("sle_diagnosed", "my doctor said I have lupus", True),
        ("heart_condition", "I had a heart attack 10 years ago", False),
        ("severe_allergy", "I had one years ago but not now", True),
        ("routine_treatment_failed", "it didn't work", True),
        ("had_immunomodulator_3mo", "I'm on plaquenil", True),
    ],
)
def test_real_terms(real_facts: Mapping[str, FactSpec], key: str, text: str, value: bool) -> None:
    parsed = parse_answer(text, real_facts[key])
    assert parsed.status == "value", parsed
    assert parsed.value is value


def test_every_real_askable_fact_has_a_hint_for_nonsense(
    real_facts: Mapping[str, FactSpec],
) -> None:
    for fact in real_facts.values():
        parsed = parse_answer("banana banana", fact)
        assert parsed.status == "invalid", (fact.key, parsed)
        assert parsed.hint
