"""The ground truth (bench/truth.py) on hand-made patients, against the spec's rules."""

from __future__ import annotations

from typing import Any

import pytest

from bench.truth import (
    ASKABLE,
    SOURCE,
    chat_facts,
    ckd_epi_2021,
    expected_after_chat,
    expected_from_facts,
    statuses,
)
from tests.patients import CHAT_PASSING

PASSING: dict[str, Any] = CHAT_PASSING
CLINIC_FLAGS = {
    ("meets_2019_eular_acr", "clinician"),
    ("life_expectancy_over_90d", "clinician"),
    ("apheresis_contraindicated", "clinician"),
    ("cd19_b_cells", "lab"),
    ("qtcf_ms", "lab"),
    ("lvef_percent", "lab"),
}


def chat(**changes: Any) -> dict[str, Any]:
    facts = {**PASSING, **changes}
    return {k: v for k, v in facts.items() if v is not ...}


def test_the_dictionary_has_every_spec_fact() -> None:
    assert len(SOURCE) == 44
    assert len(ASKABLE) == 36
    assert SOURCE["cd19_b_cells"] == "lab" and SOURCE["biopsy_class"] == "lab-asked"


def test_a_chat_never_reaches_likely_eligible() -> None:
    expected = expected_from_facts(chat())
    assert expected.outcome == "needs_review"
    assert set(expected.flags) == CLINIC_FLAGS
    with_everything = {
        **PASSING,
        "meets_2019_eular_acr": True,
        "cd19_b_cells": True,
        "apheresis_contraindicated": False,
        "life_expectancy_over_90d": True,
        "qtcf_ms": 420,
        "lvef_percent": 60,
    }
    assert expected_from_facts(with_everything).outcome == "likely_eligible"


def test_a_male_is_never_ineligible_by_e11() -> None:
    for pregnant in (True, False, None):
        status = statuses(chat(sex="male", pregnant_or_breastfeeding=pregnant))
        assert status["E11"] is False
    expected = expected_from_facts(chat(sex="male", pregnant_or_breastfeeding=None))
    assert expected.outcome == "needs_review"
    assert ("pregnant_or_breastfeeding", "clinician") not in expected.flags


def test_pregnancy() -> None:
    assert expected_from_facts(chat(pregnant_or_breastfeeding=True)).outcome == "ineligible"
    unknown = expected_from_facts(chat(pregnant_or_breastfeeding=None))
    assert unknown.outcome == "needs_review"
    assert ("pregnant_or_breastfeeding", "clinician") in unknown.flags


def diabetic(**values: Any) -> dict[str, Any]:
    return chat(**{"diabetes": True, "diabetic_ketoacidosis": False, **values})


def test_a_diabetic_with_all_three_values_high_is_ineligible() -> None:
    high = diabetic(fasting_glucose_mmol_l=9, postprandial_glucose_mmol_l=16, hba1c_percent=8.5)
    assert expected_from_facts(high).outcome == "ineligible"
    edge = diabetic(fasting_glucose_mmol_l=8.0, postprandial_glucose_mmol_l=15, hba1c_percent=8.0)
    assert statuses(edge)["E7"] is True


def test_one_high_value_alone_is_not_ineligible() -> None:
    alone = diabetic(fasting_glucose_mmol_l=9.0)
    expected = expected_from_facts(alone)
    assert expected.statuses["E7"] == "unknown" and expected.outcome == "needs_review"
    assert {("postprandial_glucose_mmol_l", "lab"), ("hba1c_percent", "lab")} <= expected.flags
    assert ("fasting_glucose_mmol_l", "lab") not in expected.flags
    others_low = diabetic(
        fasting_glucose_mmol_l=9.0, postprandial_glucose_mmol_l=12, hba1c_percent=7.0
    )
    assert statuses(others_low)["E7"] is False
    just_below = diabetic(
        fasting_glucose_mmol_l=7.9, postprandial_glucose_mmol_l=14.9, hba1c_percent=7.9
    )
    assert statuses(just_below)["E7"] is False


def test_ketoacidosis_alone_excludes_a_diabetic_only() -> None:
    assert expected_from_facts(diabetic(diabetic_ketoacidosis=True)).outcome == "ineligible"
    not_diabetic = chat(diabetes=False, diabetic_ketoacidosis=True, hba1c_percent=None)
    assert statuses(not_diabetic)["E7"] is False
    assert ("hba1c_percent", "lab") not in expected_from_facts(not_diabetic).flags


@pytest.mark.parametrize(("age", "ineligible"), [(2, True), (3, False), (65, False), (66, True)])
def test_age_edges(age: int, ineligible: bool) -> None:
    outcome = expected_from_facts(chat(age_years=age, egfr_ml_min=90)).outcome
    assert (outcome == "ineligible") is ineligible


