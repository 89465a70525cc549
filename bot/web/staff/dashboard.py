"""Dashboard (screenings per week, outcomes, screen-fail reasons) and the audit log."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from bot.i18n import t
from bot.store.audit import list_audit
from bot.store.models import OUTCOMES
from bot.store.review import list_screenings, outcome_counts
from bot.web.charts import OUTCOME_COLOURS, Bar, bar_chart
from bot.web.staff.auth import require_staff
from bot.web.staff.common import (
    OUTCOME_LABELS,
    StaffUser,
    db,
    language_of,
    render,
    trial_of,
)

router = APIRouter(prefix="/staff")
Staff = Annotated[StaffUser, Depends(require_staff())]
Admin = Annotated[StaffUser, Depends(require_staff("admin"))]

WEEKS = 12
AUDIT_PAGE = 100


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@router.get("/dashboard", include_in_schema=False)
def dashboard(request: Request, user: Staff) -> Response:
    trial = trial_of(request)
    with db(request) as session:
        counts = outcome_counts(session)
        rows = list_screenings(session, limit=None)
    this_week = _monday(datetime.now(timezone.utc).date())
    weeks = [this_week - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]
    per_week = Counter(_monday(row["started_at"].astimezone(timezone.utc).date()) for row in rows)
    earlier = sum(n for week, n in per_week.items() if week < weeks[0])
    language = language_of(request)
    week_bars = [
        Bar(t("staff.dashboard.week_of", language, date=week.isoformat()), per_week.get(week, 0))
        for week in weeks
    ]
    failing = Counter(cid for row in rows for cid in row["failing_criteria"])
    fail_bars = [
        Bar(c.id, failing[c.id], description=c.title)
        for c in trial.criteria
        if failing.get(c.id, 0) > 0
    ]
    fail_bars.sort(key=lambda bar: -bar.value)
    outcome_bars = [
        Bar(t(OUTCOME_LABELS[o], language), counts.get(o, 0), colour=OUTCOME_COLOURS[o])
        for o in OUTCOMES
    ]
    titles = {c.id: c.title for c in trial.criteria}
    return render(
        request,
        "staff/dashboard.html",
        {
            "total": len(rows),
            "earlier": earlier,
            "weeks_chart": bar_chart(
                t("staff.dashboard.chart_weeks", language, weeks=WEEKS),
                week_bars,
                chart_id="chart-weeks",
            ),
            "outcomes_chart": bar_chart(
                t("staff.dashboard.chart_outcomes", language),
                outcome_bars,
                chart_id="chart-outcomes",
            ),
            "fails_chart": bar_chart(
                t("staff.dashboard.chart_fails", language),
                fail_bars,
                label_width=80,
                chart_id="chart-fails",
            ),
            "week_rows": [(bar.label, bar.value) for bar in week_bars],
            "outcome_rows": [(bar.label, bar.value) for bar in outcome_bars],
            "fail_rows": [(bar.label, titles.get(bar.label, ""), bar.value) for bar in fail_bars],
        },
        user=user,
    )


@router.get("/audit", include_in_schema=False)
def audit_log(
    request: Request,
    user: Admin,
    actor: str | None = None,
    action: str | None = None,
    offset: int = 0,
) -> Response:
    actor = (actor or "").strip()[:150] or None
    action = (action or "").strip()[:32] or None
    offset = max(0, offset)
    with db(request) as session:
        events = list_audit(
            session, actor=actor, action=action, limit=AUDIT_PAGE + 1, offset=offset
        )
    more = len(events) > AUDIT_PAGE
    return render(
        request,
        "staff/audit.html",
        {
            "events": events[:AUDIT_PAGE],
            "actor": actor or "",
            "action": action or "",
            "offset": offset,
            "next_offset": offset + AUDIT_PAGE if more else None,
            "prev_offset": max(0, offset - AUDIT_PAGE) if offset else None,
        },
        user=user,
    )
