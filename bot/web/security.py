"""Security middleware: CSRF (header or form field), security headers, and rate limiting."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from slowapi import Limiter
from slowapi.util import get_remote_address
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette_csrf.middleware import CSRFMiddleware as _HeaderCSRFMiddleware

MAX_FORM_BYTES = 1_000_000
CSRF_FIELD = "csrftoken"

#: one limiter for the app; routes declare their own limits (settings.*_rate_limit).
limiter = Limiter(key_func=get_remote_address)


class CSRFMiddleware(_HeaderCSRFMiddleware):
    """starlette-csrf's double-submit cookie check, also accepting a `csrftoken` form field.

    Server-rendered forms cannot set headers (and the CSP forbids inline script), so for
    url-encoded bodies the token may come as a hidden field. The body is read once, checked,
    and replayed unchanged to the application.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in self.safe_methods:
            await super().__call__(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = bool(message.get("more_body", False))
            if len(body) > MAX_FORM_BYTES:
                break
        scope.setdefault("state", {})["raw_body"] = body
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await super().__call__(scope, replay, send)

    async def _get_submitted_csrf_token(self, request: Request) -> str | None:
        header = request.headers.get(self.header_name)
        if header:
            return header
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            raw: bytes = request.scope.get("state", {}).get("raw_body", b"")
            values = parse_qs(raw.decode("utf-8", "replace")).get(CSRF_FIELD)
            return values[0] if values else None
        return None


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    """Content-Security-Policy without inline script, no framing, no sniffing; HSTS behind TLS."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                extra = {
                    b"content-security-policy": CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"x-frame-options": b"DENY",
                    b"referrer-policy": b"same-origin",
                    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
                }
                if self.hsts:
                    extra[b"strict-transport-security"] = b"max-age=31536000; includeSubDomains"
                present = {name.lower() for name, _ in headers}
                headers.extend((k, v) for k, v in extra.items() if k not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def client_address(request: Request) -> str:
    """The client's address for audit rows and rate limits."""
    return request.client.host if request.client else "unknown"


Handler = Callable[..., Awaitable[Any]]
