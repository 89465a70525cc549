"""The four screening outcomes (spec §1) and the stable result shape."""

from __future__ import annotations

import json

from bot.engine import OUTCOMES, assess

from .support import ELIGIBLE, TRIAL, without

KEYS = {"outcome", "criteria", "follow_up", "next_question", "questions_left"}


def test_outcome_names() -> None:
    assert OUTCOMES == ("ineligible", "likely_eligible", "needs_review", "incomplete")


def test_likely_eligible_needs_every_criterion_decided_in_favour() -> None:
    result = assess(TRIAL, ELIGIBLE)
    assert result.outcome == "likely_eligible"
    statuses = result.evaluation.statuses()
    assert all(statuses[c.id] == "met" for c in TRIAL.inclusions)
    assert all(statuses[c.id] == "not_met" for c in TRIAL.exclusions)
    assert (result.next_question, result.questions_left, result.follow_up) == (None, 0, ())


def test_ineligible_on_one_failing_inclusion_or_exclusion_even_with_unknowns() -> None:
    assert assess(TRIAL, {"age_years": 2}).outcome == "ineligible"
    assert assess(TRIAL, {"organ_transplant": True}).outcome == "ineligible"
    assert assess(TRIAL, {**ELIGIBLE, "ecog": 4, "cd19_b_cells": None}).outcome == "ineligible"


def test_needs_review_when_nothing_left_to_ask() -> None:
    result = assess(TRIAL, without(ELIGIBLE, "cd19_b_cells"))
    assert result.outcome == "needs_review"
    assert (result.next_question, result.questions_left) == (None, 0)


def test_incomplete_while_questions_remain() -> None:
    for facts in ({}, {"age_years": 40}, without(ELIGIBLE, "skin_disease")):
        result = assess(TRIAL, facts)
        assert result.outcome == "incomplete"
        assert result.next_question is not None
        assert result.questions_left >= 1


def test_conversation_that_ended_early_is_incomplete_not_needs_review() -> None:
    # The patient stopped after three answers: questions remain, so incomplete.
    result = assess(TRIAL, {"age_years": 40, "sex": "male", "sle_diagnosed": True})
    assert result.outcome == "incomplete"


def test_an_unknown_never_counts_as_false() -> None:
    # Exclusions whose fact is unknown are not "not met": the patient is not likely_eligible.
    for key in ("dic", "heart_condition", "neuro_condition", "egfr_ml_min"):
        assert assess(TRIAL, {**ELIGIBLE, key: None}).outcome != "likely_eligible", key


def test_as_dict_shape_and_json() -> None:
    for facts in ({}, ELIGIBLE, {"age_years": 70}, without(ELIGIBLE, "cd19_b_cells")):
        data = assess(TRIAL, facts).as_dict()
        assert set(data) == KEYS
        assert data["outcome"] in OUTCOMES
        assert list(data["criteria"]) == [c.id for c in TRIAL.criteria]
        assert set(data["criteria"].values()) <= {"met", "not_met", "unknown"}
        assert json.loads(json.dumps(data)) == data
