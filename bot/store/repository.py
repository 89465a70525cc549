"""The one module every action, the CLI and the web app read and write screenings through.

Every function takes a `Session` first; the caller owns the unit of work
(``with session_scope() as session: ...``). Plain types go in and out: ints, strings,
dicts, lists and timezone-aware UTC datetimes (exports use ISO-8601 strings instead).

Facts keep the engine's distinction: an absent key is *not yet asked*, ``None`` is
*asked, and unknown*. Answers and criterion results are never overwritten: a correction
supersedes the previous answer, a re-evaluation retires the previous result set.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Float, Integer, String, Text, column, delete, func, inspect, or_, select
from sqlalchemy import table as sql_table
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from bot.criteria.loader import CriteriaError
from bot.criteria.model import Trial, Value
from bot.criteria.registry import get_trial
from bot.engine.assessment import Assessment
from bot.store.models import (
    OUTCOMES,
    RESPONDENTS,
    ROLES,
    SOURCES,
    Answer,
    AuditEvent,
    Contact,
    CriterionResult,
    FollowUpFlag,
    Screening,
    StaffUser,
    utcnow,
)

#: resolved_by for flags closed by a re-evaluation rather than by staff.
SYSTEM_ACTOR = "system"
NO_LONGER_NEEDED = "no longer needed"
VALUE_ENTERED = "value entered"
NOT_OBTAINABLE = "not obtainable"
#: Audit details are short: anything longer is cut.
MAX_DETAIL = 500
#: Ids per IN (...) list (SQLite allows 999 parameters in old builds).
_CHUNK = 500
#: Columns of the CSV export: no direct identifiers, no fact values.
CSV_COLUMNS = (
    "conversation_id",
    "trial",
    "started_at",
    "outcome",
    "failing_criteria",
    "open_flags",
)

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


class StoreError(Exception):
    """Base class of the store's own errors."""


class ScreeningNotFound(StoreError, LookupError):
    """No such screening, or it was deleted."""


class FlagNotFound(StoreError, LookupError):
    """No such follow-up flag."""


class FlagAlreadyResolved(StoreError, ValueError):
    """The follow-up flag was resolved before (by staff or by a re-evaluation)."""


# --- helpers -------------------------------------------------------------------------------


def _dump(value: Any) -> str:
    """Compact JSON text; NaN/Infinity are refused (not JSON)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _iso(moment: datetime | None) -> str | None:
    """ISO-8601 UTC with seconds precision, e.g. ``2025-01-31T09:30:00+00:00``."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _aware(moment: datetime) -> datetime:
    """A naive datetime is taken to be UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _live_screening(session: Session, screening_id: int, *, lock: bool = False) -> Any:
    """The screening, or ScreeningNotFound; `lock` = SELECT ... FOR UPDATE (PostgreSQL).

    Writers lock the screening row so concurrent writes to one screening queue up instead of
    racing (SQLite serialises writers anyway and ignores FOR UPDATE).
    """
    screening = session.get(Screening, screening_id, with_for_update=True if lock else None)
    if screening is None or screening.deleted_at is not None:
        raise ScreeningNotFound(f"no screening {screening_id}")
    return screening


def _has_events_table(session: Session) -> bool:
    """True when Rasa's tracker store keeps its ``events`` table in this database."""
    return bool(inspect(session.connection()).has_table("events"))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# --- screenings ----------------------------------------------------------------------------


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
    _live_screening(session, screening_id, lock=True).consent = bool(consent)
    session.flush()


def set_respondent(session: Session, screening_id: int, respondent: str | None) -> None:
    """Record who answers: ``self``, ``guardian`` (for a child) or None (not known yet)."""
    if respondent is not None and respondent not in RESPONDENTS:
        raise ValueError(f"respondent must be one of {RESPONDENTS} or None, got {respondent!r}")
    _live_screening(session, screening_id, lock=True).respondent = respondent
    session.flush()


# --- answers -------------------------------------------------------------------------------


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
    value_json = _dump(value)
    _live_screening(session, screening_id, lock=True)
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


def _facts_by_screening(session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    facts: dict[int, dict[str, Any]] = {sid: {} for sid in ids}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(Answer.screening_id, Answer.fact, Answer.value_json)
            .where(Answer.screening_id.in_(chunk), Answer.superseded_at.is_(None))
            .order_by(Answer.at, Answer.id)
        )
        for sid, fact, value_json in rows:
            facts[int(sid)][fact] = _load(value_json)
    return facts


