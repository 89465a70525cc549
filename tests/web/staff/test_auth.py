"""Staff authentication: every route guarded, CSRF on every POST, rate limits, sessions."""

from __future__ import annotations

import re
import time
from http.cookies import SimpleCookie

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner

from bot.criteria.model import Trial
from bot.web.staff import create_user
from bot.web.staff.auth import SESSION_COOKIE
from tests.patients import NEEDS_REVIEW_FACTS
from tests.web.conftest import AppFactory
from tests.web.staff.support import PASSWORD, audit_rows, csrf, hidden_token, login, seed


def _staff_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path with parameters filled) for every /staff route."""
    found: list[tuple[str, str]] = []
    for route in app.routes:
        if isinstance(route, APIRoute) and route.path.startswith("/staff"):
            path = re.sub(r"\{[^}]+\}", "1", route.path)
            found.extend((method, path) for method in sorted(route.methods))
    return found


def _set_cookie(response: object, name: str) -> str:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    matching = [h for h in headers if h.startswith(f"{name}=")]
    assert len(matching) == 1, headers
    return str(matching[0])


def test_every_staff_route_refuses_anonymous_requests(
    app: FastAPI, client: TestClient, web_db_url: str, trial: Trial
) -> None:
    seed(web_db_url, trial, NEEDS_REVIEW_FACTS, "conv-anon")  # screening 1, flag 1 exist
    token = csrf(client)  # a valid CSRF token: what is refused is the missing login
    routes = _staff_routes(app)
    guarded = [(m, p) for m, p in routes if p != "/staff/login"]
    assert {p for _, p in guarded} >= {
        "/staff",
        "/staff/screenings/1",
        "/staff/flags/1/resolve",
        "/staff/audit",
        "/staff/export.csv",
        "/staff/screenings/1/fhir.json",
        "/staff/contacts.csv",
        "/staff/dashboard",
        "/staff/logout",
    }
    for method, path in guarded:
        if method == "POST":
            response = client.post(path, data={"csrftoken": token, "value": "1"})
            assert response.status_code == 401, (method, path, response.status_code)
            continue
        response = client.request(method, path)
        assert response.status_code != 200, (method, path)
        if path.endswith((".csv", ".json")):
            assert response.status_code == 401, (method, path)
        else:
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith("/staff/login?next="), path
    with TestClient(app, follow_redirects=False) as other:
        assert other.get("/staff/screenings/1/fhir.json").status_code == 401
    # the screening was never shown: no "view" audit rows
    assert audit_rows(web_db_url, action="view") == []


def test_every_post_route_needs_the_csrf_token(
    app: FastAPI, client: TestClient, web_db_url: str, trial: Trial
) -> None:
    seed(web_db_url, trial, NEEDS_REVIEW_FACTS, "conv-csrf")
    assert login(client, "ada").status_code == 303
    posts = [p for m, p in _staff_routes(app) if m == "POST"]
    assert set(posts) == {"/staff/login", "/staff/logout", "/staff/flags/1/resolve"}
    for path in posts:
        missing = client.post(path, data={"value": "90", "username": "ada", "password": PASSWORD})
        assert missing.status_code == 403, path
        assert "CSRF" in missing.text
        forged = client.post(path, data={"csrftoken": "forged", "value": "90"})
        assert forged.status_code == 403, path
    # nothing happened: the flag is still open and the user still logged in
    assert client.get("/staff/screenings/1").status_code == 200
    assert audit_rows(web_db_url, action="resolve_flag") == []
    assert audit_rows(web_db_url, action="logout") == []


def test_first_time_visitor_can_log_in(
    app: FastAPI, web_db_url: str, staff_users: dict[str, str]
) -> None:
    with TestClient(app, follow_redirects=False) as visitor:
        assert not visitor.cookies
        page = visitor.get("/staff/login")
        assert page.status_code == 200
        cookie = _set_cookie(page, "csrftoken")  # exactly one, no competing middleware token
        token = hidden_token(page.text)
        assert token and cookie.startswith(f"csrftoken={token};")
        assert "samesite=strict" in cookie.lower()
        response = visitor.post(
            "/staff/login",
            data={"username": "cora", "password": PASSWORD, "csrftoken": token},
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/staff"
        home = visitor.get("/staff")
        assert home.status_code == 200
        assert "cora (coordinator)" in home.text
    (row,) = audit_rows(web_db_url, action="login")
    assert row["actor"] == "cora" and row["remote_addr"] == "testclient"
    assert PASSWORD not in str(row)


def test_login_goes_back_to_the_page_asked_for_and_never_off_site(
    client: TestClient, staff_users: dict[str, str]
) -> None:
    first = client.get("/staff/dashboard")
    assert first.headers["location"] == "/staff/login?next=%2Fstaff%2Fdashboard"
    page = client.get(first.headers["location"])
    assert 'name="next" value="/staff/dashboard"' in page.text
    token = csrf(client)
    response = client.post(
        "/staff/login",
        data={
            "username": "ada",
            "password": PASSWORD,
            "csrftoken": token,
            "next": "/staff/dashboard",
        },
    )
    assert response.headers["location"] == "/staff/dashboard"
    client.cookies.clear()
    for evil in ("https://evil.example/", "//evil.example/staff", "/\\evil.example", "/other"):
        token = csrf(client)
        response = client.post(
            "/staff/login",
            data={"username": "ada", "password": PASSWORD, "csrftoken": token, "next": evil},
        )
        assert response.headers["location"] == "/staff", evil
        client.cookies.clear()


def test_wrong_password_and_unknown_user_look_the_same(
    client: TestClient, web_db_url: str, staff_users: dict[str, str]
) -> None:
    wrong = login(client, "ada", "not the password at all")
    unknown = login(client, "nobody", "not the password at all")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "Wrong username or password" in response.text
        assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    assert wrong.text.replace('value="ada"', "") == unknown.text.replace('value="nobody"', "")
    failures = audit_rows(web_db_url, action="login_failed")
    assert [(r["actor"], r["detail"]) for r in failures] == [
        ("unknown", "unknown username"),
        ("ada", "wrong password"),
    ]
    assert "not the password" not in str(failures)


def test_sixth_wrong_attempt_in_a_minute_is_rate_limited(
    client: TestClient, staff_users: dict[str, str]
) -> None:
    for _ in range(5):
        assert login(client, "ada", "wrong password here").status_code == 401
    blocked = login(client, "ada", PASSWORD)  # even the right password now waits
    assert blocked.status_code == 429
    assert SESSION_COOKIE not in blocked.headers.get("set-cookie", "")


def test_rate_limit_comes_from_the_settings(
    make_app: AppFactory, staff_users: dict[str, str]
) -> None:
    with TestClient(make_app(login_rate_limit="2/minute"), follow_redirects=False) as client:
        assert login(client, "ada", "wrong password here").status_code == 401
        assert login(client, "ada", "wrong password here").status_code == 401
        assert login(client, "ada", "wrong password here").status_code == 429


def test_session_cookie_flags(client: TestClient, staff_users: dict[str, str]) -> None:
    cookie = _set_cookie(login(client, "ada"), SESSION_COOKIE)
    parsed = SimpleCookie()
    parsed.load(cookie)
    morsel = parsed[SESSION_COOKIE]
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "strict"
    assert morsel["max-age"] == str(8 * 3600)
    assert morsel["path"] == "/staff"
    assert not morsel["secure"]


def test_session_cookie_is_secure_when_configured(
    make_app: AppFactory, staff_users: dict[str, str]
) -> None:
    app = make_app(secure_cookies=True, session_max_age=600)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        page = client.get("/staff/login")
        assert "secure" in _set_cookie(page, "csrftoken").lower()
        cookie = _set_cookie(login(client, "ada"), SESSION_COOKIE)
        assert "; secure" in cookie.lower()
        assert "max-age=600" in cookie.lower()
        assert client.get("/staff").status_code == 200


def test_expired_session_is_refused(
    client: TestClient, staff_users: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = int(time.time()) - 8 * 3600 - 5  # just over settings.session_max_age ago
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: issued)
    assert login(client, "ada").status_code == 303
    monkeypatch.undo()
    # the browser would have dropped it (Max-Age); a replayed cookie is refused server-side
    response = client.get("/staff")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/login")
    assert client.get("/staff/export.csv").status_code == 401


def test_forged_session_cookies_are_refused(
    app: FastAPI, client: TestClient, staff_users: dict[str, str]
) -> None:
    from itsdangerous import URLSafeTimedSerializer

    login(client, "cora")
    value = client.cookies[SESSION_COOKIE]
    other_key = URLSafeTimedSerializer("another secret", salt="staff-session")
    as_admin = other_key.dumps({"u": "ada", "h": "0" * 16})
    for forged in (value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"), as_admin):
        with TestClient(app, follow_redirects=False) as other:
            other.cookies.set(SESSION_COOKIE, forged, path="/staff")
            assert other.get("/staff").status_code == 303
            assert other.get("/staff/contacts.csv").status_code == 401


def test_password_change_ends_sessions(
    client: TestClient, web_db_url: str, staff_users: dict[str, str]
) -> None:
    from sqlalchemy import update

    from bot.store.db import session_scope
    from bot.store.models import StaffUser
    from bot.web.staff.auth import hash_password

    login(client, "ivan")
    assert client.get("/staff").status_code == 200
    with session_scope(web_db_url) as session:
        session.execute(
            update(StaffUser)
            .where(StaffUser.username == "ivan")
            .values(password_hash=hash_password("a brand new password"))
        )
    assert client.get("/staff").status_code == 303


def test_deactivated_user_is_logged_out(
    client: TestClient, web_db_url: str, staff_users: dict[str, str]
) -> None:
    from sqlalchemy import update

    from bot.store.db import session_scope
    from bot.store.models import StaffUser

    login(client, "ivan")
    with session_scope(web_db_url) as session:
        session.execute(update(StaffUser).where(StaffUser.username == "ivan").values(active=False))
    assert client.get("/staff").status_code == 303
    assert login(client, "ivan").status_code == 401


def test_logout(client: TestClient, web_db_url: str, staff_users: dict[str, str]) -> None:
    login(client, "cora")
    page = client.get("/staff")
    token = hidden_token(page.text)
    response = client.post("/staff/logout", data={"csrftoken": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login"
    assert SESSION_COOKIE not in client.cookies
    assert client.get("/staff").status_code == 303
    assert [r["actor"] for r in audit_rows(web_db_url, action="logout")] == ["cora"]


def test_create_user_rules(web_db_url: str) -> None:
    with pytest.raises(ValueError, match="12 characters"):
        create_user("short", "elevenchars", "admin", url=web_db_url)
    with pytest.raises(ValueError, match="role"):
        create_user("someone", PASSWORD, "superuser", url=web_db_url)
    with pytest.raises(ValueError, match="username"):
        create_user("  ", PASSWORD, "admin", url=web_db_url)
    create_user("newbie", PASSWORD, "coordinator", url=web_db_url)
    with pytest.raises(ValueError, match="exists"):
        create_user("newbie", PASSWORD, "admin", url=web_db_url)

    from bot.store import accounts
    from bot.store.db import session_scope

    with session_scope(web_db_url) as session:
        account = accounts.get_staff_user(session, "newbie")
    assert account is not None and account["role"] == "coordinator"
    assert account["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in account["password_hash"]
    (row,) = audit_rows(web_db_url, action="create_user")
    assert row["detail"] == "newbie role=coordinator"


def test_pages_are_not_cached_and_carry_the_security_headers(
    client: TestClient, staff_users: dict[str, str]
) -> None:
    login(client, "ada")
    for path in ("/staff", "/staff/dashboard", "/staff/export.csv", "/staff/login"):
        response = client.get(path)
        assert response.headers["cache-control"] == "no-store", path
        assert "script-src 'self'" in response.headers["content-security-policy"]
