"""A seeded, simulated population of patients spread over every criterion of NCT06585514.

A `Profile` holds the TRUE value of every fact of the spec's dictionary (patient, lab-asked, lab
and clinician facts), the askable facts this patient does not know (asked, they answer "I don't
know"), and who is typing (the patient, or a parent/guardian for a child).

    python -m bench.population            # a summary of the default population (500)
    python -m bench.population --size 60  # smaller

Each profile starts from a random patient who passes every criterion, then one *scenario*
changes it: every exclusion E1–E16 (also the lab/clinician-only ones the chat cannot see),
every inclusion failure, threshold edges (age 2/3/65/66, ANA 79/80, anti-dsDNA 29.9/30,
lymphocytes 1.0/1.01, eGFR 29.9/30 measured and through creatinine, the E7 triple), the
lupus-nephritis route, children with a guardian, unknown lab values, diabetics with and without
values, male and female. Scenarios are used round-robin, so every one appears ≥ 5 times in 500.

Consistency rules (what a real patient could know): a patient who does not know whether they
have diabetes does not know their ketoacidosis status or glucose values either; one who does not
know about lupus nephritis knows nothing about a kidney biopsy; a patient without lupus
nephritis has no biopsy (its facts are None); a male is not pregnant.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.talkers import kind_for
from bench.truth import ASKABLE, SOURCE, ckd_epi_2021

DEFAULT_SIZE = 500
DEFAULT_SEED = 20251124


@dataclass(frozen=True)
class Profile:
    """One simulated patient."""

    id: str
    scenario: str
    facts: dict[str, Any]
    unknown: frozenset[str]
    respondent: str  # "self" | "guardian"
    tags: tuple[str, ...] = field(default=())
    #: how the patient talks (bench.talkers.KINDS): one_by_one, storyteller or paster
    kind: str = "one_by_one"

    def knows(self, key: str) -> bool:
        return key not in self.unknown and self.facts.get(key) is not None

    def chat_value(self, key: str) -> Any:
        """What the patient answers for askable fact `key` (None = "I don't know")."""
        return None if key in self.unknown else self.facts.get(key)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scenario": self.scenario,
            "respondent": self.respondent,
            "facts": self.facts,
            "unknown": sorted(self.unknown),
            "tags": list(self.tags),
            "kind": self.kind,
        }


def creatinine_for_egfr(egfr: float, age: int, sex: str) -> float:
    """The serum creatinine (mg/dL) that gives `egfr` by CKD-EPI 2021 (bisection)."""
    low, high = 0.1, 20.0
    for _ in range(80):
        mid = (low + high) / 2
        if ckd_epi_2021(mid, age, sex) > egfr:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _creatinine_near(target: float, age: int, sex: str, *, side: str) -> float:
    """A 2-decimal creatinine whose CKD-EPI eGFR is just below (`side`="below") or at/above 30."""
    exact = creatinine_for_egfr(target, age, sex)
    value = round(exact, 2)
    for _ in range(50):
        egfr = ckd_epi_2021(value, age, sex)
        if side == "below" and egfr < target:
            return value
        if side == "above" and egfr >= target:
            return value
        value = round(value + (0.01 if side == "below" else -0.01), 2)
    raise AssertionError("no creatinine found")


# --- the passing patient ----------------------------------------------------------------------
def _base(rng: random.Random) -> dict[str, Any]:
    sex = "female" if rng.random() < 0.85 else "male"
    age = rng.randint(18, 64)
    egfr = rng.randint(62, 118)
    facts: dict[str, Any] = {
        "age_years": age,
        "sex": sex,
        "sle_diagnosed": True,
        "meets_2019_eular_acr": True,
        "ana_titer": rng.choice([80, 160, 320, 640, 1280]),
        "anti_dsdna_iu_ml": (
            round(rng.uniform(31, 400), 1) if rng.random() < 0.6 else round(rng.uniform(2, 28), 1)
        ),
        "glucocorticoid_mg_per_day": rng.choice([7.5, 10, 12.5, 15, 20, 25, 30]),
        "sledai_2k": rng.randint(2, 20),
        "had_glucocorticoid_and_cyclophosphamide_6mo": True,
        "had_immunomodulator_3mo": True,
        "routine_treatment_failed": True,
        "lupus_nephritis": False,
        "biopsy_class": None,
        "biopsy_chronic_only": None,
        "biopsy_months_ago": None,
        "ln_no_remission": None,
        "cd19_b_cells": True,
        "can_stop_immunosuppressants": True,
        "lymphocytes_10e9_l": round(rng.uniform(1.1, 3.2), 2),
        "apheresis_contraindicated": False,
        "severe_allergy": False,
        "ecog": rng.choice([0, 0, 1, 1, 2]),
        "life_expectancy_over_90d": True,
        "can_consent": True,
        "neuro_condition": False,
        "heart_condition": False,
        "qtcf_ms": rng.randint(380, 450),
        "lvef_percent": rng.randint(52, 70),
        "lung_condition": False,
        "other_cancer": False,
        "dic": False,
        "uncontrolled_infection": False,
        "diabetes": False,
        "diabetic_ketoacidosis": False,
        "fasting_glucose_mmol_l": round(rng.uniform(4.2, 5.8), 1),
        "postprandial_glucose_mmol_l": round(rng.uniform(5.5, 7.8), 1),
        "hba1c_percent": round(rng.uniform(4.8, 5.9), 1),
        "serious_mental_illness": False,
        "organ_transplant": False,
        "pregnant_or_breastfeeding": False,
        "infection_serology_positive": False,
        "egfr_ml_min": egfr,
        "serum_creatinine_mg_dl": round(creatinine_for_egfr(egfr, age, sex), 2),
        "skin_disease": False,
    }
    if rng.random() < 0.2:  # the refractory lupus-nephritis route instead
        _ln_refractory(facts, rng)
        if rng.random() < 0.5:
            facts["had_glucocorticoid_and_cyclophosphamide_6mo"] = False
    elif rng.random() < 0.15:  # lupus nephritis, but not the refractory kind
        facts.update(
            lupus_nephritis=True,
            biopsy_class=rng.choice(["II", "V", "III"]),
            biopsy_chronic_only=False,
            biopsy_months_ago=float(rng.choice([9, 14, 30])),
            ln_no_remission=rng.random() < 0.5,
        )
    if rng.random() < 0.12:  # diabetes, under control
        facts.update(
            diabetes=True,
            fasting_glucose_mmol_l=round(rng.uniform(5.5, 7.9), 1),
            postprandial_glucose_mmol_l=round(rng.uniform(8.0, 14.5), 1),
            hba1c_percent=round(rng.uniform(6.0, 7.9), 1),
        )
    return facts


def _ln_refractory(facts: dict[str, Any], rng: random.Random) -> None:
    facts.update(
        lupus_nephritis=True,
        biopsy_class=rng.choice(list(("III", "IV", "V+III", "V+IV"))),
        biopsy_chronic_only=False,
        biopsy_months_ago=float(rng.choice([0, 1, 2, 3, 4, 5, 6])),
        ln_no_remission=True,
    )


#: P(the patient does not know) per askable fact, before a scenario pins what it tests.
UNKNOWN_RATE: dict[str, float] = {
    "ana_titer": 0.3,
    "anti_dsdna_iu_ml": 0.45,
    "lymphocytes_10e9_l": 0.35,
    "egfr_ml_min": 0.4,
    "serum_creatinine_mg_dl": 0.5,
    "fasting_glucose_mmol_l": 0.35,
    "postprandial_glucose_mmol_l": 0.4,
    "hba1c_percent": 0.3,
    "biopsy_class": 0.25,
    "biopsy_months_ago": 0.08,
    "ln_no_remission": 0.1,
    "can_stop_immunosuppressants": 0.05,
    "routine_treatment_failed": 0.04,
    "had_glucocorticoid_and_cyclophosphamide_6mo": 0.03,
    "had_immunomodulator_3mo": 0.03,
    "glucocorticoid_mg_per_day": 0.03,
    "dic": 0.02,
    "infection_serology_positive": 0.02,
}
NEVER_UNKNOWN = frozenset({"age_years", "sex"})
DIABETES_DETAIL = (
    "diabetic_ketoacidosis",
    "fasting_glucose_mmol_l",
    "postprandial_glucose_mmol_l",
    "hba1c_percent",
)
BIOPSY_DETAIL = ("biopsy_class", "biopsy_months_ago", "ln_no_remission")


def _sprinkle(rng: random.Random) -> set[str]:
    unknown = set()
    for key in sorted(ASKABLE - NEVER_UNKNOWN):
        if rng.random() < UNKNOWN_RATE.get(key, 0.01):
            unknown.add(key)
    return unknown


def _consistent(facts: dict[str, Any], unknown: set[str]) -> None:
    if facts["sex"] == "male":
        facts["pregnant_or_breastfeeding"] = False
    if "diabetes" in unknown:
        unknown.update(DIABETES_DETAIL)
    if "lupus_nephritis" in unknown:
        unknown.update(BIOPSY_DETAIL)
    if facts["lupus_nephritis"] is not True:
        for key in (*BIOPSY_DETAIL, "biopsy_chronic_only"):
            facts[key] = None
    unknown -= NEVER_UNKNOWN


# --- scenarios --------------------------------------------------------------------------------
Scenario = Callable[[dict[str, Any], set[str], random.Random], None]


def _set(**values: Any) -> Scenario:
    """A scenario that sets facts and makes sure the patient knows them."""

    def apply(facts: dict[str, Any], unknown: set[str], rng: random.Random) -> None:
        facts.update(values)
        unknown.difference_update(values)

    return apply


def _both(*steps: Scenario) -> Scenario:
    def apply(facts: dict[str, Any], unknown: set[str], rng: random.Random) -> None:
        for step in steps:
            step(facts, unknown, rng)

    return apply


def _unknown(*keys: str) -> Scenario:
    def apply(facts: dict[str, Any], unknown: set[str], rng: random.Random) -> None:
        unknown.update(keys)

    return apply


def _minor(low: int, high: int) -> Scenario:
    def apply(facts: dict[str, Any], unknown: set[str], rng: random.Random) -> None:
        age = rng.randint(low, high)
        facts["age_years"] = age
        facts["pregnant_or_breastfeeding"] = False
        facts["serum_creatinine_mg_dl"] = round(rng.uniform(0.3, 0.8), 2)
        facts["egfr_ml_min"] = rng.randint(70, 130)

    return apply


def _age(age: int) -> Scenario:
    def apply(facts: dict[str, Any], unknown: set[str], rng: random.Random) -> None:
        facts["age_years"] = age
        if age < 18:
            _minor(age, age)(facts, unknown, rng)

    return apply


def _diabetic(
    fbg: float | None, ppg: float | None, a1c: float | None, dka: bool = False
) -> Scenario:
    """A diabetic with these values (None = does not know it)."""

    def apply(facts: dict[str, Any], unknown: set[str], rng: random.Random) -> None:
        facts.update(diabetes=True, diabetic_ketoacidosis=dka)
        unknown.difference_update({"diabetes", "diabetic_ketoacidosis"})
        for key, value in (
            ("fasting_glucose_mmol_l", fbg),
            ("postprandial_glucose_mmol_l", ppg),
            ("hba1c_percent", a1c),
        ):
            if value is None:
                unknown.add(key)
            else:
                facts[key] = value
                unknown.discard(key)

    return apply


def _egfr_via_creatinine(side: str) -> Scenario:
    """Measured eGFR unknown; creatinine known, giving an eGFR just below / at 30."""

    def apply(facts: dict[str, Any], unknown: set[str], rng: random.Random) -> None:
        facts["age_years"] = max(18, int(facts["age_years"]))
        creatinine = _creatinine_near(30.0, facts["age_years"], facts["sex"], side=side)
        facts["serum_creatinine_mg_dl"] = creatinine
        facts["egfr_ml_min"] = round(ckd_epi_2021(creatinine, facts["age_years"], facts["sex"]), 1)
        unknown.add("egfr_ml_min")
        unknown.discard("serum_creatinine_mg_dl")

    return apply


def _creatinine_low_egfr(facts: dict[str, Any], unknown: set[str], rng: random.Random) -> None:
    egfr = rng.uniform(8, 25)
    creatinine = round(creatinine_for_egfr(egfr, facts["age_years"], facts["sex"]), 2)
    facts["serum_creatinine_mg_dl"] = min(creatinine, 19.5)
    facts["egfr_ml_min"] = round(egfr, 1)
    unknown.add("egfr_ml_min")
    unknown.discard("serum_creatinine_mg_dl")


def _ln(klass: str, months: float, no_remission: bool, chronic: bool = False) -> Scenario:
    """The lupus-nephritis route only (the refractory-SLE route fails: no cyclophosphamide)."""
    return _set(
        lupus_nephritis=True,
        biopsy_class=klass,
        biopsy_months_ago=months,
        ln_no_remission=no_remission,
        biopsy_chronic_only=chronic,
        had_glucocorticoid_and_cyclophosphamide_6mo=False,
    )


def _sex(sex: str) -> Scenario:
    def apply(facts: dict[str, Any], unknown: set[str], rng: random.Random) -> None:
        facts["sex"] = sex
        if facts["egfr_ml_min"] is not None and facts["age_years"] >= 18:
            egfr = facts["egfr_ml_min"]
            facts["serum_creatinine_mg_dl"] = round(
                creatinine_for_egfr(egfr, facts["age_years"], sex), 2
            )

    return apply


def _multi(facts: dict[str, Any], unknown: set[str], rng: random.Random) -> None:
    keys = rng.sample(
        ["other_cancer", "heart_condition", "lung_condition", "skin_disease", "severe_allergy"], 2
    )
    _set(**{k: True for k in keys})(facts, unknown, rng)


def _unknown_heavy(facts: dict[str, Any], unknown: set[str], rng: random.Random) -> None:
    unknown.update(
        {
            "ana_titer",
            "anti_dsdna_iu_ml",
            "lymphocytes_10e9_l",
            "egfr_ml_min",
            "serum_creatinine_mg_dl",
            "can_stop_immunosuppressants",
            "routine_treatment_failed",
        }
    )


SCENARIOS: list[tuple[str, Scenario]] = [
    ("pass_chat", _set()),
    ("pass_chat_female", _sex("female")),
    ("pass_chat_male", _sex("male")),
    # I1 age
    ("I1_age_2", _age(2)),
    ("I1_age_3", _age(3)),
    ("I1_age_65", _age(65)),
    ("I1_age_66", _age(66)),
    ("I1_age_over", lambda f, u, r: _age(r.randint(67, 90))(f, u, r)),
    # I2 diagnosis
    ("I2_no_sle", _set(sle_diagnosed=False)),
    ("I2_sle_unknown", _unknown("sle_diagnosed")),
    ("I2_not_eular_clinician", _set(meets_2019_eular_acr=False)),
    # I3 antibodies
    ("I3_both_negative", _set(ana_titer=0, anti_dsdna_iu_ml=12.0)),
    ("I3_ana_79", _both(_set(ana_titer=79, anti_dsdna_iu_ml=10.0))),
    ("I3_ana_79_dsdna_unknown", _both(_set(ana_titer=79), _unknown("anti_dsdna_iu_ml"))),
    ("I3_ana_80", _both(_set(ana_titer=80, anti_dsdna_iu_ml=5.0))),
    ("I3_dsdna_29.9", _both(_set(ana_titer=40, anti_dsdna_iu_ml=29.9))),
    ("I3_dsdna_30", _both(_set(ana_titer=40, anti_dsdna_iu_ml=30.0))),
    ("I3_dsdna_29.9_ana_unknown", _both(_set(anti_dsdna_iu_ml=29.9), _unknown("ana_titer"))),
    ("I3_both_unknown", _unknown("ana_titer", "anti_dsdna_iu_ml")),
    # I4 refractory SLE
    ("I4_low_steroid", _set(glucocorticoid_mg_per_day=5.0)),
    ("I4_steroid_7.4", _set(glucocorticoid_mg_per_day=7.4)),
    ("I4_steroid_7.5", _set(glucocorticoid_mg_per_day=7.5)),
    ("I4_no_steroid", _set(glucocorticoid_mg_per_day=0)),
    ("I4_no_cyclophosphamide", _set(had_glucocorticoid_and_cyclophosphamide_6mo=False)),
    ("I4_no_immunomodulator", _set(had_immunomodulator_3mo=False)),
    ("I4_treatment_worked", _set(routine_treatment_failed=False)),
    ("I4_treatment_unknown", _unknown("routine_treatment_failed")),
    # I4 refractory lupus nephritis
    ("LN_refractory_III", _ln("III", 3.0, True)),
    ("LN_refractory_V+IV", _ln("V+IV", 5.0, True)),
    ("LN_refractory_IV_6mo", _ln("IV", 6.0, True)),
    ("LN_biopsy_7mo", _ln("IV", 7.0, True)),
    ("LN_biopsy_2y", _ln("III", 24.0, True)),
    ("LN_class_II", _ln("II", 2.0, True)),
    ("LN_class_V", _ln("V", 2.0, True)),
    ("LN_remission", _ln("V+III", 2.0, False)),
    ("LN_class_unknown", _both(_ln("IV", 2.0, True), _unknown("biopsy_class"))),
    ("LN_chronic_only_clinician", _ln("IV", 2.0, True, chronic=True)),
    (
        "LN_unknown",
        _both(_set(had_glucocorticoid_and_cyclophosphamide_6mo=False), _unknown("lupus_nephritis")),
    ),
    # I5 / E15
    ("I5_cd19_negative_lab", _set(cd19_b_cells=False)),
    ("E15_cannot_stop", _set(can_stop_immunosuppressants=False)),
    ("E15_stop_unknown", _unknown("can_stop_immunosuppressants")),
    # I6 / E13
    ("I6_lymph_1.0", _set(lymphocytes_10e9_l=1.0)),
    ("I6_lymph_1.01", _set(lymphocytes_10e9_l=1.01)),
    (
        "I6_lymph_low",
        lambda f, u, r: _set(lymphocytes_10e9_l=round(r.uniform(0.2, 0.9), 2))(f, u, r),
    ),
    ("I6_lymph_unknown", _unknown("lymphocytes_10e9_l")),
    ("E13_apheresis_clinician", _set(apheresis_contraindicated=True)),
    # I7–I10
    ("I7_severe_allergy", _set(severe_allergy=True)),
    ("I8_ecog_2", _set(ecog=2)),
    ("I8_ecog_3", _set(ecog=3)),
    ("I8_ecog_4", _set(ecog=4)),
    ("I9_life_expectancy_clinician", _set(life_expectancy_over_90d=False)),
    ("I10_cannot_consent", _set(can_consent=False)),
    # exclusions the patient can tell
    ("E1_neuro", _set(neuro_condition=True)),
    ("E2_heart", _set(heart_condition=True)),
    ("E2_qtcf_lab", _set(qtcf_ms=485)),
    ("E2_lvef_lab", _set(lvef_percent=40)),
    ("E3_lung", _set(lung_condition=True)),
    ("E4_cancer", _set(other_cancer=True)),
    ("E5_dic", _set(dic=True)),
    ("E6_infection", _set(uncontrolled_infection=True)),
    ("E7_ketoacidosis", _diabetic(7.0, 12.0, 7.5, dka=True)),
    ("E7_triple_high", _diabetic(9.5, 17.0, 8.6)),
    ("E7_triple_edge", _diabetic(8.0, 15.0, 8.0)),
    ("E7_triple_just_below", _diabetic(7.9, 14.9, 7.9)),
    ("E7_one_high", _diabetic(9.0, 12.0, 7.0)),
    ("E7_two_high", _diabetic(9.0, 16.0, 7.5)),
    ("E7_one_high_others_unknown", _diabetic(9.0, None, None)),
    ("E7_two_high_one_unknown", _diabetic(9.0, 16.0, None)),
    ("diabetic_no_values", _diabetic(None, None, None)),
    ("diabetic_controlled", _diabetic(6.2, 9.0, 6.8)),
    ("diabetes_unknown", _unknown("diabetes")),
    ("E8_mental", _set(serious_mental_illness=True)),
    ("E9_neuro_mri", _set(neuro_condition=True)),
    ("E10_transplant", _set(organ_transplant=True)),
    ("E11_pregnant", _both(_sex("female"), _set(pregnant_or_breastfeeding=True))),
    ("E11_pregnancy_unknown", _both(_sex("female"), _unknown("pregnant_or_breastfeeding"))),
    ("E11_male", _sex("male")),
    ("E12_serology", _set(infection_serology_positive=True)),
    ("E14_egfr_29.9", _set(egfr_ml_min=29.9)),
    ("E14_egfr_30", _set(egfr_ml_min=30)),
    ("E14_egfr_low", lambda f, u, r: _set(egfr_ml_min=r.randint(8, 25))(f, u, r)),
    ("E14_creatinine_below_30", _egfr_via_creatinine("below")),
    ("E14_creatinine_at_30", _egfr_via_creatinine("above")),
    ("E14_creatinine_low_egfr", _creatinine_low_egfr),
    ("E14_kidney_unknown", _unknown("egfr_ml_min", "serum_creatinine_mg_dl")),
    ("E16_skin", _set(skin_disease=True)),
    # children, answered by a guardian
    ("minor_child", _minor(3, 11)),
    ("minor_teen", _minor(12, 17)),
    (
        "minor_creatinine_only",
        _both(
            _minor(5, 17),
            _unknown("egfr_ml_min"),
            lambda f, u, r: u.discard("serum_creatinine_mg_dl"),
        ),
    ),
    ("minor_egfr_low", _both(_minor(6, 17), _set(egfr_ml_min=22))),
    (
        "minor_pregnant_teen",
        _both(_minor(15, 17), _sex("female"), _set(pregnant_or_breastfeeding=True)),
    ),
    # mixes
    ("multi_exclusion", _multi),
    ("unknown_heavy", _unknown_heavy),
]


def _respondent(age: int, rng: random.Random) -> str:
    if age < 12:
        return "guardian"
    if age < 18:
        return "guardian" if rng.random() < 0.75 else "self"
    return "self"


def generate(size: int = DEFAULT_SIZE, seed: int = DEFAULT_SEED) -> list[Profile]:
    """`size` profiles; scenario i % len(SCENARIOS) for the i-th, everything else seeded; the
    way each talks (`kind`) round-robin per scenario (bench.talkers.kind_for), so every
    scenario gets every kind and the random draws are those of a population without kinds."""
    rng = random.Random(seed)
    profiles = []
    for index in range(size):
        name, scenario = SCENARIOS[index % len(SCENARIOS)]
        facts = _base(rng)
        unknown = _sprinkle(rng)
        scenario(facts, unknown, rng)
        _consistent(facts, unknown)
        respondent = _respondent(int(facts["age_years"]), rng)
        tags = [facts["sex"], respondent]
        if facts["diabetes"]:
            tags.append("diabetic")
        if facts["lupus_nephritis"]:
            tags.append("lupus_nephritis")
        if facts["age_years"] < 18:
            tags.append("minor")
        profiles.append(
            Profile(
                id=f"p{index:04d}",
                scenario=name,
                facts=facts,
                unknown=frozenset(unknown),
                respondent=respondent,
                tags=tuple(tags),
                kind=kind_for(index, len(SCENARIOS)),
            )
        )
    return profiles


def summary(profiles: Sequence[Profile]) -> dict[str, Any]:
    """Counts that show the spread of a population."""
    from bench.truth import expected_after_chat, failing_criteria, full_outcome

    tags: Counter[str] = Counter(t for p in profiles for t in p.tags)
    chat: Counter[str] = Counter()
    full: Counter[str] = Counter()
    failing: Counter[str] = Counter()
    for profile in profiles:
        chat[expected_after_chat(profile.facts, profile.unknown).outcome] += 1
        full[full_outcome(profile.facts)] += 1
        for cid in failing_criteria(profile.facts):
            failing[cid] += 1
    return {
        "size": len(profiles),
        "scenarios": len({p.scenario for p in profiles}),
        "kinds": dict(Counter(p.kind for p in profiles)),
        "tags": dict(tags),
        "expected_after_chat": dict(chat),
        "eligibility_with_every_fact_known": dict(full),
        "criteria_failed_with_every_fact_known": dict(sorted(failing.items())),
        "patients_with_an_unknown_fact": sum(1 for p in profiles if p.unknown),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.population", description=__doc__)
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    import json

    print(json.dumps(summary(generate(args.size, args.seed)), indent=2))
    return 0


assert set(SOURCE) >= ASKABLE

if __name__ == "__main__":
    raise SystemExit(main())
