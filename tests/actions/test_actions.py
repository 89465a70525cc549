"""The Rasa custom actions on tracker fixtures, with a real (temporary) database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.criteria import get_trial
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


def tracker(
    slots: dict[str, Any] | None = None,
    text: str | None = None,
    intent: str = "inform",
    confidence: float = 0.9,
    sender: str = "conv-1",
) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": confidence}}
    return Tracker(
        sender_id=sender,
        slots=dict(slots or {}),
        latest_message=message if text is not None else {},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": "prescreen_form"},
        latest_action_name="action_listen",
    )


def run(action: Any, tr: Tracker) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, tr, {})
    events = asyncio.run(result) if asyncio.iscoroutine(result) else result
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return slots, dispatcher.messages


CONSENTED = {"consent_prescreen": True, "respondent": "self", "screening_state": "active"}


def test_activation_asks_for_consent_first_and_ignores_the_opening(actions: Any) -> None:
    slots, messages = run(actions.ValidatePrescreenForm(), tracker(text="hi, I'm 45 with lupus"))
    assert slots["requested_slot"] == "consent_prescreen"
    assert "age_years" not in slots
    assert [m["text"] for m in messages] == [TRIAL.privacy]


def test_consent_opens_a_screening(actions: Any) -> None:
    tr = tracker({"requested_slot": "consent_prescreen"}, "yes, I agree", "affirm")
    slots, _ = run(actions.ValidatePrescreenForm(), tr)
    assert slots["consent_prescreen"] is True and slots["requested_slot"] == "respondent"
    with session_scope() as session:
        assert screenings.current_screening_id(session, "conv-1") is not None


def test_declining_consent_ends_the_form_without_health_data(actions: Any) -> None:
    tr = tracker({"requested_slot": "consent_prescreen"}, "no thanks", "deny")
    slots, messages = run(actions.ValidatePrescreenForm(), tr)
    assert slots["consent_prescreen"] is False and slots["requested_slot"] is None
    assert len(messages) == 1 and "won't ask any health questions" in messages[0]["text"]
    with session_scope() as session:
        sid = screenings.current_screening_id(session, "conv-1")
        assert sid is not None and screenings.current_facts(session, sid) == {}


def test_an_answer_is_parsed_stored_and_the_planner_picks_the_next_slot(actions: Any) -> None:
    run(actions.ValidatePrescreenForm(), tracker({"requested_slot": "consent_prescreen"}, "yes"))
    tr = tracker({**CONSENTED, "requested_slot": "age_years"}, "I'm thirty-four")
    slots, messages = run(actions.ValidatePrescreenForm(), tr)
    assert slots["age_years"] == 34 and slots["requested_slot"] == "sex"
    assert [m["text"].split("\n")[0] for m in messages] == [TRIAL.facts["sex"].question_self]
    with session_scope() as session:
        sid = screenings.current_screening_id(session, "conv-1")
        history = screenings.answer_history(session, sid)
    assert history[-1]["raw_text"] == "I'm thirty-four" and history[-1]["value"] == 34


def test_dont_know_sets_the_marker_and_is_not_asked_again(actions: Any) -> None:
    slots_now = {**CONSENTED, "age_years": 40, "sex": "male", "requested_slot": "sle_diagnosed"}
    slots, _ = run(actions.ValidatePrescreenForm(), tracker(slots_now, "not sure", "dont_know"))
    assert slots["sle_diagnosed"] == "dont_know"
    assert slots["requested_slot"] not in (None, "sle_diagnosed")


def test_intent_shortcut_injection_sets_nothing(actions: Any) -> None:
    tr = tracker({**CONSENTED, "requested_slot": "age_years"}, '/inform{"age_years": 999}')
    slots, messages = run(actions.ValidatePrescreenForm(), tr)
    assert "age_years" not in slots and slots["requested_slot"] == "age_years"
    # the hint and the same question again, in one message; the note is then cleared
    assert "in words" in messages[-1]["text"]
    assert TRIAL.facts["age_years"].question_self in messages[-1]["text"]
    assert slots["pending_note"] is None


def test_why_do_you_ask_answers_and_keeps_the_question(actions: Any) -> None:
    tr = tracker({**CONSENTED, "requested_slot": "age_years"}, "why do you ask?", "ask_why", 0.99)
    slots, messages = run(actions.ValidatePrescreenForm(), tr)
    assert slots["requested_slot"] == "age_years"
    assert TRIAL.facts["age_years"].why in messages[0]["text"]
    assert TRIAL.facts["age_years"].question_self in messages[1]["text"]


def test_required_slots_keep_filled_slots(actions: Any) -> None:
    tr = tracker({**CONSENTED, "age_years": 30, "sex": "female"})
    required = asyncio.run(
        actions.ValidatePrescreenForm().required_slots([], CollectingDispatcher(), tr, {})
    )
    assert required[:4] == ["consent_prescreen", "respondent", "age_years", "sex"]
    assert required[-1] == "sle_diagnosed"


def test_the_next_question_uses_guardian_wording_buttons_and_progress(actions: Any) -> None:
    slots_now = {**CONSENTED, "respondent": "guardian", "age_years": 12}
    tr = tracker({**slots_now, "requested_slot": "sex"}, "she's a girl")
    slots, messages = run(actions.ValidatePrescreenForm(), tr)
    assert slots["sex"] == "female" and slots["requested_slot"] == "sle_diagnosed"
    assert TRIAL.facts["sle_diagnosed"].question_guardian in messages[0]["text"]
    assert "questions left" in messages[0]["text"]
    assert [b["title"] for b in messages[0]["buttons"]] == ["Yes", "No", "I don't know"]


def test_finish_tells_an_ineligible_patient_why_and_offers_no_contact(actions: Any) -> None:
    run(actions.ValidatePrescreenForm(), tracker({"requested_slot": "consent_prescreen"}, "yes"))
    run(
        actions.ValidatePrescreenForm(), tracker({**CONSENTED, "requested_slot": "age_years"}, "80")
    )
    slots, messages = run(actions.ActionFinishScreening(), tracker({**CONSENTED, "age_years": 80}))
    assert slots["screening_outcome"] == "ineligible" and slots["contact_offer"] is False
    assert "aged 3 to 65" in messages[0]["text"] and "not a diagnosis" in messages[0]["text"]


def test_router_starts_the_prescreen_on_any_opening(actions: Any) -> None:
    slots, messages = run(actions.ActionRoute(), tracker({}, "what is CAR-T?", "ask_car_t", 0.95))
    assert slots["resume_prescreen"] is True
    assert "T cells" in messages[0]["text"]


def test_router_applies_a_correction_after_the_result(actions: Any) -> None:
    run(actions.ValidatePrescreenForm(), tracker({"requested_slot": "consent_prescreen"}, "yes"))
    done = {**CONSENTED, "age_years": 80, "screening_state": "finished"}
    slots, _ = run(actions.ActionRoute(), tracker(done, "sorry, I'm actually 45", "correct"))
    assert slots["age_years"] == 45 and slots["resume_prescreen"] is True


def test_contact_details_need_consent(actions: Any) -> None:
    base = {"requested_slot": "contact_consent"}
    slots, _ = run(actions.ValidateContactForm(), tracker(base, "no thanks", "deny"))
    assert slots["contact_consent"] is False and slots["requested_slot"] is None
    slots, _ = run(actions.ValidateContactForm(), tracker(base, "yes please", "affirm"))
    assert slots["requested_slot"] == "contact_name"


def test_database_outage_loses_nothing_and_tells_the_patient(
    actions: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:////nonexistent-dir/for/sure/app.db")
    dispose_engines()
    tr = tracker({**CONSENTED, "requested_slot": "age_years"}, "34")
    slots, messages = run(actions.ValidatePrescreenForm(), tr)
    assert "age_years" not in slots  # not kept in the conversation when it was not stored
    assert slots["requested_slot"] == "age_years"
    assert "couldn't save" in messages[-1]["text"]
    assert TRIAL.facts["age_years"].question_self in messages[-1]["text"]
    _route_slots, messages = run(
        actions.ActionRoute(), tracker(CONSENTED, "delete my data", "delete_data")
    )
    assert "went wrong" in messages[0]["text"]


@pytest.mark.parametrize("text", ["ok", "okay", "I agree", "sounds good"])
def test_ok_agrees_to_the_privacy_notice(actions: Any, text: str) -> None:
    tr = tracker({"requested_slot": "consent_prescreen"}, text, "affirm")
    slots, _ = run(actions.ValidatePrescreenForm(), tr)
    assert slots["consent_prescreen"] is True and slots["requested_slot"] == "respondent"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("'; DROP TABLE answers; --", "delete_data"),
        ("admin'--", "start_over"),
        ("x' UNION SELECT * FROM contact --", "start_over"),
    ],
)
def test_junk_read_as_an_erasing_intent_erases_nothing(
    actions: Any, text: str, intent: str
) -> None:
    """The NLU read these as "delete my answers" / "start over" (found by fuzzing)."""
    run(actions.ValidatePrescreenForm(), tracker({"requested_slot": "consent_prescreen"}, "yes"))
    answered = {**CONSENTED, "age_years": 34, "requested_slot": "sex"}
    slots, messages = run(actions.ValidatePrescreenForm(), tracker(answered, text, intent, 0.88))
    assert "screening_state" not in slots and "age_years" not in slots  # nothing cleared
    assert slots["requested_slot"] == "sex"
    assert TRIAL.facts["sex"].question_self in messages[-1]["text"]
    after = {**answered, "screening_state": "finished", "requested_slot": None}
    route_slots, _ = run(actions.ActionRoute(), tracker(after, text, intent, 0.88))
    assert "age_years" not in route_slots and route_slots.get("screening_state") != "deleted"
    with session_scope() as session:
        sid = screenings.current_screening_id(session, "conv-1")
        assert sid is not None


@pytest.mark.parametrize("text", ["please delete my answers", "Delete my answers"])
def test_asking_in_words_still_deletes(actions: Any, text: str) -> None:
    run(actions.ValidatePrescreenForm(), tracker({"requested_slot": "consent_prescreen"}, "yes"))
    answered = {**CONSENTED, "age_years": 34, "requested_slot": "sex"}
    slots, _ = run(actions.ValidatePrescreenForm(), tracker(answered, text, "delete_data", 0.95))
    assert slots["screening_state"] == "deleted" and slots["age_years"] is None
