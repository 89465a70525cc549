"""Step 1 of a turn: what a patient message says, given what the conversation was asking.

`interpret` never writes anything. It reads the fact values in the text (each with its evidence
span and the parser's `Parsed`), the answer to a dialogue question (consent, who is answering,
contact details), and the control or topic requests ("stop", "start again", "delete my answers",
"why do you ask?"). Whether a request or an answer wins is `apply`'s decision; the intent is only
trusted for requests whose words say so as well (see `confirmed_intent`).

The text is cut to length here and nowhere else (`MAX_TEXT`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from bot.answers import (
    Candidate,
    Parsed,
    extract_facts,
    find_fact_mention_spans,
    parse_answer,
    parse_correction,
)
from bot.answers.groups import has_no_results, read_group_answer
from bot.criteria.model import FactSpec, Group, Trial, Value
from bot.dialogue.contact import read_details, read_name
from bot.dialogue.respondent import parse_respondent
from bot.dialogue.state import (
    CONFIRM,
    CONSENT,
    CONTACT_CONSENT,
    CONTACT_DETAILS,
    CONTACT_NAME,
    CONTACT_SLOTS,
    LAB_ROUNDS,
    OPENING,
    RESPONDENT,
    State,
)
from bot.engine import LABS, FactError, coerce_value
from bot.i18n import DEFAULT_LANGUAGE, t

#: characters of a message the dialogue reads (a pasted lab report fits; the web page refuses
#: longer messages); a longer message is cut here, with a note.
MAX_TEXT = 1000
#: an intent below this confidence is not acted on while a question is pending.
INTENT_CONFIDENCE = 0.5

#: control requests.
STOP, RESET, ERASE = "stop", "reset", "erase"
CONTROL_INTENTS = {"stop": STOP, "start_over": RESET, "delete_data": ERASE}
#: topics that are not the trial's: why a question is asked, and how to reach a person.
WHY, HUMAN = "why", "human"

#: Requests that end or erase act only when the words say so as well: the NLU alone read
#: "'; DROP TABLE answers; --" as "delete my answers", "admin'--" as "start over" and "just
#: the uncontrolled infection or sepsis" as "stop".
_REQUEST_WORDS = {
    "en": {
        "delete_data": re.compile(
            r"\b(?:delete|deleting|remove|erase|wipe|forget|destroy|clear|withdraw)\b", re.I
        ),
        "start_over": re.compile(
            r"\b(?:start|begin|restart|again|over|reset|redo|afresh|scratch|beginning)\b", re.I
        ),
        # the NLU read "just the uncontrolled infection or sepsis" and "the cancer" as stop
        "stop": re.compile(
            r"\b(?:stop|quit|end|cancel|enough|exit|leave|finish|done|bye|pause|break|"
            r"no\s+more|don'?t\s+want\s+to\s+(?:continue|go\s+on|answer))\b",
            re.I,
        ),
    },
}
#: "start again" typed after the pre-screen, whatever the NLU made of it.
_START = {
    "en": re.compile(r"^\s*(start|start again|start over|begin|restart|new screening)\b", re.I)
}
#: "ok" agrees to a notice (not to a symptom): only for the consent question.
_PLAIN_AGREEMENT = {
    "en": re.compile(
        r"^\s*(?:ok|okay|alright|all right|fine|sounds good|that's fine|sure thing)\b[\s.!]*$",
        re.I,
    )
}


def _words(table: dict[str, re.Pattern[str]], language: str) -> re.Pattern[str] | None:
    return table.get(language) or table.get(DEFAULT_LANGUAGE)


@dataclass(frozen=True)
class Message:
    """A patient message as the NLU saw it."""

    text: str | None
    intent: str | None = None
    confidence: float = 1.0
    #: the language the patient's client asked for (used only when a conversation starts).
    language: str | None = None


@dataclass(frozen=True)
class FactValue:
    """A value found in the text for a fact (or a dialogue slot), with its evidence."""

    key: str
    parsed: Parsed
    #: (start, end) of the evidence in `Interpretation.text` (the parser's `Parsed.span`).
    span: tuple[int, int]
    language: str = DEFAULT_LANGUAGE
    #: True when it corrects an earlier answer rather than answering the pending question.
    correction: bool = False

    @property
    def value(self) -> Value | None:
        """The value; None when the patient does not know."""
        return self.parsed.value if self.parsed.status == "value" else None


@dataclass(frozen=True)
class Interpretation:
    """Everything one message says. `text` is the cleaned, length-capped text read."""

    text: str
    too_long: bool = False
    #: the text looks like a command (``/intent{…}``): nothing in it is read.
    command: bool = False
    values: tuple[FactValue, ...] = ()
    #: why the pending question's answer could not be read (already worded), if it could not.
    not_understood: str | None = None
    control: str | None = None
    topic: str | None = None
    small_talk: str | None = None
    #: the language the client asked for (Message.language).
    language: str | None = None
    #: values the message states for facts nobody asked about (still unknown, or different
    #: from what is stored): read back before they are stored, never stored as they are.
    proposed: tuple[FactValue, ...] = ()
    #: the words `proposed` were read from (the held opening message, or this text).
    proposed_text: str | None = None
    #: the answer to a read-back: True (yes), False (no, or a correction in `values`), None.
    confirm: bool | None = None
    #: facts answered earlier that the message doubts without stating a value: asked again.
    doubted: tuple[str, ...] = ()


def _yes_no_fact(key: str, label_id: str, language: str) -> FactSpec:
    """A dialogue yes/no question (not a trial fact) as a fact the parser can read."""
    label = t(label_id, language)
    return FactSpec(key, "boolean", "patient", label, "", language=language)


@lru_cache(maxsize=8)
def consent_fact(language: str) -> FactSpec:
    """The privacy-notice question as a yes/no fact, for the parser."""
    return _yes_no_fact(CONSENT, "dialogue.consent.label", language)


@lru_cache(maxsize=8)
def confirm_fact(language: str) -> FactSpec:
    """ "Is that right?" (the read-back) as a yes/no fact, for the parser."""
    return _yes_no_fact(CONFIRM, "dialogue.confirm.label", language)


@lru_cache(maxsize=8)
def contact_fact(language: str) -> FactSpec:
    """ "May the study team contact you?" as a yes/no fact, for the parser."""
    return _yes_no_fact(CONTACT_CONSENT, "dialogue.contact.label", language)


#: the English view, for callers outside a conversation (warm-up, parser tests).
CONSENT_FACT = consent_fact(DEFAULT_LANGUAGE)


def clip(text: str | None) -> tuple[str, bool]:
    """(whitespace-normalised text cut to MAX_TEXT characters, whether it was cut). Line
    breaks stay (a pasted report is read line by line); other runs of spaces become one."""
    lines = (" ".join(line.split()) for line in (text or "").splitlines())
    cleaned = "\n".join(line for line in lines if line)
    return cleaned[:MAX_TEXT], len(cleaned) > MAX_TEXT


def confirmed_intent(intent: str | None, text: str, language: str = DEFAULT_LANGUAGE) -> str | None:
    """`intent`, unless it would end the pre-screen or erase answers and the text does not say
    so in words."""
    words = (_REQUEST_WORDS.get(language) or _REQUEST_WORDS[DEFAULT_LANGUAGE]).get(intent or "")
    if words is not None and not words.search(text):
        return None
    return intent


def topic_of(intent: str | None, trial: Trial) -> str | None:
    """The topic an ``ask_*`` intent asks about: WHY, HUMAN or one of the trial's topics."""
    if intent == "ask_why":
        return WHY
    if intent == "ask_human":
        return HUMAN
    if intent and intent.startswith("ask_") and intent[4:] in trial.topics:
        return intent[4:]
    return None


