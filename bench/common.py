"""Helpers shared by the benchmarks: timing statistics, a markdown table, JSON results and the
end of every run (`publish`)."""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def summarize_ms(samples_ns: Sequence[int]) -> dict[str, float]:
    """mean, p50, p95, p99 and max of per-call timings (nanoseconds in, milliseconds out)."""
    if not samples_ns:
        raise ValueError("no samples")
    ordered = sorted(samples_ns)

    def pct(p: float) -> float:
        # nearest-rank percentile: the smallest value with at least p% of samples at or below it
        index = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
        return ordered[index] / 1e6

    return {
        "mean_ms": statistics.fmean(ordered) / 1e6,
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": ordered[-1] / 1e6,
    }


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def machine_info() -> dict[str, Any]:
    """Where the numbers were measured."""
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpu_model": _cpu_model(),
        "nproc": os.cpu_count(),
    }


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def save_results(name: str, data: dict[str, Any], results_dir: Path | None = None) -> Path:
    """Write `data` (plus machine info) to `<results_dir>/<name>.json` and return the path."""
    directory = Path(results_dir) if results_dir is not None else RESULTS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    payload = {"benchmark": name, **machine_info(), **data}
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def publish(
    name: str,
    result: dict[str, Any],
    report: Callable[[dict[str, Any]], str],
    results_dir: Path | None = None,
    *,
    smoke: bool,
    note: str = "",
) -> str:
    """The end of every benchmark's run: mark `smoke`, save the results as JSON
    (`save_results`), print the report and where the results went (then `note`); returns the
    report."""
    result["smoke"] = smoke
    path = save_results(name, result, results_dir)
    text = report(result)
    print(f"{text}\n\nsaved {path}{note}", flush=True)
    return text
