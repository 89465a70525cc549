"""Questions to a decision: the engine + planner driven directly with exact values (no chat).

    python -m bench.questions            # the 500-patient population
    python -m bench.questions --smoke    # 20 patients, well under 5 s

For every simulated patient the planner picks the next question, the patient's true value (or
"don't know" → null) is filled in, until the engine stops asking. Reported per outcome: mean /
median / p95 questions asked, against two linear forms:

* ``linear_all`` — every askable question of the trial asked in order (36);
* ``linear_applicable`` — the same form with the usual skip logic, i.e. only the questions that
  apply to this patient: pregnancy only for females, ketoacidosis and the three glucose values only
  for diabetics, the three biopsy questions only with lupus nephritis. **The target uses this
  one** (the fair comparison).

Targets (reported, not asserted): median ≤ 6 questions for patients who turn out ineligible;
overall mean ≤ 1/3 of the linear form. Also checked: the engine + planner's outcome and flags
agree with the independent ground truth of bench/truth.py on every patient (target 100 %);
every disagreement is listed.
"""

from __future__ import annotations

import argparse
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import markdown_table, publish
from bench.population import DEFAULT_SEED, DEFAULT_SIZE, Profile, generate
from bench.truth import ASKABLE, expected_after_chat, failing_criteria

NAME = "questions"
TARGET_MEDIAN_INELIGIBLE = 6
TARGET_RATIO = 1 / 3
MAX_QUESTIONS = 80

CONDITIONAL = {
    "pregnant_or_breastfeeding": ("sex", "female"),
    "diabetic_ketoacidosis": ("diabetes", True),
    "fasting_glucose_mmol_l": ("diabetes", True),
    "postprandial_glucose_mmol_l": ("diabetes", True),
    "hba1c_percent": ("diabetes", True),
    "biopsy_class": ("lupus_nephritis", True),
    "biopsy_months_ago": ("lupus_nephritis", True),
    "ln_no_remission": ("lupus_nephritis", True),
}