def _found(
    key: str, parsed: Parsed, text: str, language: str, *, correction: bool = False
) -> FactValue:
    """A value with its evidence: the parser's span in `text` (the whole text when the parser
    gives none, e.g. a dialogue answer) and the language it was read in."""
    span = parsed.span or (0, len(text))
    read_in = parsed.language if parsed.span is not None else language
    return FactValue(key, parsed, (int(span[0]), int(span[1])), read_in, correction)


def interpret(message: Message, state: State) -> Interpretation:
    """What `message` says, given the question `state` is asking (if any)."""
    text, too_long = clip(message.text)
    language, trial, asking = state.language, state.trial, state.asking
    if text.startswith("/"):
        return Interpretation(text, too_long, command=True, language=message.language)
    intent = message.intent
    if asking is not None and message.confidence < INTENT_CONFIDENCE:
        intent = None
    intent = confirmed_intent(intent, text, language)
    control = CONTROL_INTENTS.get(intent or "")
    start = _words(_START, language)
    if asking is None and start is not None and start.match(text):
        control = RESET
    base = Interpretation(
        text,
        too_long,
        control=control,
        topic=topic_of(intent, trial),
        small_talk=intent if intent in ("goodbye", "thanks") else None,
        language=message.language,
    )
    if asking is None:
        return _outside(base, state)
    if asking in CONTACT_SLOTS:
        return _contact(base, asking, language)
    if asking == CONFIRM:
        return _confirmation(base, state)
    if state.group is not None or asking == LABS:
        if base.control is not None:  # "stop", "start again", "delete my answers"
            return base
        if state.group is not None:
            return _grouped(base, state, state.group)
        return _lab_values(base, state)
    return _answer(base, state, asking)


