"""Step 3 of a turn: what the bot says — `ask(state) -> Reply`.

From the state after `apply`: the messages `apply` queued (answers to questions, a decline, a
deletion), then the pending question worded for the patient or a guardian with its quick
replies and "about N questions left" (any notes in front of it), or the notes alone; then, when
the pre-screen ended this turn, the result in plain words (never a diagnosis) and the offer of
contact or what the patient can do next; and the end of the contact questions.
"""

from __future__ import annotations

from bot.criteria.model import FactSpec, Value
from bot.dialogue.apply import RESULT, Changes, excludes
from bot.dialogue.messages import (
    BotMessage,
    Button,
    Reply,
    after_buttons,
    join_list,
    respondent_buttons,
    value_with_unit,
    yes_no,
    yes_no_dont_know,
)
from bot.dialogue.state import (
    CONFIRM,
    CONSENT,
    CONTACT_CONSENT,
    CONTACT_DETAILS,
    CONTACT_NAME,
    CONTACT_SLOTS,
    LAB_ROUNDS,
    PENDING_FACTS,
    REQUESTED,
    RESPONDENT,
    STOPPED,
    State,
)
from bot.engine import LABS, Assessment, plan
from bot.i18n import t

#: the catalog's question for each contact slot.
CONTACT_QUESTIONS = {
    CONTACT_CONSENT: "dialogue.contact.question",
    CONTACT_NAME: "dialogue.contact.name_question",
    CONTACT_DETAILS: "dialogue.contact.details_question",
}


def ask(state: State) -> Reply:
    """The reply to the patient for `state` (the state after `apply`)."""
    changes = state.changes or Changes()
    language = state.language
    asking = state.asking
    messages = list(changes.said)
    note = "\n".join(changes.notes) if changes.notes else None
    if asking is not None and (asking not in CONTACT_SLOTS or changes.ending is None):
        messages.append(question_message(state, asking, note))
    elif note:
        messages.append(BotMessage(note))
    if changes.ending == STOPPED:
        messages.append(BotMessage(t("dialogue.stopped", language), after_buttons(language)))
    elif changes.ending == RESULT and changes.assessment is not None:
        outcome = changes.assessment.outcome
        messages.append(
            BotMessage(result_text(state, changes.assessment), (), {"outcome": outcome})
        )
        if asking in CONTACT_SLOTS:
            messages.append(question_message(state, asking, None))
        else:
            messages.append(
                BotMessage(t("dialogue.after_finish", language), after_buttons(language))
            )
    if changes.contact_saved is not None:
        messages.append(_contact_done(state, changes.contact_saved))
    slots = dict(changes.slots)
    for key, value in ((REQUESTED, asking), (PENDING_FACTS, pending_facts(state))):
        if state.slots.get(key) != value:  # unchanged slots are not sent again
            slots[key] = value
    return Reply(messages, slots, asking)


def pending_facts(state: State) -> list[str]:
    """The fact keys the pending question covers: the fact asked, a group's (or the lab
    question's) pending facts, the facts read back, or []."""
    asking = state.asking
    if asking == CONFIRM:
        return list(state.proposed)
    together = state.asked_together
    if together:
        return list(together)
    return [asking] if asking is not None and asking in state.trial.facts else []


def readback_item(state: State, key: str, value: Value) -> str:
    """One value as the read-back lists it, in the trial's wording ("age: 34 years",
    "lupus nephritis (kidney involvement)", "a current cancer: no")."""
    fact, language = state.trial.facts[key], state.language
    if value is True:
        return fact.label
    if value is False:
        return t("dialogue.confirm.item_no", language, label=fact.label)
    if fact.value_labels and str(value) in fact.value_labels:
        label = fact.value_labels[str(value)]
        shown = label[:1].lower() + label[1:]
    else:
        shown = value_with_unit(fact, value, language)
    return t("dialogue.confirm.item", language, label=fact.label, value=shown)


def readback_message(state: State, prefix: str) -> BotMessage:
    """ "I noted: … Is that right?" — or, when a value would rule the patient out, "Just to
    be sure: …" — with Yes/No quick replies."""
    language = state.language
    proposed = state.proposed
    items = join_list([readback_item(state, k, v) for k, v in proposed.items()], language)
    changes = Changes()
    if any(excludes(state, changes, key, value) for key, value in proposed.items()):
        text = t("dialogue.confirm.exclusion", language, items=items)
    else:
        text = t("dialogue.confirm.readback", language, items=items)
    custom: dict[str, object] = {"slot": CONFIRM, "proposed": dict(proposed)}
    missing = state.lab_missing
    if missing:
        lines = [
            t("dialogue.list.bullet", language, item=state.trial.facts[k].label) for k in missing
        ]
        text += "\n\n" + t("dialogue.labs.readback_missing", language, items="\n".join(lines))
        custom["missing"] = list(missing)
    return BotMessage(prefix + text, yes_no(language), custom)


