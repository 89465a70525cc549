"""interpret(message, state): what a message says, with evidence, without writing anything."""

from __future__ import annotations

from typing import Any

import pytest

from bot.dialogue import Message, State, interpret
from bot.dialogue.interpret import (
    ERASE,
    HUMAN,
    MAX_TEXT,
    RESET,
    STOP,
    WHY,
    clip,
    confirmed_intent,
)
from tests.dialogue.conftest import TRIAL

CONSENTED = {"consent_prescreen": True, "respondent": "self", "screening_state": "active"}


def state(asking: str | None, **slots: Any) -> State:
    return State.of(TRIAL, "conv-1", {**CONSENTED, "asking": asking, **slots})


def test_an_answer_is_a_fact_value_with_its_evidence() -> None:
    found = interpret(Message("I'm 34"), state("age_years"))
    assert [(v.key, v.value, v.correction) for v in found.values] == [("age_years", 34, False)]
    start, end = found.values[0].span
    assert found.text[start:end] == "34" and found.values[0].language == "en"
    assert found.values[0].parsed.status == "value"


def test_a_correction_of_another_fact_wins_over_the_pending_question() -> None:
    found = interpret(Message("sorry, I'm actually 45"), state("sex", age_years=34))
    assert [(v.key, v.value, v.correction) for v in found.values] == [("age_years", 45, True)]
    start, end = found.values[0].span
    assert found.text[start:end] == "45"


def test_dont_know_is_a_value_of_none() -> None:
    found = interpret(Message("not sure", "dont_know"), state("sle_diagnosed"))
    assert found.values[0].key == "sle_diagnosed" and found.values[0].value is None


def test_an_unreadable_answer_says_why() -> None:
    found = interpret(Message("banana"), state("age_years"))
    assert found.values == () and found.not_understood and "number of years" in found.not_understood


@pytest.mark.parametrize(
    ("text", "intent", "control"),
    [
        ("stop, I want to quit", "stop", STOP),
        ("start again please", "start_over", RESET),
        ("please delete my answers", "delete_data", ERASE),
        ("'; DROP TABLE answers; --", "delete_data", None),  # the words must say so
        ("admin'--", "start_over", None),
    ],
)
def test_control_requests_need_the_intent_and_the_words(
    text: str, intent: str, control: str | None
) -> None:
    assert interpret(Message(text, intent, 0.9), state("sex")).control == control


def test_a_doubtful_intent_is_not_acted_on_while_a_question_is_pending() -> None:
    assert interpret(Message("stop", "stop", 0.4), state("sex")).control is None
    assert interpret(Message("start again", "start_over", 0.4), state(None)).control == RESET


@pytest.mark.parametrize(
    ("intent", "topic"),
    [("ask_why", WHY), ("ask_human", HUMAN), ("ask_treatment", "treatment"), ("ask_join", None)],
)
def test_topic_intents_come_from_the_trial(intent: str, topic: str | None) -> None:
    assert interpret(Message("tell me", intent, 0.99), state("sex")).topic == topic


def test_commands_are_not_read() -> None:
    found = interpret(Message('/inform{"age_years": 999}'), state("age_years"))
    assert found.command and found.values == ()


def test_text_is_cut_to_length_in_one_place() -> None:
    text, cut = clip("I'm 34. " * 200)
    assert cut and len(text) == MAX_TEXT
    found = interpret(Message("  I'm   34.  " + "x " * MAX_TEXT), state("age_years"))
    assert found.too_long and len(found.text) == MAX_TEXT


def test_line_breaks_stay_and_other_spaces_collapse() -> None:
    text, cut = clip("ANA  1:640\r\n\n  dsDNA\t210 \nlymphs 1.3  ")
    assert (text, cut) == ("ANA 1:640\ndsDNA 210\nlymphs 1.3", False)


def test_consent_ok_agrees_and_no_declines() -> None:
    assert interpret(Message("okay"), state("consent_prescreen")).values[0].value is True
    assert interpret(Message("no thanks"), state("consent_prescreen")).values[0].value is False


def test_contact_answers() -> None:
    name = interpret(Message("Maria Chen"), state("contact_name"))
    assert name.values[0].value == "Maria Chen"
    both = interpret(Message("+86 10 1234 5678, maria@example.com"), state("contact_details"))
    assert both.values[0].value == "+86 10 1234 5678 / maria@example.com"
    assert interpret(Message("<b>"), state("contact_name")).not_understood


@pytest.mark.parametrize(
    "text",
    ["just the uncontrolled infection or sepsis", "the cancer", "just the dic", "just hepatitis B"],
)
def test_a_stop_the_words_do_not_say_is_not_a_stop(text: str) -> None:
    """The NLU read these group answers as "stop" (0.81): the words must say it too."""
    assert confirmed_intent("stop", text) is None
    assert interpret(Message(text, "stop", 0.81), state("sex")).control is None


@pytest.mark.parametrize("text", ["stop", "stop, I want to quit", "enough, no more questions"])
def test_a_stop_in_words_stops(text: str) -> None:
    assert interpret(Message(text, "stop", 0.9), state("sex")).control == STOP