_UNSET = object()


def stated_facts(
    text: str,
    state: State,
    pending: str | None,
    *,
    new_only: bool = True,
    candidates: Sequence[Candidate] | None = None,
) -> tuple[FactValue, ...]:
    """The facts `text` clearly states besides the pending one (`pending`): with `new_only`,
    each one still unknown or different from what is stored (a correction). Low-confidence
    readings and "don't know" are left out: those facts are asked normally. `candidates`:
    `extract_facts`' reading of `text`, when the caller has it already."""
    trial = state.trial
    known = state.facts()
    found: dict[str, FactValue] = {}
    if candidates is None:
        candidates = extract_facts(text, trial, pending=pending)
    for candidate in candidates:
        fact = trial.facts.get(candidate.fact)
        if (
            candidate.confidence != "stated"
            or fact is None
            or not fact.askable
            or fact.key == pending
            or fact.key in found
        ):
            continue
        reading = _stated_value(candidate, fact, text, state)
        if reading is None or (new_only and known.get(fact.key, _UNSET) == reading.value):
            continue
        found[fact.key] = reading
    return tuple(found.values())


def _stated_value(
    candidate: Candidate, fact: FactSpec, text: str, state: State
) -> FactValue | None:
    """A stated candidate as the fact's value (None: "don't know", or not of the fact's type)."""
    if candidate.value is None:
        return None
    try:
        value = coerce_value(fact, candidate.value)
    except FactError:
        return None
    if value is None:
        return None
    parsed = Parsed("value", value, span=candidate.span, language=fact.language)
    return _found(fact.key, parsed, text, state.language)


def _pending_from_story(
    candidates: Sequence[Candidate], text: str, state: State, asking: str
) -> FactValue | None:
    """The pending fact's value as a whole-message reading states it (a story that also
    answers the question, which the single-answer parser cannot read)."""
    fact = state.trial.facts[asking]
    for candidate in candidates:
        if candidate.fact == asking and candidate.confidence == "stated":
            return _stated_value(candidate, fact, text, state)
    return None


def _confirmation(base: Interpretation, state: State) -> Interpretation:
    """The answer to a read-back: yes, no, or corrected values of the facts read back."""
    text, language = base.text, state.language
    if base.control is not None:  # "stop", "start again", "delete my answers" win
        return base
    proposed = state.proposed
    stated = stated_facts(text, state, None, new_only=False)
    readings = [found for found in stated if found.key in proposed]
    corrected = tuple(found for found in readings if found.value != proposed[found.key])
    confirmed = tuple(found for found in readings if found.value == proposed[found.key])
    # facts the reply states besides those read back ("yes, and I'm 34") are read back next
    known = state.facts()
    others = tuple(
        found
        for found in stated
        if found.key not in proposed and known.get(found.key, _UNSET) != found.value
    )
    if others:
        base = replace(base, proposed=others, proposed_text=text)
    parsed = parse_answer(text, confirm_fact(language))
    said = parsed.value if parsed.status == "value" and isinstance(parsed.value, bool) else None
    if said is None and state.lab_missing and has_no_results(text, language):
        said = True  # "I don't have the others": what was read back stands
    if corrected:
        return replace(base, values=corrected + confirmed, confirm=False)
    if said is None:
        if confirmed:
            return replace(base, values=confirmed, confirm=False)
        if others:  # more facts, no answer yet: one read-back of them all
            return base
        return replace(base, not_understood=t("dialogue.confirm.not_understood", language))
    return replace(base, values=confirmed, confirm=said)


