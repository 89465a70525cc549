"""Exports: screenings as JSON (with their transcripts) and the screening log as CSV.

`prescreen export` and the staff app's downloads both use these, so the CLI and the web app
give the same columns.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.criteria.model import Trial
from bot.store.common import ScreeningNotFound
from bot.store.models import Screening
from bot.store.review import criteria_by_screening, flags_by_screening
from bot.store.screenings import facts_by_screening
from bot.store.transcripts import transcript, transcript_windows

#: The screening log (ICH E6-style): one row per screening, no direct identifiers.
LOG_COLUMNS = (
    "date",
    "coded_id",
    "trial",
    "age_band",
    "sex",
    "respondent",
    "language",
    "outcome",
    "failing_criteria",
    "screen_fail_reasons",
    "open_flags",
)


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
    facts = facts_by_screening(session, ids)
    criteria = criteria_by_screening(session, ids)
    flags = flags_by_screening(session, ids)
    windows: dict[str, dict[int, tuple[datetime | None, datetime | None]]] = {}
    fact_order = list(trial.facts)
    criterion_order = [c.id for c in trial.criteria]
    exported = []
    for s in screenings:
        sid = int(s.id)
        if s.conversation_id not in windows:
            windows[s.conversation_id] = transcript_windows(session, s.conversation_id)
        since, until = windows[s.conversation_id][sid]
        statuses = {c["id"]: c["status"] for c in criteria[sid]}
        values = facts[sid]
        exported.append(
            {
                "conversation_id": s.conversation_id,
                "trial": s.trial_id,
                "language": s.language,
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

    Keys: conversation_id, trial (id), language (the conversation's, None before it was
    recorded), outcome, criteria ({id: status}), facts ({key: value},
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


def csv_safe(text: object) -> str:
    """Defuse spreadsheet formula injection in a free-text cell (None becomes "")."""
    value = "" if text is None else str(text)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def iso_date(moment: object) -> str:
    """The UTC date of a datetime (``2025-01-31``); "" for anything else."""
    if isinstance(moment, datetime):
        return moment.astimezone(timezone.utc).date().isoformat()
    return ""


def age_band(age: object) -> str:
    """``<18``, ``18–29``, ``30–39`` … ``80+``; ``unknown`` when not known."""
    if isinstance(age, bool) or not isinstance(age, (int, float)):
        return "unknown"
    years = int(age)
    if years < 18:
        return "<18"
    if years < 30:
        return "18–29"
    if years >= 80:
        return "80+"
    low = years // 10 * 10
    return f"{low}–{low + 9}"


def screening_log_csv(
    trial: Trial, rows: Iterable[Mapping[str, Any]], facts: Mapping[int, Mapping[str, Any]]
) -> str:
    """The screening log as CSV text (`LOG_COLUMNS`) from `list_screenings` rows and each
    screening's current facts (by screening id): the date, the coded conversation id, an age
    band instead of the age, sex, outcome, failing criteria with their titles, open flags."""
    titles = {c.id: c.title for c in trial.criteria}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LOG_COLUMNS)
    for row in rows:
        values = facts.get(int(row["id"]), {})
        sex = values.get("sex")
        failing = list(row.get("failing_criteria", ()))
        writer.writerow(
            [
                iso_date(row.get("started_at")),
                csv_safe(row["conversation_id"]),
                row.get("trial_id", ""),
                age_band(values.get("age_years")),
                sex if isinstance(sex, str) else "unknown",
                row.get("respondent") or "",
                row.get("language") or "",
                row["outcome"],
                ";".join(failing),
                "; ".join(f"{cid} {titles.get(cid, '')}".strip() for cid in failing),
                ";".join(row.get("open_flags", ())),
            ]
        )
    return out.getvalue()


def screening_log(session: Session, trial: Trial, rows: Sequence[Mapping[str, Any]]) -> str:
    """`screening_log_csv` for `list_screenings` rows, reading their facts in one go."""
    facts = facts_by_screening(session, [int(row["id"]) for row in rows])
    return screening_log_csv(trial, rows, facts)
