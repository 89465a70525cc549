"""Rasa's SQL tracker store, honouring a patient's "delete my answers" and database outages.

The deletion runs inside an action, but Rasa saves the conversation *after* the action: a
plain SQLTrackerStore would then write every event back (it stores the events it does not
find in the table). This store sees that the turn ended with the conversation deleted and
removes the conversation's events instead of saving them. A conversation whose patient
declined the pre-screen keeps no patient text either: its `user` events (the opening message,
the "no" and anything typed after) and the slot events that held the opening for after consent
are removed in the transaction that saves the turn, and only the bot's side stays.

Outages. Rasa wraps every tracker store in a `FailSafeTrackerStore`, which answers a failed
`retrieve` with "no such conversation": the turn then runs on a *fresh* tracker, so a patient
in the middle of a pre-screen gets the privacy notice again, and their next answer ("yes") is
later recorded against whatever question the stored conversation was waiting for. This store
instead raises `TrackerStoreUnavailable` when the database cannot be read, and the wrapper is
made to let that error through: the turn fails (nothing is stored; the web app tells the
patient to try again) and the conversation resumes where it was once the database is back.
Saving is treated the same way: the wrapper would otherwise answer a failed `save` by keeping
the tracker in memory, and the patient would be shown the next question while the stored
conversation still waits for the old one. Here a failed save raises TrackerStoreUnavailable,
and the REST channel then sends no reply (bot.rasa_plugins.server.failed_turns_say_nothing):
the patient is asked to try again, and the retry is applied once (bot.dialogue.turn.turn_key).
PostgreSQL connections are checked before use (`pool_pre_ping`), so a database restart
between two turns does not surface as an error on the next turn.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot.store.db import get_engine

log = logging.getLogger(__name__)

STATE_SLOT = "screening_state"
DELETED = "deleted"
DECLINED = "declined"
#: the slot holding the messages sent before consent (bot.dialogue.state.OPENING).
OPENING_SLOT = "opening_message"


class TrackerStoreUnavailable(RuntimeError):
    """The conversation could not be read from the database; the turn must not go ahead."""


def deleted_this_turn(tracker: DialogueStateTracker) -> bool:
    """True when an event after the latest patient message marks the conversation deleted."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, SlotSet) and event.key == STATE_SLOT and event.value == DELETED:
            return True
    return False


def declined(tracker: DialogueStateTracker) -> bool:
    """True when the patient declined the pre-screen (and has not started again)."""
    return bool(tracker.get_slot(STATE_SLOT) == DECLINED)


def _let_outages_through() -> None:
    """Make FailSafeTrackerStore re-raise TrackerStoreUnavailable from `retrieve` and `save`
    (idempotent). Its other errors keep Rasa's behaviour (logged, then a fresh in-memory
    tracker, or the tracker kept in memory)."""
    for hook in ("on_tracker_store_retrieve_error", "on_tracker_store_error"):
        current = getattr(FailSafeTrackerStore, hook)
        if not getattr(current, "_lets_outages_through", False):
            setattr(FailSafeTrackerStore, hook, _raising(current))


def _raising(current: Any) -> Any:
    def on_error(self: Any, error: Exception) -> None:
        if isinstance(error, TrackerStoreUnavailable):
            raise error
        current(self, error)

    on_error._lets_outages_through = True  # type: ignore[attr-defined]
    return on_error


class PrivacySQLTrackerStore(SQLTrackerStore):  # type: ignore[misc]
    """SQLTrackerStore that leaves no events behind for a conversation deleted this turn, and
    fails a turn (rather than starting the conversation afresh) when the database is down."""

    engine: sa.engine.Engine

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        if self.engine.dialect.name == "sqlite":
            # The application's own SQLite engine (bot.store.db): kept connections, busy
            # timeout, WAL with synchronous=NORMAL. Rasa's opened a connection per query.
            if url.password and url.username is None:  # SQLCipher's ":KEY@": rendered only
                url = url.set(username="")  # with a (here empty) user name
            self.engine = get_engine(url.render_as_string(hide_password=False))
        else:
            # Rasa's engine has no pre-ping: after a database restart the first turn would
            # get a dead pooled connection. Same URL and pool settings, connections checked.
            self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sessionmaker(bind=self.engine)
        _let_outages_through()

    def _database(self) -> str:
        """The database, for log lines (password hidden)."""
        return str(self.engine.url.render_as_string(hide_password=True))

    def _unavailable(self, doing: str, sender_id: str, error: SQLAlchemyError) -> str:
        """Log why, and return the message for TrackerStoreUnavailable.

        The error raised carries no traceback of the driver: Rasa logs a failed turn with the
        local variables of every frame, and the driver's `connect` frame holds the password.
        """
        detail = " ".join(str(getattr(error, "orig", error)).split())  # one log line
        reason = f"{error.__class__.__name__}: {detail}"
        message = (
            f"database unavailable: could not {doing} conversation {sender_id[:6]}… "
            f"({self._database()}): {reason}"
        )
        log.error(message)
        return message

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """Rasa's query, reading only the `data` column (no ORM object per stored event)."""
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            rows = query.with_entities(self.SQLEvent.data).all()
        events = [json.loads(data) for (data,) in rows]
        if self.domain is None or not events:
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        try:
            return await super().retrieve(sender_id)
        except SQLAlchemyError as error:
            message = self._unavailable("load", sender_id, error)
            raise TrackerStoreUnavailable(message) from None  # see _unavailable

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        try:
            return await super().retrieve_full_tracker(conversation_id)
        except SQLAlchemyError as error:
            message = self._unavailable("load", conversation_id, error)
            raise TrackerStoreUnavailable(message) from None  # see _unavailable

    async def save(self, tracker: DialogueStateTracker) -> None:
        try:
            await self._save(tracker)
        except SQLAlchemyError as error:
            message = self._unavailable("save", tracker.sender_id, error)
            raise TrackerStoreUnavailable(message) from None  # see _unavailable

    async def _save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save (the events not stored yet, one transaction), except that a deleted
        conversation loses every event and a declined one its patient messages."""
        if deleted_this_turn(tracker):
            with self.session_scope() as session:
                self._events_of(session, tracker.sender_id).delete(synchronize_session=False)
                session.commit()
            return
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get("name"),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            if declined(tracker):
                session.flush()
                events = self._events_of(session, tracker.sender_id)
                events.filter(self.SQLEvent.type_name == UserUttered.type_name).delete(
                    synchronize_session=False
                )
                # the opening message(s) held for after consent are patient text as well
                events = self._events_of(session, tracker.sender_id)
                events.filter(
                    self.SQLEvent.type_name == SlotSet.type_name,
                    self.SQLEvent.action_name == OPENING_SLOT,
                ).delete(synchronize_session=False)
            session.commit()

    def _events_of(self, session: Any, sender_id: str) -> Any:
        query: Any = session.query(self.SQLEvent)
        return query.filter(self.SQLEvent.sender_id == sender_id)
