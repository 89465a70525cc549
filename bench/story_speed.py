"""How fast the parser reads a patient's story (issue 11 target: a message with a 10-fact story
parses in p95 ≤ 20 ms).

    python -m bench.story_speed             # 500 stories of 10 facts
    python -m bench.story_speed --smoke     # 50

The stories are bench.talkers' (the agreement benchmark's storytellers), told by the simulated
population with exactly 10 facts where the patient has that many to tell; each is read once by
`bot.answers.extract.extract_facts` (what the dialogue does with every message), after a
warm-up. Reported: p50 / p95 / p99 / max, and how many of the story's facts were read back.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import markdown_table, publish, summarize_ms
from bench.population import DEFAULT_SEED, generate
from bench.talkers import matches, story
from bench.truth import ASKABLE

NAME = "story_speed"
TARGET_P95_MS = 20.0
FACTS = 10


def run(size: int, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    from bot.answers.extract import extract_facts
    from bot.criteria import get_trial

    trial = get_trial()
    extract_facts("I'm a 34 year old woman with lupus since 2018", trial)  # warm-up
    samples: list[int] = []
    sizes: list[int] = []
    read_back = told = 0
    for profile in generate(size, seed):
        rng = random.Random(f"{seed}:{profile.id}")
        known = {k for k in ASKABLE if profile.knows(k)}
        said = story(profile.facts, known, profile.respondent, rng, size=FACTS)
        started = time.perf_counter_ns()
        found = extract_facts(said.text, trial)
        samples.append(time.perf_counter_ns() - started)
        sizes.append(len(said.values))
        stated = {c.fact: c.value for c in found if c.confidence == "stated"}
        told += len(said.values)
        read_back += sum(
            1 for k, v in said.values.items() if k in stated and matches(k, stated[k], v)
        )
    timing = summarize_ms(samples)
    return {
        "stories": size,
        "facts_per_story": {"target": FACTS, "mean": sum(sizes) / len(sizes), "min": min(sizes)},
        "parse": timing,
        "facts_read_back": {"told": told, "read": read_back},
        "targets": {
            "p95_ms": {
                "target": TARGET_P95_MS,
                "value": timing["p95_ms"],
                "met": timing["p95_ms"] <= TARGET_P95_MS,
            }
        },
    }


def report(result: dict[str, Any]) -> str:
    t = result["parse"]
    back = result["facts_read_back"]
    rows = [
        ["stories", result["stories"]],
        ["facts per story (mean / min)", f"{result['facts_per_story']['mean']:.1f} / "
         f"{result['facts_per_story']['min']}"],
        ["parse p50 / p95 / p99 / max (ms)",
         f"{t['p50_ms']:.1f} / {t['p95_ms']:.1f} / {t['p99_ms']:.1f} / {t['max_ms']:.1f}"],
        ["facts read back as told", f"{back['read']} of {back['told']}"],
    ]  # fmt: skip
    met = result["targets"]["p95_ms"]
    return "\n".join(
        [
            "Story parsing — extract_facts on one message telling 10 facts",
            "",
            markdown_table(["measure", "value"], rows),
            "",
            f"{'PASS' if met['met'] else 'FAIL'}: p95 {met['value']:.1f} ms "
            f"(target ≤ {TARGET_P95_MS:g} ms)",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.story_speed", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="50 stories")
    parser.add_argument("--size", type=int, default=None, help="default 500")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--results-dir", type=Path, default=None, help="default bench/results/")
    args = parser.parse_args(argv)
    size = args.size or (50 if args.smoke else 500)
    publish(NAME, run(size, args.seed), report, args.results_dir, smoke=args.smoke)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main())
