"""`python -m bench.engine --smoke` runs quickly and writes its JSON results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import engine, parser
from bench.common import markdown_table, summarize_ms


def test_engine_bench_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert engine.main(["--smoke", "--results-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| operation |" in out and ("PASS" in out or "FAIL" in out)
    data = json.loads((tmp_path / "engine.json").read_text(encoding="utf-8"))
    for key in ("date", "python", "processor", "nproc", "population", "target_ms", "target_met"):
        assert key in data, key
    assert data["population"] == 50 and data["smoke"] is True
    for block in ("evaluate", "plan", "assess"):
        stats = data[block]
        for key in ("calls", "per_s", "mean_ms", "p50_ms", "p95_ms", "p99_ms"):
            assert isinstance(stats[key], (int, float)) and stats[key] > 0, (block, key)
        assert stats["p50_ms"] <= stats["p95_ms"] <= stats["p99_ms"] <= stats["max_ms"]
    assert sum(data["outcomes"].values()) == 50


def test_population_is_seeded_and_valid() -> None:
    from bot.criteria import get_trial
    from bot.engine import validate_facts

    trial = get_trial()
    first = engine.population(trial, 30, seed=1)
    assert first == engine.population(trial, 30, seed=1)
    assert first != engine.population(trial, 30, seed=2)
    for facts in first:
        validate_facts(trial, facts)


def test_common_helpers() -> None:
    stats = summarize_ms([1_000_000] * 98 + [5_000_000, 9_000_000])
    assert stats["p50_ms"] == 1.0 and stats["p99_ms"] == 5.0 and stats["max_ms"] == 9.0
    assert stats["mean_ms"] == pytest.approx(1.12)
    table = markdown_table(["a", "b"], [[1, 0.5], ["x", 12345.678]])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| 1 | 0.5000 |", "| x | 12,345.7 |"]


def test_parser_bench_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert parser.main(["--smoke", "--results-dir", str(tmp_path)]) == 0
    assert "| answers |" in capsys.readouterr().out
    data = json.loads((tmp_path / "parser.json").read_text(encoding="utf-8"))
    assert data["smoke"] is True
    for block in ("all", "yes/no", "long"):
        assert data["stats"][block]["p50_ms"] <= data["stats"][block]["max_ms"]
