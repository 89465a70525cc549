"""The FastAPI application: patient page + chat proxy (bot.web.patient), staff app (bot.web.staff).

The web app talks to Rasa (the chat) and to the store (staff views); never to the action server.
Run: `uvicorn bot.web.app:create_app --factory --ws none --host 127.0.0.1 --port $WEB_PORT`.

Wording comes from the message catalogs (`bot.i18n`): ``web.po`` for the patient page and the
chat, ``staff.po`` for the staff app. The Jinja environment is shared by every request and is
never changed after start-up; each render gets its own ``_`` (a `bot.i18n.Translator` bound to
that request's language, see `request_language`) and ``lang`` in its context. Nothing global
is switched per request, so concurrent requests in different languages cannot see each other's
language (installing gettext callables on the environment, jinja2.ext.i18n's way, would set
one language for every thread at once).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from slowapi import _rate_limit_exceeded_handler
from slowapi.errors import RateLimitExceeded

from bot import i18n
from bot.criteria import get_trial
from bot.web.config import WebSettings, load_web_settings
from bot.web.security import CSRFMiddleware, SecurityHeadersMiddleware, limiter

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def _accepted(header: str) -> list[str]:
    """The language tags of an Accept-Language header, most wanted first (q=0 left out)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        tag = tag.strip().lower()
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, index, tag))
    return [tag for _q, _i, tag in sorted(ranked)]


def request_language(request: Request, offered: Iterable[str] | None = None) -> str:
    """The language to answer `request` in: the browser's first Accept-Language choice that
    has a catalog (and is in `offered`, e.g. the trial's languages), else the first offered
    language with a catalog, else the default language."""
    have = set(i18n.languages())
    choices = [lang for lang in (offered or i18n.languages()) if lang in have]
    if not choices:
        return i18n.DEFAULT_LANGUAGE
    by_tag = {lang.lower(): lang for lang in choices}
    for tag in _accepted(request.headers.get("accept-language", "")):
        found = by_tag.get(tag) or by_tag.get(tag.split("-")[0])
        if found:
            return found
    return choices[0]


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings."""
    from bot.web import patient, staff

    settings = settings or load_web_settings()
    app = FastAPI(title="prescreen", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.trial = get_trial(settings.trial_id)
    app.state.templates = templates
    app.state.limiter = limiter
    app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)  # type: ignore[arg-type]
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(patient.router)
    app.include_router(staff.router)
    app.add_middleware(
        CSRFMiddleware,
        secret=settings.secret_key,
        cookie_secure=settings.secure_cookies,
        cookie_samesite="strict",
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies)
    return app
