"""Web settings from the environment (see README), with development defaults."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from bot.settings import ROOT, check_deployment, load_settings
from bot.web.routing import rasa_urls_from_env


@dataclass(frozen=True)
class WebSettings:
    """What the web app needs to know: where Rasa is, how to sign cookies, which trial."""

    rasa_url: str
    rasa_token: str
    secret_key: str
    trial_id: str
    #: set cookies with the Secure flag and send HSTS (behind TLS in production).
    secure_cookies: bool
    #: staff session lifetime in seconds.
    session_max_age: int = 8 * 3600
    #: patient messages per minute per client.
    chat_rate_limit: str = "30/minute"
    login_rate_limit: str = "5/minute"
    #: longest patient message accepted, in characters.
    max_message_chars: int = 1000
    #: the Rasa replicas (RASA_URLS), each conversation on one of them; empty: `rasa_url`.
    rasa_urls: tuple[str, ...] = ()


def _secret_key(var_dir: Path) -> str:
    """WEB_SECRET_KEY, or a random key kept in var/ so sessions survive a restart in dev."""
    key = os.environ.get("WEB_SECRET_KEY")
    if key:
        return key
    path = var_dir / "web-secret-key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _rate_limit(variable: str, default: str) -> str:
    """A rate limit such as "30/minute" from `variable`; an unreadable one stops the start."""
    value = os.environ.get(variable, "").strip() or default
    from limits import parse

    try:
        parse(value)
    except ValueError as error:
        raise ValueError(
            f"{variable}={value!r} is not a rate limit; use e.g. '30/minute' or '5/second'"
        ) from error
    return value


def load_web_settings() -> WebSettings:
    """Read RASA_URL, RASA_TOKEN, WEB_SECRET_KEY, WEB_SECURE_COOKIES, WEB_CHAT_RATE_LIMIT,
    PRESCREEN_TRIAL.

    In production (bot.settings.check_deployment) RASA_TOKEN and WEB_SECRET_KEY must be set,
    long enough and not the development defaults (InsecureConfiguration otherwise), and
    cookies are Secure unless WEB_SECURE_COOKIES=0 says otherwise.
    """
    environment = check_deployment(rasa_token=True, web_secret=True)
    base = load_settings()
    default_secure = "1" if environment == "production" else "0"
    return WebSettings(
        rasa_url=os.environ.get("RASA_URL", base.rasa_url),
        rasa_token=base.rasa_token,
        secret_key=_secret_key(Path(os.environ.get("VAR_DIR", ROOT / "var"))),
        trial_id=base.trial_id,
        secure_cookies=os.environ.get("WEB_SECURE_COOKIES", default_secure).strip() == "1",
        rasa_urls=tuple(rasa_urls_from_env()) if os.environ.get("RASA_URLS", "").strip() else (),
        chat_rate_limit=_rate_limit("WEB_CHAT_RATE_LIMIT", WebSettings.chat_rate_limit),
    )
