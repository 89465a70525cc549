"""Hostile and broken input on the patient chat endpoint, fuzzed with hypothesis (issue 6 §3).

The real app (`create_app`) runs in-process; Rasa is the stand-in REST channel of this
package's conftest (`FakeRasa` behind `httpx.MockTransport`), here made to echo what it got,
so anything the proxy lets through comes back in the reply. Every example is checked for:
no 5xx (other than the documented 503 when Rasa is down), the documented JSON shape, the
security headers, nothing visible lost or added on the way to Rasa, no `/intent{…}` reaching
Rasa as an intent (Rasa's own message unpacking is the judge), and over-long text refused
with a message that says so. Deterministic: `derandomize=True`, no example database.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.i18n import t
from bot.web import patient

from .conftest import AppFactory, FakeRasa, add_events, csrf_headers

#: the English error texts the patient sees (from the web catalog).
EMPTY, COMMAND, UNAVAILABLE, BAD_REQUEST = (
    t(message_id, "en")
    for message_id in (patient.EMPTY, patient.COMMAND, patient.UNAVAILABLE, patient.BAD_REQUEST)
)

LIMIT = 1000  # WebSettings.max_message_chars (the default the app runs with)
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=250,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: what patients (and people poking at the bot) type: every class the issue names.
HOSTILE = [
    "",
    " ",
    "\n\t \r\n",
    "\u3000\u00a0\u2028",
    "\u200b",
    "\ufeff\u200b\u200d",
    "x" * 10_000,
    "I'm 34 " * 1500,
    "🙂",
    "👨\u200d👩\u200d👧 34 🎂",
    "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    "我三十四岁",
    "你好，我想参加这个研究",
    "مرحبا، عمري ٣٤ سنة",
    "שלום, אני בן 34",
    "\u202eenog sey\u202c",
    "I'm\x00 34\x1b[31m\x07 years\x7f old\x85",
    "\ud800 lone surrogate \udfff",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(document.cookie)>',
    "<b>female</b>",
    "javascript:alert('x')",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "'; DROP TABLE answers; --",
    "1 OR 1=1",
    "34'); DELETE FROM screenings WHERE ('1'='1",
    '/inform{"age_years":"999"}',
    '/inform{"age_years": 40}',
    "/affirm",
    "/start_over",
    "/delete_data",
    "/restart",
    "/",
    '  /inform{"sex":"male"}',
    '\u200b/inform{"age_years":"40"}',
    "\ufeff/affirm",
    "\u202e/affirm",
    "\x00/affirm",
    "\t\n/stop",
    "／affirm",
    "I'm 300 years old",
    "eGFR −5",
    "-5",
    "1:0",
    "1e308",
    "NaN",
    "inf",
    "99999999999999999999999999999999",
    "0x22",
    "34 kg",
    "80 miles",
    "7 mmol/mol",
    "10 g of prednisone",
]

#: characters that hide or vanish: whitespace, control, format (zero-width, BOM, bidi), surrogate.
_INVISIBLE = st.sampled_from(
    list(" \t\n\r\x0b\x0c\x00\x1b\x7f\x85\u00a0\u2028\u3000")  # whitespace, control
    + list("\u200b\u200c\u200d\u2060\ufeff\u00ad\u202e\u2066")  # format (zero-width, bidi)
    + list("\ud800\udfff")  # lone surrogates
)
_HOSTILE = st.sampled_from(HOSTILE)
_SCRIPTS = st.text(
    alphabet=st.sampled_from("我三十四岁你好مرحباשלום٣४３🙂👍🎂❤️\u200d\u202e<>/{}\"';:=()&"),
    max_size=40,
)
MESSAGES = st.one_of(
    _HOSTILE,
    st.text(st.characters(exclude_categories=()), max_size=60),  # any code point, surrogates too
    _SCRIPTS,
    st.builds(
        lambda before, core, after: "".join(before) + core + "".join(after),
        st.lists(_INVISIBLE, max_size=4),
        st.one_of(_HOSTILE, st.text(max_size=20)),
        st.lists(_INVISIBLE, max_size=4),
    ),
    st.builds(lambda n, c: c * n, st.integers(LIMIT - 3, LIMIT + 3), st.sampled_from("x🙂我 ")),
    st.builds(lambda n: "/" + "a" * n, st.integers(0, LIMIT + 5)),
)

_SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


ECHO = object()


class EchoRasa(FakeRasa):
    """The stand-in Rasa: echoes the patient's text (also as a button), or sends `reply` as JSON."""

    def __init__(self) -> None:
        super().__init__()
        self.reply = ECHO

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/webhooks/rest/webhook"
        body = json.loads(request.content)
        self.received.append(body)
        if self.error is not None:
            raise self.error
        if self.reply is not ECHO:  # encoded as by Python's json (lone surrogates as \\u escapes)
            return httpx.Response(200, content=json.dumps(self.reply).encode())
        text, sender = body["message"], body["sender"]
        button = {"title": text[:30], "payload": text[:30]}
        return httpx.Response(
            200,
            json=[
                {"recipient_id": sender, "text": text},
                {"recipient_id": sender, "text": "You said that.", "buttons": [button]},
            ],
        )


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return EchoRasa()


