"""Rasa custom action: tracker in → one `bot.dialogue` call → events out.

Every patient message goes to `action_turn` (see bot/dialogue/__init__.py for why there is no
form). No SQL, spaCy or criteria logic lives here.
"""

from __future__ import annotations

import os
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.criteria import get_trial
from bot.criteria.registry import DEFAULT_TRIAL_ID
from bot.dialogue import Message, respond, turn_key
from bot.dialogue.warmup import warm_up

TRIAL = get_trial(os.environ.get("PRESCREEN_TRIAL", DEFAULT_TRIAL_ID))
warm_up(TRIAL)  # build the spaCy/medspacy pipeline now, not on a patient's first answer


def _message(tracker: Tracker) -> Message:
    """The latest patient message: text, NLU intent, and the language the client asked for
    (REST `metadata.language`; used when the conversation starts)."""
    latest = tracker.latest_message or {}
    intent = latest.get("intent") or {}
    metadata = latest.get("metadata") or {}
    language = metadata.get("language") if isinstance(metadata, dict) else None
    return Message(
        latest.get("text"),
        intent.get("name"),
        float(intent.get("confidence") or 0.0),
        str(language) if language else None,
    )


def _slot_events(slots: dict[str, Any], current: dict[str, Any]) -> list[EventType]:
    """SlotSet events, leaving out values the tracker already holds (a shorter tracker is a
    faster one: Rasa sends the whole tracker to every action call)."""
    return [
        SlotSet(key, value)
        for key, value in slots.items()
        if key not in current or current[key] != value
    ]


class ActionTurn(Action):
    """One patient message: understood, stored, answered (bot.dialogue.respond)."""

    def name(self) -> str:
        return "action_turn"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reply = respond(
            TRIAL, tracker.sender_id, tracker.slots, _message(tracker), turn_key(tracker.events)
        )
        for message in reply.messages:
            dispatcher.utter_message(**message.as_dict())
        return _slot_events(reply.slots, tracker.slots)
