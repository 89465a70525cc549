"""The patient page and its same-origin chat proxy to Rasa's REST channel.

Browsers talk only to this app: `POST /chat` forwards one message to Rasa under the
conversation id kept in a signed, HttpOnly cookie (`chat_id`), so nobody can read or continue
another person's conversation. Rasa and the action server are never exposed.

Routes: ``GET /`` (trial summary + chat widget), ``POST /chat``, ``GET /chat/history``,
``POST /chat/restart``, ``POST /chat/delete`` (the bot deletes, then a new id is issued).

Every sentence the patient reads comes from the ``web`` message catalog, in the language of
the request (`bot.web.app.request_language` among the trial's languages): the page, the
wording chat.js uses (`CHAT_JS_MESSAGES`, rendered into the page) and the error messages.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import unicodedata
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from itsdangerous import BadSignature, Signer
from limits import parse as parse_limit

from bot.i18n import t, translator
from bot.store import transcripts
from bot.store.db import session_scope
from bot.web.app import request_language
from bot.web.config import WebSettings
from bot.web.rasa_client import (
    ButtonData,
    MessageData,
    RasaUnavailable,
    get_rasa,
    lifespan,
    parse_buttons,
)
from bot.web.security import client_address, limiter

log = logging.getLogger(__name__)

router = APIRouter(lifespan=lifespan)

COOKIE = "chat_id"
COOKIE_SALT = "bot.web.patient.chat_id"
#: secrets.token_urlsafe(24): 32 URL-safe characters.
_CHAT_ID = re.compile(r"[A-Za-z0-9_-]{32}")
#: Bidirectional-text overrides: invisible, and they can make stored text read differently.
_BIDI = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
#: message ids of what is sent for the "Start over" and "Delete my answers" buttons (the
#: bot's own button payloads, in the page's language).
RESTART_TEXT = "web.chat.restart_message"
DELETE_TEXT = "web.chat.delete_message"

#: message ids of the errors the patient is shown (``{"error": text}``).
UNAVAILABLE = "web.error.unavailable"
#: Our bot answers every message; no reply at all means a part of it failed mid-turn (e.g. the
#: action server was down). Nothing was stored for that message, so sending it again is safe.
NO_REPLY = "web.error.no_reply"
EMPTY = "web.error.empty"
COMMAND = "web.error.command"
TOO_LONG = "web.error.too_long"  # %(limit)s
#: a request body bigger than this is refused unread as too long (even a 1000-character message
#: of escaped emoji is 12 KB).
MAX_BODY_BYTES = 64 * 1024
BAD_REQUEST = "web.error.bad_request"
TOO_MANY = "web.error.too_many"

#: the wording chat.js looks up with t("…"), rendered into the page (tests keep the two equal).
CHAT_JS_MESSAGES = (
    "web.chat.from_bot",
    "web.chat.from_patient",
    "web.chat.quick_replies",
    "web.chat.failed",
    "web.chat.reload",
    "web.chat.restart_message",
)


# --- the conversation id cookie ----------------------------------------------------------------


def _settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


def _signer(request: Request) -> Signer:
    return Signer(_settings(request).secret_key, salt=COOKIE_SALT)


def chat_id_from(request: Request) -> str | None:
    """The conversation id from a correctly signed cookie, else None."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        value = _signer(request).unsign(raw).decode("ascii")
    except (BadSignature, UnicodeDecodeError):
        return None
    return value if _CHAT_ID.fullmatch(value) else None


def _issue(request: Request, response: Response, chat_id: str) -> None:
    response.set_cookie(
        COOKIE,
        _signer(request).sign(chat_id).decode("ascii"),
        httponly=True,
        samesite="lax",
        secure=_settings(request).secure_cookies,
        path="/",
    )


def new_chat_id() -> str:
    """A fresh conversation id: 32 URL-safe characters, never starting with "-" (which
    command lines such as `prescreen export --conversation ID` would read as an option)."""
    while True:
        chat_id = secrets.token_urlsafe(24)
        if not chat_id.startswith("-"):
            return chat_id


