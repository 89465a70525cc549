"""`make bench`: every benchmark in one go, results in bench/results/ and a README-ready summary.

    python -m bench.run              # the full run (~20 min on 2 cores)
    python -m bench.run --smoke      # everything small (a couple of minutes, mostly start-up)

Order: questions to a decision (engine + planner, 500 patients) → the engine's, the answer
parser's and the story reader's own benchmarks (bench.engine, bench.parser,
bench.story_speed) → one real stack is started and shared by: agreement over REST (free-text
patients), latency of our bot at 1 / 10 / 50 concurrent conversations, then the stock
`rasa init` bot in the same run, the memory of Rasa, the action server and the web app, and
last the load benchmark (bench.load: 200 concurrent paced conversations for 180 s, then a short
back-to-back phase, then a check that every message and answer was stored exactly once) →
the stack is stopped → `rasa train` cold and cached.

To keep the whole run within ~20 minutes on 2 cores, the full run chats with the first 186
simulated patients (every scenario twice) rather than all 500 (`python -m bench.agreement` runs
500; `--agreement-size 500` here), and stops starting new agreement conversations after
`--agreement-budget-s`. Each latency level is bounded by `--latency-budget-s`.

Writes bench/results/<name>.json for questions, engine, agreement, latency, load and cost, and
bench/results/summary.md (date and machine from bench.common.machine_info).
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench import agreement, cost, engine, latency, load, questions, story_speed
from bench import parser as answer_parser
from bench.common import RESULTS_DIR, machine_info, publish
from bench.population import DEFAULT_SEED
from bench.stack import BenchStack


def _section(title: str, body: str) -> str:
    return f"### {title}\n\n{body.strip()}\n"


def summary_markdown(sections: list[tuple[str, str]], started: float, notes: list[str]) -> str:
    info = machine_info()
    head = [
        "## Benchmarks",
        "",
        f"Measured {info['date']} on {info['cpu_model'] or info['processor']} "
        f"({info['nproc']} CPUs), {info['platform']}, Python {info['python']}; "
        f"whole run {time.monotonic() - started:.0f} s. Reproduce with `make bench` "
        "(`python -m bench.run`).",
        "",
    ]
    head += [f"- {note}" for note in notes]
    if notes:
        head.append("")
    return "\n".join(head) + "\n" + "\n".join(_section(t, b) for t, b in sections)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="every benchmark, small")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--agreement-size", type=int, default=None, help="default 186")
    parser.add_argument("--agreement-budget-s", type=float, default=480.0)
    parser.add_argument("--concurrency", type=int, default=8, help="agreement conversations")
    parser.add_argument("--latency-levels", type=str, default="1,10,50")
    parser.add_argument("--latency-budget-s", type=float, default=120.0, help="per level")
    parser.add_argument("--load-users", type=int, default=load.DEFAULT_USERS)
    parser.add_argument("--load-duration-s", type=float, default=load.DEFAULT_DURATION_S)
    parser.add_argument(
        "--load-think-s", type=float, default=load.DEFAULT_THINK_S, help="mean pause per message"
    )
    parser.add_argument("--no-load", action="store_true", help="skip the load benchmark")
    parser.add_argument("--no-train", action="store_true", help="skip the cold/cached training")
    parser.add_argument("--no-stock", action="store_true", help="skip the stock rasa init bot")
    parser.add_argument("--results-dir", type=Path, default=None, help="default bench/results/")
    return parser


def main(argv: Sequence[str] | None = None, stack: BenchStack | None = None) -> int:
    """Run everything; `stack`: an already running stack to use instead of starting one."""
    return run_all(build_parser().parse_args(argv), stack)


def run_all(args: argparse.Namespace, stack: BenchStack | None = None) -> int:
    """Every benchmark; `stack`: an already running stack to use instead of starting one."""
    started = time.monotonic()
    results_dir = args.results_dir or RESULTS_DIR
    smoke = args.smoke
    sections: list[tuple[str, str]] = []
    notes: list[str] = []

    def done(
        name: str, title: str, result: dict[str, Any], report: Callable[[dict[str, Any]], str]
    ) -> None:
        so_far = f"  ({time.monotonic() - started:.0f} s so far)\n"
        sections.append(
            (title, publish(name, result, report, results_dir, smoke=smoke, note=so_far))
        )

    # 1. questions to a decision (no chat)
    q = questions.run(20 if smoke else questions.DEFAULT_SIZE, args.seed)
    done("questions", "Questions to a decision (engine + planner)", q, questions.report)

    # 2. the engine's and the answer parser's own benchmarks
    e = engine.run(50 if smoke else 2000, 20251114, 3)
    done("engine", "Engine speed", e, engine.report)
    pa = answer_parser.run(3 if smoke else 200)
    done("parser", "Answer parser speed", pa, answer_parser.report)
    st = story_speed.run(50 if smoke else 500, args.seed)
    done(story_speed.NAME, "Story parsing speed (10-fact stories)", st, story_speed.report)

    # 3–5. one real stack for agreement, latency and memory
    size = args.agreement_size or (5 if smoke else 186)
    levels = (1, 2) if smoke else tuple(int(x) for x in args.latency_levels.split(","))
    turns = 4 if smoke else 12
    with contextlib.ExitStack() as cleanup:
        if stack is None:
            stack = cleanup.enter_context(BenchStack())
        a = agreement.run(
            size, args.seed, args.concurrency, stack=stack, budget_s=args.agreement_budget_s
        )
        done("agreement", "Agreement of the full stack with the ground truth", a,
             agreement.report)  # fmt: skip
        lat = latency.run(
            paced=(2, 0.2) if smoke else (latency.TARGET_LEVEL, 2.0),
            levels=levels, turns=turns, budget_s=30 if smoke else args.latency_budget_s,
            seed=args.seed, smoke=smoke, stack=stack, stock=not args.no_stock,
        )  # fmt: skip
        done("latency", "Latency and throughput over REST", lat, latency.report)
        c = cost.run(smoke=smoke, stack=stack, train_models=False)
        if not args.no_load:  # last on the stack: it leaves hundreds of trackers behind
            ld = load.run(
                users=5 if smoke else args.load_users,
                duration_s=15 if smoke else args.load_duration_s,
                think_s=1.0 if smoke else args.load_think_s,
                ramp_s=2.0 if smoke else load.DEFAULT_RAMP_S,
                capacity_users=2 if smoke else load.DEFAULT_CAPACITY_USERS,
                capacity_s=5 if smoke else load.DEFAULT_CAPACITY_S,
                seed=args.seed,
                stack=stack,
            )
            done("load", "Load: concurrent paced conversations", ld, load.report)
    # 6. training time, with the stack stopped
    if not smoke and not args.no_train:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
            c["training"] = cost.training(Path(tmp))
    done("cost", "Cost: training time and memory", c, cost.report)

    if a["patients_run"] < questions.DEFAULT_SIZE:
        notes.append(
            f"Agreement ran the first {a['patients_run']} of the {questions.DEFAULT_SIZE} "
            "simulated patients (every scenario at least twice) to keep the run short; "
            "`python -m bench.agreement` runs all of them."
        )
    notes.append(
        f"Latency: {turns} patient messages per conversation; levels {list(levels)} concurrent "
        "conversations sending back to back (capacity), plus 10 conversations with a 2 s pause "
        "before each message; each level bounded in time; the stock bot keeps its trackers in "
        "memory, ours in SQLite."
    )
    if not args.no_load:
        notes.append(
            "Load: simulated patients chatting through the web app's /chat as browsers do "
            "(page load for the cookies, CSRF header; WEB_CHAT_RATE_LIMIT raised, since every "
            "simulated patient has the address 127.0.0.1), each pausing "
            + ("1" if smoke else f"{args.load_think_s:g}")
            + " s on average (0.5–1.5 ×) before every message, a new patient when a "
            "conversation ends; the storage check reads Rasa's events and the answers table."
        )
    text = summary_markdown(sections, started, notes)
    path = results_dir / "summary.md"
    path.write_text(text, encoding="utf-8")
    print(f"\nsaved {path}; whole run {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
