"""The Rasa custom action on tracker fixtures, with a real (temporary) database.

`action_turn` is the only action: tracker in → one bot.dialogue call → events out. These tests
check the adapter (slots and messages as Rasa sees them, the turn key from the events); the
conversation itself is tested in tests/dialogue.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.criteria import get_trial
from bot.i18n import t
from bot.store import screenings
from bot.store.db import dispose_engines, migrate, session_scope

TRIAL = get_trial()


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    dispose_engines()
    migrate(url)
    yield url
    dispose_engines()


@pytest.fixture(scope="module")
def actions() -> Any:
    from actions import actions as module  # builds the parser pipeline once

    return module


def user_event(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "message_id": uuid.uuid4().hex, "timestamp": 1.0}


def tracker(
    slots: dict[str, Any] | None = None,
    text: str | None = None,
    intent: str = "inform",
    confidence: float = 0.9,
    events: list[dict[str, Any]] | None = None,
) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": confidence}}
    return Tracker(
        sender_id="conv-1",
        slots=dict(slots or {}),
        latest_message=message if text is not None else {},
        events=events if events is not None else [],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(actions: Any, tr: Tracker) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = actions.ActionTurn().run(dispatcher, tr, {})
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return slots, dispatcher.messages


CONSENTED = {
    "consent_prescreen": True,
    "respondent": "self",
    "screening_state": "active",
    "language": "en",
}


def test_the_action_is_named_as_in_the_domain(actions: Any) -> None:
    from bot.rasa_domain import build_domain

    assert build_domain(TRIAL)["actions"] == [actions.ActionTurn().name()]


def test_an_opening_sets_the_language_and_asks_for_consent(actions: Any) -> None:
    slots, messages = run(actions, tracker({}, "hi, I'm 45 with lupus", "greet"))
    assert slots["asking"] == "consent_prescreen" and slots["language"] == "en"
    assert "age_years" not in slots
    assert [m["text"] for m in messages] == [TRIAL.privacy]
    assert [b["title"] for b in messages[0]["buttons"]] == ["Yes", "No"]


def test_an_answer_is_stored_and_only_changed_slots_are_sent(actions: Any) -> None:
    run(actions, tracker({"asking": "consent_prescreen", "language": "en"}, "yes", "affirm"))
    current = {
        **CONSENTED,
        "asking": "age_years",
        "answer_attempts": 0,
        "requested_slot": "age_years",
        "pending_facts": ["age_years"],
    }
    slots, messages = run(actions, tracker(current, "I'm thirty-four"))
    # answer_attempts stays 0: not sent; what is pending now is (for tools)
    assert slots == {
        "age_years": 34,
        "asking": "sex",
        "requested_slot": "sex",
        "pending_facts": ["sex"],
    }
    assert messages[0]["text"].split("\n")[0] == TRIAL.facts["sex"].question_self
    with session_scope() as session:
        sid = screenings.current_screening_id(session, "conv-1")
        assert sid is not None
        history = screenings.answer_history(session, sid)
    assert history[-1]["raw_text"] == "I'm thirty-four" and history[-1]["value"] == 34


def test_a_retried_message_is_applied_once(actions: Any) -> None:
    """Rasa failed to save the tracker after the answer was stored: the same message again
    (same stored events before it) writes nothing new, and gives the same reply."""
    opening = user_event("hi")
    consent = user_event("yes")
    run(
        actions,
        tracker({"asking": "consent_prescreen"}, "yes", "affirm", events=[opening, consent]),
    )
    current = {**CONSENTED, "asking": "age_years"}
    events = [opening, consent, user_event("34")]
    first = run(actions, tracker(current, "34", events=events))
    retry = run(actions, tracker(current, "34", events=[*events[:2], user_event("34")]))
    assert first == retry and first[0]["age_years"] == 34
    with session_scope() as session:
        sid = screenings.current_screening_id(session, "conv-1")
        assert sid is not None
        assert [a["fact"] for a in screenings.answer_history(session, sid)] == ["age_years"]
    # the next message (after the saved turn) is applied as usual
    later = [*events, user_event("35")]
    slots, _ = run(actions, tracker({**current, "age_years": 34}, "35", events=later))
    assert slots["age_years"] == 35


def test_database_outage_keeps_the_slots_and_tells_the_patient(
    actions: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:////nonexistent-dir/for/sure/app.db")
    dispose_engines()
    pending = {"asking": "age_years", "requested_slot": "age_years", "pending_facts": ["age_years"]}
    slots, messages = run(actions, tracker({**CONSENTED, **pending}, "34"))
    assert slots == {}  # nothing kept in the conversation that was not stored
    assert messages[-1]["text"].startswith(t("dialogue.not_saved", "en"))
    assert TRIAL.facts["age_years"].question_self in messages[-1]["text"]
    after = {**CONSENTED, "screening_state": "finished"}
    _, messages = run(actions, tracker(after, "delete my data", "delete_data"))
    assert [m["text"] for m in messages] == [t("dialogue.not_available", "en")]


def test_the_client_s_language_comes_from_the_message_metadata(actions: Any) -> None:
    tr = tracker({}, "hello", "greet")
    tr.latest_message["metadata"] = {"language": "en"}
    assert actions._message(tr).language == "en"
    tr.latest_message["metadata"] = {"language": "zz"}  # not a language of the trial
    slots, _ = run(actions, tr)
    assert slots["language"] == "en"
