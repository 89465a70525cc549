"""The audit trail: who did what to which screening (never health data)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import AuditEvent, utcnow

#: Audit details are short: anything longer is cut.
MAX_DETAIL = 500


def add_audit(
    session: Session,
    actor: str,
    action: str,
    screening_id: int | None = None,
    conversation_id: str | None = None,
    detail: str = "",
    remote_addr: str | None = None,
) -> int:
    """Append an audit event (never put health data in `detail`); returns its id."""
    event = AuditEvent(
        at=utcnow(),
        actor=actor,
        action=action,
        screening_id=screening_id,
        conversation_id=conversation_id,
        detail=(detail or "")[:MAX_DETAIL],
        remote_addr=remote_addr,
    )
    session.add(event)
    session.flush()
    return int(event.id)


def list_audit(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    limit: int | None = 200,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Audit events, newest first, optionally filtered by exact actor and/or action.

    Rows: id, at, actor, action, screening_id, conversation_id, detail, remote_addr.
    """
    query = select(AuditEvent)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        query = query.where(AuditEvent.action == action)
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [
        {
            "id": int(e.id),
            "at": e.at,
            "actor": e.actor,
            "action": e.action,
            "screening_id": e.screening_id,
            "conversation_id": e.conversation_id,
            "detail": e.detail,
            "remote_addr": e.remote_addr,
        }
        for e in session.execute(query).scalars()
    ]