@pytest.fixture
def fuzz_client(make_client: AppFactory) -> Iterator[TestClient]:
    """The app with a rate limit no fuzz run reaches (the limit itself is tested elsewhere)."""
    yield make_client(chat_rate_limit="1000000/minute")


# --- oracles -----------------------------------------------------------------------------------


def visible(text: str) -> str:
    """What the patient visibly typed: no spaces, control, format or surrogate characters. A
    surrogate pair sent as two escapes in JSON ("\\ud800\\udc00") is the one character it
    encodes (U+10000); a lone surrogate is nothing."""
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")
    return "".join(
        c for c in joined if not c.isspace() and unicodedata.category(c) not in ("Cc", "Cf", "Cs")
    )


def reaches_rasa_as_intent(text: str) -> bool:
    """Whether Rasa 3.6 itself would read `text` as an `/intent{entities}` shortcut."""
    unpacked = YAMLStoryReader.unpack_regex_message(Message({TEXT: text}))
    return unpacked.get(INTENT) is not None


def assert_headers(response: httpx.Response) -> None:
    for name, value in _SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["content-type"].startswith("application/json")


def assert_shape(response: httpx.Response) -> Any:
    """The documented bodies: ``{"messages": [{"text", "buttons"}]}`` or ``{"error": str}``."""
    data = response.json()
    if response.status_code == 200:
        assert set(data) == {"messages"}
        assert data["messages"], "a 200 always carries at least one message"
        for message in data["messages"]:
            assert set(message) == {"text", "buttons"}
            assert isinstance(message["text"], str)
            assert message["text"] or message["buttons"]
            for button in message["buttons"]:
                assert set(button) == {"title", "payload"}
                assert isinstance(button["title"], str) and button["title"]
                assert isinstance(button["payload"], str) and button["payload"]
    else:
        assert set(data) == {"error"}
        assert isinstance(data["error"], str) and data["error"]
    return data


def post(client: TestClient, payload: Any, path: str = "/chat") -> httpx.Response:
    """POST a JSON body as a browser's `JSON.stringify` would (lone surrogates as \\u escapes)."""
    headers = {**csrf_headers(client), "content-type": "application/json"}
    return client.post(path, content=json.dumps(payload).encode(), headers=headers)


# --- properties --------------------------------------------------------------------------------