def linear_applicable(profile: Profile) -> int:
    """Questions a paper form with skip logic would ask this patient."""
    count = 0
    for key in ASKABLE:
        condition = CONDITIONAL.get(key)
        if condition is None or profile.chat_value(condition[0]) == condition[1]:
            count += 1
    return count


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, -(-len(ordered) * p // 100) - 1))
    return float(ordered[int(index)])


def simulate(trial: Any, profile: Profile) -> tuple[Any, list[str]]:
    """Ask what the planner asks, answer with the profile's values; return (assessment, asked)."""
    from bot.engine import assess

    facts: dict[str, Any] = {}
    asked: list[str] = []
    for _ in range(MAX_QUESTIONS):
        assessment = assess(trial, facts)
        if assessment.outcome != "incomplete":
            return assessment, asked
        key = assessment.next_question
        if key is None or key in facts:
            raise RuntimeError(f"{profile.id}: planner asked {key!r} again or nothing")
        facts[key] = profile.chat_value(key)
        asked.append(key)
    raise RuntimeError(f"{profile.id}: more than {MAX_QUESTIONS} questions")


def stats(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "mean": statistics.fmean(values),
        "median": statistics.median(values),
        "p95": percentile(values, 95),
        "max": max(values),
    }


def run(size: int, seed: int) -> dict[str, Any]:
    from bot.criteria import get_trial

    trial = get_trial()
    profiles = generate(size, seed)
    linear_all = len([f for f in trial.askable_facts()])
    by_outcome: dict[str, list[int]] = defaultdict(list)
    ratio_by_outcome: dict[str, list[float]] = defaultdict(list)
    applicable_by_outcome: dict[str, list[int]] = defaultdict(list)
    by_criterion: dict[str, list[int]] = defaultdict(list)
    disagreements: list[dict[str, Any]] = []
    not_applicable_asked: Counter[str] = Counter()
    all_questions: list[int] = []
    all_applicable: list[int] = []
    for profile in profiles:
        assessment, asked = simulate(trial, profile)
        expected = expected_after_chat(profile.facts, profile.unknown)
        got_flags = {(f.fact, f.kind) for f in assessment.follow_up}
        outcome = assessment.outcome
        if outcome != expected.outcome or got_flags != set(expected.flags):
            disagreements.append(
                {
                    "patient": profile.id,
                    "scenario": profile.scenario,
                    "expected_outcome": expected.outcome,
                    "engine_outcome": outcome,
                    "flags_missing": sorted(map(list, set(expected.flags) - got_flags)),
                    "flags_extra": sorted(map(list, got_flags - set(expected.flags))),
                    "criteria_expected": expected.statuses,
                    "criteria_engine": assessment.evaluation.statuses(),
                    "asked": asked,
                }
            )
        for key in asked:
            condition = CONDITIONAL.get(key)
            if condition and profile.chat_value(condition[0]) != condition[1]:
                not_applicable_asked[key] += 1
        applicable = linear_applicable(profile)
        n = len(asked)
        by_outcome[outcome].append(n)
        applicable_by_outcome[outcome].append(applicable)
        ratio_by_outcome[outcome].append(n / applicable)
        all_questions.append(n)
        all_applicable.append(applicable)
        if outcome == "ineligible":
            chat_known = {k: profile.chat_value(k) for k in ASKABLE}
            first = failing_criteria(chat_known)
            by_criterion[first[0] if first else "?"].append(n)
    mean_questions = statistics.fmean(all_questions)
    mean_applicable = statistics.fmean(all_applicable)
    ineligible = by_outcome.get("ineligible", [])
    median_ineligible = statistics.median(ineligible) if ineligible else 0.0
    result: dict[str, Any] = {
        "trial": trial.id,
        "population": size,
        "seed": seed,
        "linear_all": linear_all,
        "linear_basis": "linear_applicable (skip logic: pregnancy only for females, diabetes "
        "details only for diabetics, biopsy questions only with lupus nephritis)",
        "overall": {
            **stats(all_questions),
            "linear_applicable_mean": mean_applicable,
            "ratio_to_linear_applicable": mean_questions / mean_applicable,
            "ratio_to_linear_all": mean_questions / linear_all,
        },
        "by_outcome": {
            outcome: {
                **stats(values),
                "linear_applicable_mean": statistics.fmean(applicable_by_outcome[outcome]),
                "mean_ratio": statistics.fmean(ratio_by_outcome[outcome]),
            }
            for outcome, values in sorted(by_outcome.items())
        },
        "ineligible_by_first_failing_criterion": {
            cid: stats(values) for cid, values in sorted(by_criterion.items(), key=_criterion_order)
        },
        "not_applicable_questions_asked": dict(not_applicable_asked),
        "agreement": {
            "patients": size,
            "agree": size - len(disagreements),
            "rate": (size - len(disagreements)) / size,
            "disagreements": disagreements,
        },
        "targets": {
            "median_ineligible": {
                "target": TARGET_MEDIAN_INELIGIBLE,
                "value": median_ineligible,
                "met": median_ineligible <= TARGET_MEDIAN_INELIGIBLE,
            },
            "mean_ratio": {
                "target": TARGET_RATIO,
                "value": mean_questions / mean_applicable,
                "met": mean_questions / mean_applicable <= TARGET_RATIO,
            },
            "agreement": {
                "target": 1.0,
                "value": (size - len(disagreements)) / size,
                "met": not disagreements,
            },
        },
    }
    return result


def _criterion_order(item: tuple[str, Any]) -> tuple[int, int]:
    cid = item[0]
    if cid == "?":
        return (2, 0)
    return (0 if cid.startswith("I") else 1, int(cid[1:]))


def _f(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else f"{value:.1f}"
    return str(value)


def report(result: dict[str, Any]) -> str:
    rows = []
    for outcome, block in result["by_outcome"].items():
        rows.append(
            [
                outcome,
                block["n"],
                _f(block["mean"]),
                _f(float(block["median"])),
                _f(block["p95"]),
                _f(block["linear_applicable_mean"]),
                f"{block['mean_ratio']:.2f}",
            ]
        )
    overall = result["overall"]
    rows.append(
        [
            "all",
            overall["n"],
            _f(overall["mean"]),
            _f(float(overall["median"])),
            _f(overall["p95"]),
            _f(overall["linear_applicable_mean"]),
            f"{overall['ratio_to_linear_applicable']:.2f}",
        ]
    )
    table = markdown_table(
        ["outcome", "patients", "mean", "median", "p95", "linear form (applicable)", "ratio"],
        rows,
    )
    crit_rows = [
        [cid, b["n"], _f(b["mean"]), _f(float(b["median"])), _f(b["p95"])]
        for cid, b in result["ineligible_by_first_failing_criterion"].items()
    ]
    crit_table = markdown_table(
        ["first failing criterion", "patients", "mean", "median", "p95"], crit_rows
    )
    t = result["targets"]
    agreement = result["agreement"]

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    lines = [
        f"Questions to a decision — engine + planner with exact values, {result['population']} "
        f"patients (seed {result['seed']}); linear form: {result['linear_all']} askable "
        f"questions, {overall['linear_applicable_mean']:.1f} applicable on average",
        "",
        table,
        "",
        "Ineligible patients by the criterion that excluded them (spec order):",
        "",
        crit_table,
        "",
        f"{verdict(t['median_ineligible']['met'])}: median questions for ineligible patients "
        f"{t['median_ineligible']['value']} (target ≤ {TARGET_MEDIAN_INELIGIBLE})",
        f"{verdict(t['mean_ratio']['met'])}: mean questions / linear form (applicable) "
        f"{t['mean_ratio']['value']:.2f} (target ≤ {TARGET_RATIO:.2f}); vs all "
        f"{result['linear_all']} questions {overall['ratio_to_linear_all']:.2f}",
        f"{verdict(t['agreement']['met'])}: engine + planner agree with the ground truth on "
        f"{agreement['agree']}/{agreement['patients']} patients (outcome and flags)",
    ]
    if result["not_applicable_questions_asked"]:
        lines.append(
            f"questions asked that did not apply: {result['not_applicable_questions_asked']}"
        )
    for d in agreement["disagreements"]:
        lines.append(
            f"  - {d['patient']} ({d['scenario']}): expected {d['expected_outcome']}, engine "
            f"{d['engine_outcome']}; flags missing {d['flags_missing']}, extra {d['flags_extra']}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.questions", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="20 patients")
    parser.add_argument("--size", type=int, default=None, help=f"default {DEFAULT_SIZE}")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--results-dir", type=Path, default=None, help="default bench/results/")
    args = parser.parse_args(argv)
    size = args.size or (20 if args.smoke else DEFAULT_SIZE)
    result = run(size, args.seed)
    publish(NAME, result, report, args.results_dir, smoke=args.smoke)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