def _grouped(base: Interpretation, state: State, group: Group) -> Interpretation:
    """The answer to a grouped question: the items named (true), not sure of (unknown) and
    the rest (false); facts the message states besides them are read back."""
    text, language = base.text, state.language
    members = state.asked_together or tuple(
        key for key in group.members if key not in state.facts()
    )
    candidates = extract_facts(text, state.trial)
    stated = stated_facts(text, state, None, candidates=candidates)
    others = tuple(found for found in stated if found.key not in members)
    base = replace(base, doubted=doubted_facts(candidates, state, None, others))
    story = replace(base, proposed=others, proposed_text=text) if others else base
    reading = read_group_answer(text, state.trial, members, group.item_labels, candidates)
    if reading is None or reading.which:
        if others:
            return story
        if reading is not None:
            return _with(base, hint=t("dialogue.group.which", language))
        hint = group.hint or t("dialogue.group.not_understood", language)
        return _with(base, hint=hint)
    values = tuple(
        _found(
            key,
            Parsed("value", value, span=span, language=language)
            if value is not None
            else Parsed("unknown", span=span, language=language),
            text,
            language,
        )
        for key, (value, span) in reading.values.items()
    )
    return _with(story, *values)


def _lab_values(base: Interpretation, state: State) -> Interpretation:
    """The answer to the lab-values question: every value it states is read back (with the
    other facts it states); "I don't have them" leaves the values asked unknown. Asked a
    second time (for what is still missing), the values not given are unknown."""
    text, language = base.text, state.language
    asked = state.asked_together
    stated = stated_facts(text, state, None)
    given = {found.key for found in stated}
    story = replace(base, proposed=stated, proposed_text=text) if stated else base
    if not stated and has_no_results(text, language):
        missing = asked
    elif stated and int(state.slots.get(LAB_ROUNDS) or 0) >= 1:
        missing = tuple(key for key in asked if key not in given)
    elif stated:
        return story
    else:
        return _with(base, hint=_lab_hint(text, state, asked))
    unknown = tuple(
        _found(key, Parsed("unknown", language=language), text, language) for key in missing
    )
    return _with(story, *unknown)


def _lab_hint(text: str, state: State, asked: Sequence[str]) -> str:
    """Why no value could be read from an answer to the lab-values question: when it names
    one of the values asked, the parser's own hint for it (out of range, an unknown unit);
    otherwise how to write them."""
    facts = [state.trial.facts[key] for key in asked]
    named = [key for key, _ in find_fact_mention_spans(text, facts)]
    if len(named) == 1:
        parsed = parse_answer(text, state.trial.facts[named[0]])
        if parsed.status == "invalid" and parsed.hint:
            return parsed.hint
    return t("dialogue.labs.not_understood", state.language)


def _with(base: Interpretation, *values: FactValue, hint: str | None = None) -> Interpretation:
    return replace(base, values=values, not_understood=hint)


def _outside(base: Interpretation, state: State) -> Interpretation:
    """After the pre-screen (or before it): facts the message states ("I had a kidney
    transplant in 2021", read back before they count), else a correction of an earlier
    answer, if any."""
    if state.slots.get(CONSENT) is not True or base.control is not None or base.topic:
        return base
    stated = stated_facts(base.text, state, None)
    if stated:
        return replace(base, proposed=stated, proposed_text=base.text)
    askable = [f for f in state.trial.facts.values() if f.askable]
    correction = parse_correction(base.text, askable, None)
    if correction is None or correction[1].status not in ("value", "unknown"):
        return base
    key, parsed = correction
    return _with(base, _found(key, parsed, base.text, state.language, correction=True))


