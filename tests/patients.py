"""Patient fact sets shared by several test packages (store, staff web app, benchmarks)."""

from __future__ import annotations

from typing import Any

#: Every question the chat asks, answered favourably, except the lab values the patient does
#: not know: nothing is left to ask, so the outcome is needs_review with follow-up flags.
NEEDS_REVIEW_FACTS: dict[str, Any] = {
    "age_years": 34,
    "sex": "female",
    "sle_diagnosed": True,
    "pregnant_or_breastfeeding": False,
    "other_cancer": False,
    "organ_transplant": False,
    "infection_serology_positive": False,
    "heart_condition": False,
    "lung_condition": False,
    "neuro_condition": False,
    "uncontrolled_infection": False,
    "dic": False,
    "serious_mental_illness": False,
    "skin_disease": False,
    "severe_allergy": False,
    "diabetes": False,
    "can_stop_immunosuppressants": True,
    "ecog": 1,
    "can_consent": True,
    "lupus_nephritis": False,
    "glucocorticoid_mg_per_day": 10,
    "had_glucocorticoid_and_cyclophosphamide_6mo": True,
    "had_immunomodulator_3mo": True,
    "routine_treatment_failed": True,
    "ana_titer": None,
    "anti_dsdna_iu_ml": None,
    "lymphocytes_10e9_l": None,
    "egfr_ml_min": None,
    "serum_creatinine_mg_dl": None,
}

#: What a chat learns from a patient who passes every question it can ask: the same answers,
#: with the lab values known (ANA carries I3, eGFR settles E14).
CHAT_PASSING: dict[str, Any] = {
    **{k: v for k, v in NEEDS_REVIEW_FACTS.items() if v is not None},
    "age_years": 40,
    "ana_titer": 320,
    "lymphocytes_10e9_l": 1.4,
    "egfr_ml_min": 90,
}
