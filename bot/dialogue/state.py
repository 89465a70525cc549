"""The conversation state as Rasa slots hold it, and its translation to engine facts.

Fact slots are named exactly like the fact keys. A slot holds the normalised value, or the
marker ``DONT_KNOW`` when the patient was asked and does not know (the engine's ``None``), or
nothing when the question was not asked yet (the engine's absent key).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.criteria.model import Trial, Value
from bot.engine import FactError, coerce_value

DONT_KNOW = "dont_know"

#: dialogue slots that are not facts.
CONSENT = "consent_prescreen"
RESPONDENT = "respondent"
REQUESTED = "requested_slot"
ATTEMPTS = "answer_attempts"
NOTE = "pending_note"
STATE = "screening_state"
OUTCOME = "screening_outcome"
CONTACT_CONSENT = "contact_consent"
CONTACT_NAME = "contact_name"
CONTACT_DETAILS = "contact_details"

#: bool slots that steer Rasa's rules: the router hands over to the form; the result offers contact.
RESUME_PRESCREEN = "resume_prescreen"
CONTACT_OFFER = "contact_offer"
BRANCH_SLOTS: tuple[str, ...] = (RESUME_PRESCREEN, CONTACT_OFFER)

#: values of the `screening_state` slot.
ACTIVE, DECLINED, STOPPED, FINISHED, DELETED = (
    "active",
    "declined",
    "stopped",
    "finished",
    "deleted",
)

DIALOGUE_SLOTS: tuple[str, ...] = (
    CONSENT,
    RESPONDENT,
    ATTEMPTS,
    NOTE,
    STATE,
    OUTCOME,
    CONTACT_CONSENT,
    CONTACT_NAME,
    CONTACT_DETAILS,
)


def facts_from_slots(trial: Trial, slots: Mapping[str, Any]) -> dict[str, Value | None]:
    """Engine facts from slot values; a value that does not fit the dictionary is dropped.

    Slots are only ever set by our own actions, but a tampered or stale value must never
    reach the engine, so each one is re-validated here.
    """
    facts: dict[str, Value | None] = {}
    for key, fact in trial.facts.items():
        value = slots.get(key)
        if value is None:
            continue
        if value == DONT_KNOW:
            facts[key] = None
            continue
        try:
            facts[key] = coerce_value(fact, value)
        except FactError:
            continue
    return facts


def slot_value(value: Value | None) -> Value:
    """The slot value for an engine fact value (None → the don't-know marker)."""
    return DONT_KNOW if value is None else value


def cleared_fact_slots(trial: Trial) -> dict[str, Any]:
    """Slot updates that forget every fact (for a restart or a deletion)."""
    return {key: None for key in trial.facts}
