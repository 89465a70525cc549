"""The end of a pre-screen: the result in plain words (never a diagnosis), then contact consent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.criteria.model import Trial
from bot.dialogue import messages as m
from bot.dialogue import persistence
from bot.dialogue.state import (
    CONSENT,
    DECLINED,
    DELETED,
    FINISHED,
    OUTCOME,
    STATE,
    STOPPED,
    facts_from_slots,
)
from bot.engine import Assessment

#: outcomes after which we may offer to collect contact details.
CONTACTABLE = ("needs_review", "likely_eligible")


@dataclass
class Ending:
    """Messages to send, slot updates, and whether to start the contact form next."""

    messages: list[m.BotMessage] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    ask_contact: bool = False


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def result_text(trial: Trial, assessment: Assessment) -> str:
    """The plain-language result for the patient."""
    if assessment.outcome == "ineligible":
        reasons = list(
            dict.fromkeys(trial.criterion(r.id).patient_text for r in assessment.evaluation.failing)
        )
        return (
            "Thank you for your answers. From what you have told me, this study would not be a "
            f"fit, because {_join(reasons)}. I'm sorry this isn't better news. "
            f"{m.NOT_A_DIAGNOSIS} Your own doctor can tell you about other treatments or studies."
        )
    if assessment.outcome == "likely_eligible":
        return (
            "Thank you for your answers. From what you have told me, you may be able to take part "
            f"in this study. {m.NOT_A_DIAGNOSIS}"
        )
    items = [trial.facts[flag.fact].label for flag in assessment.follow_up]
    listing = "\n".join(f"• {item}" for item in items)
    return (
        "Thank you for your answers. Nothing you told me rules you out, so you may be able to "
        "take part. A study coordinator will check these things with you or your doctor:\n"
        f"{listing}\n{m.NOT_A_DIAGNOSIS}"
    )


def finish(trial: Trial, conversation_id: str, slots: Mapping[str, Any]) -> Ending:
    """What to say when the pre-screen form ends, for every way it can end."""
    ending = Ending()
    state = slots.get(STATE)
    if state == DELETED:
        return ending  # already confirmed when the deletion happened
    if state == DECLINED or slots.get(CONSENT) is False:
        ending.slots[OUTCOME] = "incomplete"
        return ending  # the decline was answered in the same turn
    if state == STOPPED:
        ending.messages.append(m.BotMessage(m.STOPPED, m.STOP_BUTTONS))
        ending.slots[OUTCOME] = "incomplete"
        return ending
    try:
        assessment = persistence.end_screening(
            trial, conversation_id, facts_from_slots(trial, slots)
        )
    except persistence.StoreUnavailable:
        ending.messages.append(m.BotMessage(m.NOT_AVAILABLE))
        return ending
    ending.slots.update({STATE: FINISHED, OUTCOME: assessment.outcome})
    ending.messages.append(
        m.BotMessage(result_text(trial, assessment), custom={"outcome": assessment.outcome})
    )
    if assessment.outcome in CONTACTABLE:
        ending.ask_contact = True
    else:
        ending.messages.append(m.BotMessage(m.AFTER_FINISH, m.STOP_BUTTONS))
    return ending
