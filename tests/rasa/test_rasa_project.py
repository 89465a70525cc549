"""The Rasa project itself: data validates, domain matches the trial file, test stories pass."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main as prescreen
from bot.criteria import get_trial
from bot.rasa_domain import DOMAIN_PATH, build_domain
from bot.settings import ROOT

ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


def test_domain_is_generated_from_the_trial_file() -> None:
    assert prescreen(["domain"]) == 0, "run `prescreen domain --write`"


def test_every_fact_key_is_a_slot_and_no_prescreen_slot_has_an_ask_action() -> None:
    """The validation action asks the pre-screen questions: an `action_ask_<fact>` or
    `utter_ask_<fact>` in the domain would make Rasa ask a second time."""
    trial = get_trial()
    domain = build_domain(trial)
    assert set(trial.facts) <= set(domain["slots"])
    names = set(domain["actions"]) | set(domain.get("responses", {}))
    for slot in domain["forms"]["prescreen_form"]["required_slots"]:
        for prefix in ("action_ask_", "action_ask_prescreen_form_", "utter_ask_"):
            assert f"{prefix}{slot}" not in names
    for slot in domain["forms"]["contact_form"]["required_slots"]:
        assert f"action_ask_{slot}" in domain["actions"]
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
