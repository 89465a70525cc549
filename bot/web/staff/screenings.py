"""The screenings list, one screening's detail, and resolving a follow-up flag."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from bot.criteria.model import Trial
from bot.engine import assess
from bot.engine.facts import derived_sources, with_derived
from bot.i18n import t
from bot.store.audit import add_audit
from bot.store.common import FlagAlreadyResolved, ScreeningNotFound
from bot.store.models import OUTCOMES
from bot.store.review import (
    get_flag,
    list_screenings,
    outcome_counts,
    resolve_flag,
    screening_summary,
)
from bot.store.screenings import current_facts, record_answer, save_assessment
from bot.store.transcripts import transcript
from bot.web.security import client_address
from bot.web.staff.auth import require_staff
from bot.web.staff.common import (
    NO_STORE,
    StaffUser,
    db,
    fmt_number,
    fmt_value,
    language_of,
    render,
    trial_of,
)
from bot.web.staff.values import ValueProblem, expected_form, parse_value

router = APIRouter(prefix="/staff")
Staff = Annotated[StaffUser, Depends(require_staff())]

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


# --- list ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The screenings filters from a query string (shared with the CSV export)."""

    outcome: str | None
    since: datetime | None
    until: datetime | None
    open_flags: bool | None
    q: str | None
    #: the values as typed, to refill the form
    form: dict[str, str]
    #: message ids of what is wrong with the filters (shown by the template).
    errors: tuple[str, ...]

    def query_args(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "since": self.since,
            "until": self.until,
            "has_open_flags": self.open_flags,
            "search": self.q,
        }

    def query_string(self, **extra: object) -> str:
        pairs = {k: v for k, v in self.form.items() if v}
        pairs.update({k: str(v) for k, v in extra.items()})
        return urlencode(pairs)


