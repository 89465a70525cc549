"""Answer-parser latency: parses per second and per-call timings over the real trial's facts.

`python -m bench.parser [--smoke]` prints a table and writes bench/results/parser.json; `make
bench` runs it too (bench.run).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import RESULTS_DIR, machine_info, markdown_table, publish, summarize_ms
from bot.answers import parse_answer
from bot.answers.pipeline import pipeline
from bot.criteria import get_trial

NAME = "parser"
TARGET_P95_MS = 5.0
#: (fact, text) pairs across every parser path: numbers, units, titres, durations, yes/no
#: with negation, don't-know, choices, ECOG words, and a 10 000-character message.
CASES: tuple[tuple[str, str], ...] = (
    ("age_years", "I'm thirty-four"),
    ("age_years", "34"),
    ("sex", "female"),
    ("sle_diagnosed", "yes, since 2015"),
    ("pregnant_or_breastfeeding", "No, I'm not pregnant"),
    ("neuro_condition", "I had a stroke years ago but not now"),
    ("severe_allergy", "not that I know of"),
    ("ecog", "I can look after myself but can't work"),
    ("glucocorticoid_mg_per_day", "about 15 mg"),
    ("biopsy_class", "V and IV"),
    ("biopsy_months_ago", "2 years ago"),
    ("ana_titer", "1:320"),
    ("lymphocytes_10e9_l", "1,400 per microliter"),
    ("fasting_glucose_mmol_l", "126 mg/dL"),
    ("serum_creatinine_mg_dl", "80 umol/L"),
    ("hba1c_percent", "8.6%"),
    ("egfr_ml_min", "I don't know"),
    ("diabetes", "banana"),
    ("age_years", "34 yes class IV 1:320 " * 500),
)


def run(rounds: int) -> dict[str, Any]:
    """Parse every case `rounds` times; per-call timings by answer kind."""
    trial = get_trial()
    started = time.perf_counter()
    pipeline()  # the spaCy/medspacy pipeline, built once per process
    build_s = time.perf_counter() - started
    for key, text in CASES:  # warm every path once
        parse_answer(text, trial.facts[key])
    samples: dict[str, list[int]] = {"all": [], "yes/no": [], "long": []}
    for _ in range(rounds):
        for key, text in CASES:
            fact = trial.facts[key]
            t0 = time.perf_counter_ns()
            parse_answer(text, fact)
            elapsed = time.perf_counter_ns() - t0
            samples["all"].append(elapsed)
            if fact.type == "boolean":
                samples["yes/no"].append(elapsed)
            if len(text) > 500:
                samples["long"].append(elapsed)
    stats = {name: summarize_ms(values) for name, values in samples.items()}
    return {
        "machine": machine_info(),
        "rounds": rounds,
        "build_s": build_s,
        "stats": stats,
        "counts": {name: len(values) for name, values in samples.items()},
        "targets": {
            "p95_ms": {
                "target": TARGET_P95_MS,
                "value": stats["all"]["p95_ms"],
                "met": stats["all"]["p95_ms"] < TARGET_P95_MS,
            }
        },
    }


def report(result: dict[str, Any]) -> str:
    """Markdown table and the target line."""
    rows = [
        [name, result["counts"][name], s["mean_ms"], s["p50_ms"], s["p95_ms"], s["p99_ms"]]
        for name, s in result["stats"].items()
    ]
    target = result["targets"]["p95_ms"]
    return "\n".join(
        [
            f"pipeline build: {result['build_s']:.2f} s (once per process, at action-server start)",
            markdown_table(["answers", "n", "mean ms", "p50 ms", "p95 ms", "p99 ms"], rows),
            f"{'PASS' if target['met'] else 'FAIL'}: p95 {target['value']:.3f} ms per parse "
            f"(target < {TARGET_P95_MS:g} ms)",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.parser", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a few rounds only")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    result = run(3 if args.smoke else 200)
    publish(NAME, result, report, args.results_dir, smoke=args.smoke)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
