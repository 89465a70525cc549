"""Patients who tell more than the question asks (issue 11), end to end over HTTP: the real
Rasa server and action server, then `prescreen export` for what was stored, and Rasa's tracker
for the slots outside tools read (`requested_slot`, `pending_facts`, `proposed_facts`)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.stack.harness import Chat, Stack, asked_fact, tracker_slots
from tests.stack.test_conversations import GOOD, TRIAL, Answers, answer_for

pytestmark = pytest.mark.stack

STORY = (
    "I'm a 34 year old woman with lupus since 2018, lupus nephritis class IV on biopsy 3 "
    "months ago"
)
#: the kidney route's answers, for patients with lupus nephritis.
KIDNEY = {
    "biopsy_class": "class IV",
    "biopsy_months_ago": "3 months ago",
    "ln_no_remission": "yes, the protein never went down",
    "had_glucocorticoid_and_cyclophosphamide_6mo": "yes",
    "contact_consent": "no thanks",
}


def slots(stack: Stack, sender: str) -> dict[str, Any]:
    """The conversation's slots as Rasa's tracker holds them."""
    return tracker_slots(stack, sender)


def finish(
    chat: Chat, messages: list[dict[str, Any]], answers: Answers, asked: list[str]
) -> list[dict[str, Any]]:
    """Answer what the bot asks (only from `answers`) until it asks nothing more."""
    for _ in range(60):
        fact = asked_fact(TRIAL, messages)
        if fact is None:
            return messages
        assert fact in answers, f"unexpected question {fact!r}\n{chat.transcript()}"
        messages = chat.send(answer_for(answers, fact, asked.count(fact)))
        asked.append(fact)
    raise AssertionError(f"conversation did not end\n{chat.transcript()}")


def new_chat(stack: Stack) -> Chat:
    return Chat(stack, f"story-{uuid.uuid4().hex[:12]}")


def test_a_storyteller_is_read_back_once_and_not_asked_again(stack: Stack) -> None:
    chat = new_chat(stack)
    for text in ("hello", "yes that's fine", "it's for me"):
        messages = chat.send(text)
    assert asked_fact(TRIAL, messages) == "age_years", chat.transcript()
    assert slots(stack, chat.sender)["pending_facts"] == ["age_years"]

    messages = chat.send(STORY)
    assert asked_fact(TRIAL, messages) == "confirm_facts", chat.transcript()
    readback = messages[-1]
    assert readback["text"].startswith("I noted:") and "Is that right?" in readback["text"]
    assert [b["title"] for b in readback["buttons"]] == ["Yes", "No"]
    held = slots(stack, chat.sender)
    proposed = {
        "sex": "female",
        "sle_diagnosed": True,
        "lupus_nephritis": True,
        "biopsy_class": "IV",
        "biopsy_months_ago": 3,
    }
    assert held["requested_slot"] == "confirm_facts"
    assert held["proposed_facts"] == proposed
    assert held["pending_facts"] == list(proposed)
    assert stack.export(chat.sender)["facts"] == {"age_years": 34}  # read back, not stored

    messages = chat.send("yes thats right")
    asked: list[str] = []
    finish(chat, messages, {**GOOD, **KIDNEY}, asked)
    assert not set(asked) & {"age_years", *proposed}, asked
    export = stack.export(chat.sender)
    facts = export["facts"]
    assert {k: facts[k] for k in proposed} == proposed and facts["age_years"] == 34
    story_lines = [line for line in export["transcript"] if line["text"] == STORY]
    assert story_lines and story_lines[0]["from"] == "patient"
    assert export["outcome"] == "needs_review", chat.transcript()
    after = slots(stack, chat.sender)
    assert after["pending_facts"] == [] and after["requested_slot"] is None


def test_the_opening_message_is_not_asked_again(stack: Stack) -> None:
    chat = new_chat(stack)
    opening = "hi, i saw ur CAR-T study for lupus. i have lupus nephritis, can i join?"
    chat.send(opening)
    chat.send("ok sure")
    messages = chat.send("myself")
    assert asked_fact(TRIAL, messages) == "confirm_facts", chat.transcript()
    assert "lupus nephritis" in messages[-1]["text"]
    assert slots(stack, chat.sender)["proposed_facts"] == {"lupus_nephritis": True}
    messages = chat.send("yes")
    asked: list[str] = []
    finish(chat, messages, {**GOOD, **KIDNEY}, asked)
    assert "lupus_nephritis" not in asked, chat.transcript()
    export = stack.export(chat.sender)
    assert export["facts"]["lupus_nephritis"] is True
    assert export["outcome"] == "needs_review", chat.transcript()


def test_an_exclusion_the_patient_denies_keeps_them_in(stack: Stack) -> None:
    chat = new_chat(stack)
    answers = {
        **GOOD,
        "history_ever": "just a kidney transplant in 2019",
        "contact_consent": "no thanks",
    }
    messages = chat.send("hi")
    asked: list[str] = []
    for _ in range(60):
        fact = asked_fact(TRIAL, messages)
        assert fact is not None, chat.transcript()
        messages = chat.send(answer_for(answers, fact, asked.count(fact)))
        asked.append(fact)
        if fact == "history_ever":
            break
    assert asked_fact(TRIAL, messages) == "confirm_facts", chat.transcript()
    assert messages[-1]["text"].startswith("Just to be sure:")
    assert "not be a fit" not in chat.transcript()
    assert slots(stack, chat.sender)["proposed_facts"] == {"organ_transplant": True}
    assert "organ_transplant" not in stack.export(chat.sender)["facts"]

    messages = chat.send("oops no, i misread that. never had a transplant")
    # the other two of the group were a no; the transplant is asked again (or read from the
    # denial) on its own
    finish(chat, messages, {**answers, "organ_transplant": "no never"}, asked)
    export = stack.export(chat.sender)
    assert export["facts"]["organ_transplant"] is False
    assert export["criteria"]["E10"] == "not_met"
    assert export["outcome"] == "needs_review", chat.transcript()
    assert "not be a fit" not in chat.transcript()
