"""Engine benchmark: evaluations/s, planner calls/s and `assess` latency on a seeded population.

    python -m bench.engine            # 2000 fact sets
    python -m bench.engine --smoke    # ~50 fact sets, well under 2 s

The target (reported, not asserted): one full evaluation + next question (`assess`) ≤ 1 ms.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import markdown_table, publish, summarize_ms
from bot.criteria import Trial, get_trial
from bot.criteria.model import FactSpec
from bot.engine import assess, evaluate, plan

TARGET_MS = 1.0
NAME = "engine"

#: a realistic passing answer for every fact (female adult, refractory-SLE route, no diabetes).
PASSING: dict[str, Any] = {
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
    "biopsy_class": "IV",
    "biopsy_chronic_only": False,
    "biopsy_months_ago": 3,
    "ln_no_remission": True,
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
    "diabetic_ketoacidosis": False,
    "fasting_glucose_mmol_l": 6.0,
    "postprandial_glucose_mmol_l": 9.0,
    "hba1c_percent": 6.5,
    "serious_mental_illness": False,
    "organ_transplant": False,
    "pregnant_or_breastfeeding": False,
    "infection_serology_positive": False,
    "egfr_ml_min": 90,
    "serum_creatinine_mg_dl": 0.9,
    "skin_disease": False,
}


def _random_value(rng: random.Random, fact: FactSpec) -> Any:
    if fact.type == "boolean":
        return rng.random() < 0.5
    if fact.type == "choice":
        return rng.choice(fact.choices)
    low = fact.minimum if fact.minimum is not None else 0.0
    high = fact.maximum if fact.maximum is not None else 1000.0
    if fact.type == "integer":
        return rng.randint(int(low), int(high))
    return round(rng.uniform(low, high), 2)


def population(trial: Trial, size: int, seed: int = 20251114) -> list[dict[str, Any]]:
    """A seeded mix of fact sets like those the chat and staff produce:

    * a third: a dialogue stopped after a random number of questions (passing answers, some
      "don't know"), staff facts sometimes entered;
    * a third: a complete screening with one to three answers changed at random;
    * a third: every fact independently absent / unknown / passing / random.
    """
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    facts_list = list(trial.facts.values())
    for index in range(size):
        kind = index % 3
        facts: dict[str, Any] = {}
        if kind == 0:
            if rng.random() < 0.5:
                facts.update({f.key: PASSING.get(f.key) for f in facts_list if not f.askable})
            for _ in range(rng.randint(0, len(facts_list))):
                result = plan(trial, facts)
                if result.next_fact is None:
                    break
                key = result.next_fact
                facts[key] = None if rng.random() < 0.1 else PASSING.get(key)
        elif kind == 1:
            facts = {k: v for k, v in PASSING.items() if k in trial.facts}
            for fact in rng.sample(facts_list, rng.randint(1, 3)):
                facts[fact.key] = None if rng.random() < 0.3 else _random_value(rng, fact)
        else:
            for fact in facts_list:
                roll = rng.random()
                if roll < 0.3:
                    continue
                if roll < 0.4:
                    facts[fact.key] = None
                elif roll < 0.85 and fact.key in PASSING:
                    facts[fact.key] = PASSING[fact.key]
                else:
                    facts[fact.key] = _random_value(rng, fact)
        out.append(facts)
    return out


def _time_calls(func: Any, items: Sequence[Any]) -> list[int]:
    """Per-call wall time in ns, garbage collector paused (as timeit does)."""
    samples = []
    clock = time.perf_counter_ns
    enabled = gc.isenabled()
    gc.disable()
    try:
        for item in items:
            start = clock()
            func(item)
            samples.append(clock() - start)
    finally:
        if enabled:
            gc.enable()
    return samples


def run(size: int, seed: int, repeats: int) -> dict[str, Any]:
    trial = get_trial()
    facts_sets = population(trial, size, seed)
    # warm-up (imports, caches)
    for facts in facts_sets[:200]:
        assess(trial, facts)
    work = facts_sets * repeats
    evaluations = [evaluate(trial, f) for f in facts_sets] * repeats
    pairs = list(zip(work, evaluations, strict=False))

    eval_ns = _time_calls(lambda f: evaluate(trial, f), work)
    plan_ns = _time_calls(lambda p: plan(trial, p[0], p[1]), pairs)
    assess_ns = _time_calls(lambda f: assess(trial, f), work)

    outcomes: dict[str, int] = {}
    for facts in facts_sets:
        outcome = assess(trial, facts).outcome
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    def block(samples: list[int]) -> dict[str, float]:
        stats = summarize_ms(samples)
        return {"calls": len(samples), "per_s": len(samples) / (sum(samples) / 1e9), **stats}

    assess_stats = block(assess_ns)
    result: dict[str, Any] = {
        "trial": trial.id,
        "population": size,
        "seed": seed,
        "repeats": repeats,
        "outcomes": outcomes,
        "evaluate": block(eval_ns),
        "plan": block(plan_ns),
        "assess": assess_stats,
        "target_ms": TARGET_MS,
    }
    # Judged on p95: on a shared 2-CPU machine the last percent is other processes' noise.
    result["target_stat"] = "assess.p95_ms"
    result["target_met"] = assess_stats["p95_ms"] <= TARGET_MS
    return result


def report(result: dict[str, Any]) -> str:
    rows = []
    for name, label in (
        ("evaluate", "evaluate (all criteria)"),
        ("plan", "plan (given the evaluation)"),
        ("assess", "assess = evaluate + next question + flags"),
    ):
        b = result[name]
        rows.append(
            [
                label,
                b["calls"],
                round(b["per_s"]),
                b["mean_ms"],
                b["p50_ms"],
                b["p95_ms"],
                b["p99_ms"],
            ]
        )
    table = markdown_table(
        ["operation", "calls", "per s", "mean ms", "p50 ms", "p95 ms", "p99 ms"], rows
    )
    verdict = "PASS" if result["target_met"] else "FAIL"
    return (
        f"Engine benchmark — trial {result['trial']}, {result['population']} fact sets "
        f"(seed {result['seed']}, ×{result['repeats']}), outcomes {result['outcomes']}\n\n"
        f"{table}\n\n"
        f"{verdict}: assess p95 {result['assess']['p95_ms']:.4f} ms, mean "
        f"{result['assess']['mean_ms']:.4f} ms, p99 {result['assess']['p99_ms']:.4f} ms "
        f"(target: p95 ≤ {TARGET_MS} ms per full evaluation + next question)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a quick run (50 fact sets, < 2 s)")
    parser.add_argument("--size", type=int, default=None, help="population size (default 2000)")
    parser.add_argument("--seed", type=int, default=20251114)
    parser.add_argument("--repeats", type=int, default=None, help="passes over the population")
    parser.add_argument("--results-dir", type=Path, default=None, help="default bench/results/")
    args = parser.parse_args(argv)
    size = args.size or (50 if args.smoke else 2000)
    repeats = args.repeats or 3
    result = run(size, args.seed, repeats)
    publish(NAME, result, report, args.results_dir, smoke=args.smoke)
    return 0  # targets are reported, not asserted


if __name__ == "__main__":
    raise SystemExit(main())