def buttons_for(fact: FactSpec, language: str) -> tuple[Button, ...]:
    """Quick replies that help for this fact; typed text always works as well."""
    if fact.type == "boolean":
        return yes_no_dont_know(language)
    dont_know = Button.of("dialogue.button.dont_know", language)
    if fact.value_labels:
        return (*(Button(label, label) for label in fact.value_labels.values()), dont_know)
    if fact.source == "lab-asked":
        return (dont_know,)
    return ()


def progress_line(state: State) -> tuple[str, int]:
    """("About N questions left.", N) from the planner, a grouped question counted as one;
    the current question counts. The message's assessment holds the plan when `apply` made
    one."""
    changes = state.changes
    known = changes.assessment.plan if changes and changes.assessment else None
    left = max((known or plan(state.trial, state.facts())).asks_left, 1)
    if left == 1:
        return t("dialogue.progress.last", state.language), left
    return t("dialogue.progress.left", state.language, count=left), left


def question_message(state: State, slot: str, note: str | None) -> BotMessage:
    """The message asking for `slot`, with `note` (a hint, an explanation) in front."""
    language, trial = state.language, state.trial
    prefix = f"{note}\n\n" if note else ""
    custom: dict[str, object] = {"slot": slot}
    if slot == CONSENT:
        return BotMessage(prefix + trial.privacy, yes_no(language), custom)
    if slot == CONFIRM:
        return readback_message(state, prefix)
    if slot == RESPONDENT:
        text = t("dialogue.respondent.question", language)
        return BotMessage(prefix + text, respondent_buttons(language), custom)
    if slot in CONTACT_SLOTS:
        buttons = yes_no(language) if slot == CONTACT_CONSENT else ()
        return BotMessage(prefix + t(CONTACT_QUESTIONS[slot], language), buttons, custom)
    if state.group is not None or slot == LABS:
        return together_message(state, slot, prefix)
    fact = trial.facts[slot]
    if slot in state.reask:
        prefix += t("dialogue.answer.reask", language, label=fact.label) + "\n\n"
    progress, left = progress_line(state)
    question = fact.question(state.slots.get(RESPONDENT))
    text = t("dialogue.question.with_progress", language, question=question, progress=progress)
    custom.update({"questions_left": left, "unit": fact.unit})
    return BotMessage(prefix + text, buttons_for(fact, language), custom)


def together_message(state: State, slot: str, prefix: str) -> BotMessage:
    """A question that covers several facts: a group ("Do any of these apply to you at the
    moment?" over one line per item, "None of these" and one button per item), or the
    invitation to type or paste lab results (the second time: the values still missing)."""
    language, trial = state.language, state.trial
    covered = state.asked_together
    progress, left = progress_line(state)
    custom: dict[str, object] = {"slot": slot, "pending_facts": list(covered)}
    custom["questions_left"] = left
    group = state.group
    if group is not None:
        lines = [t("dialogue.list.bullet", language, item=group.items[key]) for key in covered]
        question = group.question(state.slots.get(RESPONDENT))
        text = t(
            "dialogue.group.question",
            language,
            question=question,
            items="\n".join(lines),
            progress=progress,
        )
        buttons = (
            Button.of("dialogue.button.none_of_these", language),
            *(
                Button(group.item_labels[key], group.item_labels[key], wide_only=True)
                for key in covered
            ),
            Button.of("dialogue.button.dont_know", language),
        )
        return BotMessage(prefix + text, buttons, custom)
    lines = [t("dialogue.list.bullet", language, item=trial.facts[key].label) for key in covered]
    guardian = state.slots.get(RESPONDENT) == "guardian"
    if state.slots.get(LAB_ROUNDS):
        message_id = "dialogue.labs.missing_guardian" if guardian else "dialogue.labs.missing"
    else:
        message_id = "dialogue.labs.invite_guardian" if guardian else "dialogue.labs.invite"
    text = t(message_id, language, items="\n".join(lines), progress=progress)
    buttons = (Button.of("dialogue.button.no_results", language),)
    return BotMessage(prefix + text, buttons, custom)


def result_text(state: State, assessment: Assessment) -> str:
    """The plain-language result for the patient."""
    trial, language = state.trial, state.language
    if assessment.outcome == "ineligible":
        reasons = list(
            dict.fromkeys(trial.criterion(r.id).patient_text for r in assessment.evaluation.failing)
        )
        return t("dialogue.result.ineligible", language, reasons=join_list(reasons, language))
    if assessment.outcome == "likely_eligible":
        return t("dialogue.result.likely_eligible", language)
    items = [
        t("dialogue.list.bullet", language, item=trial.facts[flag.fact].label)
        for flag in assessment.follow_up
    ]
    return t("dialogue.result.needs_review", language, items="\n".join(items))


def _contact_done(state: State, saved: bool) -> BotMessage:
    language = state.language
    if not saved:
        return BotMessage(t("dialogue.contact.declined", language))
    name = str(state.slots.get(CONTACT_NAME) or "")
    details = str(state.slots.get(CONTACT_DETAILS) or "")
    return BotMessage(t("dialogue.contact.saved", language, name=name, details=details))
