"""A real SQLite store per test and a patient talking to bot.dialogue (no Rasa, no mocks)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from bot.criteria import get_trial
from bot.dialogue import Message, Reply, respond
from bot.store.db import dispose_engines, get_engine, migrate

TRIAL = get_trial()


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    dispose_engines()
    migrate(url)
    yield url
    dispose_engines()


class Patient:
    """One conversation: slots kept between messages as Rasa keeps them."""

    def __init__(self, conversation_id: str = "conv-1") -> None:
        self.conversation_id = conversation_id
        self.slots: dict[str, Any] = {}
        self.replies: list[Reply] = []

    def say(
        self, text: str, intent: str = "inform", confidence: float = 0.9, turn: str | None = None
    ) -> Reply:
        reply = respond(
            TRIAL, self.conversation_id, self.slots, Message(text, intent, confidence), turn
        )
        self.slots.update(reply.slots)
        self.replies.append(reply)
        return reply

    def texts(self, reply: Reply | None = None) -> list[str]:
        return [m.text for m in (reply or self.replies[-1]).messages]

    def start(self, respondent: str = "for myself") -> None:
        self.say("hi", "greet")
        self.say("yes", "affirm")
        self.say(respondent)


@pytest.fixture
def patient() -> Patient:
    return Patient()


@pytest.fixture
def commits(database: str) -> Iterator[list[str]]:
    """The store's transactions (commits) counted on the real engine."""
    seen: list[str] = []
    engine = get_engine(database)

    def on_commit(_connection: Any) -> None:
        seen.append("commit")

    event.listen(engine, "commit", on_commit)
    yield seen
    event.remove(engine, "commit", on_commit)
