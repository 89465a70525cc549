"""What the bot costs to build and to keep running: training time and resident memory.

    python -m bench.cost            # cold + cached `rasa train`, memory after a short load run
    python -m bench.cost --smoke    # memory only (no training), a few turns

Training: `rasa train` on the project's config, domain and data, into a temporary `--out`
directory with its own training cache (RASA_CACHE_DIRECTORY in a temporary directory, so the
project's models/ and .rasa/ are not touched):

* cold — `--force`, empty cache: every component is trained;
* cached — the same command again with unchanged data and the cache of the cold run (Rasa 3
  reuses every cached component; this is what a developer waits for after an unrelated edit).

Memory: VmRSS (and the peak, VmHWM) from /proc/<pid>/status of the Rasa server and the action
server after a latency run (bench.latency; standalone: a short one at 10 concurrent
conversations), and of the stack's web app (`uvicorn bot.web.app:create_app --factory`) after a
few page loads. The model archive sizes are listed too.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from bench.common import markdown_table, publish
from bench.stack import BenchStack, load_average, rss_kib
from bot.stack import base_env

NAME = "cost"
TRAIN_TIMEOUT = 1800


def train(out: Path, cache: Path, *, force: bool) -> dict[str, Any]:
    """One `rasa train` of the project; wall time and the model size."""
    from bot.settings import ROOT

    command = [
        sys.executable, "-m", "rasa", "train",
        "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
        "--out", str(out), "--fixed-model-name", "bench", "--quiet",
    ]  # fmt: skip
    if force:
        command.append("--force")
    log = out.parent / f"train-{out.name}.log"
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("wb") as sink:
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=base_env(RASA_CACHE_DIRECTORY=str(cache)),
            stdout=sink,
            stderr=subprocess.STDOUT,
            timeout=TRAIN_TIMEOUT,
        )
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"rasa train failed:\n{log.read_text(errors='replace')[-3000:]}")
    model = out / "bench.tar.gz"
    return {
        "wall_s": wall,
        "force": force,
        "model_bytes": model.stat().st_size if model.exists() else None,
    }


def training(workdir: Path) -> dict[str, Any]:
    cache = workdir / "rasa-cache"
    before = load_average()
    cold = train(workdir / "cold", cache, force=True)
    cached = train(workdir / "cached", cache, force=False)
    return {"cold": cold, "cached": cached, "load_average_before": before}


def web_app_memory(stack: BenchStack, page_loads: int = 20) -> dict[str, Any]:
    """The stack's web app: load the patient page a few times, then read its RSS."""
    url = f"{stack.web_url}/"
    ok = sum(1 for _ in range(page_loads) if httpx.get(url, timeout=10).status_code < 400)
    return {
        "startup_s": stack.stack.startup_s.get("web"),
        "page_loads": page_loads,
        "page_loads_ok": ok,
        **rss_kib(stack.pids["web_app"]),
    }


def memory(stack: BenchStack | None, smoke: bool) -> dict[str, Any]:
    """RSS of Rasa, the action server and the web app after a latency run."""
    from bench import latency

    own = stack is None
    if stack is None:
        stack = BenchStack().start()
    try:
        if own:
            levels = (2,) if smoke else (10,)
            latency.run_ours(
                stack, levels, turns=4 if smoke else 12, budget_s=60, seed=1, smoke=smoke
            )
        out: dict[str, Any] = dict(stack.memory())
        out["web_app"] = web_app_memory(stack, page_loads=3 if smoke else 20)
        out["after"] = "a latency run" if own else "the agreement and latency runs"
    finally:
        if own:
            stack.stop()
    return out


def run(
    *, smoke: bool, stack: BenchStack | None = None, train_models: bool = True
) -> dict[str, Any]:
    from bot.settings import ROOT

    result: dict[str, Any] = {}
    if train_models and not smoke:
        with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
            result["training"] = training(Path(tmp))
    result["memory_kib"] = memory(stack, smoke)
    model = ROOT / "models" / "prescreen.tar.gz"
    result["model_bytes"] = model.stat().st_size if model.exists() else None
    from bench import stock_bot

    stock = stock_bot.cached_model()
    result["stock_model_bytes"] = stock.stat().st_size if stock.exists() else None
    result["stock_train_s"] = stock_bot.cached_train_s()
    result["load_average_after"] = load_average()
    return result


def report(result: dict[str, Any]) -> str:
    lines = ["Cost — training time and resident memory", ""]
    if "training" in result:
        t = result["training"]
        rows = [
            ["rasa train, cold (--force, empty cache)", f"{t['cold']['wall_s']:.0f}"],
            ["rasa train, cached (unchanged data)", f"{t['cached']['wall_s']:.0f}"],
        ]
        if result.get("stock_train_s"):
            rows.append(["stock `rasa init` bot, first training", f"{result['stock_train_s']:.0f}"])
        lines += [markdown_table(["training", "wall s"], rows), ""]
    rows = []
    labels = {"rasa_server": "Rasa server", "action_server": "action server", "web_app": "web app"}
    for key, label in labels.items():
        mem = result["memory_kib"].get(key) or {}
        if mem.get("rss_kib"):
            rows.append([label, f"{mem['rss_kib'] / 1024:.0f}", f"{mem['hwm_kib'] / 1024:.0f}"])
        elif mem.get("error"):
            rows.append([label, "n/a", mem["error"][:80]])
    lines.append(markdown_table(["process", "RSS MiB", "peak MiB"], rows))
    if result.get("model_bytes"):
        lines.append(f"\nModel archive: {result['model_bytes'] / 1e6:.1f} MB")
    lines.append(f"Memory measured after {result['memory_kib'].get('after')}.")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cost", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="memory only, a few turns")
    parser.add_argument("--no-train", action="store_true", help="skip the two trainings")
    parser.add_argument("--results-dir", type=Path, default=None, help="default bench/results/")
    args = parser.parse_args(argv)
    result = run(smoke=args.smoke, train_models=not args.no_train)
    publish(NAME, result, report, args.results_dir, smoke=args.smoke)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
