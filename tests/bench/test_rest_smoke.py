"""Smoke runs of the REST benchmarks against one real stack (slow: marked `stack`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import agreement, cost, latency, stock_bot
from bench.common import save_results
from bench.stack import BenchStack

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def bench_stack(trained_model: Path) -> Iterator[BenchStack]:
    with BenchStack() as stack:
        yield stack


def saved(name: str, result: dict, tmp_path: Path) -> dict:
    return json.loads(save_results(name, result, tmp_path).read_text())


def test_agreement_smoke(bench_stack: BenchStack, tmp_path: Path) -> None:
    result = agreement.run(5, 20251124, 5, stack=bench_stack)
    data = saved("agreement", result, tmp_path)
    assert data["patients_run"] == 5 and data["turns"] > 5 * 3
    assert 0 <= data["outcome_agreement"]["rate"] <= 1
    assert isinstance(data["wrongly_excluded"]["count"], int)
    assert data["turn_latency"]["p95_ms"] > 0
    assert not data["conversations_not_finished"], data["conversations_not_finished"]
    assert len(data["disagreements"]) == 5 - data["outcome_and_flags_agreement"]["agree"]
    assert "| measure | value |" in agreement.report(result)
    # issue 11: every kind of patient, the pending question from the tracker, messages counted
    assert data["kinds"] == {"one_by_one": 2, "storyteller": 2, "paster": 1}
    assert data["pending_question_source"] == {"tracker": 5}
    assert sum(row["patients"] for row in data["agreement_by_kind"].values()) == 5
    counted = data["messages_to_result"]["by_outcome_and_kind"]
    assert sum(cell["all"]["n"] for cell in counted.values()) >= 5
    assert any(t.startswith("story:") for t in data["talk_styles"]), data["talk_styles"]
    assert data["readbacks"]["answered"] >= 1
    assert "| outcome | one_by_one | storyteller | paster |" in agreement.report(result)


def test_latency_smoke(bench_stack: BenchStack, tmp_path: Path) -> None:
    result = latency.run(
        levels=(1, 2), turns=4, budget_s=60, smoke=True, stack=bench_stack, stock=False,
        paced=(2, 0.2),
    )  # fmt: skip
    data = saved("latency", result, tmp_path)
    levels = data["ours"]["levels"]
    assert [lv["concurrent"] for lv in levels] == [1, 2]
    for lv in levels:
        assert lv["errors"] == 0 and lv["turns"] >= 4
        assert 0 < lv["p50_ms"] <= lv["p95_ms"] <= lv["p99_ms"] and lv["turns_per_s"] > 0
    assert data["ours"]["paced"]["turns"] >= 4 and data["ours"]["paced"]["think_s"] == 0.2
    assert data["ours"]["memory_after_kib"]["rasa_server"]["rss_kib"] > 0
    assert "| bot | concurrent |" in latency.report(result)


@pytest.mark.skipif(not stock_bot.cached_model().exists(), reason="stock model not trained yet")
def test_stock_bot_smoke(tmp_path: Path) -> None:
    result = latency.run_stock(tmp_path, (1,), turns=4, budget_s=60, smoke=True)
    assert result["trained_now"] is False
    (level,) = result["levels"]
    assert level["errors"] == 0 and level["turns"] == 4 and level["p95_ms"] > 0


def test_cost_smoke(bench_stack: BenchStack, tmp_path: Path) -> None:
    result = cost.run(smoke=True, stack=bench_stack)
    data = saved("cost", result, tmp_path)
    memory = data["memory_kib"]
    for process in ("rasa_server", "action_server", "web_app"):
        assert memory[process]["rss_kib"] > 10_000, (process, memory[process])
    assert data["model_bytes"] > 0
    assert "| process | RSS MiB |" in cost.report(result)


def test_run_smoke(bench_stack: BenchStack, tmp_path: Path) -> None:
    """bench.run end to end on the shared stack (the stock bot has its own test above)."""
    from bench import run

    argv = ["--smoke", "--no-stock", "--no-train", "--results-dir", str(tmp_path)]
    assert run.main(argv, stack=bench_stack) == 0
    for name in ("questions", "engine", "agreement", "latency", "cost"):
        data = json.loads((tmp_path / f"{name}.json").read_text())
        assert data["smoke"] is True and "date" in data, name
    summary = (tmp_path / "summary.md").read_text()
    assert "## Benchmarks" in summary and "| outcome |" in summary
