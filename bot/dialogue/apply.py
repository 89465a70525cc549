"""Step 2 of a turn: what an interpreted message changes — slots, and the store in one transaction.

`apply` decides, by what the conversation was asking, whether an answer, a correction, a
request (stop / start over / delete) or a question about the study wins; it computes the slot
updates and the next pending slot (the planner's choice), then writes everything the message
changed in one store transaction with one assessment (`persistence.commit`). When the store
cannot be reached nothing changes: the same question is asked again with a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.criteria.model import Value
from bot.dialogue import persistence
from bot.dialogue.contact import next_contact_slot, split_details
from bot.dialogue.interpret import ERASE, HUMAN, RESET, STOP, WHY, FactValue, Interpretation
from bot.dialogue.messages import BotMessage, Button, after_buttons, value_with_unit
from bot.dialogue.state import (
    ACTIVE,
    ASKING,
    ATTEMPTS,
    CONFIRM,
    CONSENT,
    CONTACT_CONSENT,
    CONTACT_DETAILS,
    CONTACT_NAME,
    CONTACT_SLOTS,
    DECLINED,
    DELETED,
    FINISHED,
    LAB_MISSING,
    LAB_ROUNDS,
    LANGUAGE,
    OPENING,
    OUTCOME,
    PENDING_FACTS,
    PROPOSED,
    PROPOSED_TEXT,
    REASK,
    RESPONDENT,
    STATE,
    STOPPED,
    State,
    fresh_slots,
    slot_value,
)
from bot.engine import LABS, Assessment, assess
from bot.i18n import t

#: the third answer that cannot be understood is recorded as unknown.
MAX_INVALID = 3
#: characters of the messages held before consent.
MAX_HELD = 2000
#: outcomes after which we may offer to collect contact details.
CONTACTABLE = ("needs_review", "likely_eligible")
#: how the pre-screen ended this turn (`Changes.ending`).
RESULT = "result"


@dataclass
class Changes:
    """What a message changed: slot updates (the next pending slot included), messages to
    send before the next question, notes to put in front of it, and how things ended."""

    slots: dict[str, Any] = field(default_factory=dict)
    said: list[BotMessage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: STOPPED or RESULT when the pre-screen ended this turn.
    ending: str | None = None
    #: the message's one assessment (the store's when it holds other facts than the slots).
    assessment: Assessment | None = None
    #: the contact form ended this turn: True saved, False declined.
    contact_saved: bool | None = None
    writes: persistence.Writes = field(default_factory=persistence.Writes)


def apply(interpretation: Interpretation, state: State) -> Changes:
    """The changes `interpretation` makes to `state`, written to the store (one transaction)."""
    changes = Changes()
    changes.writes.language = state.language
    asking = state.asking
    if asking is None:
        _outside(interpretation, state, changes)
    else:
        if interpretation.too_long:
            changes.notes.append(t("dialogue.answer.too_long", state.language))
        if asking in CONTACT_SLOTS:
            _contact(interpretation, state, changes)
        else:
            _prescreen(interpretation, state, changes)
    try:
        if changes.writes:
            stored = persistence.commit(
                state.trial, state.conversation_id, changes.writes, state.turn
            )
            changes.assessment = stored or changes.assessment
    except persistence.StoreUnavailable:
        return _unsaved(state)
    _ended(state, changes)
    return changes


def _unsaved(state: State) -> Changes:
    """Nothing was saved, so nothing changes: the same question again, or an apology."""
    if state.asking is None:
        return Changes(said=[BotMessage(t("dialogue.not_available", state.language))])
    return Changes(notes=[t("dialogue.not_saved", state.language)])


def next_slot(state: State, assessment: Assessment | None = None) -> str | None:
    """The pre-screen slot to ask next, or None when the pre-screen is over (`assessment`:
    the state's facts assessed, when the caller has it)."""
    return next_ask(state, assessment)[0]


def next_ask(state: State, assessment: Assessment | None = None) -> tuple[str | None, list[str]]:
    """(the slot to ask next, the fact keys its question covers): a dialogue slot with no
    facts, a fact and itself, or a group (or the lab-values question) and its pending facts."""
    slots = state.slots
    if slots.get(STATE) in (DECLINED, STOPPED, DELETED):
        return None, []
    if slots.get(CONSENT) is None:
        return CONSENT, []
    if slots.get(CONSENT) is not True:
        return None, []
    if slots.get(RESPONDENT) is None:
        return RESPONDENT, []
    if state.proposed:  # read back first, even when the patient is already ruled out
        return CONFIRM, list(state.proposed)
    assessment = assessment or assess(state.trial, state.facts())
    if assessment.outcome == "ineligible":
        return None, []
    if state.reask:
        return state.reask[0], [state.reask[0]]
    ask = assessment.next_ask
    return (ask.key, list(ask.facts)) if ask is not None else (None, [])


def _merged(state: State, changes: Changes) -> State:
    return State(state.trial, state.conversation_id, {**state.slots, **changes.slots}, state.turn)


def _prescreen(interpretation: Interpretation, state: State, changes: Changes) -> None:
    """A message while a pre-screen question (consent, respondent or a fact) is pending."""
    asking, language = state.asking, state.language
    if interpretation.command:
        changes.notes.append(t("dialogue.answer.type_in_words", language))
    elif asking == CONFIRM and interpretation.confirm is not None:
        _confirmed(interpretation, state, changes)
    elif interpretation.values or interpretation.proposed:
        _answered(interpretation, state, changes)
    elif asking == CONSENT and interpretation.control == STOP:
        _consented(False, state, changes)
    elif not _interrupted(interpretation, state, changes):
        if asking == CONSENT and interpretation.text:
            _hold(interpretation.text, state, changes)
        _not_understood(interpretation, state, changes)
    if state.slots.get(STATE) == ACTIVE and changes.slots.get(STATE, ACTIVE) == ACTIVE:
        _doubts(interpretation, state, changes)
    _plan(state, changes)


def _hold(text: str, state: State, changes: Changes) -> None:
    """Keep a message sent before consent: its facts are read back once consent and the
    respondent are given (a decline drops it, see bot/rasa_plugins/tracker_store.py)."""
    held = str(state.slots.get(OPENING) or "")
    changes.slots[OPENING] = f"{held}\n{text}"[-MAX_HELD:] if held else text


def excludes(state: State, changes: Changes, key: str, value: Value | None) -> bool:
    """True when storing `value` for `key` would make a patient who is not ineligible now
    ineligible: such a value is confirmed before it is stored."""
    if value is None:
        return False
    facts = _merged(state, changes).facts()
    if facts.get(key) == value:
        return False
    trial = state.trial
    if assess(trial, {**facts, key: value}).outcome != "ineligible":
        return False
    return assess(trial, facts).outcome != "ineligible"


def _propose(state: State, changes: Changes, values: dict[str, Value], text: str) -> None:
    """Read `values` back before storing them (the `confirm_facts` question)."""
    if not values:
        return
    current = _merged(state, changes).proposed
    changes.slots[PROPOSED] = {**current, **values}
    changes.slots[PROPOSED_TEXT] = text
    changes.slots[ATTEMPTS] = 0


def _store(state: State, changes: Changes, key: str, value: Value | None, text: str) -> None:
    fact = state.trial.facts[key]
    changes.slots[key] = slot_value(value)
    changes.writes.answers.append((fact, value, text))


def _confirmed(interpretation: Interpretation, state: State, changes: Changes) -> None:
    """The answer to a read-back: "yes" stores every value read back (the original words as
    the evidence); a correction stores the values it states and keeps the ones it does not
    dispute; a plain "no" drops them all (they are asked normally). A value that would
    exclude and is not confirmed by the words is read back again."""
    proposed = state.proposed
    text = str(state.slots.get(PROPOSED_TEXT) or interpretation.text)
    changes.slots[PROPOSED] = None
    changes.slots[PROPOSED_TEXT] = None
    changes.slots[ATTEMPTS] = 0
    others = {
        found.key: found.value for found in interpretation.proposed if found.value is not None
    }
    missing = state.lab_missing
    changes.slots[LAB_MISSING] = None
    if interpretation.confirm:
        for key, value in proposed.items():
            _store(state, changes, key, value, text)
        # the values still missing were asked in the read-back: those not given are unknown
        for key in missing:
            if key not in others:
                _store(state, changes, key, None, interpretation.text)
        _propose(state, changes, others, interpretation.text)
        return
    again: dict[str, Value] = dict(others)
    if interpretation.values:
        # "no, the biopsy was 5 months ago": the values not disputed stand (one that would
        # rule the patient out is read back again on its own)
        disputed = {found.key for found in interpretation.values}
        for key, value in proposed.items():
            if key in disputed:
                continue
            if excludes(state, changes, key, value):
                again[key] = value
            else:
                _store(state, changes, key, value, text)
    for found in interpretation.values:
        read = found.value
        if read is None:
            continue
        if read == proposed.get(found.key):
            _store(state, changes, found.key, read, interpretation.text)
        elif excludes(state, changes, found.key, read):
            again[found.key] = read
        else:
            _store(state, changes, found.key, read, interpretation.text)
            label = state.trial.facts[found.key].label
            shown = shown_value(found, state)
            changes.notes.append(
                t("dialogue.answer.corrected", state.language, label=label, value=shown)
            )
    _propose(state, changes, again, interpretation.text)


def _doubts(interpretation: Interpretation, state: State, changes: Changes) -> None:
    """Keep the facts to ask again: the ones this message doubts, not the one it answers."""
    reask = [key for key in state.reask if key != state.asking or not _answered_now(changes)]
    reask += [key for key in interpretation.doubted if key not in reask]
    if reask != state.reask:
        changes.slots[REASK] = reask or None


def _answered_now(changes: Changes) -> bool:
    """True when the message gave the pending question an answer (or a value to confirm)."""
    return bool(changes.writes.answers) or PROPOSED in changes.slots


def _plan(state: State, changes: Changes) -> None:
    """Choose the next slot from the message's one assessment; when the pre-screen is over,
    end it (in the same transaction)."""
    after = _merged(state, changes)
    facts = after.facts()
    if after.slots.get(CONSENT) is True and after.slots.get(STATE) == ACTIVE:
        changes.assessment = assess(state.trial, facts)
    changes.writes.facts = facts
    changes.writes.assessment = changes.assessment
    upcoming, covered = next_ask(after, changes.assessment)
    if upcoming != state.asking:
        changes.slots.setdefault(ATTEMPTS, 0)
    changes.slots[ASKING] = upcoming
    changes.slots[PENDING_FACTS] = covered
    if upcoming is None:
        _finish(after, changes)


def _answered(interpretation: Interpretation, state: State, changes: Changes) -> None:
    if first_key(interpretation) == CONSENT:
        _consented(bool(interpretation.values[0].value), state, changes)
        return
    text = interpretation.text
    proposed: dict[str, Value] = {
        found.key: found.value for found in interpretation.proposed if found.value is not None
    }
    if first_key(interpretation) == RESPONDENT:
        changes.slots[RESPONDENT] = interpretation.values[0].value
        changes.writes.respondent = str(interpretation.values[0].value)
        changes.slots[OPENING] = None
        _propose(state, changes, proposed, interpretation.proposed_text or text)
        return
    if state.asking == LABS:
        _lab_round(interpretation, state, changes)
    for found in interpretation.values:
        fact = state.trial.facts[found.key]
        if excludes(state, changes, found.key, found.value):
            assert found.value is not None  # excludes() is False for "don't know"
            proposed[found.key] = found.value
            continue
        _store(state, changes, found.key, found.value, text)
        if found.correction:
            changes.notes.append(
                t(
                    "dialogue.answer.corrected",
                    state.language,
                    label=fact.label,
                    value=shown_value(found, state),
                )
            )
        else:
            changes.slots[ATTEMPTS] = 0
    _propose(state, changes, proposed, interpretation.proposed_text or text)


def _lab_round(interpretation: Interpretation, state: State, changes: Changes) -> None:
    """An answer to the lab-values question that read values: the next time it is asked, it
    asks for what is missing; the first time, the read-back asks for that already."""
    labs = set(state.asked_together)
    stated = {f.key: f.value for f in interpretation.proposed if f.value is not None}
    read = {found.key for found in interpretation.values} | set(stated)
    if not read & labs:
        return
    rounds = int(state.slots.get(LAB_ROUNDS) or 0)
    changes.slots[LAB_ROUNDS] = rounds + 1
    if rounds == 0 and stated:
        after = {**_merged(state, changes).facts(), **stated}
        ask = assess(state.trial, after).next_ask
        missing = [k for k in (ask.facts if ask else ()) if k in labs and k not in read]
        changes.slots[LAB_MISSING] = missing or None


def first_key(interpretation: Interpretation) -> str | None:
    """The key of the message's first value (None: it has none)."""
    return interpretation.values[0].key if interpretation.values else None


def shown_value(found: FactValue, state: State) -> str:
    """A value as the patient reads it back ("yes", "class IV", "45 years", "not known")."""
    language = state.language
    value = found.value
    fact = state.trial.facts[found.key]
    if value is None:
        return t("dialogue.value.not_known", language)
    if isinstance(value, bool):
        return t("dialogue.value.yes" if value else "dialogue.value.no", language)
    if fact.value_labels and str(value) in fact.value_labels:
        return fact.value_labels[str(value)].lower()
    return value_with_unit(fact, value, language)


def _consented(consent: bool, state: State, changes: Changes) -> None:
    """The answer to the privacy notice: a new screening; a no ends it with no health data."""
    changes.slots[CONSENT] = consent
    changes.slots[STATE] = ACTIVE if consent else DECLINED
    changes.writes.consent = consent
    if not consent:
        changes.slots[OPENING] = None  # nothing of a declined conversation is kept
        changes.said.append(BotMessage(t("dialogue.declined", state.language)))


def _not_understood(interpretation: Interpretation, state: State, changes: Changes) -> None:
    """The pending answer could not be read: a hint; the third time the facts asked (one, or
    those a grouped question covers) are left unknown."""
    asking = state.asking or ""
    covered = state.asked_together or ((asking,) if asking in state.trial.facts else ())
    if not covered:
        changes.notes.append(interpretation.not_understood or "")
        return
    attempts = int(state.slots.get(ATTEMPTS) or 0) + 1
    if attempts >= MAX_INVALID:
        for key in covered:
            changes.slots[key] = slot_value(None)
            changes.writes.answers.append((state.trial.facts[key], None, interpretation.text))
        changes.slots[ATTEMPTS] = 0
        changes.notes.append(t("dialogue.answer.give_up", state.language))
        return
    changes.slots[ATTEMPTS] = attempts
    changes.notes.append(interpretation.not_understood or "")


def _interrupted(interpretation: Interpretation, state: State, changes: Changes) -> bool:
    """Act on a request (stop, start over, delete) or answer a question; True when handled."""
    control = interpretation.control
    if control == STOP:
        changes.slots[STATE] = STOPPED
        changes.writes.end = True
        changes.writes.facts = state.facts()
        return True
    if control == RESET:
        reset(state, changes)
        return True
    if control == ERASE:
        erase(state, changes)
        return True
    if interpretation.topic is not None:
        asking = state.asking or ""
        together = state.group is not None or asking == LABS
        pending = asking if asking in state.trial.facts or together else None
        changes.said.append(BotMessage(topic_answer(state, interpretation.topic, pending)))
        return True
    return False


def reset(state: State, changes: Changes, *, aside: bool = False) -> None:
    """Start over: forget every answer of the conversation (its language stays), close the open
    screening, and ask for consent again. The restart is announced in front of the consent
    question, or (`aside`, after the pre-screen) in a message of its own."""
    changes.slots.update(fresh_slots(state.trial, ACTIVE))
    changes.writes.close = True
    restarting = t("dialogue.restarting", state.language)
    if aside:
        changes.said.append(BotMessage(restarting))
    else:
        changes.notes.append(restarting)


def erase(state: State, changes: Changes) -> None:
    """ "Delete my answers": erase the conversation's answers, results, contacts and transcript."""
    changes.slots.update(fresh_slots(state.trial, DELETED))
    changes.writes.erase = True
    start_again = Button.of("dialogue.button.start_again", state.language)
    changes.said.append(BotMessage(t("dialogue.deleted", state.language), (start_again,)))


def topic_answer(state: State, topic: str, pending_fact: str | None) -> str:
    """The plain-language answer to a question about the study (or why a question is asked)."""
    trial, language = state.trial, state.language
    if topic == WHY:
        fact = trial.facts.get(pending_fact or "")
        group = trial.groups.get(pending_fact or "")
        why = fact.why if fact is not None else group.why if group is not None else None
        if pending_fact == LABS:
            return t("dialogue.labs.why", language)
        if why:
            return t("dialogue.topic.why", language, why=why)
        return t("dialogue.topic.why_general", language)
    if topic in trial.topics:
        return trial.topics[topic].text
    if topic == HUMAN:
        return t("dialogue.topic.human", language, contact=trial.site.contact)
    return trial.summary


def _finish(after: State, changes: Changes) -> None:
    """The pre-screen is over: how it ended decides what is written and told."""
    status = after.slots.get(STATE)
    if after.slots.get(PROPOSED):
        changes.slots.update({PROPOSED: None, PROPOSED_TEXT: None})
    if status == DELETED:
        return
    if status == DECLINED or after.slots.get(CONSENT) is False:
        changes.slots[OUTCOME] = "incomplete"
        return
    if status == STOPPED:
        changes.slots[OUTCOME] = "incomplete"
        changes.ending = STOPPED
        return
    changes.writes.end = True
    changes.ending = RESULT


def _ended(state: State, changes: Changes) -> None:
    """After the store: the outcome's slots, and whether contact details are asked next."""
    if changes.ending != RESULT:
        return
    assessment = changes.assessment or assess(state.trial, changes.writes.facts)
    changes.assessment = assessment
    changes.slots.update({STATE: FINISHED, OUTCOME: assessment.outcome})
    if assessment.outcome in CONTACTABLE:
        changes.slots[ASKING] = next_contact_slot({**state.slots, **changes.slots})


def _contact(interpretation: Interpretation, state: State, changes: Changes) -> None:
    """A message while a contact question is pending."""
    if interpretation.control in (RESET, ERASE):
        _interrupted(interpretation, state, changes)
        _plan(state, changes)
        return
    if interpretation.values:
        found = interpretation.values[0]
        changes.slots[found.key] = found.value
    else:
        changes.notes.append(interpretation.not_understood or "")
    slots = {**state.slots, **changes.slots}
    upcoming = next_contact_slot(slots)
    changes.slots[ASKING] = upcoming
    if upcoming is not None:
        return
    details = slots.get(CONTACT_DETAILS)
    changes.contact_saved = bool(slots.get(CONTACT_CONSENT) is True and details)
    if changes.contact_saved:
        phone, email = split_details(str(details))
        changes.writes.contact = (str(slots.get(CONTACT_NAME) or ""), phone, email)


def _outside(interpretation: Interpretation, state: State, changes: Changes) -> None:
    """A message while no question is pending: an opening, or anything after the pre-screen."""
    language = state.language
    if not state.started:
        # Any opening leads straight to the privacy notice and the consent question.
        if interpretation.topic is not None and interpretation.topic != WHY:
            changes.said.append(BotMessage(topic_answer(state, interpretation.topic, None)))
        asked_for = interpretation.language
        if asked_for in state.trial.languages:  # the client's language, when the trial has it
            language = str(asked_for)
        changes.slots.update({STATE: ACTIVE, LANGUAGE: language})
        if not interpretation.command and interpretation.text:
            _hold(interpretation.text, state, changes)
        _plan(state, changes)
        return
    control = interpretation.control
    if control == RESET:
        reset(state, changes, aside=True)
        _plan(state, changes)
    elif control == ERASE:
        erase(state, changes)
    elif interpretation.topic is not None:
        changes.said.append(BotMessage(topic_answer(state, interpretation.topic, None)))
    elif interpretation.proposed:
        # facts told after the result: read back, then the result is told again if it changes
        changes.slots[STATE] = ACTIVE
        values = {f.key: f.value for f in interpretation.proposed if f.value is not None}
        _propose(state, changes, values, interpretation.proposed_text or interpretation.text)
        _plan(state, changes)
    elif interpretation.values:
        _corrected_after(interpretation, state, changes)
    elif interpretation.small_talk == "goodbye":
        changes.said.append(BotMessage(t("dialogue.goodbye", language)))
    elif interpretation.small_talk == "thanks":
        changes.said.append(BotMessage(t("dialogue.thanks", language)))
    else:
        changes.said.append(
            BotMessage(t("dialogue.after_finish", language), after_buttons(language))
        )


def _corrected_after(interpretation: Interpretation, state: State, changes: Changes) -> None:
    """A correction after the result: store it, then ask what is still open or tell the
    result again."""
    found = interpretation.values[0]
    fact = state.trial.facts[found.key]
    changes.slots[STATE] = ACTIVE
    if found.value is not None and excludes(state, changes, found.key, found.value):
        _propose(state, changes, {found.key: found.value}, interpretation.text)
    else:
        _store(state, changes, found.key, found.value, interpretation.text)
        changes.notes.append(t("dialogue.answer.updated", state.language, label=fact.label))
    _plan(state, changes)
