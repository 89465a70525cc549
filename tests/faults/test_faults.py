"""Break things on purpose and show nothing is lost: the action server killed mid-conversation,
the Rasa server restarted mid-conversation. A patient chats through the real web app."""

from __future__ import annotations

import subprocess
import time
from typing import Any

import httpx
import pytest

from bot.criteria import get_trial
from bot.i18n import t
from bot.web.patient import NO_REPLY, UNAVAILABLE
from tests.browser.conftest import Web
from tests.stack.harness import Stack, asked_fact

pytestmark = pytest.mark.stack
TRIAL = get_trial()


class Patient:
    """A browser-like client of the web app: cookies, CSRF header, JSON chat."""

    def __init__(self, web: Web) -> None:
        self.client = httpx.Client(base_url=web.url, timeout=60)
        self.client.get("/")

    def say(self, text: str) -> tuple[int, list[dict[str, Any]]]:
        token = self.client.cookies.get("csrftoken") or ""
        response = self.client.post("/chat", json={"message": text}, headers={"x-csrftoken": token})
        body = response.json()
        return response.status_code, body.get("messages", [])


def _process(stack: Stack, needle: str) -> subprocess.Popen[bytes]:
    for process in stack.processes:
        if process.poll() is None and needle in " ".join(map(str, process.args)):
            return process
    raise AssertionError(f"no running {needle} process")


def _start(patient: Patient) -> None:
    for text in ("hi", "yes", "for myself", "34"):
        status, _ = patient.say(text)
        assert status == 200


def test_action_server_killed_mid_conversation(web: Web) -> None:
    stack = web.stack
    patient = Patient(web)
    _start(patient)
    actions = _process(stack, "rasa_sdk")
    actions.kill()
    actions.wait(timeout=10)

    status, messages = patient.say("female")
    assert status == 200
    assert [m["text"] for m in messages] == [t(NO_REPLY)]  # a short message, not silence

    stack.start_actions()
    status, messages = patient.say("female")
    assert status == 200
    assert asked_fact(TRIAL, messages) == "sle_diagnosed", messages
    export = stack.export(_conversation(stack, patient))
    assert export["facts"] == {"age_years": 34, "sex": "female"}


def test_rasa_restarted_mid_conversation(web: Web, trained_model: Any) -> None:
    stack = web.stack
    patient = Patient(web)
    _start(patient)
    rasa = _process(stack, "bot.rasa_plugins.server")
    rasa.terminate()
    rasa.wait(timeout=30)
    stack.processes.remove(rasa)

    status, messages = patient.say("female")
    assert status == 503 and "not available" in t(UNAVAILABLE)

    stack.start_rasa(trained_model)
    # The conversation resumes from the tracker store: the pending question is still sex.
    status, messages = patient.say("female")
    assert status == 200
    assert asked_fact(TRIAL, messages) == "sle_diagnosed", messages
    status, messages = patient.say("yes")
    assert status == 200 and asked_fact(TRIAL, messages) is not None
    export = stack.export(_conversation(stack, patient))
    assert export["facts"] == {"age_years": 34, "sex": "female", "sle_diagnosed": True}


def _conversation(stack: Stack, patient: Patient) -> str:
    """The conversation id of this patient, as stored (the newest screening)."""
    from bot.store import review
    from bot.store.db import session_scope

    deadline = time.monotonic() + 5
    with session_scope(stack.database_url) as session:
        rows = review.list_screenings(session, limit=1)
    assert rows and time.monotonic() < deadline
    return str(rows[0]["conversation_id"])
