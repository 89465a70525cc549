"""The web app's only way to Rasa: its REST channel, through one shared `httpx.AsyncClient`.

One client per app, kept in ``app.state.rasa`` (created on startup, or on first use when an app
runs without its lifespan) and closed on shutdown. Rasa's replies are reduced to plain data:
text and quick-reply buttons; anything else (images, custom payloads) is dropped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypedDict

import httpx
from fastapi import FastAPI

from bot.web.config import WebSettings
from bot.web.routing import pick

#: Waiting for a reply: the first turn of a fresh conversation can take several seconds.
TIMEOUT = httpx.Timeout(30.0, connect=5.0)
WEBHOOK = "/webhooks/rest/webhook"
#: The header nginx / ingress-nginx hash on (deploy/nginx.conf.template).
CONVERSATION_HEADER = "X-Conversation-Id"


class ButtonData(TypedDict, total=False):
    title: str
    payload: str
    #: shown only on wide screens (one button per item of a grouped question).
    wide_only: bool


class MessageData(TypedDict):
    text: str
    buttons: list[ButtonData]


class RasaUnavailable(Exception):
    """Rasa could not be reached, failed, or answered with something that is not a reply."""


def parse_buttons(raw: Any) -> list[ButtonData]:
    """Quick replies as ``[{"title", "payload"}]`` strings (and ``wide_only`` when true);
    malformed entries are skipped."""
    buttons: list[ButtonData] = []
    if not isinstance(raw, list):
        return buttons
    for button in raw:
        if not isinstance(button, dict):
            continue
        title, payload = button.get("title"), button.get("payload")
        if isinstance(title, str) and isinstance(payload, str) and title and payload:
            parsed: ButtonData = {"title": title, "payload": payload}
            if button.get("wide_only") is True:
                parsed["wide_only"] = True
            buttons.append(parsed)
    return buttons


def parse_reply(raw: Any) -> list[MessageData]:
    """Rasa's REST channel reply (a JSON list) as text messages with their buttons."""
    if not isinstance(raw, list):
        raise RasaUnavailable(f"unexpected reply from Rasa: {type(raw).__name__}")
    messages: list[MessageData] = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        text = item.get("text")
        buttons = parse_buttons(item.get("buttons"))
        if (isinstance(text, str) and text) or buttons:
            messages.append({"text": text if isinstance(text, str) else "", "buttons": buttons})
    return messages


class RasaClient:
    """Sends one patient message to its conversation's Rasa replica; returns the bot's messages.

    With several replicas (RASA_URLS) every conversation always goes to the same one
    (consistent hashing, bot/web/routing.py): two replicas writing one conversation at once
    can lose events even with Rasa's Redis lock store.
    """

    def __init__(
        self,
        base_urls: str | Sequence[str],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        self.urls = [url.rstrip("/") for url in urls if url.strip()]
        if not self.urls:
            raise ValueError("no Rasa URL")
        self.http = httpx.AsyncClient(timeout=TIMEOUT, transport=transport)

    def webhook_for(self, sender: str) -> str:
        """The REST webhook of the replica that serves `sender` (the same one every time)."""
        return pick(sender, self.urls) + WEBHOOK

    async def send(
        self, sender: str, message: str, language: str | None = None
    ) -> list[MessageData]:
        """Post ``{"sender", "message", "metadata": {"language"}}`` (the page's language, which
        the bot uses when the conversation starts); RasaUnavailable on any transport or server
        error."""
        body: dict[str, object] = {"sender": sender, "message": message}
        if language:
            body["metadata"] = {"language": language}
        try:
            response = await self.http.post(
                self.webhook_for(sender),
                json=body,
                headers={CONVERSATION_HEADER: sender},
            )
            response.raise_for_status()
            return parse_reply(response.json())
        except (httpx.HTTPError, ValueError) as error:  # ValueError: a body that is not JSON
            raise RasaUnavailable(str(error) or type(error).__name__) from error

    async def aclose(self) -> None:
        await self.http.aclose()


def get_rasa(app: FastAPI) -> RasaClient:
    """The app's client, created on first use if the lifespan has not made one yet."""
    client: RasaClient | None = getattr(app.state, "rasa", None)
    if client is None:
        settings: WebSettings = app.state.settings
        client = RasaClient(settings.rasa_urls or settings.rasa_url)
        app.state.rasa = client
    return client


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Create the app's Rasa client on startup and close it on shutdown."""
    get_rasa(app)
    try:
        yield
    finally:
        client: RasaClient | None = getattr(app.state, "rasa", None)
        app.state.rasa = None
        if client is not None:
            await client.aclose()
