"""The conversation state as Rasa slots hold it, and its translation to engine facts.

Fact slots are named exactly like the fact keys. A slot holds the normalised value, or the
marker ``DONT_KNOW`` when the patient was asked and does not know (the engine's ``None``), or
nothing when the question was not asked yet (the engine's absent key).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from bot.criteria.model import Group, Trial, Value
from bot.engine import LABS, FactError, coerce_value, is_lab_value
from bot.i18n import DEFAULT_LANGUAGE

if TYPE_CHECKING:
    from bot.dialogue.apply import Changes

DONT_KNOW = "dont_know"

#: dialogue slots that are not facts.
CONSENT = "consent_prescreen"
RESPONDENT = "respondent"
ASKING = "asking"
ATTEMPTS = "answer_attempts"
STATE = "screening_state"
OUTCOME = "screening_outcome"
LANGUAGE = "language"
CONTACT_CONSENT = "contact_consent"
CONTACT_NAME = "contact_name"
CONTACT_DETAILS = "contact_details"
CONTACT_SLOTS: tuple[str, ...] = (CONTACT_CONSENT, CONTACT_NAME, CONTACT_DETAILS)
#: the read-back of facts nobody asked about: its pending "slot" (`asking`, `requested_slot`),
#: the values being confirmed ({fact key: value}) and the words they were read from.
CONFIRM = "confirm_facts"
PROPOSED = "proposed_facts"
PROPOSED_TEXT = "proposed_text"
#: the message(s) sent before consent, held until consent and respondent are given.
OPENING = "opening_message"
#: for tools (benchmarks, test harnesses): what the pending question is, after every turn —
#: `requested_slot` (the slot asked, `confirm_facts` while a read-back waits) and
#: `pending_facts` (the fact keys it covers; [] when no fact is pending).
REQUESTED = "requested_slot"
PENDING_FACTS = "pending_facts"
#: how many times the lab-values question (`LABS`, asked as `asking`) was answered: the first
#: time it invites the patient's results, the second asks once for what is still missing.
LAB_ROUNDS = "lab_rounds"
#: while the values of a pasted report are read back: the lab values still missing, asked in
#: the same message ("…Is that right? I don't have your eGFR yet: add it if you have it").
LAB_MISSING = "lab_missing"
#: facts answered earlier that a later message doubted without stating a value ("I think I'm
#: a hep B carrier actually?"): their question is asked again, before the planner's.
REASK = "reask_facts"

#: values of the `screening_state` slot.
ACTIVE, DECLINED, STOPPED, FINISHED, DELETED = (
    "active",
    "declined",
    "stopped",
    "finished",
    "deleted",
)

DIALOGUE_SLOTS: tuple[str, ...] = (
    LANGUAGE,
    CONSENT,
    RESPONDENT,
    ASKING,
    ATTEMPTS,
    STATE,
    OUTCOME,
    *CONTACT_SLOTS,
    PROPOSED,
    PROPOSED_TEXT,
    OPENING,
    REQUESTED,
    PENDING_FACTS,
    LAB_ROUNDS,
    LAB_MISSING,
    REASK,
)


@dataclass(frozen=True)
class State:
    """What the conversation knows when a message arrives: the trial (worded in the
    conversation's language), the conversation id, the slots, and the turn's idempotency key.

    `changes` is set on the state *after* `apply`: what `ask` must tell besides the next question.
    """

    trial: Trial
    conversation_id: str
    slots: Mapping[str, Any] = field(default_factory=dict)
    #: identifies this patient message across retries (None: not idempotent, e.g. unit tests).
    turn: str | None = None
    changes: Changes | None = None

    @classmethod
    def of(
        cls, trial: Trial, conversation_id: str, slots: Mapping[str, Any], turn: str | None = None
    ) -> State:
        """The state for a conversation, the trial worded in its language."""
        language = str(slots.get(LANGUAGE) or DEFAULT_LANGUAGE)
        return cls(trial.in_language(language), conversation_id, dict(slots), turn)

    @property
    def language(self) -> str:
        return str(self.slots.get(LANGUAGE) or DEFAULT_LANGUAGE)

    @property
    def asking(self) -> str | None:
        """The slot whose question is pending, if any."""
        value = self.slots.get(ASKING)
        return str(value) if value else None

    @property
    def group(self) -> Group | None:
        """The group of facts asked together, when a grouped question is pending."""
        asking = self.asking
        return self.trial.groups.get(asking) if asking else None

    @property
    def asked_together(self) -> tuple[str, ...]:
        """The facts the pending grouped or lab-values question covers (still unknown), in
        the order they were listed; () when no such question is pending."""
        asking = self.asking
        group = self.group
        if group is not None:
            allowed = set(group.members)
        elif asking == LABS:
            allowed = {key for key, fact in self.trial.facts.items() if is_lab_value(fact)}
        else:
            return ()
        known = self.facts()
        return tuple(k for k in self._fact_keys(PENDING_FACTS) if k in allowed and k not in known)

    @property
    def lab_missing(self) -> list[str]:
        """The lab values still missing, asked with the read-back of a pasted report."""
        known = self.facts()
        return [key for key in self._fact_keys(LAB_MISSING) if key not in known]

    @property
    def reask(self) -> list[str]:
        """The answered facts to ask again (see `REASK`), in the order they were doubted."""
        return self._fact_keys(REASK)

    def _fact_keys(self, slot: str) -> list[str]:
        """The trial's fact keys a list slot holds, in its order (anything else is dropped)."""
        raw = self.slots.get(slot)
        if not isinstance(raw, list):
            return []
        return [str(key) for key in raw if str(key) in self.trial.facts]

    @property
    def started(self) -> bool:
        """True once the privacy notice has been answered (or the screening ended)."""
        return self.slots.get(CONSENT) is not None or self.slots.get(STATE) in (
            DELETED,
            FINISHED,
            STOPPED,
        )

    @property
    def proposed(self) -> dict[str, Value]:
        """The values a read-back is confirming ({fact key: value}), re-validated."""
        raw = self.slots.get(PROPOSED)
        if not isinstance(raw, Mapping):
            return {}
        proposed: dict[str, Value] = {}
        for key, value in raw.items():
            fact = self.trial.facts.get(str(key))
            if fact is None or value is None:
                continue
            try:
                coerced = coerce_value(fact, value)
            except FactError:
                continue
            if coerced is not None:
                proposed[fact.key] = coerced
        return proposed

    def facts(self) -> dict[str, Value | None]:
        """The engine facts the slots hold."""
        return facts_from_slots(self.trial, self.slots)

    def after(self, changes: Changes) -> State:
        """This state with `changes` applied to the slots (and kept for `ask`); the trial is
        worded in the conversation's language (set when the conversation starts)."""
        slots = {**self.slots, **changes.slots}
        language = str(slots.get(LANGUAGE) or DEFAULT_LANGUAGE)
        trial = self.trial.in_language(language)
        return replace(self, trial=trial, slots=slots, changes=changes)


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


def fresh_slots(trial: Trial, state: str | None) -> dict[str, Any]:
    """Slot updates that forget every answer of the conversation (start over, erase).

    The conversation's language is kept.
    """
    slots: dict[str, Any] = {key: None for key in trial.facts}
    slots.update({key: None for key in DIALOGUE_SLOTS if key != LANGUAGE})
    slots[ATTEMPTS] = 0
    slots[STATE] = state
    return slots
