"""Behind a reverse proxy the chat rate limit keys on the patient's address: with
WEB_FORWARDED_ALLOW_IPS set, `make run` starts uvicorn with --proxy-headers and
--forwarded-allow-ips, and X-Forwarded-For is believed from those proxies only; unset, it is
ignored (uvicorn's own default would believe any loopback client).

In-process: the web app wrapped exactly as uvicorn wraps it for the options that
`bot.stack.web_server_command` passes (parsed by uvicorn's own command-line parser), driven
through httpx's ASGI transport with a chosen peer address.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import httpx
import pytest
import uvicorn
from uvicorn.main import main as uvicorn_cli

from bot.settings import forwarded_allow_ips, load_settings
from bot.stack import web_server_command
from bot.web.app import create_app
from tests.web.conftest import web_settings

PROXY = "127.0.0.1"  # a reverse proxy on this machine (the web app binds 127.0.0.1 only)
STRANGER = "192.0.2.50"  # a peer that is not a trusted proxy (documentation range)
LIMIT = 2  # chat messages per minute per client, for the test


def uvicorn_options(forwarded: str) -> dict[str, Any]:
    """The proxy options uvicorn gets from `make run` with WEB_FORWARDED_ALLOW_IPS=forwarded."""
    settings = dataclasses.replace(load_settings(), web_forwarded_allow_ips=forwarded)
    command = web_server_command(settings)
    args = command[command.index("uvicorn") + 1 :]
    params = uvicorn_cli.make_context("uvicorn", args).params
    return {
        "proxy_headers": params["proxy_headers"],
        "forwarded_allow_ips": params["forwarded_allow_ips"],
    }


def served_app(forwarded: str) -> Any:
    """The app as uvicorn would serve it (its proxy-headers middleware included or not)."""
    config = uvicorn.Config(
        create_app(web_settings(chat_rate_limit=f"{LIMIT}/minute")),
        log_level="warning",
        ws="none",
        **uvicorn_options(forwarded),
    )
    config.load()
    return config.loaded_app


def statuses(app: Any, peer: str, forwarded_for: list[str]) -> list[int]:
    """POST one chat message per X-Forwarded-For value (None: no header) from `peer`."""

    async def run() -> list[int]:
        transport = httpx.ASGITransport(app=app, client=(peer, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            await client.get("/")  # the CSRF cookie
            headers = {"x-csrftoken": client.cookies.get("csrftoken") or ""}
            codes = []
            for address in forwarded_for:
                # "/x" is refused (400) after the rate limit is counted: no Rasa needed
                response = await client.post(
                    "/chat",
                    json={"message": "/x"},
                    headers={**headers, "x-forwarded-for": address},
                )
                codes.append(response.status_code)
            return codes

    return asyncio.run(run())


def test_proxy_headers_are_off_by_default() -> None:
    command = web_server_command(dataclasses.replace(load_settings(), web_forwarded_allow_ips=""))
    assert "--no-proxy-headers" in command and "--forwarded-allow-ips" not in command
    assert uvicorn_options("")["proxy_headers"] is False


def test_the_setting_turns_them_on_for_the_named_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_FORWARDED_ALLOW_IPS", " 127.0.0.1 , 10.0.0.0/8 ")
    assert forwarded_allow_ips() == "127.0.0.1,10.0.0.0/8"
    command = web_server_command(load_settings())
    at = command.index("--forwarded-allow-ips")
    assert "--proxy-headers" in command and command[at + 1] == "127.0.0.1,10.0.0.0/8"


def test_behind_a_trusted_proxy_each_patient_has_their_own_limit() -> None:
    app = served_app(PROXY)
    first, second = "203.0.113.1", "203.0.113.2"
    codes = statuses(app, PROXY, [first] * LIMIT + [first, second])
    assert codes[:LIMIT] == [400] * LIMIT  # counted, then refused for its content
    assert codes[LIMIT] == 429  # the first patient used up their own limit …
    assert codes[LIMIT + 1] == 400  # … the second patient still has theirs
    # the proxy's chain "client, proxy": the address the trusted proxy saw is the one used
    assert statuses(app, PROXY, [f"203.0.113.3, {PROXY}"] * (LIMIT + 1))[-1] == 429


def test_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    app = served_app(PROXY)
    spoofed = [f"203.0.113.{i}" for i in range(10, 10 + LIMIT + 1)]
    codes = statuses(app, STRANGER, spoofed)  # a new address every time: one client all the same
    assert codes == [400] * LIMIT + [429]


def test_without_the_setting_forwarded_for_is_ignored_even_from_loopback() -> None:
    app = served_app("")
    spoofed = [f"203.0.113.{i}" for i in range(20, 20 + LIMIT + 1)]
    assert statuses(app, PROXY, spoofed) == [400] * LIMIT + [429]