def _day(text: str | None, problem_id: str, errors: list[str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        errors.append(problem_id)
        return None


def parse_filters(
    outcome: str | None,
    date_from: str | None,
    date_to: str | None,
    open_flags: str | None,
    q: str | None,
) -> Filters:
    errors: list[str] = []
    chosen = outcome if outcome in OUTCOMES else None
    if outcome and chosen is None:
        errors.append("staff.filter.bad_outcome")
    first = _day(date_from, "staff.filter.bad_from", errors)
    last = _day(date_to, "staff.filter.bad_to", errors)
    flags = {"yes": True, "no": False}.get((open_flags or "").lower())
    search = (q or "").strip()[:255] or None
    return Filters(
        outcome=chosen,
        since=datetime.combine(first, time(), timezone.utc) if first else None,
        # the "to" day is included: up to the start of the next day
        until=datetime.combine(last + timedelta(days=1), time(), timezone.utc) if last else None,
        open_flags=flags,
        q=search,
        form={
            "outcome": chosen or "",
            "from": first.isoformat() if first else "",
            "to": last.isoformat() if last else "",
            "open_flags": "" if flags is None else ("yes" if flags else "no"),
            "q": search or "",
        },
        errors=tuple(errors),
    )


def filters_dependency(
    outcome: str | None = None,
    date_from: Annotated[str | None, Query(alias="from")] = None,
    date_to: Annotated[str | None, Query(alias="to")] = None,
    open_flags: str | None = None,
    q: str | None = None,
) -> Filters:
    return parse_filters(outcome, date_from, date_to, open_flags, q)


@router.get("", include_in_schema=False)
def screenings(
    request: Request,
    user: Staff,
    filters: Annotated[Filters, Depends(filters_dependency)],
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> Response:
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    offset = max(0, offset)
    with db(request) as session:
        counts = outcome_counts(session)
        rows = list_screenings(session, **filters.query_args(), limit=limit + 1, offset=offset)
    more = len(rows) > limit
    rows = rows[:limit]
    return render(
        request,
        "staff/screenings.html",
        {
            "counts": counts,
            "total": sum(counts.values()),
            "rows": rows,
            "filters": filters,
            "outcomes": OUTCOMES,
            "offset": offset,
            "limit": limit,
            "prev_query": filters.query_string(offset=max(0, offset - limit), limit=limit)
            if offset > 0
            else None,
            "next_query": filters.query_string(offset=offset + limit, limit=limit)
            if more
            else None,
            "export_query": filters.query_string(),
        },
        user=user,
    )


# --- detail --------------------------------------------------------------------------------


def _fact_view(
    trial: Trial,
    key: str,
    facts: dict[str, Any],
    values: dict[str, Any],
    current: dict[str, dict[str, Any]],
    *,
    language: str | None = None,
) -> dict[str, Any]:
    """One fact (or derived value) behind a criterion, with the words it came from."""
    spec = trial.facts.get(key)
    if spec is not None:
        answer = current.get(key)
        return {
            "key": key,
            "label": spec.staff,
            "value": fmt_value(spec, facts.get(key), known=key in facts, language=language),
            "unit": spec.unit if facts.get(key) is not None else None,
            "raw_text": answer["raw_text"] if answer else None,
            "source": answer["source"] if answer else None,
            "entered_by": answer["entered_by"] if answer else None,
            "at": answer["at"] if answer else None,
            "note": None,
        }
    derived = trial.derived.get(key)
    value = values.get(key)
    note = None
    if derived is not None:
        sources = derived_sources(trial, key, facts)
        if derived.measured and sources == (derived.measured,):
            note = t("staff.derived.measured", language, fact=derived.measured)
        else:
            inputs = ", ".join(derived.inputs.values())  # fact keys, not words
            note = t("staff.derived.calculated", language, formula=derived.compute, inputs=inputs)
    shown = round(value, 1) if isinstance(value, float) else value
    return {
        "key": key,
        "label": derived.label if derived else key,
        "value": fmt_value(None, shown, language=language),
        "unit": derived.unit if derived and value is not None else None,
        "raw_text": None,
        "source": "derived",
        "entered_by": None,
        "at": None,
        "note": note,
    }


def _with_derived(trial: Trial, reads: tuple[str, ...], result: dict[str, Any]) -> list[str]:
    """The deciding facts, after the derived values (e.g. eGFR) the criterion reads."""
    derived = [key for key in reads if key in trial.derived]
    return derived + [key for key in result["decided_by"] if key not in derived]


def detail_context(
    session: Session, trial: Trial, screening_id: int, *, language: str | None = None
) -> dict[str, Any]:
    """Everything the detail page shows, worded in `language` (raises ScreeningNotFound)."""
    summary = screening_summary(session, screening_id)
    if summary["deleted_at"] is not None:
        return {"screening": summary, "deleted": True}
    facts: dict[str, Any] = summary["facts"]
    history: list[dict[str, Any]] = summary["answers"]
    current = {a["fact"]: a for a in history if a["superseded_at"] is None}
    values = with_derived(trial, facts)
    by_id = {c.id: c for c in trial.criteria}
    order = {c.id: i for i, c in enumerate(trial.criteria)}
    criteria = []
    for result in sorted(summary["criteria"], key=lambda r: order.get(r["id"], len(order))):
        criterion = by_id.get(result["id"])
        fails = (result["kind"] == "inclusion" and result["status"] == "not_met") or (
            result["kind"] == "exclusion" and result["status"] == "met"
        )
        criteria.append(
            {
                "id": result["id"],
                "kind": result["kind"],
                "title": criterion.title if criterion else "",
                "registry_text": criterion.registry_text if criterion else "",
                "interpretation": criterion.interpretation if criterion else None,
                "status": result["status"],
                "fails": fails,
                "facts": [
                    _fact_view(trial, key, facts, values, current, language=language)
                    for key in _with_derived(trial, criterion.reads if criterion else (), result)
                ],
            }
        )
    flags: dict[str, list[dict[str, Any]]] = {"lab": [], "clinician": []}
    for flag in summary["flags"]:
        spec = trial.facts.get(flag["fact"])
        flags.setdefault(flag["kind"], []).append(
            {
                **flag,
                "label": spec.staff if spec else flag["fact"],
                "unit": spec.unit if spec else None,
                "type": spec.type if spec else None,
                "expected": expected_form(spec, language) if spec else "",
                "choices": spec.choices if spec else (),
            }
        )
    answers = [
        {
            **a,
            "label": trial.facts[a["fact"]].staff if a["fact"] in trial.facts else a["fact"],
            "shown": fmt_value(trial.facts.get(a["fact"]), a["value"], language=language),
        }
        for a in reversed(history)
    ]
    return {
        "screening": summary,
        "deleted": False,
        "criteria": criteria,
        "flags": flags,
        "open_flag_count": sum(1 for f in summary["flags"] if f["status"] == "open"),
        "answers": answers,
        "transcript": transcript(session, summary["conversation_id"]),
        "fmt_number": fmt_number,
    }


def _detail_page(
    request: Request,
    user: StaffUser,
    screening_id: int,
    *,
    form_errors: dict[int, str] | None = None,
    form_values: dict[int, dict[str, str]] | None = None,
    status_code: int = 200,
    audit: bool = True,
) -> Response:
    trial = trial_of(request)
    language = language_of(request)
    with db(request) as session:
        try:
            context = detail_context(session, trial, screening_id, language=language)
        except ScreeningNotFound:
            detail = t("staff.error.no_screening", language)
            raise HTTPException(status_code=404, detail=detail) from None
        if audit:
            add_audit(
                session,
                user.username,
                "view",
                screening_id=screening_id,
                conversation_id=context["screening"]["conversation_id"],
                remote_addr=client_address(request),
            )
    context.update(form_errors=form_errors or {}, form_values=form_values or {})
    return render(request, "staff/detail.html", context, user=user, status_code=status_code)


@router.get("/screenings/{screening_id}", include_in_schema=False)
def screening_detail(request: Request, screening_id: int, user: Staff) -> Response:
    return _detail_page(request, user, screening_id)


# --- resolving a flag ----------------------------------------------------------------------


@router.post("/flags/{flag_id}/resolve", include_in_schema=False)
def resolve(
    request: Request,
    flag_id: int,
    user: Staff,
    value: Annotated[str, Form()] = "",
    not_obtainable: Annotated[str | None, Form()] = None,
    note: Annotated[str, Form()] = "",
) -> Response:
    """Enter the value of an open flag's fact (or mark it not obtainable) and re-assess."""
    trial = trial_of(request)
    language = language_of(request)
    note = note.strip()[:2000]
    gave_up = bool(not_obtainable)
    with db(request) as session:
        flag = get_flag(session, flag_id)
    if flag is None:
        raise HTTPException(status_code=404, detail=t("staff.error.no_flag", language))
    screening_id = int(flag["screening_id"])
    typed = {"value": value, "note": note, "not_obtainable": "on" if gave_up else ""}

    def problem(message: str, status_code: int = 400) -> Response:
        return _detail_page(
            request,
            user,
            screening_id,
            form_errors={flag_id: message},
            form_values={flag_id: typed},
            status_code=status_code,
            audit=False,
        )

    if flag["status"] != "open":
        return problem(t("staff.resolve.already", language), 409)
    spec = trial.facts.get(flag["fact"])
    if spec is None:
        return problem(t("staff.resolve.not_in_trial", language), 409)
    if gave_up and value.strip():
        return problem(t("staff.resolve.both", language))
    address = client_address(request)
    try:
        with db(request) as session:
            if gave_up:
                resolve_flag(session, flag_id, by=user.username, value_known=False, note=note)
                detail = f"{spec.key} not obtainable"
            else:
                parsed = parse_value(spec, value, language)
                record_answer(
                    session,
                    screening_id,
                    spec.key,
                    parsed,
                    spec.unit,
                    note or "entered by staff",
                    source="staff",
                    entered_by=user.username,
                )
                resolve_flag(session, flag_id, by=user.username, value_known=True, note=note)
                assessment = assess(trial, current_facts(session, screening_id))
                save_assessment(session, screening_id, assessment)
                detail = f"{spec.key} set"
            add_audit(
                session,
                user.username,
                "resolve_flag",
                screening_id=screening_id,
                conversation_id=None,
                detail=f"flag {flag_id}: {detail}",
                remote_addr=address,
            )
    except ValueProblem as exc:
        return problem(str(exc))
    except FlagAlreadyResolved:
        return problem(t("staff.resolve.already", language), 409)
    except ScreeningNotFound:
        detail = t("staff.error.no_screening", language)
        raise HTTPException(status_code=404, detail=detail) from None
    except ValueError as exc:  # e.g. the screening belongs to another trial
        return problem(t("staff.resolve.failed", language, reason=str(exc)), 409)
    return RedirectResponse(
        f"/staff/screenings/{screening_id}#flags", status_code=303, headers=NO_STORE
    )
