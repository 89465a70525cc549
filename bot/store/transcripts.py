"""Transcripts: the conversation's messages, read from Rasa's ``events`` table.

Rasa's SQL tracker store keeps its ``events`` table in the application's database (see
bot/rasa_plugins/tracker_store.py); this module is the only place that reads it, and
bot.store.retention the only one that deletes from it.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Float, Integer, String, Text, column, delete, inspect, select
from sqlalchemy import table as sql_table
from sqlalchemy.orm import Session

from bot.store.common import aware, iso
from bot.store.models import Screening

#: Rasa 3.6 SQLTrackerStore's table (rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent).
EVENTS = sql_table(
    "events",
    column("id", Integer),
    column("sender_id", String),
    column("type_name", String),
    column("timestamp", Float),
    column("intent_name", String),
    column("action_name", String),
    column("data", Text),
)


def has_events_table(session: Session) -> bool:
    """True when Rasa's tracker store keeps its ``events`` table in this database."""
    return bool(inspect(session.connection()).has_table("events"))


def _payload(data: str | None) -> dict[str, Any]:
    """An event's JSON ``data`` as a dict ({} when it is missing or unreadable)."""
    try:
        payload = json.loads(data) if data else {}
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def transcript(
    session: Session,
    conversation_id: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """Patient and bot messages from Rasa's ``events`` table, in order.

    ``[{"at": ISO-8601 UTC, "from": "patient" | "bot", "text": ...}]``; empty when the table
    is not in this database. `since`/`until` bound the event time (until exclusive).
    """
    if not has_events_table(session):
        return []
    query = select(EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data).where(
        EVENTS.c.sender_id == conversation_id, EVENTS.c.type_name.in_(("user", "bot"))
    )
    if since is not None:
        query = query.where(EVENTS.c.timestamp >= aware(since).timestamp())
    if until is not None:
        query = query.where(EVENTS.c.timestamp < aware(until).timestamp())
    messages = []
    for type_name, stamp, data in session.execute(query.order_by(EVENTS.c.id)):
        payload = _payload(data)
        text = payload.get("text")
        if not text:
            continue  # e.g. a bot event carrying only buttons or a custom payload
        moment = payload.get("timestamp", stamp)
        at = (
            iso(datetime.fromtimestamp(float(moment), timezone.utc))
            if isinstance(moment, (int, float))
            else None
        )
        messages.append(
            {"at": at, "from": "patient" if type_name == "user" else "bot", "text": str(text)}
        )
    return messages


def transcript_windows(
    session: Session, conversation_id: str
) -> dict[int, tuple[datetime | None, datetime | None]]:
    """Each screening of a conversation → the slice of its transcript that belongs to it.

    The first screening owns everything before the second one started, and so on; the last
    owns everything after its start. No message is lost or exported twice.
    """
    starts = session.execute(
        select(Screening.id, Screening.started_at)
        .where(Screening.conversation_id == conversation_id)
        .order_by(Screening.started_at, Screening.id)
    ).all()
    windows: dict[int, tuple[datetime | None, datetime | None]] = {}
    for index, (sid, started_at) in enumerate(starts):
        since = started_at if index > 0 else None
        until = starts[index + 1][1] if index + 1 < len(starts) else None
        windows[int(sid)] = (since, until)
    return windows


def last_bot_event(session: Session, conversation_id: str) -> dict[str, Any] | None:
    """The latest bot event of the conversation as Rasa stored it (``text``, ``data`` with
    its buttons …); None when there is none or the table is not in this database."""
    if not has_events_table(session):
        return None
    data = session.execute(
        select(EVENTS.c.data)
        .where(EVENTS.c.sender_id == conversation_id, EVENTS.c.type_name == "bot")
        .order_by(EVENTS.c.id.desc())
        .limit(1)
    ).scalar()
    return None if data is None else _payload(data)


def delete_events(
    session: Session, *, conversation_id: str | None = None, before: datetime | None = None
) -> int:
    """Delete Rasa's events of one conversation, or every event older than `before`; returns
    the rows removed (0 when the table is not in this database)."""
    if (conversation_id is None) == (before is None):
        raise ValueError("give either conversation_id or before")
    if not has_events_table(session):
        return 0
    if conversation_id is not None:
        condition = EVENTS.c.sender_id == conversation_id
    else:
        assert before is not None
        condition = EVENTS.c.timestamp < aware(before).timestamp()
    return int(session.execute(delete(EVENTS).where(condition)).rowcount or 0)
