"""PrivacySQLTrackerStore on SQLite: Rasa's stored conversation, read back event for event."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.pool import QueuePool

from bot.rasa_domain import DOMAIN_PATH
from bot.rasa_plugins.tracker_store import PrivacySQLTrackerStore
from bot.stack import tracker_store_config
from bot.store.db import dispose_engines


@pytest.fixture
def store(tmp_path: Path) -> PrivacySQLTrackerStore:
    config = tracker_store_config(f"sqlite:///{tmp_path / 'app.db'}")
    del config["type"]
    yield PrivacySQLTrackerStore(domain=Domain.load(str(DOMAIN_PATH)), **config)
    dispose_engines()


def _turn(text: str, age: int) -> list[object]:
    return [
        UserUttered(text, {"name": "inform", "confidence": 0.9}),
        ActionExecuted("prescreen_form"),
        SlotSet("age_years", age),
        BotUttered("What is your sex?"),
        ActionExecuted("action_listen"),
    ]


def test_saved_events_come_back_in_order_and_only_the_new_ones_are_written(
    store: PrivacySQLTrackerStore,
) -> None:
    tracker = DialogueStateTracker.from_events("p-1", _turn("34", 34), store.domain.slots)
    asyncio.run(store.save(tracker))
    loaded = asyncio.run(store.retrieve("p-1"))
    assert loaded is not None and list(loaded.events) == list(tracker.events)
    assert loaded.get_slot("age_years") == 34

    for event in _turn("sorry, 35", 35):
        loaded.update(event)  # type: ignore[arg-type]
    asyncio.run(store.save(loaded))
    again = asyncio.run(store.retrieve("p-1"))
    assert again is not None and list(again.events) == list(loaded.events)
    assert again.get_slot("age_years") == 35
    with store.session_scope() as session:
        stored = session.query(store.SQLEvent).filter_by(sender_id="p-1").count()
    assert stored == len(loaded.events)  # nothing written twice


def test_only_the_latest_session_is_loaded_but_the_full_tracker_has_all(
    store: PrivacySQLTrackerStore,
) -> None:
    events = [SessionStarted(timestamp=1), *_turn("30", 30), SessionStarted(timestamp=10**10)]
    for event in events[1:-1]:
        event.timestamp = 2  # type: ignore[attr-defined]
    tracker = DialogueStateTracker.from_events("p-2", events, store.domain.slots)
    asyncio.run(store.save(tracker))
    latest = asyncio.run(store.retrieve("p-2"))
    full = asyncio.run(store.retrieve_full_tracker("p-2"))
    assert latest is not None and full is not None
    assert [type(e) for e in latest.events] == [SessionStarted]
    assert len(full.events) == len(events)
    assert asyncio.run(store.retrieve("nobody")) is None


def test_sqlite_connections_are_kept(store: PrivacySQLTrackerStore) -> None:
    assert isinstance(store.engine.pool, QueuePool)
