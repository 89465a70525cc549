"""The patient page and chat proxy, in-process, against a fake Rasa REST channel."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from itsdangerous import Signer
from markupsafe import escape

from bot.criteria import get_trial
from bot.web import patient
from bot.web.patient import COOKIE, COOKIE_SALT

from .conftest import (
    SECRET,
    AppFactory,
    FakeRasa,
    add_events,
    csrf_headers,
)

WEB = Path(patient.__file__).resolve().parent
TRIAL = get_trial()
#: the English wording, written out: moving it into the catalog must not change it.
UNAVAILABLE = "The assistant is not available right now. Please try again in a moment."


EN = {"metadata": {"language": "en"}}  # the page's language goes to the bot with every message


def set_cookie_headers(response: httpx.Response, name: str) -> list[str]:
    return [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]


def cookie_id(client: TestClient) -> str:
    """The conversation id inside the client's signed chat_id cookie."""
    return Signer(SECRET, salt=COOKIE_SALT).unsign(client.cookies[COOKIE]).decode()


def replace_cookie(client: TestClient, value: str) -> None:
    """Overwrite the chat_id cookie as a browser would store it (same domain and path)."""
    [domain] = {c.domain for c in client.cookies.jar if c.name == COOKIE}
    client.cookies.delete(COOKIE)
    client.cookies.set(COOKIE, value, domain=domain, path="/")


def post_chat(client: TestClient, message: object, path: str = "/chat") -> httpx.Response:
    return client.post(path, json={"message": message}, headers=csrf_headers(client))


# --- the page ----------------------------------------------------------------------------------


