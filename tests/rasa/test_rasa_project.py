"""The Rasa project itself: data validates, domain matches the trial file, test stories pass."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.cli import main as prescreen
from bot.criteria import get_trial
from bot.rasa_domain import DOMAIN_PATH, build_domain
from bot.settings import ROOT

ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


def test_domain_is_generated_from_the_trial_file() -> None:
    assert prescreen(["domain"]) == 0, "run `prescreen domain --write`"


def test_every_fact_key_is_a_slot_and_every_intent_goes_to_the_turn_action() -> None:
    """One action handles every message: a rule per intent of the domain (and the NLU
    fallback), and one `ask_<topic>` intent per topic of the trial file."""
    trial = get_trial()
    domain = build_domain(trial)
    assert set(trial.facts) <= set(domain["slots"]) and "language" in domain["slots"]
    assert domain["actions"] == ["action_turn"] and "forms" not in domain
    assert {f"ask_{name}" for name in trial.topics} <= set(domain["intents"])
    assert "ask_car_t" not in domain["intents"]
    rules = yaml.safe_load((ROOT / "data" / "rules" / "turn.yml").read_text())["rules"]
    routed = {rule["steps"][0]["intent"]: rule["steps"][1]["action"] for rule in rules}
    assert routed == dict.fromkeys([*domain["intents"], "nlu_fallback"], "action_turn")
    assert DOMAIN_PATH.exists()


def test_rasa_data_validate() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings"],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.stack
def test_end_to_end_test_stories(trained_model: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "test",
            "core",
            "--model",
            str(trained_model),
            "--stories",
            str(ROOT / "tests" / "rasa" / "test_stories.yml"),
            "--fail-on-prediction-errors",
            "--out",
            str(tmp_path / "results"),
        ],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=600,
    )
    failed = tmp_path / "results" / "failed_test_stories.yml"
    detail = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, detail + result.stdout[-3000:] + result.stderr[-3000:]
