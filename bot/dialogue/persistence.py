"""The dialogue's writes to the store: one short session (unit of work) per call.

Each function finds the conversation's current screening and writes through
`bot.store.screenings` (and `bot.store.retention` for erasure); nothing here builds an engine at import time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError

from bot.criteria.model import FactSpec, Trial, Value
from bot.engine import Assessment, assess
from bot.store import retention, screenings
from bot.store.db import session_scope as _session_scope

log = logging.getLogger(__name__)


class StoreUnavailable(RuntimeError):
    """The database could not be reached; nothing of this unit of work was saved."""


@contextmanager
def session_scope() -> Iterator[Any]:
    """The store's unit of work, with database outages turned into StoreUnavailable."""
    try:
        with _session_scope() as session:
            yield session
    except (OperationalError, DBAPIError) as exc:
        log.error("database unavailable: %s", exc.__class__.__name__, exc_info=exc)
        raise StoreUnavailable(str(exc)) from exc


def _screening_id(session: Any, trial: Trial, conversation_id: str) -> int:
    screening_id = screenings.current_screening_id(session, conversation_id)
    if screening_id is None:
        screening_id = screenings.start_screening(session, conversation_id, trial.id, trial.version)
    return int(screening_id)


def start_screening(trial: Trial, conversation_id: str, *, consent: bool) -> int:
    """Open a new screening for this conversation and record the consent answer."""
    with session_scope() as session:
        screening_id = int(
            screenings.start_screening(session, conversation_id, trial.id, trial.version)
        )
        screenings.set_consent(session, screening_id, consent)
        if not consent:
            screenings.save_assessment(session, screening_id, assess(trial, {}), ended=True)
        return screening_id


def set_respondent(trial: Trial, conversation_id: str, respondent: str) -> None:
    """Record who is answering (self / guardian)."""
    with session_scope() as session:
        screenings.set_respondent(
            session, _screening_id(session, trial, conversation_id), respondent
        )


def record_answer(
    trial: Trial, conversation_id: str, fact: FactSpec, value: Value | None, raw_text: str
) -> Assessment:
    """Store one answer (a correction supersedes the previous one) and the new assessment."""
    with session_scope() as session:
        screening_id = _screening_id(session, trial, conversation_id)
        screenings.record_answer(
            session, screening_id, fact.key, value, fact.unit, raw_text, source="patient"
        )
        facts = screenings.current_facts(session, screening_id)
        assessment = assess(trial, facts)
        screenings.save_assessment(session, screening_id, assessment)
        return assessment


def end_screening(
    trial: Trial, conversation_id: str, facts: dict[str, Value | None], *, stopped: bool = False
) -> Assessment:
    """Close the screening with its final assessment (stopped early → outcome incomplete)."""
    with session_scope() as session:
        screening_id = _screening_id(session, trial, conversation_id)
        stored = screenings.current_facts(session, screening_id)
        assessment = assess(trial, stored or facts)
        screenings.save_assessment(session, screening_id, assessment, ended=True)
        return assessment


def delete_conversation(conversation_id: str) -> int:
    """Delete everything stored for this conversation at the patient's request."""
    with session_scope() as session:
        return int(retention.delete_conversation(session, conversation_id, actor="patient"))


def save_contact(
    trial: Trial, conversation_id: str, name: str, phone: str | None, email: str | None
) -> None:
    """Store contact details (only ever called after the patient agreed)."""
    with session_scope() as session:
        screening_id = _screening_id(session, trial, conversation_id)
        screenings.save_contact(session, screening_id, name, phone, email)