@FUZZ
@given(text=MESSAGES)
@example(text="x" * 10_000)
@example(text='\u200b/inform{"age_years":"999"}')
@example(text="\ud800")
def test_any_message_gets_a_documented_answer(
    fuzz_client: TestClient, fake_rasa: FakeRasa, text: str
) -> None:
    fake_rasa.received.clear()
    response = post(fuzz_client, {"message": text})
    assert_headers(response)
    data = assert_shape(response)
    seen = visible(text)

    if response.status_code == 200:
        [sent] = fake_rasa.messages
        assert sent and len(sent) <= LIMIT and sent == sent.strip()
        assert visible(sent) == seen, "the proxy lost or added visible text"
        # no control character reaches Rasa but the line break (a pasted report keeps its lines)
        assert not any(unicodedata.category(c) in ("Cc", "Cs") and c != "\n" for c in sent)
        assert not set(sent) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
        assert not reaches_rasa_as_intent(sent), sent
        assert unicodedata.category(sent[0]) != "Cf"
        assert data["messages"][0]["text"] == sent  # the reply is data, passed through as is
        return

    assert fake_rasa.received == [], "a refused message must not reach Rasa"
    if response.status_code == 413:
        assert len(text) > LIMIT
        assert str(LIMIT) in data["error"] and "shorten" in data["error"]
        return
    assert response.status_code == 400, response.status_code
    if not seen:
        assert data["error"] == EMPTY
    else:
        assert data["error"] == COMMAND
        assert seen.startswith("/") and len(seen) <= LIMIT


@FUZZ
@given(text=MESSAGES)
def test_what_reaches_rasa_follows_the_rules(
    fuzz_client: TestClient, fake_rasa: FakeRasa, text: str
) -> None:
    """The converse: each kind of message gets its own answer, decided by what is visible."""
    fake_rasa.received.clear()
    status = post(fuzz_client, {"message": text}).status_code
    seen = visible(text)
    if not seen:
        assert status == 400
    elif len(seen) > LIMIT:
        assert status == 413, "over-long text must be capped"
    elif seen.startswith("/"):
        assert status == 400 or (status == 413 and len(text) > LIMIT)
    elif len(text) <= LIMIT:
        assert status == 200 and len(fake_rasa.received) == 1
    else:
        assert status in (200, 413)


@FUZZ
@given(text=MESSAGES)
def test_rasa_down_is_the_documented_503(
    fuzz_client: TestClient, fake_rasa: FakeRasa, text: str
) -> None:
    request = httpx.Request("POST", "http://rasa.test/webhooks/rest/webhook")
    fake_rasa.error = httpx.ConnectError("connection refused", request=request)
    fake_rasa.received.clear()
    response = post(fuzz_client, {"message": text})
    assert_headers(response)
    data = assert_shape(response)
    if fake_rasa.received:  # it would have been sent: Rasa's failure is the only problem
        assert response.status_code == 503 and data == {"error": UNAVAILABLE}
    else:
        assert response.status_code in (400, 413)


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
_BAD_BODIES = st.one_of(
    st.binary(max_size=200),
    _JSON.filter(lambda v: not (isinstance(v, dict) and isinstance(v.get("message"), str))).map(
        lambda v: json.dumps(v).encode()
    ),
    st.builds(
        lambda v: json.dumps({"message": v}).encode(),
        _JSON.filter(lambda v: not isinstance(v, str)),
    ),
    st.integers(1_000, 20_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1_000, 20_000).map(lambda n: b'{"message":' * n + b"1" + b"}" * n),
)


@FUZZ
@given(body=_BAD_BODIES)
@example(body=b"[" * 30_000 + b"]" * 30_000)
@example(body=b'{"message": "x"}' + b" " * 200_000)
@example(body='{"message": "caf\u00e9"}'.encode("latin-1"))
def test_broken_bodies_are_refused_not_crashed(
    fuzz_client: TestClient, fake_rasa: FakeRasa, body: bytes
) -> None:
    fake_rasa.received.clear()
    headers = {**csrf_headers(fuzz_client), "content-type": "application/json"}
    response = fuzz_client.post("/chat", content=body, headers=headers)
    assert_headers(response)
    data = assert_shape(response)
    if len(body) > 64 * 1024:
        assert response.status_code == 413 and str(LIMIT) in data["error"]
    else:
        assert response.status_code == 400 and data == {"error": BAD_REQUEST}
    assert fake_rasa.received == []


@FUZZ
@given(text=MESSAGES, path=st.sampled_from(["/chat/restart", "/chat/delete"]))
def test_restart_and_delete_send_only_their_own_words(
    fuzz_client: TestClient, fake_rasa: FakeRasa, text: str, path: str
) -> None:
    fake_rasa.received.clear()
    response = post(fuzz_client, {"message": text}, path=path)
    assert response.status_code == 200
    assert_headers(response)
    assert_shape(response)
    expected = "Start again" if path == "/chat/restart" else "Delete my answers"
    assert fake_rasa.messages == [expected]


