"""Staff accounts and sessions: argon2id passwords, a signed session cookie, role checks.

The session is a cookie ``staff_session`` holding the username, signed and time-stamped with
itsdangerous (settings.secret_key). It expires after settings.session_max_age both in the
browser (Max-Age) and on the server (the signed timestamp is checked on every request). It
also carries a fingerprint of the password hash, so changing a password ends old sessions.
Every request re-reads the account: a deactivated user or a changed role takes effect at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.responses import Response

from bot.i18n import t
from bot.store.accounts import create_staff_user, get_staff_user
from bot.store.audit import add_audit
from bot.store.db import session_scope
from bot.store.models import ROLES
from bot.web.security import client_address, limiter
from bot.web.staff.common import NO_STORE, StaffUser, db, language_of, render, settings_of

SESSION_COOKIE = "staff_session"
LOGIN_PATH = "/staff/login"
MIN_PASSWORD_CHARS = 12
#: Longer passwords are refused before hashing (argon2 on megabytes is a cheap DoS).
MAX_PASSWORD_CHARS = 1024
#: message id of the one answer to a failed login (whatever failed).
LOGIN_ERROR = "staff.login.error"

#: argon2id (the argon2-cffi default type) with the library's RFC 9106 low-memory profile.
hasher = PasswordHasher()
#: Verified against when the username does not exist, so both cases take the same time.
_DUMMY_HASH = hasher.hash("not a real password, only for timing")

router = APIRouter(prefix="/staff")


# --- accounts ------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return bool(hasher.verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def create_user(username: str, password: str, role: str, *, url: str | None = None) -> None:
    """Create a staff account (for ``prescreen create-user --role ROLE USERNAME``).

    Raises ValueError for an unknown role, a blank username, a password shorter than
    12 characters or an existing username. `url` is the database (default DATABASE_URL).
    """
    username = (username or "").strip()
    if not username:
        raise ValueError("a username is required")
    if len(username) > 150:
        raise ValueError("a username has at most 150 characters")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise ValueError(f"a password has at most {MAX_PASSWORD_CHARS} characters")
    password_hash = hash_password(password)
    with session_scope(url) as session:
        create_staff_user(session, username, password_hash, role)
        add_audit(session, "system", "create_user", detail=f"{username} role={role}")


# --- sessions ------------------------------------------------------------------------------


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings_of(request).secret_key, salt="staff-session")


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _session_payload(request: Request) -> dict[str, Any] | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        payload = _serializer(request).loads(raw, max_age=settings_of(request).session_max_age)
    except (SignatureExpired, BadSignature):
        return None
    return payload if isinstance(payload, dict) else None


def current_user(request: Request) -> StaffUser | None:
    """The logged-in, active staff member, or None (no, bad, expired or stale session)."""
    if hasattr(request.state, "staff_user"):
        cached: StaffUser | None = request.state.staff_user
        return cached
    user: StaffUser | None = None
    payload = _session_payload(request)
    if payload is not None and isinstance(payload.get("u"), str):
        with db(request) as session:
            account = get_staff_user(session, payload["u"])
        if (
            account is not None
            and account["active"]
            and payload.get("h") == _fingerprint(account["password_hash"])
        ):
            user = StaffUser(username=account["username"], role=account["role"])
    request.state.staff_user = user
    return user


def _wants_redirect(request: Request, api: bool) -> bool:
    """Browser page views (GET of an HTML page) go to the login page; everything else 401s."""
    if api or request.method not in ("GET", "HEAD"):
        return False
    return not request.url.path.endswith((".csv", ".json"))


def require_staff(
    role: str | tuple[str, ...] | None = None, *, api: bool = False
) -> Callable[[Request], StaffUser]:
    """A dependency: the logged-in user, with one of `role` (any role when None).

    Anonymous browser page views are redirected (303) to the login page; anonymous
    POSTs and JSON/CSV/FHIR downloads get 401; a logged-in user without the role gets 403.
    """
    roles = (role,) if isinstance(role, str) else role

    def dependency(request: Request) -> StaffUser:
        user = current_user(request)
        if user is None:
            if _wants_redirect(request, api):
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                raise HTTPException(
                    status_code=303,
                    detail=t("staff.error.login_first", language_of(request)),
                    headers={"Location": f"{LOGIN_PATH}?next={quote(target, safe='')}"},
                )
            detail = t("staff.error.login_first", language_of(request))
            raise HTTPException(status_code=401, detail=detail, headers=NO_STORE)
        if roles and user.role not in roles:
            detail = t("staff.error.forbidden", language_of(request))
            raise HTTPException(status_code=403, detail=detail)
        return user

    return dependency


def _safe_next(target: str | None) -> str:
    """Only local staff paths: no open redirect (``//evil``, ``https://…``, ``/\\evil``)."""
    if (
        target
        and target.startswith("/staff")
        and not target.startswith("//")
        and "\\" not in target
        and "\r" not in target
        and "\n" not in target
    ):
        return target
    return "/staff"


# --- routes --------------------------------------------------------------------------------


def _login_key(request: Request) -> str:
    """Rate-limit key: the client, prefixed with the configured limit (read back below)."""
    return f"{settings_of(request).login_rate_limit}|staff-login|{client_address(request)}"


def _login_limit(key: str) -> str:
    return key.split("|", 1)[0]


@router.get("/login", include_in_schema=False)
def login_form(request: Request, next: str | None = None) -> Response:
    if current_user(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303, headers=NO_STORE)
    return render(request, "staff/login.html", {"next": _safe_next(next), "error": None}, user=None)


@router.post("/login", include_in_schema=False)
@limiter.limit(_login_limit, key_func=_login_key)
def login_submit(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form(""),
) -> Response:
    username = username.strip()[:150]
    address = client_address(request)
    account = None
    if username and len(password) <= MAX_PASSWORD_CHARS:
        with db(request) as session:
            account = get_staff_user(session, username)
    password_hash = account["password_hash"] if account else _DUMMY_HASH
    ok = verify_password(password_hash, password[:MAX_PASSWORD_CHARS])
    if not (account is not None and ok and account["active"]):
        with db(request) as session:
            # Unknown usernames are not logged: people type passwords into that box too.
            add_audit(
                session,
                account["username"] if account else "unknown",
                "login_failed",
                detail=(
                    "unknown username"
                    if account is None
                    else ("inactive account" if ok else "wrong password")
                ),
                remote_addr=address,
            )
        return render(
            request,
            "staff/login.html",
            {
                "next": _safe_next(next),
                "error": t(LOGIN_ERROR, language_of(request)),
                "username": username,
            },
            user=None,
            status_code=401,
        )
    with db(request) as session:
        add_audit(session, account["username"], "login", remote_addr=address)
    settings = settings_of(request)
    token = _serializer(request).dumps(
        {"u": account["username"], "h": _fingerprint(account["password_hash"])}
    )
    response = RedirectResponse(_safe_next(next), status_code=303, headers=NO_STORE)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_max_age,
        path="/staff",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="strict",
    )
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, user: Annotated[StaffUser, Depends(require_staff())]) -> Response:
    with db(request) as session:
        add_audit(session, user.username, "logout", remote_addr=client_address(request))
    response = RedirectResponse(LOGIN_PATH, status_code=303, headers=NO_STORE)
    response.delete_cookie(
        SESSION_COOKIE,
        path="/staff",
        httponly=True,
        secure=settings_of(request).secure_cookies,
        samesite="strict",
    )
    return response
