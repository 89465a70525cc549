"""Shared pieces of the staff app: page rendering, the CSRF form token, formatting, the DB.

Forms carry the CSRF token in a hidden `csrftoken` field that must equal the `csrftoken`
cookie (double submit, checked by `bot.web.security.CSRFMiddleware`). starlette-csrf only
issues that cookie on the way *out* of a response, so on a visitor's first page the form
would have no token to carry. `csrf_token` therefore mints the token itself, in
starlette-csrf's own format (an itsdangerous ``URLSafeSerializer(secret, "csrftoken")``
signature of a random string), sets it as the cookie on that very response, and shows the
middleware the cookie in the request scope so that it does not issue a second, different one.

Wording comes from the ``staff`` message catalog in the request's language (`language_of`):
pages get a per-request ``_`` and ``lang``; label tables here hold message ids.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timezone
from http.cookies import SimpleCookie
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session
from starlette.responses import Response
from starlette_csrf.middleware import CSRFMiddleware as _BaseCSRFMiddleware

from bot.criteria.model import FactSpec, Trial, Value
from bot.i18n import t, translator
from bot.store.db import session_scope
from bot.web.app import request_language
from bot.web.config import WebSettings
from bot.web.security import CSRF_FIELD

#: Staff pages show health data: never cache them anywhere.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
#: outcome → message id of its label.
OUTCOME_LABELS = {
    "ineligible": "staff.outcome.ineligible",
    "likely_eligible": "staff.outcome.likely_eligible",
    "needs_review": "staff.outcome.needs_review",
    "incomplete": "staff.outcome.incomplete",
}
#: criterion status → message id of its label.
STATUS_LABELS = {
    "met": "staff.status.met",
    "not_met": "staff.status.not_met",
    "unknown": "staff.status.unknown",
}


@dataclass(frozen=True)
class StaffUser:
    """The logged-in staff member."""

    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def settings_of(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


def language_of(request: Request) -> str:
    """The language of this staff request's pages and messages (any language with a catalog)."""
    return request_language(request)


def trial_of(request: Request) -> Trial:
    """The app's trial, worded in the request's language where the trial file has it."""
    trial: Trial = request.app.state.trial
    return trial.in_language(language_of(request))


@contextmanager
def db(request: Request) -> Iterator[Session]:
    """A unit of work on the app's database (``app.state.database_url``, else DATABASE_URL)."""
    with session_scope(getattr(request.app.state, "database_url", None)) as session:
        yield session


# --- CSRF form token -----------------------------------------------------------------------


@dataclass(frozen=True)
class _CSRFConfig:
    secret: str
    cookie_name: str
    path: str
    secure: bool
    httponly: bool
    samesite: str


def _csrf_config(request: Request) -> _CSRFConfig:
    """The CSRF middleware's own settings, as create_app configured it."""
    settings = settings_of(request)
    options: dict[str, Any] = {}
    for middleware in getattr(request.app, "user_middleware", []):
        cls = getattr(middleware, "cls", None)
        if isinstance(cls, type) and issubclass(cls, _BaseCSRFMiddleware):
            options = dict(getattr(middleware, "kwargs", {}) or {})
            break
    return _CSRFConfig(
        secret=str(options.get("secret", settings.secret_key)),
        cookie_name=str(options.get("cookie_name", CSRF_FIELD)),
        path=str(options.get("cookie_path", "/")),
        secure=bool(options.get("cookie_secure", settings.secure_cookies)),
        httponly=bool(options.get("cookie_httponly", False)),
        samesite=str(options.get("cookie_samesite", "strict")),
    )


def _show_cookie_to_middleware(request: Request, name: str, value: str) -> None:
    """Put `name=value` into the request scope's Cookie header (other cookies kept)."""
    jar: SimpleCookie = SimpleCookie()
    kept: list[tuple[bytes, bytes]] = []
    for key, raw in request.scope.get("headers", []):
        if key.lower() == b"cookie":
            with suppress(Exception):  # a malformed header is simply replaced
                jar.load(raw.decode("latin-1"))
        else:
            kept.append((key, raw))
    cookies = {k: morsel.value for k, morsel in jar.items() if k != name}
    cookies[name] = value
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    kept.append((b"cookie", header.encode("latin-1")))
    request.scope["headers"] = kept


def csrf_token(request: Request) -> tuple[str, bool]:
    """The CSRF token for this visitor's forms, and whether it is new (must be set)."""
    config = _csrf_config(request)
    serializer = URLSafeSerializer(config.secret, "csrftoken")
    minted: str | None = getattr(request.state, "staff_csrf_token", None)
    if minted:
        return minted, True
    existing = request.cookies.get(config.cookie_name)
    if existing:
        try:
            serializer.loads(existing)
            return existing, False
        except BadSignature:
            pass
    token = str(serializer.dumps(secrets.token_urlsafe(128)))
    request.state.staff_csrf_token = token
    _show_cookie_to_middleware(request, config.cookie_name, token)
    return token, True


def set_csrf_cookie(request: Request, response: Response, token: str) -> None:
    config = _csrf_config(request)
    response.set_cookie(
        config.cookie_name,
        token,
        path=config.path,
        secure=config.secure,
        httponly=config.httponly,
        samesite=config.samesite,  # type: ignore[arg-type]
    )


# --- rendering -----------------------------------------------------------------------------


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    user: StaffUser | None,
    status_code: int = 200,
) -> Response:
    """A staff page: the template with the user, the CSRF token and formatting helpers."""
    token, fresh = csrf_token(request)
    templates: Jinja2Templates = request.app.state.templates
    language = language_of(request)
    full: dict[str, Any] = {
        "_": translator(language),
        "lang": language,
        "user": user,
        "csrf_token": token,
        "csrf_field": CSRF_FIELD,
        "outcome_labels": OUTCOME_LABELS,
        "status_labels": STATUS_LABELS,
        "fmt_time": fmt_time,
        **context,
    }
    response = templates.TemplateResponse(
        request, template, full, status_code=status_code, headers=NO_STORE
    )
    if fresh:
        set_csrf_cookie(request, response, token)
    return response


# --- formatting ----------------------------------------------------------------------------


def fmt_time(moment: datetime | str | None) -> str:
    """``2025-01-31 09:30 UTC`` (ISO strings from the transcript accepted too)."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        try:
            parsed = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    else:
        parsed = moment
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def fmt_number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def fmt_value(
    fact: FactSpec | None,
    value: Value | None,
    *,
    known: bool = True,
    language: str | None = None,
) -> str:
    """A fact value for people: yes/no, the number, the value with its label (no unit)."""
    if not known:
        return t("staff.value.not_asked", language)
    if value is None:
        return t("staff.value.unknown", language)
    if isinstance(value, bool):
        return t("staff.value.yes" if value else "staff.value.no", language)
    text = fmt_number(value) if isinstance(value, (int, float)) else str(value)
    label = fact.value_labels.get(text) if fact is not None else None
    if label and label.casefold() != text.casefold():
        return t("staff.value.with_label", language, value=text, label=label)
    return text
