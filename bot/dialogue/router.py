"""Messages outside the pre-screen form: openings, questions after the result, corrections,
restart and deletion. Whatever is typed, the patient gets an answer and a way forward."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.answers import parse_correction
from bot.criteria.model import Trial
from bot.dialogue import messages as m
from bot.dialogue import persistence
from bot.dialogue.form_turn import next_slot
from bot.dialogue.state import (
    ACTIVE,
    ATTEMPTS,
    CONSENT,
    CONTACT_CONSENT,
    CONTACT_DETAILS,
    CONTACT_NAME,
    DELETED,
    FINISHED,
    NOTE,
    OUTCOME,
    RESPONDENT,
    STATE,
    STOPPED,
    cleared_fact_slots,
    slot_value,
)
from bot.dialogue.topics import TOPIC_INTENTS, confirmed_intent, topic_answer

_START = re.compile(r"^\s*(start|start again|start over|begin|restart|new screening)\b", re.I)


@dataclass
class Route:
    """What to say, which slots to set, and whether the pre-screen form takes over next."""

    messages: list[m.BotMessage] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    resume: bool = False


def _fresh_slots(trial: Trial) -> dict[str, Any]:
    slots = cleared_fact_slots(trial)
    slots.update(
        {
            CONSENT: None,
            RESPONDENT: None,
            STATE: ACTIVE,
            OUTCOME: None,
            ATTEMPTS: 0,
            NOTE: None,
            CONTACT_CONSENT: None,
            CONTACT_NAME: None,
            CONTACT_DETAILS: None,
        }
    )
    return slots


def route_turn(
    trial: Trial,
    conversation_id: str,
    slots: Mapping[str, Any],
    text: str | None,
    intent: str | None,
    confidence: float = 1.0,
) -> Route:
    """Decide what a message outside the form means and what happens next."""
    try:
        return _route(trial, conversation_id, slots, text, intent, confidence)
    except persistence.StoreUnavailable:
        return Route(messages=[m.BotMessage(m.NOT_AVAILABLE)])


def _route(
    trial: Trial,
    conversation_id: str,
    slots: Mapping[str, Any],
    text: str | None,
    intent: str | None,
    confidence: float,
) -> Route:
    route = Route()
    text = " ".join((text or "").split())[:500]
    intent = confirmed_intent(intent, text)
    state = slots.get(STATE)
    started = slots.get(CONSENT) is not None or state in (DELETED, FINISHED, STOPPED)

    if not started:
        # Any opening leads straight to the privacy notice and the consent question.
        if intent in TOPIC_INTENTS and intent != "ask_why":
            route.messages.append(m.BotMessage(topic_answer(trial, intent, None)))
        route.slots[STATE] = ACTIVE
        route.resume = True
        return route

    if intent == "start_over" or _START.match(text):
        route.slots.update(_fresh_slots(trial))
        route.messages.append(m.BotMessage(m.RESTARTING))
        route.resume = True
        return route
    if intent == "delete_data":
        persistence.delete_conversation(conversation_id)
        route.slots.update(_fresh_slots(trial))
        route.slots[STATE] = DELETED
        route.messages.append(m.BotMessage(m.DELETED, (m.Button("Start again", "Start again"),)))
        return route
    if intent in TOPIC_INTENTS:
        route.messages.append(m.BotMessage(topic_answer(trial, intent, None)))
        return route
    if slots.get(CONSENT) is True and _apply_correction(trial, conversation_id, slots, text, route):
        return route
    if intent == "goodbye":
        route.messages.append(m.BotMessage(m.GOODBYE))
    elif intent == "thanks":
        route.messages.append(m.BotMessage(m.THANKS))
    else:
        route.messages.append(m.BotMessage(m.AFTER_FINISH, m.STOP_BUTTONS))
    return route


def _apply_correction(
    trial: Trial, conversation_id: str, slots: Mapping[str, Any], text: str, route: Route
) -> bool:
    """A correction after the result: store it and re-open or re-announce the pre-screen."""
    askable = [f for f in trial.facts.values() if f.askable]
    correction = parse_correction(text, askable, None)
    if correction is None or correction[1].status not in ("value", "unknown"):
        return False
    key, parsed = correction
    value = parsed.value if parsed.status == "value" else None
    persistence.record_answer(trial, conversation_id, trial.facts[key], value, text)
    route.slots[key] = slot_value(value)
    route.slots[STATE] = ACTIVE
    route.slots[NOTE] = m.UPDATED.format(label=trial.facts[key].label)
    # The form takes over: it asks what is still open, or ends at once and the result
    # is announced again.
    if next_slot(trial, {**slots, **route.slots}) is None:
        route.messages.append(m.BotMessage(str(route.slots[NOTE])))
        route.slots[NOTE] = None
    route.resume = True
    return True
