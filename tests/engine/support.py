"""Shared fact sets, representative values and hypothesis strategies for the engine tests."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from bot.calculators import ADULT_AGE_YEARS
from bot.criteria import Trial, get_trial
from bot.criteria.model import AllOf, AnyOf, Compare, FactSpec, Node, Not

TRIAL = get_trial()

#: every fact known and passing (female adult, refractory-SLE route, no diabetes).
ELIGIBLE: dict[str, Any] = {
    "age_years": 40,
    "sex": "female",
    "sle_diagnosed": True,
    "meets_2019_eular_acr": True,
    "ana_titer": 160,
    "anti_dsdna_iu_ml": 50,
    "glucocorticoid_mg_per_day": 10,
    "sledai_2k": 10,
    "had_glucocorticoid_and_cyclophosphamide_6mo": True,
    "had_immunomodulator_3mo": True,
    "routine_treatment_failed": True,
    "lupus_nephritis": False,
    "cd19_b_cells": True,
    "can_stop_immunosuppressants": True,
    "lymphocytes_10e9_l": 1.5,
    "apheresis_contraindicated": False,
    "severe_allergy": False,
    "ecog": 1,
    "life_expectancy_over_90d": True,
    "can_consent": True,
    "neuro_condition": False,
    "heart_condition": False,
    "qtcf_ms": 420,
    "lvef_percent": 60,
    "lung_condition": False,
    "other_cancer": False,
    "dic": False,
    "uncontrolled_infection": False,
    "diabetes": False,
    "serious_mental_illness": False,
    "organ_transplant": False,
    "pregnant_or_breastfeeding": False,
    "infection_serology_positive": False,
    "egfr_ml_min": 90,
    "skin_disease": False,
}

#: a passing value for EVERY fact, with each "or" carried by one branch only (so that the other
#: branch's facts stay pivotal): ANA carries I3, the steroid dose carries I4's SLE route.
MINIMAL_PASSING: dict[str, Any] = {
    **ELIGIBLE,
    "anti_dsdna_iu_ml": 0,
    "sledai_2k": 0,
    "biopsy_class": "IV",
    "biopsy_chronic_only": False,
    "biopsy_months_ago": 3,
    "ln_no_remission": True,
    "diabetic_ketoacidosis": False,
    "fasting_glucose_mmol_l": 5.0,
    "postprandial_glucose_mmol_l": 8.0,
    "hba1c_percent": 6.0,
    "serum_creatinine_mg_dl": 0.8,
}

STAFF_FACTS = tuple(k for k, f in TRIAL.facts.items() if not f.askable)


def without(facts: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """A copy of `facts` with `keys` not yet asked."""
    return {k: v for k, v in facts.items() if k not in keys}


def _compares(node: Node) -> list[Compare]:
    if isinstance(node, Compare):
        return [node]
    if isinstance(node, Not):
        return _compares(node.child)
    assert isinstance(node, (AllOf, AnyOf))
    return [c for child in node.children for c in _compares(child)]


def thresholds(trial: Trial, key: str) -> list[float]:
    """Every numeric constant the trial compares `key` with (criteria and ask_when)."""
    nodes = [c for criterion in trial.criteria for c in _compares(criterion.logic)]
    nodes += [
        c for f in trial.facts.values() if f.ask_when is not None for c in _compares(f.ask_when)
    ]
    out: list[float] = []
    for node in nodes:
        if node.fact != key:
            continue
        values = node.value if isinstance(node.value, tuple) else (node.value,)
        out += [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return out


def representative_values(trial: Trial, key: str) -> list[Any]:
    """Boundary and representative values of one fact: each threshold ±small, min, max, middle."""
    fact = trial.facts[key]
    if fact.type == "boolean":
        return [True, False]
    if fact.type == "choice":
        return list(fact.choices)
    low = fact.minimum if fact.minimum is not None else 0
    high = fact.maximum if fact.maximum is not None else 1000
    small = 1 if fact.type == "integer" else 0.01
    candidates: list[float] = [low, high, (low + high) / 2]
    for t in thresholds(trial, key):
        candidates += [t - small, t, t + small]
    if key == "age_years" and any(key in d.inputs.values() for d in trial.derived.values()):
        candidates += [ADULT_AGE_YEARS - 1, ADULT_AGE_YEARS]
    elif any(key in d.inputs.values() for d in trial.derived.values()) and low > 0:
        # An input of a calculator (creatinine → eGFR): its thresholds are not in the logic, so
        # sample the range geometrically to land on both sides of the derived threshold.
        candidates += [low * (high / low) ** (i / 24) for i in range(1, 24)]
    out = []
    for value in candidates:
        value = min(max(value, low), high)
        value = round(value) if fact.type == "integer" else round(float(value), 4)
        if value not in out:
            out.append(value)
    return out


def value_strategy(trial: Trial, fact: FactSpec) -> st.SearchStrategy[Any]:
    """Any valid value of `fact`, biased to its representative values."""
    reps = st.sampled_from(representative_values(trial, fact.key))
    if fact.type in ("boolean", "choice"):
        return reps
    low = fact.minimum if fact.minimum is not None else 0
    high = fact.maximum if fact.maximum is not None else 1000
    if fact.type == "integer":
        return st.one_of(reps, st.integers(math.ceil(low), math.floor(high)))
    floats = st.floats(low, high, allow_nan=False, allow_infinity=False).map(
        lambda x: min(max(round(x, 2), low), high)
    )
    return st.one_of(reps, floats)


@st.composite
def fact_sets(
    draw: st.DrawFn,
    trial: Trial = TRIAL,
    base: Mapping[str, Any] = MINIMAL_PASSING,
    weights: tuple[int, int, int, int] = (3, 1, 3, 3),
) -> dict[str, Any]:
    """A random valid fact set: each fact absent, asked-unknown (None), passing (from `base`), or
    any valid value, with the given relative `weights`."""
    absent, unknown, passing, _anything = weights
    facts: dict[str, Any] = {}
    for key, fact in trial.facts.items():
        mode = draw(st.integers(0, sum(weights) - 1))
        if mode < absent:
            continue
        if mode < absent + unknown:
            facts[key] = None
        elif mode < absent + unknown + passing and key in base:
            facts[key] = base[key]
        else:
            facts[key] = draw(value_strategy(trial, fact))
    return facts


#: mostly passing answers, from early in a dialogue (many facts absent) to late (few absent):
#: fact sets where the screening is still open, which is what the planner sees.
open_fact_sets = st.sampled_from([(8, 2, 9, 1), (3, 1, 15, 1), (1, 1, 17, 1)]).flatmap(
    lambda weights: fact_sets(weights=weights)
)


def can_change_verdict(
    trial: Trial,
    facts: Mapping[str, Any],
    key: str,
    base: Mapping[str, Any] = MINIMAL_PASSING,
    seed: int = 0,
    random_tries: int = 20,
) -> bool:
    """Whether two values of `key` and some completion of the other unknown facts give different
    verdicts (`evaluation.verdict`).

    The search: start from the minimal-passing completion and *repair* it — while some criterion
    fails whatever `key` is, change one of that criterion's unknown facts to a value that stops
    it failing; then try every single-fact change of the repaired completion, then
    `random_tries` repaired random completions. A completion may leave a fact unknown (None): a
    measured value left unknown is what makes its fallback inputs (eGFR → creatinine) matter.
    """
    from bot.engine import evaluate

    values = representative_values(trial, key)
    others = [k for k in trial.facts if k != key and facts.get(k) is None]
    choices = {k: [*representative_values(trial, k), None] for k in others}
    reads = {c.id: _expanded_reads(trial, c.id) for c in trial.criteria}

    def verdicts_and_failing(completion: Mapping[str, Any]) -> tuple[set[str], set[str]]:
        trial_facts = {**facts, **completion}
        verdicts: set[str] = set()
        always_failing: set[str] | None = None
        for value in values:
            trial_facts[key] = value
            evaluation = evaluate(trial, trial_facts)
            verdicts.add(evaluation.verdict)
            failing = {r.id for r in evaluation.failing}
            always_failing = failing if always_failing is None else always_failing & failing
        return verdicts, always_failing or set()

    def repair(completion: dict[str, Any]) -> dict[str, Any]:
        for _ in range(len(trial.criteria)):
            _, blocking = verdicts_and_failing(completion)
            if not blocking:
                return completion
            fixed = False
            for cid in sorted(blocking):
                for other in (k for k in others if k in reads[cid]):
                    for value in choices[other]:
                        candidate = {**completion, other: value}
                        if cid not in verdicts_and_failing(candidate)[1]:
                            completion, fixed = candidate, True
                            break
                    if fixed:
                        break
                if fixed:
                    break
            if not fixed:
                return completion
        return completion

    def differs(completion: Mapping[str, Any]) -> bool:
        return len(verdicts_and_failing(completion)[0]) > 1

    start = {k: base[k] for k in others if k in base}
    starts = [repair(start)]
    for spec in trial.derived.values():
        # An input of a calculator only matters while the measured value stays unknown.
        if key in spec.inputs.values() and spec.measured in others:
            starts.append(repair({**start, spec.measured: None}))
    # Facts read by the same criteria as `key` first: they are the likeliest to unblock it.
    near = set(trial.criteria_reading(key))
    others.sort(key=lambda k: not near & set(trial.criteria_reading(k)))
    for greedy in starts:
        if differs(greedy):
            return True
        for other in others:
            for value in choices[other]:
                if differs({**greedy, other: value}):
                    return True
    rng = random.Random(seed)
    for _ in range(random_tries):
        if differs(repair({k: rng.choice(choices[k]) for k in others})):
            return True
    return False


def _expanded_reads(trial: Trial, cid: str) -> set[str]:
    """The facts criterion `cid` reads, derived values expanded into their facts."""
    out: set[str] = set()
    for name in trial.criterion(cid).reads:
        out |= set(trial.derived[name].facts()) if name in trial.derived else {name}
    return out
