"""The dialogue's writes to the store: one unit of work (one transaction) per patient message.

`commit` applies everything a message changed — consent, respondent, answers, the end of the
screening, contact details, or the erasure of the conversation — and the one assessment that
follows, through `bot.store.screenings` and `bot.store.retention`. With a turn key it is
idempotent: the key is recorded in the same transaction, and a retry of an applied message
writes nothing again (it only reads the assessment back).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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


@dataclass
class Writes:
    """What one patient message changes in the store."""

    #: open a new screening with this consent answer (False: it ends at once, no health data).
    consent: bool | None = None
    language: str = "en"
    respondent: str | None = None
    #: (fact, value or None for "don't know", the patient's words).
    answers: list[tuple[FactSpec, Value | None, str]] = field(default_factory=list)
    #: close the open screening (start over).
    close: bool = False
    #: end the screening with its assessment (stopped, or the pre-screen is over).
    end: bool = False
    #: (name, phone, email) the patient agreed to leave.
    contact: tuple[str, str | None, str | None] | None = None
    #: erase everything of the conversation ("delete my answers").
    erase: bool = False
    #: the conversation's facts after this message, and their assessment: saved as it is when
    #: the store holds the same facts (the usual case), else the stored facts are assessed.
    facts: dict[str, Value | None] = field(default_factory=dict)
    assessment: Assessment | None = None

    def __bool__(self) -> bool:
        return bool(
            self.consent is not None
            or self.respondent
            or self.answers
            or self.close
            or self.end
            or self.contact
            or self.erase
        )


def _screening_id(session: Any, trial: Trial, conversation_id: str) -> int:
    screening_id = screenings.current_screening_id(session, conversation_id)
    if screening_id is None:
        screening_id = screenings.start_screening(session, conversation_id, trial.id, trial.version)
    return int(screening_id)


def commit(
    trial: Trial, conversation_id: str, writes: Writes, turn: str | None = None
) -> Assessment | None:
    """Apply `writes` in one transaction; the screening's assessment when answers were
    recorded or it ended (None otherwise). Raises StoreUnavailable when nothing was saved."""
    with session_scope() as session:
        if writes.erase:
            retention.delete_conversation(session, conversation_id, actor="patient")
            return None
        current = screenings.current_screening_id(session, conversation_id)
        if (
            turn is not None
            and current is not None
            and not screenings.claim_turn(session, int(current), turn)
        ):
            log.info("conversation %s…: message applied already (a retry)", conversation_id[:6])
            return _assessment(session, trial, int(current), writes) if writes.end else None
        screening_id = _write(session, trial, conversation_id, writes, current)
        if turn is not None and screening_id is not None and screening_id != current:
            screenings.claim_turn(session, screening_id, turn)
        if screening_id is None or not (writes.answers or writes.end):
            return None
        assessment = _assessment(session, trial, screening_id, writes)
        screenings.save_assessment(session, screening_id, assessment, ended=writes.end)
        return assessment


def _assessment(session: Any, trial: Trial, screening_id: int, writes: Writes) -> Assessment:
    """The screening's assessment: the conversation's own when the store holds the same facts
    (no second evaluation), else the stored facts' (e.g. a value staff entered meanwhile)."""
    stored = screenings.current_facts(session, screening_id)
    if writes.assessment is not None and stored == writes.facts:
        return writes.assessment
    return assess(trial, stored or writes.facts)


def _write(
    session: Any, trial: Trial, conversation_id: str, writes: Writes, current: int | None
) -> int | None:
    """Every write but the assessment; the screening written to (None: none)."""
    if writes.close and current is not None:
        stored = screenings.current_facts(session, current)
        screenings.save_assessment(session, current, assess(trial, stored), ended=True)
        return current
    screening_id = current
    if writes.consent is not None:
        screening_id = screenings.start_screening(session, conversation_id, trial.id, trial.version)
        screenings.set_consent(session, screening_id, writes.consent)
        screenings.set_language(session, screening_id, writes.language)
        if not writes.consent:
            screenings.save_assessment(session, screening_id, assess(trial, {}), ended=True)
    if not (writes.respondent or writes.answers or writes.contact or writes.end):
        return None if screening_id is None else int(screening_id)
    screening_id = _screening_id(session, trial, conversation_id)
    if writes.respondent:
        screenings.set_respondent(session, screening_id, writes.respondent)
    for fact, value, raw_text in writes.answers:
        screenings.record_answer(
            session, screening_id, fact.key, value, fact.unit, raw_text, source="patient"
        )
    if writes.contact is not None:
        screenings.save_contact(session, screening_id, *writes.contact)
    return screening_id
