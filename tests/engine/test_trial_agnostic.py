"""The same engine on a second, unrelated trial (tests/fixtures/trials/mini.yaml): different facts,
thresholds, sources and an `ask_when`; no engine code knows about either trial."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings

from bot.criteria import load_trial, parse_trial
from bot.criteria.registry import available_trials, trial_files
from bot.engine import assess, evaluate, plan, validate_facts
from bot.engine.facts import FactError
from bot.tristate import Status

from .support import can_change_verdict, fact_sets

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "trials" / "mini.yaml"
TRIAL = load_trial(MINI)
ELIGIBLE: dict[str, Any] = {
    "age_years": 50,
    "smoker": False,
    "bmi": 30,
    "systolic_bp_mmhg": 150,
    "potassium_mmol_l": 4.5,
    "secondary_hypertension": False,
}
PASSING = {**ELIGIBLE, "pack_years": 5}


def test_loads_with_its_own_facts_and_criteria() -> None:
    assert TRIAL.id == "HTN-MINI-001"
    assert [c.id for c in TRIAL.inclusions] == ["I1", "I2", "I3"]
    assert [c.id for c in TRIAL.exclusions] == ["E1", "E2", "E3"]
    assert [f.key for f in TRIAL.askable_facts()] == [
        "age_years",
        "smoker",
        "pack_years",
        "bmi",
        "systolic_bp_mmhg",
    ]
    assert TRIAL.derived == {}


def test_lookup_by_id_in_a_directory_of_trial_files(tmp_path: Path) -> None:
    shutil.copy(MINI, tmp_path / "htn-mini-001.yaml")
    (tmp_path / "htn-mini-001.golden.yaml").write_text("cases: []\n", encoding="utf-8")
    assert [p.name for p in trial_files(tmp_path)] == ["htn-mini-001.yaml"]
    found = available_trials(tmp_path)
    assert list(found) == ["HTN-MINI-001"]
    assert load_trial(found["HTN-MINI-001"]).criteria == TRIAL.criteria


def test_validate_facts_uses_the_trials_dictionary() -> None:
    assert validate_facts(TRIAL, {"systolic_bp_mmhg": 150.0}) == {"systolic_bp_mmhg": 150}
    with pytest.raises(FactError, match="unknown fact 'sle_diagnosed'"):
        validate_facts(TRIAL, {"sle_diagnosed": True})
    with pytest.raises(FactError, match="outside the allowed range"):
        validate_facts(TRIAL, {"bmi": 5})


def test_evaluates_thresholds_and_kleene() -> None:
    statuses = evaluate(TRIAL, ELIGIBLE).statuses()
    assert statuses == {
        "I1": "met",
        "I2": "met",
        "I3": "met",
        "E1": "not_met",
        "E2": "not_met",
        "E3": "not_met",
    }
    assert evaluate(TRIAL, {"systolic_bp_mmhg": 180}).results["I2"].status is Status.NOT_MET
    assert evaluate(TRIAL, {"potassium_mmol_l": 5.6}).results["E3"].status is Status.MET
    r = evaluate(TRIAL, {"smoker": False}).results["E2"]
    assert (r.status, r.decided_by) == (Status.NOT_MET, ("smoker",))


def test_outcomes() -> None:
    assert assess(TRIAL, ELIGIBLE).outcome == "likely_eligible"
    assert assess(TRIAL, {**ELIGIBLE, "bmi": 40}).outcome == "ineligible"
    assert assess(TRIAL, {"age_years": 50}).outcome == "incomplete"
    review = assess(TRIAL, {**ELIGIBLE, "potassium_mmol_l": None})
    assert review.outcome == "needs_review"


def test_plans_in_its_own_order_with_ask_when() -> None:
    assert plan(TRIAL, {}).next_fact == "age_years"
    assert plan(TRIAL, {}).conditional == ("pack_years",)
    assert plan(TRIAL, {"age_years": 50}).next_fact == "smoker"
    assert plan(TRIAL, {"age_years": 50, "smoker": True}).next_fact == "pack_years"
    p = plan(TRIAL, {"age_years": 50, "smoker": False})
    assert p.next_fact == "bmi" and "pack_years" not in (*p.askable_now, *p.conditional)
    # Staff facts are never asked; nothing is asked once ineligible.
    assert (
        plan(
            TRIAL, {"age_years": 50, "smoker": False, "bmi": 30, "systolic_bp_mmhg": 150}
        ).next_fact
        is None
    )
    assert plan(TRIAL, {"age_years": 80}).next_fact is None


def test_flags_kind_by_source() -> None:
    facts = {**ELIGIBLE, "smoker": True, "pack_years": None, "systolic_bp_mmhg": None}
    del facts["potassium_mmol_l"], facts["secondary_hypertension"]
    result = assess(TRIAL, facts)
    assert result.outcome == "needs_review"
    assert {(f.fact, f.kind, f.criteria) for f in result.follow_up} == {
        ("pack_years", "clinician", ("E2",)),  # patient → clinician
        ("systolic_bp_mmhg", "lab", ("I2",)),  # lab-asked → lab
        ("potassium_mmol_l", "lab", ("E3",)),  # lab → lab
        ("secondary_hypertension", "clinician", ("E1",)),  # clinician → clinician
    }


def test_a_whole_dialogue() -> None:
    facts: dict[str, Any] = {"potassium_mmol_l": 4.5, "secondary_hypertension": False}
    asked = []
    while (key := assess(TRIAL, facts).next_question) is not None:
        asked.append(key)
        facts[key] = {**PASSING, "smoker": True}[key]
    assert asked == ["age_years", "smoker", "pack_years", "bmi", "systolic_bp_mmhg"]
    assert assess(TRIAL, facts).outcome == "likely_eligible"


@given(fact_sets(trial=TRIAL, base=PASSING, weights=(3, 1, 5, 2)))
@settings(max_examples=100, deadline=None, database=None)
def test_planner_proposals_matter_on_the_mini_trial(facts: dict[str, Any]) -> None:
    result = assess(TRIAL, facts)
    if result.next_question is not None:
        assert can_change_verdict(TRIAL, facts, result.next_question, base=PASSING)
    if result.outcome == "needs_review":
        assert result.questions_left == 0 and result.follow_up


def _variant_gate_not_in_any_criterion() -> Any:
    """mini.yaml, but E2 reads only pack_years: `smoker` is now only the ask_when gate."""
    raw = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    raw = copy.deepcopy(raw)
    e2 = next(c for c in raw["criteria"] if c["id"] == "E2")
    e2["logic"] = {"fact": "pack_years", "ge": 20}
    e2["reads"] = ["pack_years"]
    return parse_trial(raw, "mini-gate-variant.yaml")


def test_ask_when_gate_that_no_criterion_reads_is_still_asked() -> None:
    trial = _variant_gate_not_in_any_criterion()
    facts = {"age_years": 50, "bmi": 30, "systolic_bp_mmhg": 150}
    result = assess(trial, facts)
    assert result.outcome == "incomplete"
    assert result.next_question == "smoker"
