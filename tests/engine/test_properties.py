"""Property-based tests over random fact sets of the real trial."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.engine import OUTCOMES, assess, evaluate, plan, validate_facts
from bot.tristate import Status

from .support import (
    ELIGIBLE,
    TRIAL,
    can_change_verdict,
    fact_sets,
    open_fact_sets,
    value_strategy,
    without,
)

SETTINGS = settings(
    max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
KEYS = {"outcome", "criteria", "follow_up", "next_question", "questions_left"}
ANY_FACTS = st.one_of(fact_sets(), open_fact_sets)
MEASURED = {spec.measured: key for key, spec in TRIAL.derived.items() if spec.measured}


@st.composite
def facts_and_new_value(draw: st.DrawFn) -> tuple[dict[str, Any], str, Any]:
    facts = draw(ANY_FACTS)
    unknown = [k for k in TRIAL.facts if facts.get(k) is None]
    assume(unknown)
    key = draw(st.sampled_from(unknown))
    return facts, key, draw(value_strategy(TRIAL, TRIAL.facts[key]))


@given(facts_and_new_value())
@SETTINGS
def test_a_new_known_fact_never_unsettles_a_criterion(
    case: tuple[dict[str, Any], str, Any],
) -> None:
    facts, key, value = case
    before = evaluate(TRIAL, facts)
    # By the spec a measured eGFR wins over a computed one, so learning egfr_ml_min may overturn
    # an E14 decided by the CKD-EPI computation: the one deliberate exception.
    derived = MEASURED.get(key)
    assume(derived is None or before.values.get(derived) is None)
    after = evaluate(TRIAL, {**facts, key: value})
    for cid, result in before.results.items():
        if result.status.known:
            assert after.results[cid].status is result.status, (cid, key, value)


def test_measured_egfr_overrides_a_computed_one() -> None:
    """The documented exception to monotonicity (spec E14)."""
    facts = {"serum_creatinine_mg_dl": 2.6, "age_years": 50, "sex": "male"}
    assert evaluate(TRIAL, facts).results["E14"].status is Status.MET
    assert evaluate(TRIAL, {**facts, "egfr_ml_min": 60}).results["E14"].status is Status.NOT_MET


DERIVED_INPUTS = {fact for spec in TRIAL.derived.values() for fact in spec.inputs.values()}


@given(open_fact_sets, st.integers(0, 2**16))
@SETTINGS
def test_planner_only_proposes_facts_that_can_change_the_verdict(
    facts: dict[str, Any], seed: int
) -> None:
    proposed = plan(TRIAL, facts).next_fact
    assume(proposed is not None)
    # (Derived inputs skip the costly random completions: they have the exception below.)
    tries = 0 if proposed in DERIVED_INPUTS else 20
    if can_change_verdict(TRIAL, facts, proposed, seed=seed, random_tries=tries):
        return
    # The one known exception (see test_e14_settled_when_egfr_is_below_30_for_either_sex, a
    # strict xfail): an input of a derived value (sex, age) is asked to compute the eGFR even when
    # every value of it puts the eGFR on the same side of 30.
    assert proposed in DERIVED_INPUTS, (
        f"planner proposes {proposed!r}, but no values/completion change the verdict"
    )
    waiting = [r.id for r in evaluate(TRIAL, facts).results.values() if proposed in r.open_facts]
    assert waiting == ["E14"], (proposed, waiting)


def test_e14_settled_when_egfr_is_below_30_for_either_sex() -> None:
    facts = {**without(ELIGIBLE, "sex"), "egfr_ml_min": None, "serum_creatinine_mg_dl": 10.0}
    assert evaluate(TRIAL, facts).results["E14"].status is Status.MET
    result = assess(TRIAL, facts)
    assert (result.outcome, result.next_question) == ("ineligible", None)


@given(ANY_FACTS, st.data())
@SETTINGS
def test_replanning_after_a_correction_equals_planning_from_scratch(
    facts: dict[str, Any], data: st.DataObject
) -> None:
    key = data.draw(st.sampled_from(list(TRIAL.facts)))
    value = data.draw(st.one_of(st.none(), value_strategy(TRIAL, TRIAL.facts[key])))
    corrected = dict(facts)
    before = plan(TRIAL, corrected)  # plan once on the old answers (must leave no trace)
    corrected[key] = value
    items = list(corrected.items())
    random.Random(data.draw(st.integers(0, 1000))).shuffle(items)
    fresh = dict(items)
    assert plan(TRIAL, corrected) == plan(TRIAL, fresh)
    assert assess(TRIAL, corrected).as_dict() == assess(TRIAL, fresh).as_dict()
    assert before == plan(TRIAL, facts)


@given(ANY_FACTS)
@SETTINGS
def test_assess_never_raises_and_is_consistent(facts: dict[str, Any]) -> None:
    clean = validate_facts(TRIAL, facts)
    result = assess(TRIAL, clean)
    data = result.as_dict()
    assert set(data) == KEYS
    assert data["outcome"] in OUTCOMES
    verdict = result.evaluation.verdict
    outcome = result.outcome
    assert (outcome == "ineligible") == (verdict == "ineligible")
    assert (outcome == "likely_eligible") == (verdict == "eligible")
    if outcome in ("ineligible", "likely_eligible"):
        assert (result.next_question, result.questions_left, result.follow_up) == (None, 0, ())
    if outcome == "needs_review":
        assert result.next_question is None and result.questions_left == 0
        assert result.follow_up, "needs_review with nothing to follow up"
    if outcome == "incomplete":
        assert result.next_question is not None and result.questions_left >= 1
        assert result.follow_up == ()
    for flag in result.follow_up:
        assert clean.get(flag.fact) is None
        assert set(flag.criteria) <= {
            cid for cid, s in result.evaluation.statuses().items() if s == "unknown"
        }
    key = result.next_question
    if key is not None:
        assert key not in clean and TRIAL.facts[key].askable
        if key == "pregnant_or_breastfeeding":
            assert clean.get("sex") == "female"
        if key in (
            "diabetic_ketoacidosis",
            "fasting_glucose_mmol_l",
            "postprandial_glucose_mmol_l",
            "hba1c_percent",
        ):
            assert clean.get("diabetes") is True
        if key == "serum_creatinine_mg_dl":
            assert clean.get("egfr_ml_min") is None
            assert clean.get("age_years") is None or clean["age_years"] >= 18
