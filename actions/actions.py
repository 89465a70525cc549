"""Rasa custom actions. Each reads the tracker, calls one `bot` function, and returns events.

No SQL, spaCy or criteria logic lives here.
"""

from __future__ import annotations

import os
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.criteria import get_trial
from bot.criteria.registry import DEFAULT_TRIAL_ID
from bot.dialogue import contact, ending, form_turn, router
from bot.dialogue.messages import BotMessage
from bot.dialogue.state import CONTACT_OFFER, NOTE, RESUME_PRESCREEN
from bot.dialogue.warmup import warm_up
from bot.rasa_domain import CONTACT_SLOTS

TRIAL = get_trial(os.environ.get("PRESCREEN_TRIAL", DEFAULT_TRIAL_ID))
warm_up(TRIAL)  # build the spaCy/medspacy pipeline now, not on a patient's first answer


def _latest(tracker: Tracker) -> tuple[str | None, str | None, float]:
    message = tracker.latest_message or {}
    intent = message.get("intent") or {}
    return message.get("text"), intent.get("name"), float(intent.get("confidence") or 0.0)


def _say(dispatcher: CollectingDispatcher, messages: list[BotMessage]) -> None:
    for message in messages:
        dispatcher.utter_message(**message.as_dict())


def _slot_events(slots: dict[str, Any], tracker: Tracker | None = None) -> list[EventType]:
    """SlotSet events, leaving out values the tracker already holds (a shorter tracker is a
    faster one: Rasa sends the whole tracker to every action call)."""
    current = tracker.slots if tracker is not None else {}
    return [
        SlotSet(key, value)
        for key, value in slots.items()
        if tracker is None or key not in current or current[key] != value
    ]


class ValidatePrescreenForm(FormValidationAction):
    """Understands each answer and lets the engine's planner choose the next question."""

    def name(self) -> str:
        return "validate_prescreen_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return form_turn.required_slots(TRIAL, tracker.slots)

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text, intent, confidence = _latest(tracker)
        turn = form_turn.form_turn(
            TRIAL, tracker.sender_id, tracker.slots, text, intent, confidence
        )
        _say(dispatcher, turn.messages)
        events = _slot_events(turn.slots, tracker)
        if not events:
            # Rasa rejects a form turn that sets no slot; an interruption sets none.
            events = [SlotSet(NOTE, turn.slots.get(NOTE))]
        return [*events, SlotSet("requested_slot", turn.next_slot)]


class ValidateContactForm(FormValidationAction):
    """Consent to be contacted, then name and phone or e-mail."""

    def name(self) -> str:
        return "validate_contact_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text, _intent, _confidence = _latest(tracker)
        turn = contact.contact_turn(tracker.slots, text)
        return [*_slot_events(turn.slots), SlotSet("requested_slot", turn.next_slot)]


class ActionFinishScreening(Action):
    """Tells the result when the pre-screen form ends; offers contact if appropriate."""

    def name(self) -> str:
        return "action_finish_screening"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        result = ending.finish(TRIAL, tracker.sender_id, tracker.slots)
        _say(dispatcher, result.messages)
        return [*_slot_events(result.slots), SlotSet(CONTACT_OFFER, result.ask_contact)]


class ActionContactDone(Action):
    """Saves contact details (only with consent) and confirms."""

    def name(self) -> str:
        return "action_contact_done"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _say(dispatcher, [contact.contact_done(TRIAL, tracker.sender_id, tracker.slots)])
        return []


class ActionRoute(Action):
    """Everything said outside a form: openings, questions, corrections, restart, deletion."""

    def name(self) -> str:
        return "action_route"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text, intent, confidence = _latest(tracker)
        route = router.route_turn(TRIAL, tracker.sender_id, tracker.slots, text, intent, confidence)
        _say(dispatcher, route.messages)
        return [*_slot_events(route.slots), SlotSet(RESUME_PRESCREEN, route.resume)]


def _ask_action(slot: str) -> type[Action]:
    """An `action_ask_<slot>` class for a contact-form slot.

    The pre-screen form has none: `validate_prescreen_form` sends its next question itself.
    """

    def run(
        self: Action, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _say(dispatcher, [contact.contact_question(tracker.slots, slot)])
        return [SlotSet(NOTE, None)] if tracker.get_slot(NOTE) else []

    return type(
        f"ActionAsk_{slot}", (Action,), {"name": lambda self: f"action_ask_{slot}", "run": run}
    )


ASK_ACTIONS = [_ask_action(slot) for slot in CONTACT_SLOTS]
