"""Three-valued evaluation: statuses, the facts that decided them, the verdict."""

from __future__ import annotations

import pytest

from bot.engine import evaluate
from bot.engine.evaluate import condition_status
from bot.tristate import Status

from .support import ELIGIBLE, TRIAL, without


def result(facts: dict, cid: str):
    return evaluate(TRIAL, facts).results[cid]


def test_eligible_patient_all_pass() -> None:
    evaluation = evaluate(TRIAL, ELIGIBLE)
    assert evaluation.verdict == "eligible"
    assert all(r.passes and not r.fails for r in evaluation.results.values())
    assert list(evaluation.statuses()) == [c.id for c in TRIAL.criteria]


def test_empty_facts_everything_unknown() -> None:
    evaluation = evaluate(TRIAL, {})
    assert set(evaluation.statuses().values()) == {"unknown"}
    assert evaluation.verdict == "open"
    assert evaluation.failing == ()


def test_absent_and_asked_unknown_evaluate_the_same() -> None:
    for key in ELIGIBLE:
        absent = evaluate(TRIAL, without(ELIGIBLE, key)).statuses()
        unknown = evaluate(TRIAL, {**ELIGIBLE, key: None}).statuses()
        assert absent == unknown, key


def test_decided_by_simple_comparison() -> None:
    r = result({"age_years": 40}, "I1")
    assert (r.status, r.decided_by, r.open_facts) == (Status.MET, ("age_years",), ())


def test_decided_by_not_met_all_names_the_failing_fact_only() -> None:
    r = result({"sle_diagnosed": False}, "I2")  # meets_2019_eular_acr still unknown
    assert r.status is Status.NOT_MET
    assert r.decided_by == ("sle_diagnosed",)
    assert r.open_facts == ()


def test_decided_by_met_any_names_the_deciding_branch_only() -> None:
    r = result({"ana_titer": 160}, "I3")  # anti-dsDNA never needed
    assert (r.status, r.decided_by) == (Status.MET, ("ana_titer",))


def test_decided_by_not_met_any_names_every_branch() -> None:
    r = result({"ana_titer": 40, "anti_dsdna_iu_ml": 10}, "I3")
    assert r.status is Status.NOT_MET
    assert set(r.decided_by) == {"ana_titer", "anti_dsdna_iu_ml"}


def test_unknown_waits_on_the_open_facts() -> None:
    r = result({"ana_titer": 40}, "I3")
    assert r.status is Status.UNKNOWN
    assert r.decided_by == ("anti_dsdna_iu_ml",)
    assert r.open_facts == ("anti_dsdna_iu_ml",)


def test_negation_keeps_its_facts() -> None:
    r = result({"severe_allergy": False}, "I7")
    assert (r.status, r.decided_by) == (Status.MET, ("severe_allergy",))
    r = result({"can_stop_immunosuppressants": False}, "E15")
    assert (r.status, r.decided_by) == (Status.MET, ("can_stop_immunosuppressants",))


def test_male_e11_decided_by_sex_alone() -> None:
    r = result({"sex": "male"}, "E11")
    assert (r.status, r.decided_by, r.open_facts) == (Status.NOT_MET, ("sex",), ())


def test_e7_decided_by_diabetes_false() -> None:
    r = result({"diabetes": False}, "E7")
    assert (r.status, r.decided_by) == (Status.NOT_MET, ("diabetes",))


def test_i4_sle_route_decided_by_its_items() -> None:
    facts = {
        "glucocorticoid_mg_per_day": 10,
        "had_glucocorticoid_and_cyclophosphamide_6mo": True,
        "had_immunomodulator_3mo": True,
        "routine_treatment_failed": True,
    }
    r = result(facts, "I4")
    assert r.status is Status.MET
    assert set(r.decided_by) == set(facts)


