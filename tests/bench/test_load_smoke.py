"""bench.load reduced: 5 users for 15 s on the real stack through the web app's /chat, 0 errors,
every message stored once; and the same driver counts errors when the action server is gone
(slow: marked `stack`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import load
from bench.common import save_results
from bench.stack import BenchStack
from bot.i18n import t
from bot.web.patient import NO_REPLY


def _reply(*texts: str) -> str:
    """A ``POST /chat`` reply body."""
    return json.dumps({"messages": [{"text": text, "buttons": []} for text in texts]})


def test_replies_are_classified() -> None:
    """What the driver counts as an error (no stack needed)."""
    assert load.classify_reply(200, _reply("How old are you?"))[1] is None
    assert load.classify_reply(503, '{"error": "not available"}')[1] == "http_status"
    assert load.classify_reply(429, '{"error": "too many"}')[1] == "http_status"
    assert load.classify_reply(200, "not json")[1] == "unreadable_reply"
    assert load.classify_reply(200, '[{"text": "Rasa\'s shape"}]')[1] == "unreadable_reply"
    assert load.classify_reply(200, _reply())[1] == "empty_reply"
    assert load.classify_reply(200, _reply(t(NO_REPLY)))[1] == "empty_reply"
    assert load.classify_reply(200, _reply(t("dialogue.not_saved", "en")))[1] == "not_saved"
    assert load.classify_reply(200, _reply(t("dialogue.not_available", "en")))[1] == "try_again"


@pytest.fixture(scope="module")
def bench_stack(trained_model: Path) -> Iterator[BenchStack]:
    with BenchStack() as stack:
        yield stack


@pytest.mark.stack
def test_load_smoke(bench_stack: BenchStack, tmp_path: Path) -> None:
    result = load.run(
        users=5,
        duration_s=15,
        think_s=1.0,
        ramp_s=2.0,
        capacity_users=2,
        capacity_s=5,
        stack=bench_stack,
    )
    data = json.loads(save_results(load.NAME, result, tmp_path).read_text())
    paced, back_to_back = data["phases"]
    assert paced["users"] == 5 and paced["conversations_started"] >= 5
    # 5 users × 15 s ÷ (1 s think + reply) — at least a few turns each
    assert paced["turns"] >= 5 * 5, paced
    assert back_to_back["turns"] >= 5, back_to_back
    for phase in (paced, back_to_back):
        assert phase["errors"] == 0, phase["error_examples"]
        assert sum(phase["errors_by_kind"].values()) == 0
        assert 0 < phase["p50_ms"] <= phase["p95_ms"] <= phase["p99_ms"] <= phase["max_ms"]
        assert phase["turns_per_s"] > 0 and phase["wall_s"] < phase["duration_s"] + 35
        assert phase["conversations_started"] == (
            phase["conversations_finished"]
            + phase["conversations_cut_at_deadline"]
            + phase["conversations_turn_limit"]
            + phase["conversations_with_error"]
        )
    storage = data["storage"]
    assert storage["exactly_once"], storage["problems"]
    assert storage["messages_sent"] == paced["turns"] + back_to_back["turns"]
    assert storage["user_events_stored"] == storage["messages_sent"]
    assert storage["answers_accepted"] > 0
    assert data["targets"]["errors"]["met"] and data["targets"]["stored_exactly_once"]["met"]
    text = load.report(result)
    assert "| phase | users |" in text and "PASS: errors 0" in text


@pytest.mark.stack
def test_errors_are_counted_without_the_action_server(bench_stack: BenchStack) -> None:
    """Runs last in this module: it kills the shared stack's action server."""
    actions = next(
        p for p in bench_stack.stack.processes if "rasa_sdk" in " ".join(map(str, p.args))
    )
    actions.kill()
    actions.wait(timeout=10)
    result = load.run(
        users=2, duration_s=4, think_s=0.2, ramp_s=0.2, capacity_s=0, stack=bench_stack
    )
    (phase,) = result["phases"]
    assert phase["errors"] >= 2 and phase["errors_by_kind"]["empty_reply"] >= 2, phase
    assert phase["conversations_with_error"] == phase["conversations_started"]
    assert not result["targets"]["errors"]["met"]
    assert "FAIL: errors" in load.report(result)
    # the messages that got an empty reply were still stored, once each
    assert result["storage"]["exactly_once"], result["storage"]["problems"]
