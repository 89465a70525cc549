"""Never the documented defaults outside development: PRESCREEN_ENV=production (or
WEB_SECURE_COOKIES=1 with PRESCREEN_ENV unset) refuses the dev token, an empty or short token
and a missing or short WEB_SECRET_KEY, naming the variable; and the Rasa entry point never
takes the token on its command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import stack
from bot.rasa_plugins.server import rasa_argv
from bot.settings import (
    DEV_RASA_TOKEN,
    MIN_SECRET_CHARS,
    ROOT,
    InsecureConfiguration,
    check_deployment,
    deployment_environment,
    load_settings,
)
from bot.web.config import load_web_settings

GOOD_TOKEN = "t" * MIN_SECRET_CHARS
GOOD_KEY = "k" * MIN_SECRET_CHARS
PRODUCTION = {"PRESCREEN_ENV": "production", "RASA_TOKEN": GOOD_TOKEN, "WEB_SECRET_KEY": GOOD_KEY}


def refusal(environ: dict[str, str], **needs: bool) -> str:
    with pytest.raises(InsecureConfiguration) as refused:
        check_deployment(environ, **needs)
    return str(refused.value)


# --- which deployment is this ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "development"),
        ({"PRESCREEN_ENV": "development"}, "development"),
        ({"PRESCREEN_ENV": " Production "}, "production"),
        ({"WEB_SECURE_COOKIES": "1"}, "production"),  # behind TLS: a real deployment
        ({"WEB_SECURE_COOKIES": "1", "PRESCREEN_ENV": "development"}, "development"),
        ({"WEB_SECURE_COOKIES": "0"}, "development"),
    ],
)
def test_deployment_environment(environ: dict[str, str], expected: str) -> None:
    assert deployment_environment(environ) == expected


def test_an_unknown_environment_is_refused_not_read_as_development() -> None:
    with pytest.raises(InsecureConfiguration, match="PRESCREEN_ENV='prod'"):
        deployment_environment({"PRESCREEN_ENV": "prod"})


# --- what production refuses -------------------------------------------------------------------


def test_production_with_proper_secrets_starts() -> None:
    assert check_deployment(PRODUCTION) == "production"


def test_development_keeps_its_defaults() -> None:
    assert check_deployment({}) == "development"
    assert check_deployment({"RASA_TOKEN": DEV_RASA_TOKEN}) == "development"


def test_production_refuses_the_development_token() -> None:
    message = refusal({**PRODUCTION, "RASA_TOKEN": DEV_RASA_TOKEN})
    assert "RASA_TOKEN is the documented development default" in message
    assert "PRESCREEN_ENV=production" in message
    assert "WEB_SECRET_KEY" not in message  # only what is wrong is named


@pytest.mark.parametrize("token", [None, "", "   "])
def test_production_refuses_a_missing_or_empty_token(token: str | None) -> None:
    environ = dict(PRODUCTION)
    if token is None:
        del environ["RASA_TOKEN"]
    else:
        environ["RASA_TOKEN"] = token
    assert "RASA_TOKEN is not set" in refusal(environ)


def test_production_refuses_a_short_token() -> None:
    message = refusal({**PRODUCTION, "RASA_TOKEN": "x" * (MIN_SECRET_CHARS - 1)})
    assert f"RASA_TOKEN is too short ({MIN_SECRET_CHARS - 1} characters" in message


def test_production_refuses_a_missing_web_secret_key() -> None:
    environ = {k: v for k, v in PRODUCTION.items() if k != "WEB_SECRET_KEY"}
    message = refusal(environ)
    assert "WEB_SECRET_KEY is not set" in message
    assert "RASA_TOKEN" not in message.split("generate")[0]
    # the Rasa server does not sign cookies: it only needs the token
    assert check_deployment(environ, web_secret=False) == "production"


def test_production_refuses_a_short_web_secret_key() -> None:
    assert "WEB_SECRET_KEY is too short" in refusal({**PRODUCTION, "WEB_SECRET_KEY": "short"})


def test_secure_cookies_alone_mean_production() -> None:
    message = refusal({"WEB_SECURE_COOKIES": "1"})
    assert "WEB_SECURE_COOKIES=1 implies production" in message
    assert "RASA_TOKEN is not set" in message and "WEB_SECRET_KEY is not set" in message


def test_an_empty_token_never_means_no_token_in_development(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RASA_TOKEN", "")
    assert load_settings().rasa_token == DEV_RASA_TOKEN  # an empty --auth-token would open Rasa


# --- the entry points that start servers -------------------------------------------------------


def _production(monkeypatch: pytest.MonkeyPatch, **values: str | None) -> None:
    for name in ("PRESCREEN_ENV", "RASA_TOKEN", "WEB_SECRET_KEY", "WEB_SECURE_COOKIES"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {**PRODUCTION, **values}.items():
        if value is not None:
            monkeypatch.setenv(name, value)


def test_web_app_refuses_to_load_without_a_secret_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _production(monkeypatch, WEB_SECRET_KEY=None)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    with pytest.raises(InsecureConfiguration, match="WEB_SECRET_KEY is not set"):
        load_web_settings()
    assert not (tmp_path / "web-secret-key").exists()  # no silent fallback to a generated key


def test_web_app_in_production_uses_the_given_secrets_and_secure_cookies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _production(monkeypatch)
    settings = load_web_settings()
    assert settings.secret_key == GOOD_KEY and settings.rasa_token == GOOD_TOKEN
    assert settings.secure_cookies is True  # WEB_SECURE_COOKIES=0 would say otherwise
    monkeypatch.setenv("WEB_SECURE_COOKIES", "0")
    assert load_web_settings().secure_cookies is False


def test_stack_refuses_before_starting_anything(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _production(monkeypatch, RASA_TOKEN=DEV_RASA_TOKEN)

    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("started although the configuration is refused")

    monkeypatch.setattr(stack, "train_if_needed", must_not_run)
    monkeypatch.setattr(stack, "start_services", must_not_run)
    assert stack.main([]) == 2
    assert "RASA_TOKEN is the documented development default" in capsys.readouterr().err


def test_rasa_entry_point_refuses_the_development_token_in_production() -> None:
    env = {**os.environ, **PRODUCTION, "RASA_TOKEN": DEV_RASA_TOKEN}
    done = subprocess.run(
        [sys.executable, "-m", "bot.rasa_plugins.server", "run", "--enable-api"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "RASA_TOKEN is the documented development default" in done.stderr


def test_rasa_entry_point_refuses_a_token_on_its_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.rasa_plugins.server", "run", "--auth-token", "abc"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "PRESCREEN_ENV"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "RASA_TOKEN environment variable" in done.stderr


@pytest.mark.parametrize("flag", [["--auth-token", "abc"], ["--auth-token=abc"], ["--auth", "abc"]])
def test_rasa_argv_refuses_the_token_flag_and_its_abbreviations(flag: list[str]) -> None:
    with pytest.raises(InsecureConfiguration, match="must not be on the command line"):
        rasa_argv(["server", "run", "--enable-api", *flag], {})


def test_rasa_argv_adds_the_token_from_the_environment_in_process() -> None:
    argv = rasa_argv(["server", "run", "--enable-api"], {"RASA_TOKEN": "from-env"})
    assert argv == ["server", "run", "--enable-api", "--auth-token", "from-env"]
    assert rasa_argv(["server", "run"], {})[-1] == DEV_RASA_TOKEN  # development default
    assert rasa_argv(["server", "train", "--quiet"], {}) == ["server", "train", "--quiet"]


def test_stack_commands_carry_no_token() -> None:
    settings = load_settings()
    command = stack.rasa_server_command(settings, Path("model.tar.gz"), Path("endpoints.yml"))
    assert "--auth-token" not in command and settings.rasa_token not in command
    assert stack.rasa_server_env(settings, {"A": "1"}) == {
        "A": "1",
        "RASA_TOKEN": settings.rasa_token,
    }
