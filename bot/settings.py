"""Configuration from environment variables, with development defaults (documented in README).

The development defaults (a documented Rasa token, a cookie key generated into ``var/``) are
refused when the deployment says it is production: ``PRESCREEN_ENV=production``, or
``WEB_SECURE_COOKIES=1`` while ``PRESCREEN_ENV`` is unset (see docs/security.md).
`check_deployment` is called by every entry point that starts a server (bot.stack,
bot.rasa_plugins.server, bot.web.config).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_RASA_TOKEN = "dev-only-rasa-token"  # development default; refused in production
#: the shortest RASA_TOKEN / WEB_SECRET_KEY accepted in production (secrets.token_urlsafe(24)).
MIN_SECRET_CHARS = 32
ENVIRONMENTS = ("development", "production")
GENERATE = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


class InsecureConfiguration(RuntimeError):
    """Production was asked for, but a secret is missing, too short or a development default."""


@dataclass(frozen=True)
class Settings:
    """Ports, token and paths for one run of the stack."""

    rasa_port: int
    action_port: int
    web_port: int
    rasa_token: str
    trial_id: str
    models_dir: Path
    var_dir: Path
    #: WEB_FORWARDED_ALLOW_IPS: reverse proxies whose X-Forwarded-For the web app believes
    #: (uvicorn --proxy-headers --forwarded-allow-ips); empty: proxy headers are ignored.
    web_forwarded_allow_ips: str = ""

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}/webhook"


def load_settings() -> Settings:
    """Read the environment (RASA_PORT, ACTION_PORT, WEB_PORT, RASA_TOKEN, PRESCREEN_TRIAL…)."""
    return Settings(
        rasa_port=int(os.environ.get("RASA_PORT", "5005")),
        action_port=int(os.environ.get("ACTION_PORT", "5055")),
        web_port=int(os.environ.get("WEB_PORT", "8000")),
        # an empty RASA_TOKEN must not mean "no token" (Rasa would then serve its API openly)
        rasa_token=os.environ.get("RASA_TOKEN") or DEV_RASA_TOKEN,
        trial_id=os.environ.get("PRESCREEN_TRIAL", "NCT06585514"),
        models_dir=Path(os.environ.get("MODELS_DIR", ROOT / "models")),
        var_dir=Path(os.environ.get("VAR_DIR", ROOT / "var")),
        web_forwarded_allow_ips=forwarded_allow_ips(),
    )


def forwarded_allow_ips(environ: Mapping[str, str] | None = None) -> str:
    """WEB_FORWARDED_ALLOW_IPS, normalised ("127.0.0.1, ::1" → "127.0.0.1,::1"); "" when unset."""
    env = os.environ if environ is None else environ
    raw = env.get("WEB_FORWARDED_ALLOW_IPS", "")
    return ",".join(part.strip() for part in raw.split(",") if part.strip())


def deployment_environment(environ: Mapping[str, str] | None = None) -> str:
    """The deployment: PRESCREEN_ENV ("development" or "production"); when it is unset,
    WEB_SECURE_COOKIES=1 means production. An unknown value is refused, never read as dev."""
    env = os.environ if environ is None else environ
    value = env.get("PRESCREEN_ENV", "").strip().lower()
    if not value:
        return "production" if env.get("WEB_SECURE_COOKIES", "0").strip() == "1" else "development"
    if value not in ENVIRONMENTS:
        raise InsecureConfiguration(
            f"PRESCREEN_ENV={value!r} is not one of {', '.join(ENVIRONMENTS)}"
        )
    return value


def is_production(environ: Mapping[str, str] | None = None) -> bool:
    return deployment_environment(environ) == "production"


def _secret_problem(name: str, value: str | None, *, dev_default: str | None = None) -> str | None:
    if value is None or not value.strip():
        return f"{name} is not set; set a random value of at least {MIN_SECRET_CHARS} characters"
    if dev_default is not None and value == dev_default:
        return f"{name} is the documented development default {dev_default!r}; set your own"
    if len(value) < MIN_SECRET_CHARS:
        return f"{name} is too short ({len(value)} characters, at least {MIN_SECRET_CHARS} needed)"
    return None


def production_problems(
    environ: Mapping[str, str] | None = None, *, rasa_token: bool = True, web_secret: bool = True
) -> list[str]:
    """What stops this environment from running in production (empty: nothing)."""
    env = os.environ if environ is None else environ
    problems = []
    if rasa_token:
        problems.append(
            _secret_problem("RASA_TOKEN", env.get("RASA_TOKEN"), dev_default=DEV_RASA_TOKEN)
        )
    if web_secret:
        problems.append(_secret_problem("WEB_SECRET_KEY", env.get("WEB_SECRET_KEY")))
    return [problem for problem in problems if problem]


def check_deployment(
    environ: Mapping[str, str] | None = None, *, rasa_token: bool = True, web_secret: bool = True
) -> str:
    """The deployment environment; raise InsecureConfiguration when production is asked for and
    a checked secret is missing, shorter than MIN_SECRET_CHARS or the development default.

    `rasa_token` / `web_secret` choose what the calling process needs (Rasa: the token only).
    """
    env = os.environ if environ is None else environ
    environment = deployment_environment(env)
    if environment != "production":
        return environment
    problems = production_problems(env, rasa_token=rasa_token, web_secret=web_secret)
    if problems:
        why = (
            "PRESCREEN_ENV=production"
            if env.get("PRESCREEN_ENV", "").strip()
            else "WEB_SECURE_COOKIES=1 implies production"
        )
        raise InsecureConfiguration(
            f"refusing to start in production ({why}):\n"
            + "".join(f"  - {problem}\n" for problem in problems)
            + f"  generate a value with: {GENERATE}"
        )
    return environment
