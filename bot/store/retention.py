"""Erasure and retention: a patient's "delete my answers" and the purge of old screenings.

Health data (answers, criterion results, flags, contact details) and Rasa's transcript go;
each screening keeps a tombstone (``deleted_at``) and the audit trail records the erasure.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from bot.store.audit import add_audit
from bot.store.common import chunks
from bot.store.models import Answer, Contact, CriterionResult, FollowUpFlag, Screening, utcnow
from bot.store.transcripts import delete_events


def _remove_screening_data(session: Session, screening_ids: Any) -> int:
    """Delete answers, results, flags and contacts of the screenings (ids or a subquery)."""
    removed = 0
    for model in (Answer, CriterionResult, FollowUpFlag, Contact):
        result = session.execute(
            delete(model)
            .where(model.screening_id.in_(screening_ids))
            .execution_options(synchronize_session=False)
        )
        removed += int(result.rowcount or 0)
    return removed


def delete_conversation(
    session: Session, conversation_id: str, actor: str, *, remote_addr: str | None = None
) -> int:
    """Erase a conversation's health data and Rasa transcript; returns rows removed.

    Every screening of the conversation keeps only a tombstone (deleted_at set); Rasa's
    ``events`` rows for that sender go if the table is in this database. Audited.
    """
    screenings = select(Screening.id).where(Screening.conversation_id == conversation_id)
    removed = _remove_screening_data(session, screenings)
    marked = session.execute(
        sql_update(Screening)
        .where(Screening.conversation_id == conversation_id, Screening.deleted_at.is_(None))
        .values(deleted_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    removed += delete_events(session, conversation_id=conversation_id)
    add_audit(
        session,
        actor,
        "delete",
        conversation_id=conversation_id,
        detail=f"screenings={int(marked or 0)} rows={removed}",
        remote_addr=remote_addr,
    )
    return removed


def purge_older_than(
    session: Session, days: int, actor: str, *, remote_addr: str | None = None
) -> int:
    """Retention: erase screenings started more than `days` ago; returns rows removed.

    Like `delete_conversation` per screening, plus every Rasa ``events`` row older than the
    cut-off (transcripts follow the same retention). Audited.
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    now = utcnow()
    cutoff = now - timedelta(days=days)
    ids = [
        int(sid)
        for sid in session.execute(
            select(Screening.id).where(
                Screening.started_at < cutoff, Screening.deleted_at.is_(None)
            )
        ).scalars()
    ]
    removed = 0
    for chunk in chunks(ids):
        removed += _remove_screening_data(session, list(chunk))
        session.execute(
            sql_update(Screening)
            .where(Screening.id.in_(list(chunk)))
            .values(deleted_at=now)
            .execution_options(synchronize_session=False)
        )
    removed += delete_events(session, before=cutoff)
    add_audit(
        session,
        actor,
        "purge",
        detail=f"older_than_days={days} screenings={len(ids)} rows={removed}",
        remote_addr=remote_addr,
    )
    return removed