def current_facts(session: Session, screening_id: int) -> dict[str, Any]:
    """Fact key → current value (None = asked, unknown); unasked facts are absent."""
    return _facts_by_screening(session, [screening_id])[screening_id]


def answer_history(session: Session, screening_id: int) -> list[dict[str, Any]]:
    """Every answer, superseded ones included, oldest first."""
    rows = session.execute(
        select(Answer).where(Answer.screening_id == screening_id).order_by(Answer.at, Answer.id)
    ).scalars()
    return [
        {
            "fact": a.fact,
            "value": _load(a.value_json),
            "unit": a.unit,
            "raw_text": a.raw_text,
            "source": a.source,
            "entered_by": a.entered_by,
            "at": a.at,
            "superseded_at": a.superseded_at,
        }
        for a in rows
    ]


# --- assessments and flags -----------------------------------------------------------------


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
    screening = _live_screening(session, screening_id, lock=True)
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
            flag.criteria = _dump(list(follow_up.criteria))
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
                criteria=_dump(list(follow_up.criteria)),
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
            decided_by=_dump(list(result.decided_by)),
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


def resolve_flag(session: Session, flag_id: int, *, by: str, value_known: bool, note: str) -> int:
    """Close an open flag as staff member `by`; returns its screening id.

    Resolution is "value entered" (`value_known`) or "not obtainable". Enter the value itself
    with ``record_answer(..., source="staff", entered_by=by)`` and re-run the engine.
    """
    if not by or by == SYSTEM_ACTOR:
        raise ValueError("resolve_flag needs the staff username in `by`")
    result = session.execute(
        sql_update(FollowUpFlag)
        .where(FollowUpFlag.id == flag_id, FollowUpFlag.status == "open")
        .values(
            status="resolved",
            resolved_at=utcnow(),
            resolved_by=by,
            resolution=VALUE_ENTERED if value_known else NOT_OBTAINABLE,
            note=note or None,
        )
        .execution_options(synchronize_session=False)
    )
    screening_id = session.execute(
        select(FollowUpFlag.screening_id).where(FollowUpFlag.id == flag_id)
    ).scalar()
    if screening_id is None:
        raise FlagNotFound(f"no follow-up flag {flag_id}")
    if result.rowcount != 1:
        raise FlagAlreadyResolved(f"follow-up flag {flag_id} is already resolved")
    return int(screening_id)


# --- contacts, audit, staff ----------------------------------------------------------------


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
    _live_screening(session, screening_id, lock=True)
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


def create_staff_user(session: Session, username: str, password_hash: str, role: str) -> int:
    """Create a staff account (the caller hashes the password); returns its id."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")
    if not username or not password_hash:
        raise ValueError("username and password_hash are required")
    if get_staff_user(session, username) is not None:
        raise ValueError(f"staff user {username!r} exists already")
    user = StaffUser(username=username, password_hash=password_hash, role=role, created_at=utcnow())
    session.add(user)
    session.flush()
    return int(user.id)


def get_staff_user(session: Session, username: str) -> dict[str, Any] | None:
    """The account as a dict (id, username, password_hash, role, created_at, active)."""
    user = session.execute(
        select(StaffUser).where(StaffUser.username == username)
    ).scalar_one_or_none()
    if user is None:
        return None
    return {
        "id": int(user.id),
        "username": user.username,
        "password_hash": user.password_hash,
        "role": user.role,
        "created_at": user.created_at,
        "active": bool(user.active),
    }


# --- deletion and retention ----------------------------------------------------------------


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
    if _has_events_table(session):
        removed += int(
            session.execute(delete(EVENTS).where(EVENTS.c.sender_id == conversation_id)).rowcount
            or 0
        )
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
    for chunk in _chunks(ids):
        removed += _remove_screening_data(session, list(chunk))
        session.execute(
            sql_update(Screening)
            .where(Screening.id.in_(list(chunk)))
            .values(deleted_at=now)
            .execution_options(synchronize_session=False)
        )
    if _has_events_table(session):
        removed += int(
            session.execute(delete(EVENTS).where(EVENTS.c.timestamp < cutoff.timestamp())).rowcount
            or 0
        )
    add_audit(
        session,
        actor,
        "purge",
        detail=f"older_than_days={days} screenings={len(ids)} rows={removed}",
        remote_addr=remote_addr,
    )
    return removed


# --- reading for staff ---------------------------------------------------------------------


def _criterion_order(trial_id: str) -> dict[str, int]:
    """Position of each criterion in its trial file (unknown trials: none, so by id)."""
    try:
        return {c.id: i for i, c in enumerate(get_trial(trial_id).criteria)}
    except CriteriaError:
        return {}


def _criteria_by_screening(session: Session, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The current result of each criterion, per screening, in the trial file's order."""
    found: dict[int, list[dict[str, Any]]] = {sid: [] for sid in ids}
    trials: dict[int, str] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(CriterionResult, Screening.trial_id)
            .join(Screening, Screening.id == CriterionResult.screening_id)
            .where(CriterionResult.screening_id.in_(chunk), CriterionResult.current.is_(True))
            .order_by(CriterionResult.id)
        ).all()
        for r, trial_id in rows:
            trials[int(r.screening_id)] = trial_id
            found[int(r.screening_id)].append(
                {
                    "id": r.criterion_id,
                    "kind": r.kind,
                    "status": r.status,
                    "decided_by": _load(r.decided_by),
                    "evaluated_at": r.evaluated_at,
                }
            )
    for sid, criteria in found.items():
        if sid in trials:
            order = _criterion_order(trials[sid])
            criteria.sort(key=lambda c: order.get(c["id"], len(order)))
    return found


