"""Downloads: the screening log (CSV), one screening as FHIR R4, contact details (admins).

Every download is audited. The screening log carries no direct identifiers: the coded
conversation id, an age band instead of the age, sex, the outcome and criterion ids.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response

from bot.i18n import t
from bot.store.audit import add_audit
from bot.store.common import ScreeningNotFound
from bot.store.exports import csv_safe, iso_date, screening_log
from bot.store.review import list_screenings, screening_summary
from bot.web.fhir import bundle_json, screening_bundle
from bot.web.security import client_address
from bot.web.staff.auth import require_staff
from bot.web.staff.common import NO_STORE, StaffUser, db, language_of, trial_of
from bot.web.staff.screenings import Filters, filters_dependency

router = APIRouter(prefix="/staff")
Staff = Annotated[StaffUser, Depends(require_staff(api=True))]
Admin = Annotated[StaffUser, Depends(require_staff("admin", api=True))]

CONTACT_COLUMNS = (
    "coded_id",
    "date",
    "outcome",
    "name",
    "phone",
    "email",
    "consented_at",
)


def _audit(session: Any, request: Request, user: StaffUser, action: str, **detail: Any) -> None:
    """The audit row every download leaves (who, what, from where; never health data)."""
    add_audit(session, user.username, action, remote_addr=client_address(request), **detail)


def _dated(stem: str) -> str:
    """``<stem>-YYYYMMDD.csv`` for today's date (UTC)."""
    return f"{stem}-{datetime.now(timezone.utc).strftime('%Y%m%d')}.csv"


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
        rows = list_screenings(session, **filters.query_args(), limit=None)
        text = screening_log(session, trial, rows)
        _audit(session, request, user, "export_csv", detail=f"screening log rows={len(rows)}")
    return _download(text, _dated(f"screening-log-{trial.id}"), "text/csv; charset=utf-8")


@router.get("/screenings/{screening_id}/fhir.json", include_in_schema=False)
def export_fhir(request: Request, screening_id: int, user: Staff) -> Response:
    trial = trial_of(request)
    with db(request) as session:
        try:
            summary = screening_summary(session, screening_id)
        except ScreeningNotFound:
            detail = t("staff.error.no_screening", language_of(request))
            raise HTTPException(status_code=404, detail=detail) from None
        if summary["deleted_at"] is not None:
            detail = t("staff.error.no_screening", language_of(request))
            raise HTTPException(status_code=404, detail=detail)
        text = bundle_json(screening_bundle(trial, summary))
        _audit(
            session,
            request,
            user,
            "export_fhir",
            screening_id=screening_id,
            conversation_id=summary["conversation_id"],
            detail="FHIR R4 bundle",
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
        for row in list_screenings(session, limit=None):
            if not row["has_contact"]:
                continue
            contact = screening_summary(session, int(row["id"]))["contact"]
            if contact is None:
                continue
            count += 1
            writer.writerow(
                [
                    csv_safe(row["conversation_id"]),
                    iso_date(row["started_at"]),
                    row["outcome"],
                    csv_safe(contact["name"]),
                    csv_safe(contact["phone"]),
                    csv_safe(contact["email"]),
                    contact["consented_at"].isoformat(timespec="seconds")
                    if contact["consented_at"]
                    else "",
                ]
            )
        _audit(session, request, user, "export_contacts", detail=f"contacts rows={count}")
    return _download(out.getvalue(), _dated("contacts"), "text/csv; charset=utf-8")
