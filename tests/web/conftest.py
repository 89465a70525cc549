"""Shared fixtures for the web tests (patient page and staff app).

Generic pieces only: settings for tests, a real temporary SQLite store migrated with
`migrate()` (used by the app through ``DATABASE_URL``), Rasa's ``events`` table, and an app
factory around `bot.web.app.create_app`. Area-specific fixtures live in each sub-package.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from bot.criteria import get_trial
from bot.store.db import dispose_engines, get_engine, migrate
from bot.web.config import WebSettings
from bot.web.security import limiter

WEB_TEST_SECRET = "test-secret-key-for-web-tests-0123456789"

#: Rasa 3.6 SQLTrackerStore.SQLEvent, column for column (rasa/core/tracker_store.py).
RASA_EVENTS = sa.Table(
    "events",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


def web_settings(**changes: Any) -> WebSettings:
    """WebSettings for tests (no network, a fixed secret); override any field."""
    values: dict[str, Any] = {
        "rasa_url": "http://rasa.invalid",
        "rasa_token": "test-token",
        "secret_key": WEB_TEST_SECRET,
        "trial_id": get_trial().id,
        "secure_cookies": False,
    }
    values.update(changes)
    return WebSettings(**values)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """slowapi's limiter is module-global: every test starts with clean counters."""
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def web_db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated SQLite file of its own, which the app uses through DATABASE_URL."""
    url = f"sqlite:///{tmp_path / 'web.db'}"
    migrate(url)
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    dispose_engines()


EventAdder = Callable[..., None]


@pytest.fixture
def rasa_events(web_db_url: str) -> EventAdder:
    """Create Rasa's ``events`` table; returns ``add(sender, "user" | "bot", text, at=None)``."""
    engine = get_engine(web_db_url)
    RASA_EVENTS.metadata.create_all(engine)

    def add(sender: str, type_name: str, text: str | None = None, at: Any = None) -> None:
        if isinstance(at, datetime):
            stamp = at.timestamp()
        else:
            stamp = time.time() if at is None else float(at)
        data: dict[str, Any] = {"event": type_name, "timestamp": stamp}
        if text is not None:
            data["text"] = text
        with engine.begin() as connection:
            connection.execute(
                RASA_EVENTS.insert().values(
                    sender_id=sender,
                    type_name=type_name,
                    timestamp=stamp,
                    intent_name=None,
                    action_name=None,
                    data=json.dumps(data),
                )
            )

    return add


AppFactory = Callable[..., FastAPI]


@pytest.fixture
def make_app(web_db_url: str) -> AppFactory:
    """``make_app(**settings_changes)``: `create_app` on the test database."""
    from bot.web.app import create_app

    def build(**changes: Any) -> FastAPI:
        return create_app(web_settings(**changes))

    return build
