"""Fixtures for the patient page: the real app in-process, with a fake Rasa REST channel.

Rasa is not our code: here it is an `httpx.MockTransport` that records what the proxy sent
and answers what the test tells it to. A real, migrated SQLite file stands in for the store.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from bot.criteria import get_trial
from bot.store.db import dispose_engines, migrate
from bot.web.app import create_app
from bot.web.config import WebSettings
from bot.web.rasa_client import RasaClient
from bot.web.security import limiter

SECRET = "test-secret-key-for-patient-tests"
RASA_URL = "http://rasa.test"

#: Rasa 3.6 SQLTrackerStore.SQLEvent (rasa/core/tracker_store.py), for transcript rows.
EVENTS = sa.Table(
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


class FakeRasa:
    """Records each REST-channel request; answers with `reply` (a list, a status, or raises)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.reply: Any = [{"recipient_id": "x", "text": "Hello from the bot"}]
        self.status = 200
        self.error: Exception | None = None

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/webhooks/rest/webhook"
        self.received.append(json.loads(request.content))
        if self.error is not None:
            raise self.error
        if isinstance(self.reply, (bytes, str)):
            return httpx.Response(self.status, content=self.reply)
        return httpx.Response(self.status, json=self.reply)

    @property
    def senders(self) -> list[str]:
        return [r["sender"] for r in self.received]

    @property
    def messages(self) -> list[str]:
        return [r["message"] for r in self.received]


def make_settings(**changes: Any) -> WebSettings:
    values: dict[str, Any] = {
        "rasa_url": RASA_URL,
        "rasa_token": "test-token",
        "secret_key": SECRET,
        "trial_id": get_trial().id,
        "secure_cookies": False,
    }
    values.update(changes)
    return WebSettings(**values)


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    """The limiter is module-global: every test starts with a clean count."""
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture(autouse=True)
def _no_default_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Never touch var/prescreen.db: point the store at a (not yet created) temp file."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'unused.db'}")
    yield
    dispose_engines()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sa.engine.Engine]:
    """A migrated store with Rasa's events table, used by the app through DATABASE_URL."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    migrate(url)
    engine = sa.create_engine(url, future=True)
    EVENTS.metadata.create_all(engine)
    monkeypatch.setenv("DATABASE_URL", url)
    yield engine
    engine.dispose()


def add_events(engine: sa.engine.Engine, sender: str, lines: list[tuple[str, str, Any]]) -> None:
    """Rasa-like rows: ("user" | "bot", text, buttons or None), plus an action row between."""
    with engine.begin() as connection:
        for stamp, (kind, text, buttons) in enumerate(lines, start=1):
            data: dict[str, Any] = {"event": kind, "timestamp": 1_700_000_000.0 + stamp}
            data["text"] = text
            if kind == "bot":
                data["data"] = {"buttons": buttons, "elements": None}
            connection.execute(
                EVENTS.insert(),
                [
                    {"sender_id": sender, "type_name": "action", "timestamp": 1.0, "data": "{}"},
                    {
                        "sender_id": sender,
                        "type_name": kind,
                        "timestamp": data["timestamp"],
                        "data": json.dumps(data),
                    },
                ],
            )


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa()


AppFactory = Callable[..., TestClient]


@pytest.fixture
def make_client(fake_rasa: FakeRasa) -> Iterator[AppFactory]:
    """`make_client(**settings)`: a started app (lifespan run) talking to `fake_rasa`."""
    started: list[TestClient] = []

    def build(*, real_rasa: bool = False, **changes: Any) -> TestClient:
        settings = make_settings(**changes)
        app = create_app(settings)
        if not real_rasa:
            transport = httpx.MockTransport(fake_rasa.handler)
            app.state.rasa = RasaClient(settings.rasa_url, transport=transport)
        client = TestClient(app)
        client.__enter__()
        started.append(client)
        return client

    yield build
    for client in started:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: AppFactory) -> TestClient:
    return make_client()


def csrf_headers(client: TestClient) -> dict[str, str]:
    """Load the page (which sets the csrftoken cookie) and return the matching header."""
    if "csrftoken" not in client.cookies:
        assert client.get("/").status_code == 200
    return {"x-csrftoken": client.cookies["csrftoken"]}
