"""What staff review: the screening list and one screening's summary, outcome counts, and the
follow-up flags they resolve."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from bot.criteria.loader import CriteriaError
from bot.criteria.registry import get_trial
from bot.store.common import (
    NOT_OBTAINABLE,
    SYSTEM_ACTOR,
    VALUE_ENTERED,
    FlagAlreadyResolved,
    FlagNotFound,
    ScreeningNotFound,
    aware,
    chunks,
    like,
    load,
)
from bot.store.models import OUTCOMES, Contact, CriterionResult, FollowUpFlag, Screening, utcnow
from bot.store.screenings import answer_history, current_facts


def _criterion_order(trial_id: str) -> dict[str, int]:
    """Position of each criterion in its trial file (unknown trials: none, so by id)."""
    try:
        return {c.id: i for i, c in enumerate(get_trial(trial_id).criteria)}
    except CriteriaError:
        return {}


def criteria_by_screening(session: Session, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The current result of each criterion, per screening, in the trial file's order."""
    found: dict[int, list[dict[str, Any]]] = {sid: [] for sid in ids}
    trials: dict[int, str] = {}
    for chunk in chunks(ids):
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
                    "decided_by": load(r.decided_by),
                    "evaluated_at": r.evaluated_at,
                }
            )
    for sid, criteria in found.items():
        if sid in trials:
            order = _criterion_order(trials[sid])
            criteria.sort(key=lambda c: order.get(c["id"], len(order)))
    return found


def flags_by_screening(session: Session, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Every follow-up flag, per screening, oldest first."""
    found: dict[int, list[dict[str, Any]]] = {sid: [] for sid in ids}
    for chunk in chunks(ids):
        rows = session.execute(
            select(FollowUpFlag)
            .where(FollowUpFlag.screening_id.in_(chunk))
            .order_by(FollowUpFlag.id)
        ).scalars()
        for f in rows:
            found[int(f.screening_id)].append(_flag(f))
    return found


def _flag(f: Any) -> dict[str, Any]:
    return {
        "id": int(f.id),
        "fact": f.fact,
        "kind": f.kind,
        "criteria": load(f.criteria),
        "status": f.status,
        "created_at": f.created_at,
        "resolved_at": f.resolved_at,
        "resolved_by": f.resolved_by,
        "resolution": f.resolution,
        "note": f.note,
    }


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
        "language": s.language,
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
    criteria = criteria_by_screening(session, [screening_id])[screening_id]
    flags = flags_by_screening(session, [screening_id])[screening_id]
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
        query = query.where(Screening.started_at >= aware(since))
    if until is not None:
        query = query.where(Screening.started_at < aware(until))
    if has_open_flags is not None:
        open_flag = (
            select(FollowUpFlag.id)
            .where(FollowUpFlag.screening_id == Screening.id, FollowUpFlag.status == "open")
            .exists()
        )
        query = query.where(open_flag if has_open_flags else ~open_flag)
    if search:
        pattern = like(search.strip().lower())
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
    criteria = criteria_by_screening(session, ids)
    flags = flags_by_screening(session, ids)
    with_contact: set[int] = set()
    for chunk in chunks(ids):
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
    return {**_flag(flag), "screening_id": int(flag.screening_id)}


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