def _flags_by_screening(session: Session, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {sid: [] for sid in ids}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(FollowUpFlag)
            .where(FollowUpFlag.screening_id.in_(chunk))
            .order_by(FollowUpFlag.id)
        ).scalars()
        for f in rows:
            found[int(f.screening_id)].append(
                {
                    "id": int(f.id),
                    "fact": f.fact,
                    "kind": f.kind,
                    "criteria": _load(f.criteria),
                    "status": f.status,
                    "created_at": f.created_at,
                    "resolved_at": f.resolved_at,
                    "resolved_by": f.resolved_by,
                    "resolution": f.resolution,
                    "note": f.note,
                }
            )
    return found


def _failing(criteria: Iterable[Mapping[str, Any]]) -> list[str]:
    return [
        c["id"]
        for c in criteria
        if (c["kind"] == "inclusion" and c["status"] == "not_met")
        or (c["kind"] == "exclusion" and c["status"] == "met")
    ]


def _open_flag_facts(flags: Iterable[Mapping[str, Any]]) -> list[str]:
    return [f["fact"] for f in flags if f["status"] == "open"]


def _screening_row(
    s: Any, criteria: list[dict[str, Any]], flags: list[dict[str, Any]], has_contact: bool
) -> dict[str, Any]:
    return {
        "id": int(s.id),
        "conversation_id": s.conversation_id,
        "trial_id": s.trial_id,
        "criteria_version": s.criteria_version,
        "respondent": s.respondent,
        "consent": s.consent,
        "started_at": s.started_at,
        "ended_at": s.ended_at,
        "outcome": s.outcome,
        "deleted_at": s.deleted_at,
        "failing_criteria": _failing(criteria),
        "open_flags": _open_flag_facts(flags),
        "has_contact": has_contact,
    }


def screening_summary(session: Session, screening_id: int) -> dict[str, Any]:
    """Everything staff see for one screening (a deleted one shows only its tombstone).

    Keys: the `list_screenings` row keys plus facts, answers (history), criteria (current
    results), flags (all, oldest first) and contact (dict or None).
    """
    s = session.get(Screening, screening_id)
    if s is None:
        raise ScreeningNotFound(f"no screening {screening_id}")
    criteria = _criteria_by_screening(session, [screening_id])[screening_id]
    flags = _flags_by_screening(session, [screening_id])[screening_id]
    contact = session.execute(
        select(Contact).where(Contact.screening_id == screening_id)
    ).scalar_one_or_none()
    summary = _screening_row(s, criteria, flags, contact is not None)
    summary.update(
        facts=current_facts(session, screening_id),
        answers=answer_history(session, screening_id),
        criteria=criteria,
        flags=flags,
        contact=None
        if contact is None
        else {
            "name": contact.name,
            "phone": contact.phone,
            "email": contact.email,
            "consented_at": contact.consented_at,
        },
    )
    return summary


