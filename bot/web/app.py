"""The FastAPI application: patient page + chat proxy (bot.web.patient), staff app (bot.web.staff).

The web app talks to Rasa (the chat) and to the store (staff views); never to the action server.
Run: `uvicorn bot.web.app:create_app --factory --ws none --host 127.0.0.1 --port $WEB_PORT`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from slowapi import _rate_limit_exceeded_handler
from slowapi.errors import RateLimitExceeded

from bot.criteria import get_trial
from bot.web.config import WebSettings, load_web_settings
from bot.web.security import CSRFMiddleware, SecurityHeadersMiddleware, limiter

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings."""
    from bot.web import patient, staff

    settings = settings or load_web_settings()
    app = FastAPI(title="Trial pre-screening", docs_url=None, redoc_url=None, openapi_url=None)
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
