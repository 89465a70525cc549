"""apply(interpretation, state): slot changes, one store transaction and one assessment."""

from __future__ import annotations

import pytest

from bot.dialogue import Message, State, apply, interpret
from bot.dialogue.persistence import Writes
from bot.dialogue.state import DIALOGUE_SLOTS
from bot.i18n import t
from bot.store import screenings
from bot.store.db import dispose_engines, session_scope
from tests.dialogue.conftest import TRIAL, Patient


def _history(conversation_id: str = "conv-1") -> list[dict[str, object]]:
    with session_scope() as session:
        sid = screenings.current_screening_id(session, conversation_id)
        assert sid is not None
        return screenings.answer_history(session, sid)


def test_one_transaction_per_message(patient: Patient, commits: list[str]) -> None:
    patient.start()
    commits.clear()
    patient.say("I'm 34")
    assert len(commits) == 1
    commits.clear()
    patient.say("why do you ask?", "ask_why", 0.99)  # nothing to store: no transaction
    assert commits == []


def test_the_answer_and_its_assessment_are_stored_together(patient: Patient) -> None:
    patient.start()
    state = State.of(TRIAL, "conv-1", patient.slots)
    changes = apply(interpret(Message("I'm 34"), state), state)
    assert changes.slots["age_years"] == 34 and changes.slots["asking"] == "sex"
    assert changes.assessment is not None and changes.assessment.next_question == "sex"
    assert [(a["fact"], a["raw_text"]) for a in _history()] == [("age_years", "I'm 34")]


def test_the_language_is_set_at_the_start_kept_and_stored(patient: Patient) -> None:
    patient.say("hi", "greet")
    assert patient.slots["language"] == "en"
    patient.say("yes")
    with session_scope() as session:
        sid = screenings.current_screening_id(session, "conv-1")
        assert sid is not None
        language = session.execute(
            screenings.select(screenings.Screening.language).where(screenings.Screening.id == sid)
        ).scalar_one()
    assert language == "en"
    patient.say("for myself")
    patient.say("start again", "start_over")
    assert patient.slots["language"] == "en" and patient.slots["consent_prescreen"] is None


def test_reset_and_erase_forget_the_same_slots(patient: Patient) -> None:
    patient.start()
    patient.say("34")
    reset = patient.say("start again", "start_over").slots
    patient.start()
    patient.say("34")
    erase = patient.say("please delete my answers", "delete_data").slots
    forgotten = {*TRIAL.facts, *(s for s in DIALOGUE_SLOTS if s != "language")}
    assert forgotten <= set(reset) and forgotten <= set(erase)
    assert reset["screening_state"] == "active" and erase["screening_state"] == "deleted"
    assert all(reset[k] is None for k in TRIAL.facts) and all(erase[k] is None for k in TRIAL.facts)
    with session_scope() as session:
        assert screenings.current_screening_id(session, "conv-1") is None


def test_a_retry_of_the_same_message_is_applied_once(patient: Patient) -> None:
    patient.start()
    before = dict(patient.slots)
    first = patient.say("I'm 34", turn="key-1")
    patient.slots = dict(before)  # Rasa could not save the tracker: the slots did not move on
    retry = patient.say("I'm 34", turn="key-1")
    assert first.slots == retry.slots and [m.text for m in first.messages] == patient.texts()
    assert [a["fact"] for a in _history()] == ["age_years"]
    patient.say("female", turn="key-2")
    assert [a["fact"] for a in _history()] == ["age_years", "sex"]


def test_a_retried_consent_opens_one_screening(patient: Patient) -> None:
    patient.say("hi", "greet")
    before = dict(patient.slots)
    patient.say("yes", turn="consent")
    patient.slots = dict(before)
    patient.say("yes", turn="consent")
    with session_scope() as session:
        ids = session.execute(screenings.select(screenings.Screening.id)).scalars().all()
    assert len(ids) == 1


def test_declining_stores_no_health_data(patient: Patient) -> None:
    patient.say("Hi, I'm 45 and I have lupus", "greet")
    reply = patient.say("no, I don't agree", "deny")
    assert patient.slots["screening_state"] == "declined" and reply.asking is None
    assert patient.slots["screening_outcome"] == "incomplete"
    with session_scope() as session:
        sid = screenings.current_screening_id(session, "conv-1")
        assert sid is not None and screenings.current_facts(session, sid) == {}


def test_third_unreadable_answer_is_left_unknown(patient: Patient) -> None:
    patient.start()
    patient.say("banana")
    patient.say("300")
    reply = patient.say("purple")
    assert patient.slots["age_years"] == "dont_know" and reply.asking == "sex"
    assert [a["value"] for a in _history()] == [None]


def test_the_store_down_changes_nothing(patient: Patient, monkeypatch: pytest.MonkeyPatch) -> None:
    patient.start()
    monkeypatch.setenv("DATABASE_URL", "sqlite:////nonexistent-dir/for/sure/app.db")
    dispose_engines()
    reply = patient.say("34")
    assert reply.slots == {} and reply.asking == "age_years"
    assert reply.messages[-1].text.startswith(t("dialogue.not_saved", "en"))


def test_writes_are_empty_when_nothing_changes() -> None:
    assert not Writes() and not Writes(answers=[]) and Writes(close=True)
