"""Ground truth for the benchmarks: the spec's rules, written again, plainly, from the spec text.

Source: bot/trials/NCT06585514/sources/NCT06585514-eligibility-spec.md (§1 outcomes, §2 fact
dictionary, §3 rules, §4 follow-up flags). Deliberately independent of the bot: nothing here
imports `bot.engine`, `bot.criteria` or `bot.calculators`, so a benchmark that compares the
two can disagree.

Facts are a dict key → value; an absent key or ``None`` is unknown. A criterion is ``True``
(met), ``False`` (not met) or ``None`` (unknown), with Kleene logic.

What "after the chat" means (spec §1, §4). The chat can only learn the facts a patient can be
asked (source `patient` / `lab-asked`), and only those the patient knows; lab and clinician facts
stay unknown. It keeps asking while an answer could still change the outcome, so when it stops:

* the outcome is the outcome over *every fact the patient could tell* — a fact the chat did not
  ask could not have changed it — so it does not depend on the order of the questions;
* a chat never reaches ``likely_eligible``: I2 (2019 EULAR/ACR) and I9 (life expectancy) are
  clinician facts, so a patient who is not ineligible is ``needs_review``;
* the follow-up flags are every unknown fact that could still change a criterion that is
  still unknown (the criteria that keep the outcome from being decided) — computed here by
  brute force over what the unknown facts could turn out to be, not from the logic's shape.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Tri = bool | None
Facts = Mapping[str, Any]

# --- spec §2: the fact dictionary (key → source) ---------------------------------------------
SOURCE: dict[str, str] = {
    "age_years": "patient",
    "sex": "patient",
    "sle_diagnosed": "patient",
    "meets_2019_eular_acr": "clinician",
    "ana_titer": "lab-asked",
    "anti_dsdna_iu_ml": "lab-asked",
    "glucocorticoid_mg_per_day": "patient",
    "sledai_2k": "clinician",
    "had_glucocorticoid_and_cyclophosphamide_6mo": "patient",
    "had_immunomodulator_3mo": "patient",
    "routine_treatment_failed": "patient",
    "lupus_nephritis": "patient",
    "biopsy_class": "lab-asked",
    "biopsy_chronic_only": "clinician",
    "biopsy_months_ago": "patient",
    "ln_no_remission": "patient",
    "cd19_b_cells": "lab",
    "can_stop_immunosuppressants": "patient",
    "lymphocytes_10e9_l": "lab-asked",
    "apheresis_contraindicated": "clinician",
    "severe_allergy": "patient",
    "ecog": "patient",
    "life_expectancy_over_90d": "clinician",
    "can_consent": "patient",
    "neuro_condition": "patient",
    "heart_condition": "patient",
    "qtcf_ms": "lab",
    "lvef_percent": "lab",
    "lung_condition": "patient",
    "other_cancer": "patient",
    "dic": "patient",
    "uncontrolled_infection": "patient",
    "diabetes": "patient",
    "diabetic_ketoacidosis": "patient",
    "fasting_glucose_mmol_l": "lab-asked",
    "postprandial_glucose_mmol_l": "lab-asked",
    "hba1c_percent": "lab-asked",
    "serious_mental_illness": "patient",
    "organ_transplant": "patient",
    "pregnant_or_breastfeeding": "patient",
    "infection_serology_positive": "patient",
    "egfr_ml_min": "lab-asked",
    "serum_creatinine_mg_dl": "lab-asked",
    "skin_disease": "patient",
}
ASKABLE: frozenset[str] = frozenset(k for k, s in SOURCE.items() if s in ("patient", "lab-asked"))
#: spec §2: the flag kind an unknown fact becomes, by its source.
FLAG_KIND: dict[str, str] = {
    "patient": "clinician",
    "lab-asked": "lab",
    "lab": "lab",
    "clinician": "clinician",
}
LN_CLASSES_IN = ("III", "IV", "V+III", "V+IV")
BIOPSY_CLASSES = ("I", "II", "III", "IV", "V", "V+III", "V+IV", "VI")


# --- Kleene helpers ---------------------------------------------------------------------------
def AND(*values: Tri) -> Tri:
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


def OR(*values: Tri) -> Tri:
    if any(v is True for v in values):
        return True
    if any(v is None for v in values):
        return None
    return False


def NOT(value: Tri) -> Tri:
    return None if value is None else not value


def yes(facts: Facts, key: str) -> Tri:
    """The boolean fact itself (None while unknown)."""
    value = facts.get(key)
    return None if value is None else value is True


def at_least(value: float | None, threshold: float) -> Tri:
    return None if value is None else value >= threshold


def at_most(value: float | None, threshold: float) -> Tri:
    return None if value is None else value <= threshold


def above(value: float | None, threshold: float) -> Tri:
    return None if value is None else value > threshold


def below(value: float | None, threshold: float) -> Tri:
    return None if value is None else value < threshold


# --- E14: CKD-EPI 2021, race-free (Inker et al., NEJM 2021), written from the paper ----------
def ckd_epi_2021(creatinine_mg_dl: float, age: float, sex: str) -> float:
    """eGFR = 142 × min(Scr/κ,1)^α × max(Scr/κ,1)^-1.200 × 0.9938^age [× 1.012 if female]."""
    if sex == "female":
        kappa, alpha, factor = 0.7, -0.241, 1.012
    else:
        kappa, alpha, factor = 0.9, -0.302, 1.0
    ratio = creatinine_mg_dl / kappa
    low = min(ratio, 1.0)
    high = max(ratio, 1.0)
    return float(142 * low**alpha * high**-1.200 * 0.9938**age * factor)


def effective_egfr(facts: Facts) -> float | None:
    """Measured eGFR when known; else CKD-EPI from creatinine for adults (≥ 18); else unknown."""
    measured = facts.get("egfr_ml_min")
    if measured is not None:
        return float(measured)
    creatinine = facts.get("serum_creatinine_mg_dl")
    age = facts.get("age_years")
    sex = facts.get("sex")
    if creatinine is None or age is None or sex is None:
        return None
    if age < 18:
        return None
    return ckd_epi_2021(float(creatinine), float(age), str(sex))


# --- spec §3: the rules -----------------------------------------------------------------------
def i1(f: Facts) -> Tri:
    return AND(at_least(f.get("age_years"), 3), at_most(f.get("age_years"), 65))


def i2(f: Facts) -> Tri:
    return AND(yes(f, "sle_diagnosed"), yes(f, "meets_2019_eular_acr"))


def i3(f: Facts) -> Tri:
    return OR(at_least(f.get("ana_titer"), 80), at_least(f.get("anti_dsdna_iu_ml"), 30))


def i4(f: Facts) -> Tri:
    steroid_or_activity = OR(
        at_least(f.get("glucocorticoid_mg_per_day"), 7.5), at_least(f.get("sledai_2k"), 8)
    )
    refractory_sle = AND(
        steroid_or_activity,
        yes(f, "had_glucocorticoid_and_cyclophosphamide_6mo"),
        yes(f, "had_immunomodulator_3mo"),
        yes(f, "routine_treatment_failed"),
    )
    klass = f.get("biopsy_class")
    class_ok = None if klass is None else klass in LN_CLASSES_IN
    refractory_ln = AND(
        yes(f, "lupus_nephritis"),
        class_ok,
        NOT(yes(f, "biopsy_chronic_only")),
        at_most(f.get("biopsy_months_ago"), 6),
        yes(f, "ln_no_remission"),
    )
    return OR(refractory_sle, refractory_ln)


def i5(f: Facts) -> Tri:
    return AND(yes(f, "cd19_b_cells"), yes(f, "can_stop_immunosuppressants"))


def i6(f: Facts) -> Tri:
    return AND(above(f.get("lymphocytes_10e9_l"), 1.0), NOT(yes(f, "apheresis_contraindicated")))


def i7(f: Facts) -> Tri:
    return NOT(yes(f, "severe_allergy"))


def i8(f: Facts) -> Tri:
    return at_most(f.get("ecog"), 2)


def i9(f: Facts) -> Tri:
    return yes(f, "life_expectancy_over_90d")


def i10(f: Facts) -> Tri:
    return yes(f, "can_consent")


def e2(f: Facts) -> Tri:
    return OR(
        yes(f, "heart_condition"),
        at_least(f.get("qtcf_ms"), 470),
        below(f.get("lvef_percent"), 45),
    )


def e7(f: Facts) -> Tri:
    all_three_high = AND(
        at_least(f.get("fasting_glucose_mmol_l"), 8.0),
        at_least(f.get("postprandial_glucose_mmol_l"), 15),
        at_least(f.get("hba1c_percent"), 8.0),
    )
    return AND(yes(f, "diabetes"), OR(yes(f, "diabetic_ketoacidosis"), all_three_high))


def e11(f: Facts) -> Tri:
    sex = f.get("sex")
    female = None if sex is None else sex == "female"
    return AND(female, yes(f, "pregnant_or_breastfeeding"))


def e14(f: Facts) -> Tri:
    return below(effective_egfr(f), 30)


def _fact_rule(key: str) -> Callable[[Facts], Tri]:
    return lambda f: yes(f, key)


INCLUSIONS: dict[str, Callable[[Facts], Tri]] = {
    "I1": i1,
    "I2": i2,
    "I3": i3,
    "I4": i4,
    "I5": i5,
    "I6": i6,
    "I7": i7,
    "I8": i8,
    "I9": i9,
    "I10": i10,
}
EXCLUSIONS: dict[str, Callable[[Facts], Tri]] = {
    "E1": _fact_rule("neuro_condition"),
    "E2": e2,
    "E3": _fact_rule("lung_condition"),
    "E4": _fact_rule("other_cancer"),
    "E5": _fact_rule("dic"),
    "E6": _fact_rule("uncontrolled_infection"),
    "E7": e7,
    "E8": _fact_rule("serious_mental_illness"),
    "E9": _fact_rule("neuro_condition"),
    "E10": _fact_rule("organ_transplant"),
    "E11": e11,
    "E12": _fact_rule("infection_serology_positive"),
    "E13": _fact_rule("apheresis_contraindicated"),
    "E14": e14,
    "E15": lambda f: NOT(yes(f, "can_stop_immunosuppressants")),
    "E16": _fact_rule("skin_disease"),
}
RULES: dict[str, Callable[[Facts], Tri]] = {**INCLUSIONS, **EXCLUSIONS}

#: the facts each rule reads (spec §3 table; E14 through eGFR, creatinine, age and sex).
READS: dict[str, tuple[str, ...]] = {
    "I1": ("age_years",),
    "I2": ("sle_diagnosed", "meets_2019_eular_acr"),
    "I3": ("ana_titer", "anti_dsdna_iu_ml"),
    "I4": (
        "glucocorticoid_mg_per_day",
        "sledai_2k",
        "had_glucocorticoid_and_cyclophosphamide_6mo",
        "had_immunomodulator_3mo",
        "routine_treatment_failed",
        "lupus_nephritis",
        "biopsy_class",
        "biopsy_chronic_only",
        "biopsy_months_ago",
        "ln_no_remission",
    ),
    "I5": ("cd19_b_cells", "can_stop_immunosuppressants"),
    "I6": ("lymphocytes_10e9_l", "apheresis_contraindicated"),
    "I7": ("severe_allergy",),
    "I8": ("ecog",),
    "I9": ("life_expectancy_over_90d",),
    "I10": ("can_consent",),
    "E1": ("neuro_condition",),
    "E2": ("heart_condition", "qtcf_ms", "lvef_percent"),
    "E3": ("lung_condition",),
    "E4": ("other_cancer",),
    "E5": ("dic",),
    "E6": ("uncontrolled_infection",),
    "E7": (
        "diabetes",
        "diabetic_ketoacidosis",
        "fasting_glucose_mmol_l",
        "postprandial_glucose_mmol_l",
        "hba1c_percent",
    ),
    "E8": ("serious_mental_illness",),
    "E9": ("neuro_condition",),
    "E10": ("organ_transplant",),
    "E11": ("sex", "pregnant_or_breastfeeding"),
    "E12": ("infection_serology_positive",),
    "E13": ("apheresis_contraindicated",),
    "E14": ("egfr_ml_min", "serum_creatinine_mg_dl", "age_years", "sex"),
    "E15": ("can_stop_immunosuppressants",),
    "E16": ("skin_disease",),
}

#: values an unknown fact could turn out to have: either side of every threshold that reads it.
CANDIDATES: dict[str, tuple[Any, ...]] = {
    "age_years": (1, 10, 40, 80),
    "sex": ("female", "male"),
    "ana_titer": (0, 1280),
    "anti_dsdna_iu_ml": (0.0, 500.0),
    "glucocorticoid_mg_per_day": (0.0, 40.0),
    "sledai_2k": (0, 30),
    "biopsy_class": ("II", "IV"),
    "biopsy_months_ago": (1.0, 48.0),
    "lymphocytes_10e9_l": (0.3, 3.0),
    "ecog": (0, 4),
    "qtcf_ms": (400, 520),
    "lvef_percent": (30, 65),
    "fasting_glucose_mmol_l": (5.0, 15.0),
    "postprandial_glucose_mmol_l": (6.0, 25.0),
    "hba1c_percent": (5.5, 11.0),
    "egfr_ml_min": (10.0, 100.0),
    "serum_creatinine_mg_dl": (0.6, 9.0),
}
STATUS_WORD = {True: "met", False: "not_met", None: "unknown"}


def statuses(facts: Facts) -> dict[str, Tri]:
    """Every criterion over `facts`."""
    return {cid: rule(facts) for cid, rule in RULES.items()}


def outcome_of(status: Mapping[str, Tri]) -> str:
    """Spec §1 over finished statuses (the chat has nothing left to ask)."""
    if any(status[c] is False for c in INCLUSIONS) or any(status[c] is True for c in EXCLUSIONS):
        return "ineligible"
    if all(status[c] is True for c in INCLUSIONS) and all(status[c] is False for c in EXCLUSIONS):
        return "likely_eligible"
    return "needs_review"


def _values_of(key: str) -> tuple[Any, ...]:
    if key in CANDIDATES:
        return CANDIDATES[key]
    return (True, False)


def could_change(criterion: str, facts: Facts) -> set[str]:
    """Unknown facts read by `criterion` for which some future state of the other unknown facts
    (each still unknown or any candidate value) makes learning the fact change the criterion."""
    rule = RULES[criterion]
    reads = READS[criterion]
    unknown = [k for k in reads if facts.get(k) is None]
    base = {k: facts.get(k) for k in reads}
    found: set[str] = set()
    for key in unknown:
        others = [k for k in unknown if k != key]
        options = [(None, *_values_of(k)) for k in others]
        for combo in itertools.product(*options):
            state = {**base, **dict(zip(others, combo, strict=True)), key: None}
            before = rule(state)
            if any(rule({**state, key: value}) != before for value in _values_of(key)):
                found.add(key)
                break
    return found


@dataclass(frozen=True)
class Expected:
    """What a finished chat must conclude for one patient."""

    outcome: str
    #: (fact, kind) of every follow-up flag.
    flags: frozenset[tuple[str, str]]
    statuses: dict[str, str]
    #: fact → the criteria it is flagged for.
    flag_criteria: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "flags": sorted([list(f) for f in self.flags]),
            "criteria": self.statuses,
        }


def expected_from_facts(facts: Facts) -> Expected:
    """Outcome and flags for a fact set that the chat has finished with."""
    status = statuses(facts)
    outcome = outcome_of(status)
    criteria: dict[str, list[str]] = {}
    if outcome == "needs_review":
        for cid, value in status.items():
            if value is None:
                for key in could_change(cid, facts):
                    criteria.setdefault(key, []).append(cid)
    flags = frozenset((key, FLAG_KIND[SOURCE[key]]) for key in criteria)
    return Expected(
        outcome=outcome,
        flags=flags,
        statuses={cid: STATUS_WORD[v] for cid, v in status.items()},
        flag_criteria={k: tuple(v) for k, v in criteria.items()},
    )


def chat_facts(true_facts: Facts, unknown_to_patient: frozenset[str] | set[str]) -> dict[str, Any]:
    """The facts a chat can learn: askable facts the patient knows (others unknown → None)."""
    return {
        key: (None if key in unknown_to_patient else true_facts.get(key)) for key in sorted(ASKABLE)
    }


def expected_after_chat(
    true_facts: Facts, unknown_to_patient: frozenset[str] | set[str]
) -> Expected:
    """The ground truth for a finished chat with this patient."""
    return expected_from_facts(chat_facts(true_facts, unknown_to_patient))


def full_outcome(true_facts: Facts) -> str:
    """The patient's real eligibility with every fact known (for 'the chat cannot know' counts)."""
    return outcome_of(statuses(true_facts))


def failing_criteria(facts: Facts) -> list[str]:
    """Criteria that make `facts` ineligible, in spec order."""
    status = statuses(facts)
    return [c for c in INCLUSIONS if status[c] is False] + [
        c for c in EXCLUSIONS if status[c] is True
    ]