_REPLIES = st.one_of(
    _JSON,
    st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "recipient_id": st.text(max_size=5),
                "text": st.one_of(_HOSTILE, st.none(), st.integers(), _JSON),
                "buttons": st.one_of(
                    _JSON,
                    st.lists(
                        st.fixed_dictionaries(
                            {},
                            optional={
                                "title": st.one_of(_HOSTILE, _JSON),
                                "payload": st.one_of(_HOSTILE, _JSON),
                            },
                        ),
                        max_size=3,
                    ),
                ),
                "image": st.text(max_size=10),
                "custom": _JSON,
            },
        ),
        max_size=4,
    ),
)


@settings(FUZZ, max_examples=120)
@given(reply=_REPLIES)
@example(reply=[{"text": "\ud800 lone \udfff", "buttons": [{"title": "\udfff", "payload": "x"}]}])
@example(reply=[{"text": "\ud800"}, {"image": "x.png"}])
def test_whatever_rasa_answers_the_patient_gets_the_documented_shape(
    fuzz_client: TestClient, fake_rasa: FakeRasa, reply: Any
) -> None:
    """Rasa's reply is not ours to trust: junk becomes a 503 or is reduced to text and buttons."""
    fake_rasa.reply = reply
    response = post(fuzz_client, {"message": "hello"})
    assert_headers(response)
    data = assert_shape(response)
    if isinstance(reply, list):
        assert response.status_code == 200
    else:
        assert response.status_code == 503 and data == {"error": UNAVAILABLE}


# --- nothing comes back as HTML ----------------------------------------------------------------


_MARKUP = [
    t
    for t in HOSTILE
    if set(t) & set("<{;'") and not visible(t).startswith("/") and len(t) <= LIMIT
]


def test_hostile_text_is_never_served_as_html(
    fuzz_client: TestClient, fake_rasa: FakeRasa, database: sa.engine.Engine
) -> None:
    """Sent, echoed by the bot and kept in the transcript: always JSON data, never in the page."""
    for text in _MARKUP:
        fuzz_client.cookies.delete("chat_id")  # a conversation of its own for each text
        fake_rasa.received.clear()
        response = post(fuzz_client, {"message": text})
        assert response.status_code == 200, text
        assert response.headers["content-type"].startswith("application/json")
        [sent] = fake_rasa.messages
        assert response.json()["messages"][0]["text"] == sent
        sender = fake_rasa.received[0]["sender"]
        buttons = [{"title": sent, "payload": sent}]
        add_events(database, sender, [("user", sent, None), ("bot", sent, buttons)])
        history = fuzz_client.get("/chat/history")
        assert history.status_code == 200
        assert history.headers["content-type"].startswith("application/json")
        assert history.json() == {
            "messages": [{"from": "patient", "text": sent}, {"from": "bot", "text": sent}],
            "buttons": buttons,
        }
        page = fuzz_client.get("/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert sent not in page.text  # the page never holds the conversation's words
        for response in (history, page):
            assert response.headers["x-content-type-options"] == "nosniff"


def test_history_never_fails_on_text_utf8_cannot_carry(
    fuzz_client: TestClient, fake_rasa: FakeRasa, database: sa.engine.Engine
) -> None:
    """Rasa stores events with json.dumps, which keeps a lone surrogate as a \\u escape."""
    assert post(fuzz_client, {"message": "hello"}).status_code == 200
    sender = fake_rasa.received[0]["sender"]
    odd = "yes \ud800 no \udfff"
    buttons = [{"title": odd, "payload": "Yes"}, {"title": "\udfff", "payload": "No"}]
    add_events(database, sender, [("user", odd, None), ("bot", odd, buttons)])
    response = fuzz_client.get("/chat/history")
    assert response.status_code == 200
    assert response.json() == {
        "messages": [{"from": "patient", "text": "yes  no "}, {"from": "bot", "text": "yes  no "}],
        "buttons": [{"title": "yes  no ", "payload": "Yes"}],
    }
