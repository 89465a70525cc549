"""Fixtures that run the real Rasa server and action server over HTTP (marked `stack`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stack.harness import Stack, running_stack


@pytest.fixture(scope="package")
def stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(trained_model, tmp_path_factory.mktemp("stack")) as running:
        yield running
