"""The patient page's wording comes from the web catalog: every id exists, none shows."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from jinja2 import DictLoader, Environment, select_autoescape

from bot import i18n
from bot.web import patient
from tests.web.catalog_check import (
    chat_strings,
    leftover_ids,
    script_ids,
    template_ids,
    unrendered,
)

from .conftest import FakeRasa, csrf_headers


def test_every_id_the_patient_templates_use_is_in_the_english_catalog() -> None:
    english = i18n.catalog("en")
    used = template_ids("base.html", "patient.html")
    assert used["patient.html"] and used["base.html"]
    for name, ids in used.items():
        assert all(i.startswith("web.") for i in ids), name
        missing = sorted(ids - set(english))
        assert not missing, f"{name} uses ids missing from the catalog: {missing}"


def test_chat_js_uses_exactly_the_wording_the_page_gives_it(client: TestClient) -> None:
    assert script_ids() == set(patient.CHAT_JS_MESSAGES)
    strings = chat_strings(client.get("/").text)
    assert strings == {m: i18n.t(m, "en") for m in patient.CHAT_JS_MESSAGES}
    # the screen-reader prefixes the browser tests strip, and the restart message, unchanged
    assert strings["web.chat.from_bot"] == "Assistant: "
    assert strings["web.chat.from_patient"] == "You: "
    assert strings["web.chat.restart_message"] == "Start again"


def test_the_rendered_page_shows_wording_not_ids(client: TestClient) -> None:
    page = client.get("/").text
    assert unrendered(page) == []
    assert leftover_ids(page) == []
    assert '<html lang="en">' in page
    for text in (
        "Could this study be right for you?",
        "<strong>This chat is a pre-screen, not a diagnosis.</strong>",
        "the study doctors make the final decision at a screening visit.",
        '<button type="submit" class="button primary">Send</button>',
        "Keep my answers",
        "Who can I talk to?",
        "Your answers are seen only by the study team.",
    ):
        assert text in page


def test_the_check_fails_on_an_id_shown_as_text() -> None:
    shown = '<p>web.chat.send</p><link href="/static/staff.css">'
    assert leftover_ids(shown) == ["web.chat.send"]
    assert unrendered('<p>{{ _("web.chat.send") }}</p>') == ["{{", "_(", "}}"]


def test_a_missing_id_fails_the_render() -> None:
    env = Environment(
        loader=DictLoader({"x": '{{ _("web.no_such_message") }}'}), autoescape=select_autoescape()
    )
    with pytest.raises(i18n.MissingMessage):
        env.get_template("x").render(_=i18n.translator("en"))


def test_error_messages_come_from_the_catalog(client: TestClient, fake_rasa: FakeRasa) -> None:
    headers = csrf_headers(client)
    empty = client.post("/chat", json={"message": "  "}, headers=headers)
    assert empty.json() == {"error": "Please type a message first."}
    long = client.post("/chat", json={"message": "x" * 1001}, headers=headers)
    assert long.json() == {
        "error": "That message is too long (at most 1000 characters). "
        "Please shorten it and send again."
    }
    fake_rasa.reply = []
    quiet = client.post("/chat", json={"message": "hello"}, headers=headers)
    assert quiet.json()["messages"][0]["text"] == (
        "One moment, please — I couldn't process that just now. Please try again."
    )
    client.post("/chat/restart", json={}, headers=headers)
    assert fake_rasa.messages[-1] == "Start again"