def list_screenings(
    session: Session,
    *,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    has_open_flags: bool | None = None,
    search: str | None = None,
    limit: int | None = 200,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Non-deleted screenings, newest first, filtered.

    `since`/`until` bound started_at (naive = UTC; until exclusive); `search` matches a
    substring of the conversation id or of the contact's name, phone or email. Rows: id,
    conversation_id, trial_id, criteria_version, respondent, consent, started_at, ended_at,
    outcome, deleted_at, failing_criteria, open_flags (facts), has_contact.
    `limit=None` returns all.
    """
    query = select(Screening).where(Screening.deleted_at.is_(None))
    if outcome is not None:
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, got {outcome!r}")
        query = query.where(Screening.outcome == outcome)
    if since is not None:
        query = query.where(Screening.started_at >= _aware(since))
    if until is not None:
        query = query.where(Screening.started_at < _aware(until))
    if has_open_flags is not None:
        open_flag = (
            select(FollowUpFlag.id)
            .where(FollowUpFlag.screening_id == Screening.id, FollowUpFlag.status == "open")
            .exists()
        )
        query = query.where(open_flag if has_open_flags else ~open_flag)
    if search:
        pattern = _like(search.strip().lower())
        contact_match = (
            select(Contact.id)
            .where(
                Contact.screening_id == Screening.id,
                or_(
                    func.lower(Contact.name).like(pattern, escape="\\"),
                    func.lower(Contact.phone).like(pattern, escape="\\"),
                    func.lower(Contact.email).like(pattern, escape="\\"),
                ),
            )
            .exists()
        )
        query = query.where(
            or_(func.lower(Screening.conversation_id).like(pattern, escape="\\"), contact_match)
        )
    query = query.order_by(Screening.started_at.desc(), Screening.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    screenings = list(session.execute(query).scalars())
    ids = [int(s.id) for s in screenings]
    criteria = _criteria_by_screening(session, ids)
    flags = _flags_by_screening(session, ids)
    with_contact: set[int] = set()
    for chunk in _chunks(ids):
        with_contact.update(
            int(sid)
            for sid in session.execute(
                select(Contact.screening_id).where(Contact.screening_id.in_(chunk))
            ).scalars()
        )
    return [
        _screening_row(s, criteria[int(s.id)], flags[int(s.id)], int(s.id) in with_contact)
        for s in screenings
    ]


def outcome_counts(session: Session) -> dict[str, int]:
    """Outcome → number of non-deleted screenings (every outcome present, zeros included)."""
    counts = dict.fromkeys(OUTCOMES, 0)
    rows = session.execute(
        select(Screening.outcome, func.count())
        .where(Screening.deleted_at.is_(None))
        .group_by(Screening.outcome)
    )
    for outcome, count in rows:
        counts[outcome] = int(count)
    return counts


def get_flag(session: Session, flag_id: int) -> dict[str, Any] | None:
    """One follow-up flag (the `screening_summary` flag keys plus screening_id), or None."""
    flag = session.get(FollowUpFlag, flag_id)
    if flag is None:
        return None
    return {
        "id": int(flag.id),
        "screening_id": int(flag.screening_id),
        "fact": flag.fact,
        "kind": flag.kind,
        "criteria": _load(flag.criteria),
        "status": flag.status,
        "created_at": flag.created_at,
        "resolved_at": flag.resolved_at,
        "resolved_by": flag.resolved_by,
        "resolution": flag.resolution,
        "note": flag.note,
    }


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


# --- transcripts and exports ---------------------------------------------------------------


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
    if not _has_events_table(session):
        return []
    query = select(EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data).where(
        EVENTS.c.sender_id == conversation_id, EVENTS.c.type_name.in_(("user", "bot"))
    )
    if since is not None:
        query = query.where(EVENTS.c.timestamp >= _aware(since).timestamp())
    if until is not None:
        query = query.where(EVENTS.c.timestamp < _aware(until).timestamp())
    messages = []
    for type_name, stamp, data in session.execute(query.order_by(EVENTS.c.id)):
        try:
            payload = json.loads(data) if data else {}
        except ValueError:
            payload = {}
        if not isinstance(payload, dict):
            payload = {}
        text = payload.get("text")
        if not text:
            continue  # e.g. a bot event carrying only buttons or a custom payload
        moment = payload.get("timestamp", stamp)
        at = (
            _iso(datetime.fromtimestamp(float(moment), timezone.utc))
            if isinstance(moment, (int, float))
            else None
        )
        messages.append(
            {"at": at, "from": "patient" if type_name == "user" else "bot", "text": str(text)}
        )
    return messages


def _transcript_windows(
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


def _ordered(keys: Iterable[str], preferred: Iterable[str]) -> list[str]:
    present = list(keys)
    first = [k for k in preferred if k in present]
    chosen = set(first)
    return first + [k for k in present if k not in chosen]


def _export(
    session: Session,
    screenings: Sequence[Any],
    trial: Trial,
) -> list[dict[str, Any]]:
    ids = [int(s.id) for s in screenings]
    facts = _facts_by_screening(session, ids)
    criteria = _criteria_by_screening(session, ids)
    flags = _flags_by_screening(session, ids)
    windows: dict[str, dict[int, tuple[datetime | None, datetime | None]]] = {}
    fact_order = list(trial.facts)
    criterion_order = [c.id for c in trial.criteria]
    exported = []
    for s in screenings:
        sid = int(s.id)
        if s.conversation_id not in windows:
            windows[s.conversation_id] = _transcript_windows(session, s.conversation_id)
        since, until = windows[s.conversation_id][sid]
        statuses = {c["id"]: c["status"] for c in criteria[sid]}
        values = facts[sid]
        exported.append(
            {
                "conversation_id": s.conversation_id,
                "trial": s.trial_id,
                "outcome": s.outcome,
                "criteria": {cid: statuses[cid] for cid in _ordered(statuses, criterion_order)},
                "facts": {key: values[key] for key in _ordered(values, fact_order)},
                "follow_up": [
                    {
                        "fact": f["fact"],
                        "kind": f["kind"],
                        "criteria": f["criteria"],
                        "status": f["status"],
                    }
                    for f in flags[sid]
                ],
                "transcript": transcript(session, s.conversation_id, since=since, until=until),
            }
        )
    return exported


def export_screening(session: Session, conversation_id: str, trial: Trial) -> dict[str, Any]:
    """The latest non-deleted screening of the conversation for `trial`, as JSON-able dict.

    Keys: conversation_id, trial (id), outcome, criteria ({id: status}), facts ({key: value},
    None = asked-unknown), follow_up ([{fact, kind, criteria, status}], every flag),
    transcript ([{at, from, text}], the part of the conversation this screening covers).
    Raises ScreeningNotFound.
    """
    screening = session.execute(
        select(Screening)
        .where(
            Screening.conversation_id == conversation_id,
            Screening.trial_id == trial.id,
            Screening.deleted_at.is_(None),
        )
        .order_by(Screening.started_at.desc(), Screening.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if screening is None:
        raise ScreeningNotFound(f"no screening of {trial.id} in conversation {conversation_id!r}")
    return _export(session, [screening], trial)[0]


def export_all(session: Session, trial: Trial) -> list[dict[str, Any]]:
    """Every non-deleted screening of `trial`, oldest first, in `export_screening`'s shape."""
    screenings = list(
        session.execute(
            select(Screening)
            .where(Screening.trial_id == trial.id, Screening.deleted_at.is_(None))
            .order_by(Screening.started_at, Screening.id)
        ).scalars()
    )
    return _export(session, screenings, trial)


def _csv_safe(text: str) -> str:
    """Defuse spreadsheet formula injection in free-form cells."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """CSV text, one row per screening, from `list_screenings` rows.

    Columns: conversation_id, trial, started_at (ISO-8601 UTC), outcome, failing_criteria
    and open_flags (``;``-joined ids / fact keys). No names, phones, emails or fact values.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        started = row.get("started_at")
        writer.writerow(
            [
                _csv_safe(str(row["conversation_id"])),
                row.get("trial_id", row.get("trial")),
                _iso(started) if isinstance(started, datetime) else started,
                row["outcome"],
                ";".join(row.get("failing_criteria", ())),
                ";".join(row.get("open_flags", ())),
            ]
        )
    return out.getvalue()