def test_page_renders_the_trial_summary_and_the_widget(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert '<html lang="en">' in html
    assert 'name="viewport"' in html
    assert 'class="skip-link" href="#chat"' in html
    assert '<script src="/static/chat.js" defer></script>' in html
    assert 'href="/static/style.css"' in html
    assert str(escape(TRIAL.summary)) in html
    for key in ("treatment", "who", "location"):
        assert str(escape(TRIAL.topics[key].title)) in html
        assert str(escape(TRIAL.topics[key].text)) in html
    assert "pre-screen, not a diagnosis" in html
    assert TRIAL.site.name in html
    assert 'role="log"' in html and 'aria-live="polite"' in html
    assert '<label for="chat-input">' in html
    assert 'id="delete-dialog"' in html


def test_templates_have_no_inline_script_or_style(client: TestClient) -> None:
    html = client.get("/").text
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
    assert not re.search(r"<script\b[^>]*>\s*[^<\s]", html), "inline script"
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_static_files_are_served(client: TestClient) -> None:
    script = client.get("/static/chat.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert client.get("/static/style.css").status_code == 200


def test_security_headers(client: TestClient) -> None:
    for response in (client.get("/"), post_chat(client, "hello")):
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"


# --- the conversation id cookie ----------------------------------------------------------------


def test_page_issues_a_signed_httponly_conversation_cookie(client: TestClient) -> None:
    response = client.get("/")
    [header] = set_cookie_headers(response, COOKIE)
    attributes = header.lower()
    assert "httponly" in attributes and "samesite=lax" in attributes and "path=/" in attributes
    assert "secure" not in attributes
    chat_id = cookie_id(client)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", chat_id)
    assert client.cookies[COOKIE] != chat_id  # signed, not the bare id
    # the same browser keeps its id
    assert set_cookie_headers(client.get("/"), COOKIE) == []
    assert cookie_id(client) == chat_id


def test_cookie_is_secure_when_configured(make_client: AppFactory) -> None:
    client = make_client(secure_cookies=True)
    [header] = set_cookie_headers(client.get("/"), COOKIE)
    assert "secure" in header.lower()


def test_every_browser_gets_its_own_id(make_client: AppFactory) -> None:
    ids = set()
    for _ in range(3):
        client = make_client()
        client.get("/")
        ids.add(cookie_id(client))
    assert len(ids) == 3


@pytest.mark.parametrize(
    "tamper",
    [
        lambda value: value[:-1] + ("A" if value[-1] != "A" else "B"),  # bad signature
        lambda value: "someone-elses-conversation-id-xx." + value.rsplit(".", 1)[1],
        lambda value: "not-signed-at-all",
    ],
)
def test_tampered_cookie_starts_a_fresh_conversation(
    client: TestClient, fake_rasa: FakeRasa, tamper: object
) -> None:
    client.get("/")
    original = cookie_id(client)
    assert callable(tamper)
    forged = tamper(client.cookies[COOKIE])
    replace_cookie(client, forged)
    response = client.get("/")
    [_header] = set_cookie_headers(response, COOKIE)
    fresh = cookie_id(client)
    assert fresh != original
    # and a POST with a forged cookie is never sent to Rasa under the forged id
    replace_cookie(client, forged)
    assert post_chat(client, "hello").status_code == 200
    assert fake_rasa.senders[-1] not in (original, forged)
    assert fake_rasa.senders[-1] == cookie_id(client)


# --- POST /chat --------------------------------------------------------------------------------


def test_message_is_sent_to_rasa_as_the_cookie_id(client: TestClient, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = [
        {"recipient_id": "x", "text": "How old are you?\n(About 31 questions left.)"},
        {
            "recipient_id": "x",
            "text": "What is your sex?",
            "buttons": [
                {"title": "Female", "payload": "Female"},
                {"title": "Male", "payload": "Male"},
                {"title": 3, "payload": None},
            ],
        },
        {"recipient_id": "x", "image": "https://example.com/x.png"},
        {"recipient_id": "x", "custom": {"slot": "sex"}},
    ]
    response = post_chat(client, "  I'm 34  ")
    assert response.status_code == 200
    assert fake_rasa.received == [{"sender": cookie_id(client), "message": "I'm 34", **EN}]
    assert response.json() == {
        "messages": [
            {"text": "How old are you?\n(About 31 questions left.)", "buttons": []},
            {
                "text": "What is your sex?",
                "buttons": [
                    {"title": "Female", "payload": "Female"},
                    {"title": "Male", "payload": "Male"},
                ],
            },
        ]
    }


def test_post_without_a_cookie_gets_one(make_client: AppFactory, fake_rasa: FakeRasa) -> None:
    client = make_client()
    headers = csrf_headers(client)
    client.cookies.delete(COOKIE)
    response = client.post("/chat", json={"message": "hi"}, headers=headers)
    assert response.status_code == 200
    assert set_cookie_headers(response, COOKIE)
    assert fake_rasa.senders == [cookie_id(client)]


@pytest.mark.parametrize("text", ["/affirm", '/inform{"age_years": 30}', "  /restart", "/"])
def test_intent_shortcuts_are_refused(client: TestClient, fake_rasa: FakeRasa, text: str) -> None:
    response = post_chat(client, text)
    assert response.status_code == 400
    assert "in words" in response.json()["error"]
    assert fake_rasa.received == []


def test_a_slash_inside_a_message_is_fine(client: TestClient, fake_rasa: FakeRasa) -> None:
    assert post_chat(client, "1/320").status_code == 200
    assert fake_rasa.messages == ["1/320"]


@pytest.mark.parametrize("text", ["", "   ", "\x00\x07", "\n\t"])
def test_empty_messages_are_refused(client: TestClient, fake_rasa: FakeRasa, text: str) -> None:
    response = post_chat(client, text)
    assert response.status_code == 400 and response.json()["error"]
    assert fake_rasa.received == []


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"message": 5}', b"{}"])
def test_malformed_bodies_are_refused(client: TestClient, fake_rasa: FakeRasa, body: bytes) -> None:
    headers = {**csrf_headers(client), "content-type": "application/json"}
    response = client.post("/chat", content=body, headers=headers)
    assert response.status_code == 400 and response.json()["error"]
    assert fake_rasa.received == []


def test_length_cap(client: TestClient, fake_rasa: FakeRasa) -> None:
    assert post_chat(client, "x" * 1000).status_code == 200
    response = post_chat(client, "x" * 1001)
    assert response.status_code == 413
    error = response.json()["error"]
    assert "shorten" in error and "1000" in error
    assert len(fake_rasa.received) == 1


def test_length_cap_follows_the_settings(make_client: AppFactory) -> None:
    client = make_client(max_message_chars=10)
    assert post_chat(client, "0123456789").status_code == 200
    assert post_chat(client, "0123456789a").status_code == 413


def test_control_characters_are_stripped(client: TestClient, fake_rasa: FakeRasa) -> None:
    post_chat(client, "I'm\x00 34\x1b[31m\r\nyears\u202e old\u0085\tok")
    # a line break stays (one, for "\r\n"): a pasted lab report is read line by line
    assert fake_rasa.messages == ["I'm 34[31m\nyears old ok"]


def test_bot_markup_is_returned_as_data(client: TestClient, fake_rasa: FakeRasa) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    fake_rasa.reply = [{"text": evil, "buttons": [{"title": evil, "payload": evil}]}]
    response = post_chat(client, "hello")
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["messages"] == [
        {"text": evil, "buttons": [{"title": evil, "payload": evil}]}
    ]


# --- CSRF and rate limits ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/chat", "/chat/restart", "/chat/delete"])
def test_csrf_token_is_required(client: TestClient, fake_rasa: FakeRasa, path: str) -> None:
    client.get("/")
    assert client.post(path, json={"message": "hello"}).status_code == 403
    wrong = {"x-csrftoken": "forged-token"}
    assert client.post(path, json={"message": "hello"}, headers=wrong).status_code == 403
    assert fake_rasa.received == []


def test_csrf_cookie_is_readable_by_the_script(client: TestClient) -> None:
    [header] = set_cookie_headers(client.get("/"), "csrftoken")
    assert "httponly" not in header.lower()


def test_rate_limit(client: TestClient, fake_rasa: FakeRasa) -> None:
    for _ in range(30):  # settings.chat_rate_limit defaults to 30/minute
        assert post_chat(client, "hello").status_code == 200
    response = post_chat(client, "hello")
    assert response.status_code == 429
    assert "wait" in response.json()["error"]
    assert int(response.headers["retry-after"]) > 0
    assert len(fake_rasa.received) == 30
    # the other chat routes share the same allowance
    assert post_chat(client, "", path="/chat/restart").status_code == 429


def test_rate_limit_follows_the_settings(make_client: AppFactory) -> None:
    client = make_client(chat_rate_limit="2/minute")
    assert [post_chat(client, "hi").status_code for _ in range(3)] == [200, 200, 429]


# --- Rasa failures -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    ["connect", "timeout", "status500", "status404", "not-json", "not-a-list"],
)
def test_rasa_failures_are_a_friendly_503(
    client: TestClient, fake_rasa: FakeRasa, failure: str
) -> None:
    request = httpx.Request("POST", "http://rasa.test/webhooks/rest/webhook")
    if failure == "connect":
        fake_rasa.error = httpx.ConnectError("refused", request=request)
    elif failure == "timeout":
        fake_rasa.error = httpx.ReadTimeout("slow", request=request)
    elif failure.startswith("status"):
        fake_rasa.status = int(failure.removeprefix("status"))
        fake_rasa.reply = {"error": "boom"}
    elif failure == "not-json":
        fake_rasa.reply = b"<html>Bad gateway</html>"
    else:
        fake_rasa.reply = {"text": "a dict, not a list"}
    for path in ("/chat", "/chat/restart", "/chat/delete"):
        before = client.cookies.get(COOKIE, None)
        response = post_chat(client, "hello", path=path)
        assert response.status_code == 503, path
        assert response.json() == {"error": UNAVAILABLE}
        if before is not None:  # a failed delete keeps the conversation id
            assert client.cookies[COOKIE] == before


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_rasa_not_running_is_a_friendly_503(make_client: AppFactory) -> None:
    client = make_client(real_rasa=True, rasa_url=f"http://127.0.0.1:{_closed_port()}")
    response = post_chat(client, "hello")
    assert response.status_code == 503
    assert response.json() == {"error": UNAVAILABLE}


def test_rasa_client_is_made_on_startup_and_closed_on_shutdown(make_client: AppFactory) -> None:
    client = make_client(real_rasa=True)
    app = client.app
    rasa = app.state.rasa  # type: ignore[attr-defined]
    assert rasa is not None and not rasa.http.is_closed
    client.__exit__(None, None, None)
    assert rasa.http.is_closed and app.state.rasa is None  # type: ignore[attr-defined]


# --- restart, delete, history ------------------------------------------------------------------


def test_restart_says_start_again(client: TestClient, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = [{"text": "Let's start again from the beginning."}]
    response = post_chat(client, "ignored", path="/chat/restart")
    assert response.status_code == 200
    assert response.json()["messages"][0]["text"].startswith("Let's start again")
    assert fake_rasa.received == [{"sender": cookie_id(client), "message": "Start again", **EN}]


def test_delete_asks_the_bot_then_issues_a_new_id(client: TestClient, fake_rasa: FakeRasa) -> None:
    client.get("/")
    old = cookie_id(client)
    fake_rasa.reply = [{"text": "Your answers ... have been deleted."}]
    response = post_chat(client, "", path="/chat/delete")
    assert response.status_code == 200
    assert response.json()["messages"][0]["text"].startswith("Your answers")
    assert fake_rasa.received == [{"sender": old, "message": "Delete my answers", **EN}]
    new = cookie_id(client)
    assert new != old
    post_chat(client, "hello")
    assert fake_rasa.senders[-1] == new


def test_history_of_a_new_visitor_is_empty(make_client: AppFactory) -> None:
    client = make_client()
    response = client.get("/chat/history")
    assert response.status_code == 200
    assert response.json() == {"messages": [], "buttons": []}
    assert set_cookie_headers(response, COOKIE)


def test_history_resumes_this_conversation_only(
    client: TestClient, database: sa.engine.Engine
) -> None:
    client.get("/")
    mine = cookie_id(client)
    yes_no = [{"title": "Yes", "payload": "Yes"}, {"title": "No", "payload": "No"}]
    add_events(
        database,
        mine,
        [
            ("user", "hi", None),
            ("bot", "Do you agree?", yes_no),
            ("user", "yes", None),
            ("bot", "What is your sex?\n(About 31 questions left.)", yes_no[:1]),
        ],
    )
    add_events(database, "someone-else", [("user", "my secret answer", None)])
    response = client.get("/chat/history")
    assert response.status_code == 200
    assert response.json() == {
        "messages": [
            {"from": "patient", "text": "hi"},
            {"from": "bot", "text": "Do you agree?"},
            {"from": "patient", "text": "yes"},
            {"from": "bot", "text": "What is your sex?\n(About 31 questions left.)"},
        ],
        "buttons": [{"title": "Yes", "payload": "Yes"}],
    }


def test_history_has_no_buttons_once_the_patient_answered(
    client: TestClient, database: sa.engine.Engine
) -> None:
    client.get("/")
    add_events(
        database,
        cookie_id(client),
        [("bot", "Do you agree?", [{"title": "Yes", "payload": "Yes"}]), ("user", "yes", None)],
    )
    assert client.get("/chat/history").json()["buttons"] == []


def test_history_with_the_store_down_is_a_friendly_503(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    client.get("/")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    response = client.get("/chat/history")
    assert response.status_code == 503
    assert response.json() == {"error": UNAVAILABLE}


# --- the widget script -------------------------------------------------------------------------


def test_chat_js_never_builds_html_from_strings() -> None:
    script = (WEB / "static" / "chat.js").read_text()
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        'setAttribute("style',
        ".style.",
        ".style =",
    ):
        assert sink not in script, sink
    assert "textContent" in script


def test_chat_js_only_talks_to_this_app() -> None:
    script = (WEB / "static" / "chat.js").read_text()
    assert "http://" not in script and "https://" not in script and "//localhost" not in script
    urls = set(re.findall(r'"(/[a-z/]*)"', script))
    assert urls == {"/chat", "/chat/history", "/chat/restart", "/chat/delete"}
    assert "x-csrftoken" in script and "window.confirm" not in script and "confirm(" not in script


def test_new_conversation_ids_never_start_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    """`prescreen export --conversation -abc…` would read the id as an option."""
    import secrets

    from bot.web import patient

    drawn = iter(["-" + "a" * 31, "_" + "b" * 31])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda n: next(drawn))
    assert patient.new_chat_id() == "_" + "b" * 31
