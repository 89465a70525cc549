"""Contact details, collected only from patients who may be eligible and agree to be contacted."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.answers import parse_answer
from bot.criteria.model import FactSpec, Trial
from bot.dialogue import messages as m
from bot.dialogue import persistence
from bot.dialogue.form_turn import Turn
from bot.dialogue.state import CONTACT_CONSENT, CONTACT_DETAILS, CONTACT_NAME, NOTE

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d\s().-]{5,}\d")
_NAME = re.compile(r"^[^\d@<>{}/\\]{1,100}$")

CONTACT_FACT = FactSpec(
    key=CONTACT_CONSENT,
    type="boolean",
    source="patient",
    label="agreement to be contacted",
    description="Agrees to be contacted by the study team.",
    hint="Please answer yes or no.",
)
QUESTIONS: dict[str, tuple[str, tuple[m.Button, ...]]] = {
    CONTACT_CONSENT: (m.CONTACT_QUESTION, m.YES_NO),
    CONTACT_NAME: (m.CONTACT_NAME_QUESTION, ()),
    CONTACT_DETAILS: (m.CONTACT_DETAILS_QUESTION, ()),
}


def split_details(text: str) -> tuple[str | None, str | None]:
    """(phone, email) found in the text; either may be None."""
    email = _EMAIL.search(text)
    phone = _PHONE.search(text)
    return (phone.group(0).strip() if phone else None, email.group(0) if email else None)


def next_contact_slot(slots: Mapping[str, Any]) -> str | None:
    """Consent first; name and details only after a yes."""
    if slots.get(CONTACT_CONSENT) is None:
        return CONTACT_CONSENT
    if slots.get(CONTACT_CONSENT) is not True:
        return None
    for slot in (CONTACT_NAME, CONTACT_DETAILS):
        if not slots.get(slot):
            return slot
    return None


def contact_turn(slots: Mapping[str, Any], text: str | None) -> Turn:
    """Handle one message of the contact form."""
    turn = Turn()
    requested = slots.get("requested_slot")
    cleaned = " ".join((text or "").split())[:300]
    note = None
    if requested == CONTACT_CONSENT:
        parsed = parse_answer(cleaned, CONTACT_FACT)
        if parsed.status == "value":
            turn.slots[CONTACT_CONSENT] = parsed.value
        elif parsed.status == "unknown":
            turn.slots[CONTACT_CONSENT] = False
        else:
            note = f"{m.NOT_UNDERSTOOD} {CONTACT_FACT.hint}"
    elif requested == CONTACT_NAME:
        if _NAME.match(cleaned) and not cleaned.startswith("/"):
            turn.slots[CONTACT_NAME] = cleaned
        else:
            note = m.CONTACT_NAME_HINT
    elif requested == CONTACT_DETAILS:
        phone, email = split_details(cleaned)
        if phone or email:
            turn.slots[CONTACT_DETAILS] = " / ".join(d for d in (phone, email) if d)
        else:
            note = f"{m.NOT_UNDERSTOOD} {m.CONTACT_DETAILS_HINT}"
    turn.slots[NOTE] = note
    turn.next_slot = next_contact_slot({**slots, **turn.slots})
    return turn


def contact_question(slots: Mapping[str, Any], slot: str) -> m.BotMessage:
    """The question for a contact slot, prefixed by any pending hint."""
    text, buttons = QUESTIONS[slot]
    note = slots.get(NOTE)
    return m.BotMessage(f"{note}\n\n{text}" if note else text, buttons, {"slot": slot})


def contact_done(trial: Trial, conversation_id: str, slots: Mapping[str, Any]) -> m.BotMessage:
    """Save the details (only with consent) and confirm."""
    details = slots.get(CONTACT_DETAILS)
    if slots.get(CONTACT_CONSENT) is not True or not details:
        return m.BotMessage(m.CONTACT_DECLINED)
    phone, email = split_details(str(details))
    name = str(slots.get(CONTACT_NAME) or "")
    try:
        persistence.save_contact(trial, conversation_id, name, phone, email)
    except persistence.StoreUnavailable:
        return m.BotMessage(m.NOT_AVAILABLE)
    return m.BotMessage(m.CONTACT_SAVED.format(name=name, details=details))