def _chat_id(request: Request) -> tuple[str, bool]:
    """(conversation id, whether it is new and must be issued)."""
    current = chat_id_from(request)
    return (current, False) if current else (new_chat_id(), True)


# --- messages ----------------------------------------------------------------------------------


def language_of(request: Request) -> str:
    """The language of this request's page and messages: one the trial is worded in."""
    return request_language(request, request.app.state.trial.languages)


def _error(request: Request, status: int, message_id: str, **headers: str) -> JSONResponse:
    return _error_text(status, t(message_id, language_of(request)), **headers)


def _error_text(status: int, text: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": text}, status_code=status, headers=headers or None)


def _too_long(request: Request) -> JSONResponse:
    limit = _settings(request).max_message_chars
    return _error_text(413, t(TOO_LONG, language_of(request), limit=limit))


def clean(text: str) -> str:
    """Control characters go, except line breaks (a pasted lab report is read line by line)
    and tabs (spaces); bidi overrides go too.

    Lone surrogates (a JSON ``"\\ud800"``) go as well: they cannot be encoded to send on. Invisible
    format characters (zero-width space, BOM) at the start go with the leading spaces, so that
    ``"\\u200b/affirm"`` is still seen as starting with "/".
    """
    kept = []
    for char in text.replace("\r\n", "\n").translate(_BIDI):
        category = unicodedata.category(char)
        if category in ("Cc", "Cs"):
            if char in "\t\n\r":
                kept.append("\n" if char in "\n\r" else " ")
            continue
        kept.append(char)
    cleaned = "".join(kept)
    start = 0
    while start < len(cleaned) and (
        cleaned[start].isspace() or unicodedata.category(cleaned[start]) == "Cf"
    ):
        start += 1
    return cleaned[start:].strip()


def _check(request: Request, text: str) -> JSONResponse | None:
    """Why this patient message may not go to Rasa, as an error response; None when it may."""
    if not text:
        return _error(request, 400, EMPTY)
    if len(text) > _settings(request).max_message_chars:
        return _too_long(request)
    if text.startswith("/"):  # Rasa's `/intent{"slot": ...}` shortcut would bypass the NLU
        return _error(request, 400, COMMAND)
    return None


def _rate_limited(request: Request) -> JSONResponse | None:
    """A 429 once this client has used up settings.chat_rate_limit (shared by the chat routes).

    The app's slowapi `limiter` storage is used directly (not its decorator) so the limit comes
    from this app's settings rather than a value fixed at import time.
    """
    item = parse_limit(_settings(request).chat_rate_limit)
    if limiter.limiter.hit(item, "patient-chat", client_address(request)):
        return None
    return _error(request, 429, TOO_MANY, **{"Retry-After": str(item.get_expiry())})


async def _relay(request: Request, chat_id: str, text: str) -> JSONResponse:
    """Send `text` to Rasa as `chat_id`; the bot's messages, or 503 when Rasa fails."""
    try:
        messages = await get_rasa(request.app).send(chat_id, text, language_of(request))
    except RasaUnavailable as error:
        log.warning("Rasa unavailable: %s", error)
        return _error(request, 503, UNAVAILABLE)
    messages = [m for m in map(_encodable, messages) if m["text"] or m["buttons"]]
    if not messages:
        log.warning("no reply from the bot for conversation %s…", chat_id[:6])
        messages = [{"text": t(NO_REPLY, language_of(request)), "buttons": []}]
    return JSONResponse({"messages": messages})


def _utf8(text: str) -> str:
    """`text` without lone surrogates: a JSON reply may escape them, but UTF-8 cannot carry them."""
    return text.encode("utf-8", "ignore").decode("utf-8")


def _encodable(message: MessageData) -> MessageData:
    buttons: list[ButtonData] = []
    for button in message["buttons"]:
        title, payload = _utf8(button["title"]), _utf8(button["payload"])
        if title and payload:
            kept: ButtonData = {"title": title, "payload": payload}
            if button.get("wide_only") is True:
                kept["wide_only"] = True
            buttons.append(kept)
    return {"text": _utf8(message["text"]), "buttons": buttons}


def _message_from(raw: bytes) -> str | None:
    """The ``message`` string of a JSON request body; None when the body is not one."""
    try:
        body: Any = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: "[[[[…" nested thousands deep
        return None
    message = body.get("message") if isinstance(body, dict) else None
    return message if isinstance(message, str) else None


# --- routes ------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def patient_page(request: Request) -> Response:
    """The trial in plain language, and the chat widget."""
    chat_id, new = _chat_id(request)
    language = language_of(request)
    trial = request.app.state.trial.in_language(language)
    _ = translator(language)
    response = request.app.state.templates.TemplateResponse(
        request,
        "patient.html",
        {
            "_": _,
            "lang": language,
            "trial": trial,
            "topics": trial.topics,
            "site": trial.site,
            "chat_strings": {message_id: _(message_id) for message_id in CHAT_JS_MESSAGES},
        },
    )
    assert isinstance(response, Response)
    if new:
        _issue(request, response, chat_id)
    return response


@router.post("/chat")
async def chat(request: Request) -> JSONResponse:
    """Forward one patient message: ``{"message"}`` → ``{"messages": [{"text", "buttons"}]}``."""
    limited = _rate_limited(request)
    if limited is not None:
        return limited
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:  # not even parsed: far longer than any accepted message
        return _too_long(request)
    raw = _message_from(body)
    if raw is None:
        return _error(request, 400, BAD_REQUEST)
    text = clean(raw)
    refused = _check(request, text)
    if refused is not None:
        return refused
    chat_id, new = _chat_id(request)
    response = await _relay(request, chat_id, text)
    if new:
        _issue(request, response, chat_id)
    return response


async def _control(request: Request, message_id: str, *, keep_id: bool) -> JSONResponse:
    """Send a button's words (restart / delete, in the page's language) to the bot.

    `keep_id`: the conversation goes on under the same id; otherwise, once the bot has
    acted, a new id starts a new conversation (on failure the id is kept, to try again).
    """
    refused = _rate_limited(request)
    if refused is not None:
        return refused
    chat_id, new = _chat_id(request)
    response = await _relay(request, chat_id, t(message_id, language_of(request)))
    if keep_id and new:
        _issue(request, response, chat_id)
    elif not keep_id and response.status_code == 200:
        _issue(request, response, new_chat_id())
    return response


@router.post("/chat/restart")
async def restart(request: Request) -> JSONResponse:
    """Start the pre-screen again in the same conversation."""
    return await _control(request, RESTART_TEXT, keep_id=True)


@router.post("/chat/delete")
async def delete(request: Request) -> JSONResponse:
    """Ask the bot to delete this conversation's answers, then start a new conversation id."""
    return await _control(request, DELETE_TEXT, keep_id=False)


@router.get("/chat/history")
async def history(request: Request) -> JSONResponse:
    """The conversation so far (``[{"from", "text"}]``) and the last bot message's buttons."""
    chat_id, new = _chat_id(request)
    if new:
        response = JSONResponse({"messages": [], "buttons": []})
        _issue(request, response, chat_id)
        return response
    try:
        messages, buttons = await run_in_threadpool(_history, chat_id)
    except Exception:  # the store is down: say so, as for Rasa
        log.exception("could not read the transcript")
        return _error(request, 503, UNAVAILABLE)
    return JSONResponse({"messages": messages, "buttons": buttons})


def _history(chat_id: str) -> tuple[list[dict[str, str]], list[ButtonData]]:
    with session_scope() as session:
        lines = transcripts.transcript(session, chat_id)
        messages = [{"from": line["from"], "text": _utf8(line["text"])} for line in lines]
        if not messages or messages[-1]["from"] != "bot":
            return messages, []
        # transcript() keeps text only: the buttons come from the same (latest) bot event.
        event = transcripts.last_bot_event(session, chat_id) or {}
    text = event.get("text")
    if not isinstance(text, str) or _utf8(text) != messages[-1]["text"]:
        return messages, []
    extra = event.get("data")
    buttons = parse_buttons(extra.get("buttons") if isinstance(extra, dict) else None)
    return messages, _encodable({"text": "", "buttons": buttons})["buttons"]
