"""A patient's screening as the conversation fills it: start, consent, respondent, answers,
the engine's assessment (outcome, criterion results, follow-up flags) and contact details.

Facts keep the engine's distinction: an absent key is *not yet asked*, ``None`` is *asked, and
unknown*. Answers and criterion results are never overwritten: a correction supersedes the
previous answer, a re-evaluation retires the previous result set.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from bot.criteria.model import Value
from bot.engine.assessment import Assessment
from bot.store.common import (
    NO_LONGER_NEEDED,
    NOT_OBTAINABLE,
    SYSTEM_ACTOR,
    chunks,
    dump,
    live_screening,
    load,
)
from bot.store.models import (
    RESPONDENTS,
    SOURCES,
    Answer,
    Contact,
    CriterionResult,
    FollowUpFlag,
    Screening,
    utcnow,
)


def start_screening(
    session: Session, conversation_id: str, trial_id: str, criteria_version: str
) -> int:
    """Open a new screening (a restart in the same conversation ends the open one first)."""
    now = utcnow()
    session.execute(
        sql_update(Screening)
        .where(
            Screening.conversation_id == conversation_id,
            Screening.ended_at.is_(None),
            Screening.deleted_at.is_(None),
        )
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
    screening = Screening(
        conversation_id=conversation_id,
        trial_id=trial_id,
        criteria_version=criteria_version,
        started_at=now,
        outcome="incomplete",
    )
    session.add(screening)
    session.flush()
    return int(screening.id)


def current_screening_id(session: Session, conversation_id: str) -> int | None:
    """The latest non-deleted screening of the conversation, if any."""
    found = session.execute(
        select(Screening.id)
        .where(Screening.conversation_id == conversation_id, Screening.deleted_at.is_(None))
        .order_by(Screening.started_at.desc(), Screening.id.desc())
        .limit(1)
    ).scalar()
    return None if found is None else int(found)


def set_consent(session: Session, screening_id: int, consent: bool) -> None:
    """Record whether the patient (or guardian) consented to the pre-screen."""
    live_screening(session, screening_id, lock=True).consent = bool(consent)
    session.flush()


def set_language(session: Session, screening_id: int, language: str) -> None:
    """Record the conversation's language ("en") on the screening."""
    live_screening(session, screening_id, lock=True).language = language
    session.flush()


def claim_turn(session: Session, screening_id: int, turn: str) -> bool:
    """Record `turn` (a patient message's key) as applied to the screening; False when it was
    the last one applied already, i.e. this is a retry of the same message."""
    screening = live_screening(session, screening_id, lock=True)
    if screening.last_turn == turn:
        return False
    screening.last_turn = turn
    session.flush()
    return True

def set_respondent(session: Session, screening_id: int, respondent: str | None) -> None:
    """Record who answers: ``self``, ``guardian`` (for a child) or None (not known yet)."""
    if respondent is not None and respondent not in RESPONDENTS:
        raise ValueError(f"respondent must be one of {RESPONDENTS} or None, got {respondent!r}")
    live_screening(session, screening_id, lock=True).respondent = respondent
    session.flush()


