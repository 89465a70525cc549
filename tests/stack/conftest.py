"""Fixtures that run the real Rasa server and action server over HTTP (marked `stack`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import ROOT, load_settings
from tests.stack.harness import Stack, free_port


@pytest.fixture(scope="package")
def stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("stack")
    base = load_settings()
    settings = base.__class__(
        rasa_port=free_port(),
        action_port=free_port(),
        web_port=free_port(),
        rasa_token="test-token",
        trial_id=base.trial_id,
        models_dir=ROOT / "models",
        var_dir=workdir,
    )
    running = Stack(settings, f"sqlite:///{workdir / 'app.db'}", workdir)
    try:
        running.start(trained_model)
        yield running
    finally:
        running.stop()
