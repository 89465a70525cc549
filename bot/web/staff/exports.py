"""Downloads: the screening log (CSV), one screening as FHIR R4, contact details (admins).

Every download is audited. The screening log carries no direct identifiers: the coded
conversation id, an age band instead of the age, sex, the outcome and criterion ids.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response

from bot.criteria.model import Trial
from bot.store import repository as repo
from bot.web.fhir import bundle_json, screening_bundle
from bot.web.security import client_address
from bot.web.staff.auth import require_staff
from bot.web.staff.common import NO_STORE, StaffUser, csv_safe, db, trial_of
from bot.web.staff.screenings import Filters, filters_dependency

router = APIRouter(prefix="/staff")
Staff = Annotated[StaffUser, Depends(require_staff(api=True))]
Admin = Annotated[StaffUser, Depends(require_staff("admin", api=True))]

LOG_COLUMNS = (
    "date",
    "coded_id",
    "trial",
    "age_band",
    "sex",
    "respondent",
    "outcome",
    "failing_criteria",
    "screen_fail_reasons",
    "open_flags",
)
CONTACT_COLUMNS = (
    "coded_id",
    "date",
    "outcome",
    "name",
    "phone",
    "email",
    "consented_at",
)


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


def _day(moment: object) -> str:
    if isinstance(moment, datetime):
        return moment.astimezone(timezone.utc).date().isoformat()
    return ""


def screening_log_csv(
    trial: Trial, rows: Iterable[Mapping[str, Any]], facts: Mapping[int, Mapping[str, Any]]
) -> str:
    """ICH E6-style screening log: one row per screening, no direct identifiers."""
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
                _day(row.get("started_at")),
                csv_safe(row["conversation_id"]),
                row.get("trial_id", ""),
                age_band(values.get("age_years")),
                sex if isinstance(sex, str) else "unknown",
                row.get("respondent") or "",
                row["outcome"],
                ";".join(failing),
                "; ".join(f"{cid} {titles.get(cid, '')}".strip() for cid in failing),
                ";".join(row.get("open_flags", ())),
            ]
        )
    return out.getvalue()


def _download(text: str, filename: str, media_type: str) -> Response:
    return Response(
        text,
        media_type=media_type,
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/export.csv", include_in_schema=False)
def export_csv(
    request: Request,
    user: Staff,
    filters: Annotated[Filters, Depends(filters_dependency)],
) -> Response:
    trial = trial_of(request)
    with db(request) as session:
        rows = repo.list_screenings(session, **filters.query_args(), limit=None)
        facts = {int(row["id"]): repo.current_facts(session, int(row["id"])) for row in rows}
        text = screening_log_csv(trial, rows, facts)
        repo.add_audit(
            session,
            user.username,
            "export_csv",
            detail=f"screening log rows={len(rows)}",
            remote_addr=client_address(request),
        )
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d")
    return _download(text, f"screening-log-{trial.id}-{stamp}.csv", "text/csv; charset=utf-8")


@router.get("/screenings/{screening_id}/fhir.json", include_in_schema=False)
def export_fhir(request: Request, screening_id: int, user: Staff) -> Response:
    trial = trial_of(request)
    with db(request) as session:
        try:
            summary = repo.screening_summary(session, screening_id)
        except repo.ScreeningNotFound:
            raise HTTPException(status_code=404, detail="No such screening") from None
        if summary["deleted_at"] is not None:
            raise HTTPException(status_code=404, detail="No such screening")
        text = bundle_json(screening_bundle(trial, summary))
        repo.add_audit(
            session,
            user.username,
            "export_fhir",
            screening_id=screening_id,
            conversation_id=summary["conversation_id"],
            detail="FHIR R4 bundle",
            remote_addr=client_address(request),
        )
    return _download(text, f"screening-{screening_id}.fhir.json", "application/fhir+json")


@router.get("/contacts.csv", include_in_schema=False)
def export_contacts(request: Request, user: Admin) -> Response:
    """Contact details patients consented to leave (admins only)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CONTACT_COLUMNS)
    count = 0
    with db(request) as session:
        for row in repo.list_screenings(session, limit=None):
            if not row["has_contact"]:
                continue
            contact = repo.screening_summary(session, int(row["id"]))["contact"]
            if contact is None:
                continue
            count += 1
            writer.writerow(
                [
                    csv_safe(row["conversation_id"]),
                    _day(row["started_at"]),
                    row["outcome"],
                    csv_safe(contact["name"]),
                    csv_safe(contact["phone"]),
                    csv_safe(contact["email"]),
                    contact["consented_at"].isoformat(timespec="seconds")
                    if contact["consented_at"]
                    else "",
                ]
            )
        repo.add_audit(
            session,
            user.username,
            "export_contacts",
            detail=f"contacts rows={count}",
            remote_addr=client_address(request),
        )
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d")
    return _download(out.getvalue(), f"contacts-{stamp}.csv", "text/csv; charset=utf-8")
