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
        ActionExecuted("action_turn"),
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


def _stored_types(store: PrivacySQLTrackerStore, sender: str) -> list[str]:
    with store.session_scope() as session:
        rows = session.query(store.SQLEvent.type_name).filter_by(sender_id=sender).all()
    return [type_name for (type_name,) in rows]


def test_a_declined_conversation_keeps_no_patient_text(store: PrivacySQLTrackerStore) -> None:
    opening = [
        UserUttered("Hi, I'm 45 and I have lupus", {"name": "greet", "confidence": 0.9}),
        ActionExecuted("action_turn"),
        BotUttered("Before we start: …"),
        ActionExecuted("action_listen"),
    ]
    tracker = DialogueStateTracker.from_events("p-3", opening, store.domain.slots)
    asyncio.run(store.save(tracker))
    assert "user" in _stored_types(store, "p-3")
    loaded = asyncio.run(store.retrieve("p-3"))
    assert loaded is not None
    for event in [
        UserUttered("no, I don't agree", {"name": "deny", "confidence": 0.9}),
        ActionExecuted("action_turn"),
        SlotSet("screening_state", "declined"),
        BotUttered("No problem — …"),
        ActionExecuted("action_listen"),
    ]:
        loaded.update(event)  # type: ignore[arg-type]
    asyncio.run(store.save(loaded))
    stored = _stored_types(store, "p-3")
    assert "user" not in stored and stored.count("bot") == 2
    again = asyncio.run(store.retrieve("p-3"))
    assert again is not None and again.get_slot("screening_state") == "declined"
    # the next turn is stored after what is left, nothing written twice
    for event in _turn("thanks", 45):
        again.update(event)  # type: ignore[arg-type]
    asyncio.run(store.save(again))
    assert len(_stored_types(store, "p-3")) == len(stored) + 4  # its patient message dropped too


def test_a_failed_save_is_an_error_not_a_tracker_kept_in_memory(
    store: PrivacySQLTrackerStore,
) -> None:
    """Rasa's fail-safe wrapper would keep the tracker in memory and the REST channel would
    show the next question; the turn must fail instead."""
    from rasa.core.tracker_store import FailSafeTrackerStore

    from bot.rasa_plugins.tracker_store import TrackerStoreUnavailable

    wrapped = FailSafeTrackerStore(store)
    tracker = DialogueStateTracker.from_events("p-4", _turn("34", 34), store.domain.slots)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE events")  # every save now fails
    with pytest.raises(TrackerStoreUnavailable) as raised:
        asyncio.run(wrapped.save(tracker))
    assert str(raised.value).startswith("database unavailable: could not save conversation p-4…")
