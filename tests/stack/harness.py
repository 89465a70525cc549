"""The real stack (action server + Rasa server) for tests, on free loopback ports with its own
database, and a patient chatting over Rasa's REST channel.

Starting and stopping the servers is bot.stack.Stack's job (shared with `make run` and the
benchmarks); which question a bot message asks is bench.asked's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench.asked import asked_fact
from bot.stack import Stack, free_port, stack_settings

__all__ = ["Chat", "Stack", "asked_fact", "free_port", "running_stack", "tracker_slots"]


@contextmanager
def running_stack(model: Path, workdir: Path, database_url: str | None = None) -> Iterator[Stack]:
    """A started Stack on free ports (its own SQLite file in `workdir` unless `database_url`),
    stopped afterwards."""
    settings = stack_settings(workdir, rasa_token="test-token")
    running = Stack(settings, database_url or f"sqlite:///{workdir / 'app.db'}", workdir)
    try:
        running.start(model)
        yield running
    finally:
        running.stop()


def tracker_slots(stack: Stack, sender: str) -> dict[str, Any]:
    """The conversation's slots as Rasa's tracker holds them (what outside tools read:
    `requested_slot`, `pending_facts`, `proposed_facts`, `lab_missing`)."""
    response = httpx.get(
        f"{stack.settings.rasa_url}/conversations/{sender}/tracker",
        params={"token": stack.settings.rasa_token},
        timeout=30,
    )
    response.raise_for_status()
    return dict(response.json()["slots"])


class Chat:
    """One patient's conversation over Rasa's REST channel."""

    def __init__(self, stack: Stack, sender: str) -> None:
        self.url = f"{stack.settings.rasa_url}/webhooks/rest/webhook"
        self.sender = sender
        self.log: list[tuple[str, str]] = []

    def send(self, text: str) -> list[dict[str, Any]]:
        response = httpx.post(self.url, json={"sender": self.sender, "message": text}, timeout=60)
        response.raise_for_status()
        messages: list[dict[str, Any]] = response.json()
        self.log.append(("patient", text))
        self.log.extend(("bot", m.get("text", "")) for m in messages)
        return messages

    def transcript(self) -> str:
        return "\n".join(f"{who:>7}: {text}" for who, text in self.log)
