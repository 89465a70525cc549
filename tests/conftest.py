"""Shared fixtures: the trained Rasa model (trained once when the Rasa data changed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import load_settings
from bot.stack import train_if_needed


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The current model, cached in models/ under a fingerprint of config, domain and data."""
    return train_if_needed(load_settings())
