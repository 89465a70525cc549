"""`python -m bench.questions --smoke` runs in seconds and writes its numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import questions


def test_questions_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert questions.main(["--smoke", "--results-dir", str(tmp_path)]) == 0
    assert "| outcome |" in capsys.readouterr().out
    data = json.loads((tmp_path / "questions.json").read_text())
    assert data["population"] == 20 and data["smoke"] is True
    assert data["linear_all"] == 36
    overall = data["overall"]
    for key in ("mean", "median", "p95", "linear_applicable_mean", "ratio_to_linear_applicable"):
        assert isinstance(overall[key], (int, float)) and overall[key] > 0, key
    assert sum(b["n"] for b in data["by_outcome"].values()) == 20
    assert data["agreement"]["patients"] == 20
    assert data["agreement"]["disagreements"] == []  # engine + planner agree with the truth
    for target in data["targets"].values():
        assert isinstance(target["met"], bool)
