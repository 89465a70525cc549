"""One patient message while the pre-screen form is active: understand, store, plan next.

The single entry point `form_turn` is what the Rasa validation action calls. It decides between
an answer to the pending question, a correction of an earlier answer, an interrupting question
("why do you ask?"), and a request to stop, restart or delete — by the NLU intent *and* by
whether the text parses as an answer, so that "No, I can't stop them" stays an answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.answers import Parsed, parse_answer, parse_correction
from bot.criteria.model import FactSpec, Trial
from bot.dialogue import messages as m
from bot.dialogue import persistence
from bot.dialogue.questions import question_message
from bot.dialogue.respondent import parse_respondent
from bot.dialogue.state import (
    ACTIVE,
    ATTEMPTS,
    CONSENT,
    DECLINED,
    DELETED,
    NOTE,
    RESPONDENT,
    STATE,
    STOPPED,
    cleared_fact_slots,
    facts_from_slots,
    slot_value,
)
from bot.dialogue.topics import CONTROL_INTENTS, TOPIC_INTENTS, confirmed_intent, topic_answer
from bot.engine import assess

MAX_TEXT = 500  # characters the parser reads
_PLAIN_AGREEMENT = re.compile(
    r"^\s*(?:ok|okay|alright|all right|fine|sounds good|that's fine|sure thing)\b[\s.!]*$", re.I
)
MAX_INVALID = 3  # the third answer that cannot be understood is recorded as unknown
INTENT_CONFIDENCE = 0.5

CONSENT_FACT = FactSpec(
    key=CONSENT,
    type="boolean",
    source="patient",
    label="consent",
    description="Agrees to the privacy notice and to answer health questions.",
    hint=m.CONSENT_HINT,
)


@dataclass
class Turn:
    """What the action returns: slot updates, messages to send now, and the next slot."""

    slots: dict[str, Any] = field(default_factory=dict)
    messages: list[m.BotMessage] = field(default_factory=list)
    next_slot: str | None = None


def next_slot(trial: Trial, slots: Mapping[str, Any]) -> str | None:
    """The slot the form should ask next, or None when the pre-screen is over."""
    if slots.get(STATE) in (DECLINED, STOPPED, DELETED):
        return None
    if slots.get(CONSENT) is None:
        return CONSENT
    if slots.get(CONSENT) is not True:
        return None
    if slots.get(RESPONDENT) is None:
        return RESPONDENT
    assessment = assess(trial, facts_from_slots(trial, slots))
    if assessment.outcome == "ineligible":
        return None
    return assessment.next_question


def required_slots(trial: Trial, slots: Mapping[str, Any]) -> list[str]:
    """The form's required slots this turn: every slot already filled, then the next one.

    Already-filled slots are always kept (Rasa calls this before validation too).
    """
    filled = [s for s in (CONSENT, RESPONDENT, *trial.facts) if slots.get(s) is not None]
    upcoming = next_slot(trial, slots)
    return filled + ([upcoming] if upcoming and upcoming not in filled else [])


def form_turn(
    trial: Trial,
    conversation_id: str,
    slots: Mapping[str, Any],
    text: str | None,
    intent: str | None,
    confidence: float = 1.0,
) -> Turn:
    """Handle the latest patient message for the pending slot (`requested_slot`)."""
    turn = Turn()
    requested = slots.get("requested_slot")
    if requested is not None and text is not None:
        try:
            _handle_message(
                turn, trial, conversation_id, slots, requested, text, intent, confidence
            )
        except persistence.StoreUnavailable:
            # Nothing was saved, so nothing changes: the same question is asked again.
            turn = Turn(slots={NOTE: m.NOT_SAVED})
            turn.next_slot = requested
            _ask(turn, trial, slots)
            return turn
    merged = {**slots, **turn.slots}
    turn.next_slot = next_slot(trial, merged)
    if turn.next_slot != requested:
        turn.slots.setdefault(ATTEMPTS, 0)
    _ask(turn, trial, slots)
    return turn


def _ask(turn: Turn, trial: Trial, slots: Mapping[str, Any]) -> None:
    """Append the next question, prefixed by any pending note, and clear the note.

    The question is sent from this turn, not by a separate `action_ask_<slot>` call: that
    saves Rasa a second call to the action server, with the whole tracker, on every turn.
    When the pre-screen is over, a pending note is sent on its own before the result.
    """
    merged = {**slots, **turn.slots}
    if turn.next_slot is not None:
        turn.messages.append(question_message(trial, merged, turn.next_slot))
    elif merged.get(NOTE):
        turn.messages.append(m.BotMessage(str(merged[NOTE])))
    turn.slots[NOTE] = None


def _handle_message(
    turn: Turn,
    trial: Trial,
    conversation_id: str,
    slots: Mapping[str, Any],
    requested: str,
    text: str,
    intent: str | None,
    confidence: float,
) -> None:
    notes: list[str] = []
    cleaned = " ".join(text.split())
    if len(cleaned) > MAX_TEXT:
        notes.append(m.TOO_LONG)
        cleaned = cleaned[:MAX_TEXT]
    confident_intent = intent if intent and confidence >= INTENT_CONFIDENCE else None
    confident_intent = confirmed_intent(confident_intent, cleaned)

    if cleaned.startswith("/"):
        notes.append(m.TYPE_IN_WORDS)
    elif requested == CONSENT:
        _consent(turn, trial, conversation_id, cleaned, confident_intent, notes)
    elif requested == RESPONDENT:
        _respondent(turn, trial, conversation_id, slots, cleaned, confident_intent, notes)
    elif requested in trial.facts:
        _fact_answer(
            turn, trial, conversation_id, slots, requested, cleaned, confident_intent, notes
        )
    turn.slots[NOTE] = "\n".join(notes) if notes else None


def _control(turn: Turn, trial: Trial, conversation_id: str, intent: str, notes: list[str]) -> bool:
    """Stop / restart / delete; True when handled."""
    if intent == "stop":
        turn.slots[STATE] = STOPPED
        persistence.end_screening(trial, conversation_id, facts={}, stopped=True)
        return True
    if intent == "start_over":
        turn.slots.update(cleared_fact_slots(trial))
        turn.slots.update({CONSENT: None, RESPONDENT: None, STATE: ACTIVE, ATTEMPTS: 0})
        persistence.end_screening(trial, conversation_id, facts={}, stopped=True)
        notes.append(m.RESTARTING)
        return True
    if intent == "delete_data":
        persistence.delete_conversation(conversation_id)
        turn.slots.update(cleared_fact_slots(trial))
        turn.slots.update({CONSENT: None, RESPONDENT: None, STATE: DELETED})
        turn.messages.append(m.BotMessage(m.DELETED, (m.Button("Start again", "Start again"),)))
        return True
    return False


def _interrupt(
    turn: Turn,
    trial: Trial,
    conversation_id: str,
    intent: str | None,
    pending_fact: str | None,
    notes: list[str],
) -> bool:
    """Answer an interrupting question or act on a control intent; True when handled."""
    if intent in CONTROL_INTENTS:
        return _control(turn, trial, conversation_id, intent, notes)
    if intent in TOPIC_INTENTS:
        turn.messages.append(m.BotMessage(topic_answer(trial, intent, pending_fact)))
        return True
    return False


def _consent(
    turn: Turn,
    trial: Trial,
    conversation_id: str,
    text: str,
    intent: str | None,
    notes: list[str],
) -> None:
    parsed = parse_answer(text, CONSENT_FACT)
    if parsed.status != "value" and _PLAIN_AGREEMENT.match(text):
        parsed = Parsed(status="value", value=True)  # "ok" agrees to a notice, not to a symptom
    if parsed.status == "value" and isinstance(parsed.value, bool):
        turn.slots[CONSENT] = parsed.value
        turn.slots[STATE] = ACTIVE if parsed.value else DECLINED
        persistence.start_screening(trial, conversation_id, consent=parsed.value)
        if not parsed.value:
            turn.messages.append(m.BotMessage(m.DECLINED))
        return
    if intent == "stop":
        turn.slots.update({CONSENT: False, STATE: DECLINED})
        persistence.start_screening(trial, conversation_id, consent=False)
        turn.messages.append(m.BotMessage(m.DECLINED))
        return
    if _interrupt(turn, trial, conversation_id, intent, None, notes):
        return
    notes.append(f"{m.NOT_UNDERSTOOD} {m.CONSENT_HINT}")


def _respondent(
    turn: Turn,
    trial: Trial,
    conversation_id: str,
    slots: Mapping[str, Any],
    text: str,
    intent: str | None,
    notes: list[str],
) -> None:
    respondent = parse_respondent(text)
    if respondent is not None:
        turn.slots[RESPONDENT] = respondent
        persistence.set_respondent(trial, conversation_id, respondent)
        return
    if _interrupt(turn, trial, conversation_id, intent, None, notes):
        return
    notes.append(f"{m.NOT_UNDERSTOOD} {m.RESPONDENT_HINT}")


def _fact_answer(
    turn: Turn,
    trial: Trial,
    conversation_id: str,
    slots: Mapping[str, Any],
    requested: str,
    text: str,
    intent: str | None,
    notes: list[str],
) -> None:
    fact = trial.facts[requested]
    askable = [f for f in trial.facts.values() if f.askable]
    correction = parse_correction(text, askable, fact)
    if correction is not None and correction[0] != requested:
        key, parsed = correction
        if parsed.status in ("value", "unknown"):
            _store(turn, trial, conversation_id, trial.facts[key], parsed, text)
            shown = "not known" if parsed.value is None else _shown(trial.facts[key], parsed)
            notes.append(m.CORRECTED.format(label=trial.facts[key].label, value=shown))
            return
    parsed = parse_answer(text, fact)
    if parsed.status == "invalid" and _interrupt(
        turn, trial, conversation_id, intent, requested, notes
    ):
        return
    if parsed.status in ("value", "unknown"):
        _store(turn, trial, conversation_id, fact, parsed, text)
        turn.slots[ATTEMPTS] = 0
        return
    attempts = int(slots.get(ATTEMPTS) or 0) + 1
    if attempts >= MAX_INVALID:
        _store(turn, trial, conversation_id, fact, Parsed(status="unknown"), text)
        turn.slots[ATTEMPTS] = 0
        notes.append(m.GIVE_UP)
        return
    turn.slots[ATTEMPTS] = attempts
    notes.append(parsed.hint or f"{m.NOT_UNDERSTOOD} {fact.hint or ''}".strip())


def _shown(fact: FactSpec, parsed: Parsed) -> str:
    value = parsed.value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if fact.value_labels and str(value) in fact.value_labels:
        return fact.value_labels[str(value)].lower()
    return f"{value} {fact.unit}" if fact.unit else str(value)


def _store(
    turn: Turn, trial: Trial, conversation_id: str, fact: FactSpec, parsed: Parsed, raw: str
) -> None:
    value = parsed.value if parsed.status == "value" else None
    turn.slots[fact.key] = slot_value(value)
    persistence.record_answer(trial, conversation_id, fact, value, raw)