def test_i4_open_facts_skip_a_settled_route() -> None:
    # SLE route fails on cyclophosphamide; only the LN route's facts are still open.
    r = result({"had_glucocorticoid_and_cyclophosphamide_6mo": False}, "I4")
    assert r.status is Status.UNKNOWN
    assert set(r.open_facts) == {
        "lupus_nephritis",
        "biopsy_class",
        "biopsy_chronic_only",
        "biopsy_months_ago",
        "ln_no_remission",
    }


def test_e14_measured_egfr_decides() -> None:
    r = result(
        {"egfr_ml_min": 25, "serum_creatinine_mg_dl": 0.8, "age_years": 40, "sex": "male"}, "E14"
    )
    assert (r.status, r.decided_by) == (Status.MET, ("egfr_ml_min",))


def test_e14_computed_from_creatinine_for_adults() -> None:
    # male 50, creatinine 2.6 → eGFR 29.1 (hand-computed; see the golden file)
    r = result({"serum_creatinine_mg_dl": 2.6, "age_years": 50, "sex": "male"}, "E14")
    assert r.status is Status.MET
    assert {"serum_creatinine_mg_dl", "age_years", "sex"} <= set(r.decided_by)
    v = evaluate(TRIAL, {"serum_creatinine_mg_dl": 2.6, "age_years": 50, "sex": "male"}).values
    assert v["egfr_effective_ml_min"] == pytest.approx(29.13, abs=0.05)


def test_e14_computed_decided_by_names_only_the_inputs() -> None:
    for measured in ({}, {"egfr_ml_min": None}):
        facts = {**measured, "serum_creatinine_mg_dl": 2.6, "age_years": 50, "sex": "male"}
        r = result(facts, "E14")
        assert r.status is Status.MET
        assert r.decided_by == ("serum_creatinine_mg_dl", "age_years", "sex")


def test_e14_child_waits_on_measured_egfr_only() -> None:
    r = result({"serum_creatinine_mg_dl": 0.5, "age_years": 12, "sex": "female"}, "E14")
    assert r.status is Status.UNKNOWN
    assert r.open_facts == ("egfr_ml_min",)
    r = result({"age_years": 12, "sex": "female"}, "E14")
    assert r.open_facts == ("egfr_ml_min",)


def test_e14_adult_waits_on_egfr_or_its_missing_inputs() -> None:
    r = result({"age_years": 40}, "E14")
    assert r.status is Status.UNKNOWN
    assert set(r.open_facts) == {"egfr_ml_min", "serum_creatinine_mg_dl", "sex"}


def test_verdicts() -> None:
    assert evaluate(TRIAL, ELIGIBLE).verdict == "eligible"
    assert evaluate(TRIAL, {**ELIGIBLE, "dic": True}).verdict == "ineligible"
    assert evaluate(TRIAL, {**ELIGIBLE, "dic": None}).verdict == "open"
    failing = evaluate(TRIAL, {**ELIGIBLE, "age_years": 70, "dic": True}).failing
    assert [r.id for r in failing] == ["I1", "E5"]


def test_relevant_facts_empty_once_ineligible() -> None:
    evaluation = evaluate(TRIAL, {"age_years": 70})
    assert evaluation.verdict == "ineligible"
    assert evaluation.relevant_facts() == {}


def test_condition_status_of_ask_when() -> None:
    ask_when = TRIAL.facts["pregnant_or_breastfeeding"].ask_when
    assert ask_when is not None
    assert condition_status(TRIAL, ask_when, {"sex": "female"}) is Status.MET
    assert condition_status(TRIAL, ask_when, {"sex": "male"}) is Status.NOT_MET
    assert condition_status(TRIAL, ask_when, {}) is Status.UNKNOWN


def test_evaluate_does_not_mutate_facts() -> None:
    facts = {"age_years": 40, "serum_creatinine_mg_dl": 1.0, "sex": "male"}
    before = dict(facts)
    evaluate(TRIAL, facts)
    assert facts == before
