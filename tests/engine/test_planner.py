"""Next-question planner: ask only what can still change the outcome, hard exclusions first."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from bot.engine import assess, evaluate, next_question, plan

from .support import ELIGIBLE, STAFF_FACTS, TRIAL, can_change_verdict, without

DIABETES_GATED = (
    "diabetic_ketoacidosis",
    "fasting_glucose_mmol_l",
    "postprandial_glucose_mmol_l",
    "hba1c_percent",
)
LN_GATED = ("biopsy_class", "biopsy_months_ago", "ln_no_remission")
LAB_ASKED = tuple(k for k, f in TRIAL.facts.items() if f.source == "lab-asked")
HARD_EXCLUSIONS = (
    "other_cancer",
    "organ_transplant",
    "infection_serology_positive",
    "heart_condition",
    "lung_condition",
    "neuro_condition",
    "uncontrolled_infection",
    "dic",
    "serious_mental_illness",
    "skin_disease",
)


def planned(facts: dict[str, Any]) -> set[str]:
    p = plan(TRIAL, facts)
    return {*p.askable_now, *p.conditional}


def dialogue(
    answers: dict[str, Any], start: dict[str, Any] | None = None
) -> list[tuple[str | None, int]]:
    """Answer each next question from `answers` until the planner stops; (question, left) steps."""
    facts = dict(start or {})
    steps = []
    for _ in range(len(TRIAL.facts) + 1):
        result = assess(TRIAL, facts)
        steps.append((result.next_question, result.questions_left))
        if result.next_question is None:
            return steps
        assert result.next_question not in facts, f"asked {result.next_question} twice"
        facts[result.next_question] = answers.get(result.next_question)
    raise AssertionError("the dialogue did not end")


def test_first_questions_are_age_sex_diagnosis() -> None:
    assert next_question(TRIAL, {}) == "age_years"
    assert next_question(TRIAL, {"age_years": 40}) == "sex"
    assert next_question(TRIAL, {"age_years": 40, "sex": "male"}) == "sle_diagnosed"


def test_hard_exclusions_before_any_lab_question() -> None:
    now = plan(TRIAL, {"age_years": 40, "sex": "male", "sle_diagnosed": True}).askable_now
    first_lab = min(now.index(k) for k in LAB_ASKED if k in now)
    assert all(now.index(k) < first_lab for k in HARD_EXCLUSIONS)
    # After the diagnosis: the hard exclusions (two grouped questions settle eleven of them),
    # then whether the lupus is refractory
    assert now[0] == "other_cancer"
    assert now.index("severe_allergy") < now.index("lupus_nephritis")
    with_ln = plan(
        TRIAL, {"age_years": 40, "sex": "male", "sle_diagnosed": True, "lupus_nephritis": True}
    ).askable_now
    first_lab = min(with_ln.index(k) for k in LAB_ASKED if k in with_ln)
    assert all(with_ln.index(k) < first_lab for k in HARD_EXCLUSIONS)


def test_only_askable_facts_are_proposed() -> None:
    p = plan(TRIAL, {"age_years": 40, "sex": "female", "diabetes": True, "lupus_nephritis": True})
    assert all(TRIAL.facts[k].askable for k in (*p.askable_now, *p.conditional))
    assert not set(STAFF_FACTS) & {*p.askable_now, *p.conditional}


@pytest.mark.parametrize("key", [*HARD_EXCLUSIONS, "severe_allergy"])
def test_nothing_asked_after_ineligible(key: str) -> None:
    facts = {"age_years": 40, "sex": "female", key: True}
    result = assess(TRIAL, facts)
    assert result.outcome == "ineligible"
    assert (result.next_question, result.questions_left) == (None, 0)
    assert result.plan.askable_now == () and result.plan.conditional == ()


def test_nothing_asked_after_age_out_of_range() -> None:
    for age in (0, 2, 66, 120):
        assert next_question(TRIAL, {"age_years": age}) is None


def test_pregnancy_only_for_females() -> None:
    assert "pregnant_or_breastfeeding" in plan(TRIAL, {"sex": "female"}).askable_now
    assert "pregnant_or_breastfeeding" not in planned({"sex": "male"})
    # Not yet known: it may become askable (conditional), never asked now.
    assert "pregnant_or_breastfeeding" in plan(TRIAL, {}).conditional
    # Asked and unknown: it can never become askable.
    assert "pregnant_or_breastfeeding" not in planned({"sex": None})


def test_a_male_dialogue_never_reaches_pregnancy() -> None:
    answers = {**without(ELIGIBLE, "pregnant_or_breastfeeding"), "sex": "male"}
    asked = [q for q, _ in dialogue(answers)]
    assert "pregnant_or_breastfeeding" not in asked


def test_diabetes_gated_questions() -> None:
    assert not set(DIABETES_GATED) & planned({"diabetes": False})
    assert set(DIABETES_GATED) <= set(plan(TRIAL, {}).conditional)
    assert set(DIABETES_GATED) <= set(plan(TRIAL, {"diabetes": True}).askable_now)
    assert not set(DIABETES_GATED) & planned({"diabetes": None})
    # DKA settles it: no glucose questions after a yes.
    assert not set(DIABETES_GATED) & planned({"diabetes": True, "diabetic_ketoacidosis": True})
    # One glucose value below threshold settles the triple: the others are not asked.
    p = planned({"diabetes": True, "diabetic_ketoacidosis": False, "fasting_glucose_mmol_l": 5.0})
    assert not {"postprandial_glucose_mmol_l", "hba1c_percent"} & p


def test_nephritis_gated_questions() -> None:
    assert not set(LN_GATED) & planned({"lupus_nephritis": False})
    assert set(LN_GATED) <= set(plan(TRIAL, {"lupus_nephritis": True}).askable_now)
    # The SLE route met: nothing about nephritis is asked.
    sle_met = {
        "glucocorticoid_mg_per_day": 10,
        "had_glucocorticoid_and_cyclophosphamide_6mo": True,
        "had_immunomodulator_3mo": True,
        "routine_treatment_failed": True,
    }
    assert not {"lupus_nephritis", *LN_GATED} & planned(sle_met)
    # A biopsy class outside III/IV settles the LN route: no more biopsy questions.
    p = planned({"lupus_nephritis": True, "biopsy_class": "II"})
    assert not {"biopsy_months_ago", "ln_no_remission"} & p


def test_creatinine_only_without_egfr_and_for_adults() -> None:
    adult = {"age_years": 40, "sex": "male"}
    assert "serum_creatinine_mg_dl" not in planned({**adult, "egfr_ml_min": 90})
    assert "serum_creatinine_mg_dl" not in planned({**adult, "egfr_ml_min": 25})
    now = plan(TRIAL, {**adult, "egfr_ml_min": None}).askable_now
    assert "serum_creatinine_mg_dl" in now
    now = plan(TRIAL, adult).askable_now  # eGFR first, creatinine only as the fallback
    assert now.index("egfr_ml_min") < now.index("serum_creatinine_mg_dl")
    for age in (3, 12, 17):
        assert "serum_creatinine_mg_dl" not in planned(
            {"age_years": age, "sex": "male", "egfr_ml_min": None}
        )
    assert "serum_creatinine_mg_dl" in planned(
        {"age_years": 18, "sex": "male", "egfr_ml_min": None}
    )


def test_asked_unknown_is_never_asked_again() -> None:
    for key in ("age_years", "sex", "diabetes", "ana_titer", "egfr_ml_min"):
        assert key not in planned({key: None})


def test_ana_positive_makes_dsdna_pointless() -> None:
    assert "anti_dsdna_iu_ml" not in planned({"ana_titer": 160})
    assert "anti_dsdna_iu_ml" in planned({"ana_titer": 40})
    assert "ana_titer" not in planned({"anti_dsdna_iu_ml": 45})


def test_every_proposed_fact_can_change_the_verdict_on_a_dialogue() -> None:
    facts: dict[str, Any] = {k: ELIGIBLE[k] for k in STAFF_FACTS if k in ELIGIBLE}
    while (key := next_question(TRIAL, facts)) is not None:
        for candidate in plan(TRIAL, facts).askable_now:
            assert can_change_verdict(TRIAL, facts, candidate), (candidate, facts)
        facts[key] = ELIGIBLE.get(key)


def test_full_dialogue_with_staff_facts_entered_ends_likely_eligible() -> None:
    start = {k: ELIGIBLE[k] for k in STAFF_FACTS if k in ELIGIBLE}
    steps = dialogue(ELIGIBLE, start)
    asked = [q for q, _ in steps if q]
    assert len(asked) == len(set(asked))
    assert asked[:3] == ["age_years", "sex", "sle_diagnosed"]
    facts = {**start, **{k: ELIGIBLE[k] for k in asked}}
    assert assess(TRIAL, facts).outcome == "likely_eligible"
    # sledai_2k ≥ 8 (entered by staff) carries I4's first item: the steroid dose is never asked.
    assert "glucocorticoid_mg_per_day" not in asked
    assert not set(DIABETES_GATED + LN_GATED) & set(asked)


def test_questions_left_goes_down_as_answers_come_in() -> None:
    steps = dialogue(ELIGIBLE)
    lefts = [left for _, left in steps]
    assert lefts[-1] == 0
    assert lefts[0] > lefts[-1]
    assert all(b <= a for a, b in itertools.pairwise(lefts)), lefts
    # Strictly down on every answer: conditional questions count fully (an upper bound).
    ups = [steps[i][0] for i in range(len(lefts) - 1) if lefts[i + 1] >= lefts[i]]
    assert ups == [], steps


def test_questions_left_never_increases_for_a_diabetic() -> None:
    answers = {
        **ELIGIBLE,
        "diabetes": True,
        "diabetic_ketoacidosis": False,
        "fasting_glucose_mmol_l": 6.0,
        "postprandial_glucose_mmol_l": 9.0,
        "hba1c_percent": 6.5,
    }
    lefts = [left for _, left in dialogue(answers)]
    assert all(b <= a for a, b in itertools.pairwise(lefts)), lefts


def test_plan_with_precomputed_evaluation_is_the_same() -> None:
    for facts in ({}, {"age_years": 40, "sex": "female"}, {**ELIGIBLE, "diabetes": True}):
        assert plan(TRIAL, facts, evaluate(TRIAL, facts)) == plan(TRIAL, facts)
        assert next_question(TRIAL, facts) == plan(TRIAL, facts).next_fact


def test_questions_left_counts_conditional_questions_fully() -> None:
    p = plan(TRIAL, {"age_years": 40, "sex": "male"})
    assert p.questions_left == len(p.askable_now) + len(p.conditional)