def _answer(base: Interpretation, state: State, asking: str) -> Interpretation:
    """The answer to the pending pre-screen question (consent, respondent or a fact)."""
    text, language, trial = base.text, state.language, state.trial
    if asking == CONSENT:
        parsed = parse_answer(text, consent_fact(language))
        agreement = _words(_PLAIN_AGREEMENT, language)
        if parsed.status != "value" and agreement is not None and agreement.match(text):
            parsed = Parsed(status="value", value=True, language=language)
        if parsed.status == "value" and isinstance(parsed.value, bool):
            return _with(base, _found(CONSENT, parsed, text, language))
        return _with(base, hint=t("dialogue.consent.not_understood", language))
    if asking == RESPONDENT:
        respondent = parse_respondent(text, language)
        if respondent is None:
            return _with(base, hint=t("dialogue.respondent.not_understood", language))
        held = str(state.slots.get(OPENING) or "")
        return replace(
            _with(
                base,
                _found(RESPONDENT, Parsed("value", respondent, language=language), text, language),
            ),
            proposed=stated_facts(held, state, None) if held else (),
            proposed_text=held or None,
        )
    fact = trial.facts[asking]
    # a request ("stop, I want to quit") is not a story, whatever facts its words name;
    # one reading of the whole message serves the stated facts and the pending answer
    candidates = extract_facts(text, state.trial, pending=asking) if base.control is None else []
    others = stated_facts(text, state, asking, candidates=candidates) if candidates else ()
    base = replace(base, doubted=doubted_facts(candidates, state, asking, others))
    if others or base.doubted:
        # a story, a correction or a protest ("it's not unknown, I have heart failure"), or an
        # earlier answer doubted ("I think I'm a hep B carrier actually?", asked again): the
        # pending question is answered only by words of its own ("no." before the correction)
        story = replace(base, proposed=others, proposed_text=text) if others else base
        answer = _pending_from_story(candidates, text, state, asking)
        return _with(story, answer) if answer is not None else story
    askable = [f for f in trial.facts.values() if f.askable]
    correction = parse_correction(text, askable, fact)
    if correction is not None and correction[0] != asking:
        key, parsed = correction
        if parsed.status in ("value", "unknown"):
            return _with(base, _found(key, parsed, text, language, correction=True))
    parsed = parse_answer(text, fact)
    if parsed.status == "invalid" and len({c.fact for c in candidates}) >= 2:
        # "my son is 12, he has had lupus since 9": too many numbers for a bare answer, but
        # the whole-message reading of a story knows which one is the age ("-5" is no story)
        answer = _pending_from_story(candidates, text, state, asking)
        if answer is not None:
            return _with(base, answer)
    if parsed.status == "value" and _contradicted(candidates, asking, parsed.value):
        # "I have discoid lupus, but my dermatologist said it's not systemic lupus": the
        # statement read clause by clause says otherwise than the bare yes; ask again
        return _with(base, hint=t("dialogue.answer.not_understood_yes_no", language))
    if parsed.status in ("value", "unknown"):
        return _with(base, _found(asking, parsed, text, language))
    if parsed.hint:
        hint = parsed.hint
    elif fact.hint:
        hint = t("dialogue.answer.not_understood", language, hint=fact.hint)
    else:
        hint = t("dialogue.answer.not_understood_yes_no", language)
    return _with(base, hint=hint)


def _contradicted(candidates: Sequence[Candidate], asking: str, value: Value | None) -> bool:
    """True when the whole-message reading of the asked fact says something else than the
    single-answer parser's `value`."""
    if not isinstance(value, bool):
        return False
    return any(
        c.fact == asking and isinstance(c.value, bool) and c.value != value for c in candidates
    )


def doubted_facts(
    candidates: Sequence[Candidate],
    state: State,
    pending: str | None,
    stated: Sequence[FactValue] = (),
) -> tuple[str, ...]:
    """Facts answered earlier that the message names again without stating them ("I think
    I'm a hep B carrier actually?"): never a value, and not left as they are either — their
    question is asked again."""
    known = state.facts()
    taken = {found.key for found in stated}
    doubted: list[str] = []
    for candidate in candidates:
        key = candidate.fact
        fact = state.trial.facts.get(key)
        if (
            candidate.confidence != "ask"
            or fact is None
            or not fact.askable
            or key == pending
            or key in taken
            or key not in known
            or key in doubted
        ):
            continue
        if candidate.value is not None and candidate.value == known[key]:
            continue
        doubted.append(key)
    return tuple(doubted)


def _contact(base: Interpretation, asking: str, language: str) -> Interpretation:
    """The answer to a contact question; only erasing requests interrupt it."""
    text = base.text
    base = Interpretation(
        text, base.too_long, control=base.control if base.control != STOP else None
    )
    if asking == CONTACT_CONSENT:
        parsed = parse_answer(text, contact_fact(language))
        if parsed.status == "value":
            return _with(base, _found(CONTACT_CONSENT, parsed, text, language))
        if parsed.status == "unknown":
            return _with(
                base,
                _found(CONTACT_CONSENT, Parsed("value", False, language=language), text, language),
            )
        return _with(base, hint=t("dialogue.contact.consent_not_understood", language))
    if asking == CONTACT_NAME:
        name = read_name(text)
        if name is None:
            return _with(base, hint=t("dialogue.contact.name_hint", language))
        return _with(
            base, _found(CONTACT_NAME, Parsed("value", name, language=language), text, language)
        )
    details = read_details(text, language)
    if details is None:
        return _with(base, hint=t("dialogue.contact.details_not_understood", language))
    return _with(
        base, _found(CONTACT_DETAILS, Parsed("value", details, language=language), text, language)
    )