@pytest.mark.parametrize(
    ("ana", "dsdna", "status"),
    [(79, 29.9, False), (80, 0, True), (0, 30, True), (79, None, None), (None, None, None)],
)
def test_antibody_edges(ana: int | None, dsdna: float | None, status: bool | None) -> None:
    assert statuses(chat(ana_titer=ana, anti_dsdna_iu_ml=dsdna))["I3"] is status


def test_lymphocytes_edge() -> None:
    assert expected_from_facts(chat(lymphocytes_10e9_l=1.0)).outcome == "ineligible"
    above = expected_from_facts(chat(lymphocytes_10e9_l=1.01))
    assert above.statuses["I6"] == "unknown"  # apheresis is the clinician's call
    assert ("apheresis_contraindicated", "clinician") in above.flags


def test_egfr_edges_measured_and_from_creatinine() -> None:
    assert expected_from_facts(chat(egfr_ml_min=29.9)).outcome == "ineligible"
    assert statuses(chat(egfr_ml_min=30))["E14"] is False
    # no measured eGFR: CKD-EPI from creatinine for an adult
    high_creatinine = chat(egfr_ml_min=None, serum_creatinine_mg_dl=2.5, age_years=60)
    assert statuses(high_creatinine)["E14"] is True
    normal = chat(egfr_ml_min=None, serum_creatinine_mg_dl=0.8)
    assert statuses(normal)["E14"] is False


def test_a_child_without_measured_egfr_leaves_e14_open() -> None:
    child = chat(age_years=12, egfr_ml_min=None, serum_creatinine_mg_dl=0.5)
    expected = expected_from_facts(child)
    assert expected.statuses["E14"] == "unknown"
    assert ("egfr_ml_min", "lab") in expected.flags
    assert ("serum_creatinine_mg_dl", "lab") not in expected.flags
    adult = expected_from_facts(chat(egfr_ml_min=None, serum_creatinine_mg_dl=None))
    assert {("egfr_ml_min", "lab"), ("serum_creatinine_mg_dl", "lab")} <= adult.flags


def test_ckd_epi_2021_reference_values() -> None:
    assert ckd_epi_2021(0.7, 50, "female") == pytest.approx(142 * 0.9938**50 * 1.012)
    assert ckd_epi_2021(1.2, 60, "male") == pytest.approx(69.3, abs=0.3)


def test_refractory_lupus_nephritis_route() -> None:
    ln = {
        "had_glucocorticoid_and_cyclophosphamide_6mo": False,
        "lupus_nephritis": True,
        "biopsy_months_ago": 3,
        "ln_no_remission": True,
    }
    open_route = expected_from_facts(chat(**ln, biopsy_class="V+IV"))
    assert open_route.statuses["I4"] == "unknown"
    assert ("biopsy_chronic_only", "clinician") in open_route.flags
    assert expected_from_facts(chat(**ln, biopsy_class="II")).outcome == "ineligible"
    late = chat(**{**ln, "biopsy_months_ago": 7}, biopsy_class="IV")
    assert expected_from_facts(late).outcome == "ineligible"
    six = expected_from_facts(chat(**{**ln, "biopsy_months_ago": 6}, biopsy_class="IV"))
    assert six.outcome == "needs_review"


def test_a_low_steroid_dose_leaves_i4_to_the_sledai() -> None:
    expected = expected_from_facts(chat(glucocorticoid_mg_per_day=5))
    assert expected.statuses["I4"] == "unknown" and expected.outcome == "needs_review"
    assert ("sledai_2k", "clinician") in expected.flags
    assert expected_from_facts(chat(had_immunomodulator_3mo=False)).outcome == "ineligible"


def test_unknown_patient_answers_become_clinician_flags() -> None:
    expected = expected_from_facts(chat(can_stop_immunosuppressants=None, ana_titer=None))
    assert ("can_stop_immunosuppressants", "clinician") in expected.flags
    assert ("ana_titer", "lab") in expected.flags and ("anti_dsdna_iu_ml", "lab") in expected.flags


def test_chat_facts_hide_lab_and_clinician_facts() -> None:
    truth = {**PASSING, "cd19_b_cells": False, "qtcf_ms": 500}
    facts = chat_facts(truth, {"ana_titer"})
    assert "cd19_b_cells" not in facts and "qtcf_ms" not in facts
    assert facts["ana_titer"] is None and facts["age_years"] == 40
    assert expected_after_chat(truth, {"ana_titer"}).outcome == "needs_review"
