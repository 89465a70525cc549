"""The question the bot asks for a slot: trial wording (self or guardian), buttons, progress."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.criteria.model import FactSpec, Trial
from bot.dialogue import messages as m
from bot.dialogue.state import CONSENT, NOTE, RESPONDENT, facts_from_slots
from bot.engine import plan


def buttons_for(fact: FactSpec) -> tuple[m.Button, ...]:
    """Quick replies that help for this fact; typed text always works as well."""
    if fact.type == "boolean":
        return m.YES_NO_DONT_KNOW
    dont_know = m.Button(m.DONT_KNOW_TEXT, m.DONT_KNOW_TEXT)
    if fact.value_labels:
        return (*(m.Button(label, label) for label in fact.value_labels.values()), dont_know)
    if fact.source == "lab-asked":
        return (dont_know,)
    return ()


def progress_line(trial: Trial, slots: Mapping[str, Any]) -> tuple[str, int]:
    """("About N questions left.", N) from the planner; the current question counts."""
    left = max(plan(trial, facts_from_slots(trial, slots)).questions_left, 1)
    if left == 1:
        return "This is about the last question.", left
    return f"About {left} questions left.", left


def question_message(trial: Trial, slots: Mapping[str, Any], slot: str) -> m.BotMessage:
    """The message asking for `slot`, prefixed by any pending note (a hint, an explanation)."""
    note = slots.get(NOTE)
    prefix = f"{note}\n\n" if note else ""
    if slot == CONSENT:
        return m.BotMessage(prefix + trial.privacy, m.YES_NO, {"slot": slot})
    if slot == RESPONDENT:
        return m.BotMessage(prefix + m.RESPONDENT_QUESTION, m.RESPONDENT_BUTTONS, {"slot": slot})
    fact = trial.facts[slot]
    progress, left = progress_line(trial, slots)
    text = f"{prefix}{fact.question(slots.get(RESPONDENT))}\n({progress})"
    return m.BotMessage(
        text, buttons_for(fact), {"slot": slot, "questions_left": left, "unit": fact.unit}
    )