def record_answer(
    session: Session,
    screening_id: int,
    fact: str,
    value: Value | None,
    unit: str | None,
    raw_text: str | None,
    source: str = "patient",
    entered_by: str | None = None,
) -> None:
    """Store an answer; it supersedes the current answer to the same fact, if any.

    `value` None means asked and unknown. Staff entries (`source="staff"`) need `entered_by`
    and keep the staff member's note in `raw_text`.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    if (source == "staff") != bool(entered_by):
        raise ValueError("entered_by is required for staff answers and not allowed otherwise")
    value_json = dump(value)
    live_screening(session, screening_id, lock=True)
    now = utcnow()
    session.execute(
        sql_update(Answer)
        .where(
            Answer.screening_id == screening_id,
            Answer.fact == fact,
            Answer.superseded_at.is_(None),
        )
        .values(superseded_at=now)
        .execution_options(synchronize_session=False)
    )
    session.add(
        Answer(
            screening_id=screening_id,
            fact=fact,
            value_json=value_json,
            unit=unit,
            raw_text=raw_text,
            source=source,
            entered_by=entered_by if source == "staff" else None,
            at=now,
        )
    )
    session.flush()


def facts_by_screening(session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    facts: dict[int, dict[str, Any]] = {sid: {} for sid in ids}
    for chunk in chunks(ids):
        rows = session.execute(
            select(Answer.screening_id, Answer.fact, Answer.value_json)
            .where(Answer.screening_id.in_(chunk), Answer.superseded_at.is_(None))
            .order_by(Answer.at, Answer.id)
        )
        for sid, fact, value_json in rows:
            facts[int(sid)][fact] = load(value_json)
    return facts


def current_facts(session: Session, screening_id: int) -> dict[str, Any]:
    """Fact key → current value (None = asked, unknown); unasked facts are absent."""
    return facts_by_screening(session, [screening_id])[screening_id]


def answer_history(session: Session, screening_id: int) -> list[dict[str, Any]]:
    """Every answer, superseded ones included, oldest first."""
    rows = session.execute(
        select(Answer).where(Answer.screening_id == screening_id).order_by(Answer.at, Answer.id)
    ).scalars()
    return [
        {
            "fact": a.fact,
            "value": load(a.value_json),
            "unit": a.unit,
            "raw_text": a.raw_text,
            "source": a.source,
            "entered_by": a.entered_by,
            "at": a.at,
            "superseded_at": a.superseded_at,
        }
        for a in rows
    ]


def _staff_gave_up(session: Session, screening_id: int, fact: str) -> bool:
    """True when the latest flag for `fact` was closed by staff as not obtainable."""
    latest = session.execute(
        select(FollowUpFlag.resolved_by, FollowUpFlag.resolution)
        .where(FollowUpFlag.screening_id == screening_id, FollowUpFlag.fact == fact)
        .order_by(FollowUpFlag.id.desc())
        .limit(1)
    ).first()
    return (
        latest is not None
        and latest.resolved_by not in (None, SYSTEM_ACTOR)
        and latest.resolution == NOT_OBTAINABLE
    )


def save_assessment(
    session: Session, screening_id: int, assessment: Assessment, *, ended: bool = False
) -> None:
    """Store an engine result: outcome, a new current criterion-result set, synced flags.

    Each follow-up gets an open flag (criteria updated if one is open already), except a
    fact staff have already resolved as not obtainable (no endless re-flagging). Open flags
    no longer asked for are resolved by ``system`` as "no longer needed"; flags staff
    resolved stay as they are. `ended` sets ended_at once.
    """
    screening = live_screening(session, screening_id, lock=True)
    trial_id = assessment.evaluation.trial.id
    if trial_id != screening.trial_id:
        raise ValueError(
            f"assessment is for trial {trial_id}, screening {screening_id} is {screening.trial_id}"
        )
    now = utcnow()
    screening.outcome = assessment.outcome
    if ended and screening.ended_at is None:
        screening.ended_at = now
    session.flush()

    _save_changed_results(session, screening_id, assessment, now)

    wanted = {flag.fact: flag for flag in assessment.follow_up}
    open_flags = list(
        session.execute(
            select(FollowUpFlag).where(
                FollowUpFlag.screening_id == screening_id, FollowUpFlag.status == "open"
            )
        ).scalars()
    )
    for flag in open_flags:
        follow_up = wanted.pop(flag.fact, None)
        if follow_up is not None:
            flag.kind = follow_up.kind
            flag.criteria = dump(list(follow_up.criteria))
        else:
            flag.status = "resolved"
            flag.resolved_at = now
            flag.resolved_by = SYSTEM_ACTOR
            flag.resolution = NO_LONGER_NEEDED
    for fact, follow_up in wanted.items():
        if _staff_gave_up(session, screening_id, fact):
            continue
        session.add(
            FollowUpFlag(
                screening_id=screening_id,
                fact=fact,
                kind=follow_up.kind,
                criteria=dump(list(follow_up.criteria)),
                status="open",
                created_at=now,
            )
        )
    session.flush()


def _save_changed_results(
    session: Session, screening_id: int, assessment: Assessment, now: datetime
) -> None:
    """Make the current criterion-result set match `assessment`, adding a row only for a
    criterion whose kind, status or deciding facts changed (its previous row stays, no longer
    current). Each row holds one result from `evaluated_at` until superseded, so the full
    history is kept without writing every criterion again for every answer."""
    current = {
        row.criterion_id: row
        for row in session.execute(
            select(CriterionResult).where(
                CriterionResult.screening_id == screening_id, CriterionResult.current.is_(True)
            )
        ).scalars()
    }
    new_rows = [
        CriterionResult(
            screening_id=screening_id,
            criterion_id=result.id,
            kind=result.kind,
            status=result.status.value,
            decided_by=dump(list(result.decided_by)),
            evaluated_at=now,
            current=True,
        )
        for result in assessment.evaluation.results.values()
    ]
    changed = [
        row
        for row in new_rows
        if (old := current.get(row.criterion_id)) is None
        or (old.kind, old.status, old.decided_by) != (row.kind, row.status, row.decided_by)
    ]
    for row in changed:
        if row.criterion_id in current:
            current[row.criterion_id].current = False
    session.flush()  # retire before inserting: one current row per criterion (a unique index)
    session.add_all(changed)


def save_contact(
    session: Session, screening_id: int, name: str, phone: str | None, email: str | None
) -> None:
    """Store (or replace) the contact details the patient consented to leave."""
    name = (name or "").strip()
    phone = (phone or "").strip() or None
    email = (email or "").strip() or None
    if not name:
        raise ValueError("a contact needs a name")
    if phone is None and email is None:
        raise ValueError("a contact needs a phone number or an email address")
    live_screening(session, screening_id, lock=True)
    contact = session.execute(
        select(Contact).where(Contact.screening_id == screening_id)
    ).scalar_one_or_none()
    if contact is None:
        contact = Contact(screening_id=screening_id)
        session.add(contact)
    contact.name = name
    contact.phone = phone
    contact.email = email
    contact.consented_at = utcnow()
    session.flush()
