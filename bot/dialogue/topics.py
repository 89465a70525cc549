"""Answers to questions a patient may ask at any point (why, CAR-T, the study, where, a person)."""

from __future__ import annotations

import re

from bot.criteria.model import Trial

#: intents that interrupt a question, and the `trial.info` topic each answers (None: special).
TOPIC_INTENTS: dict[str, str | None] = {
    "ask_why": None,
    "ask_car_t": "treatment",
    "ask_study": "study",
    "ask_location": "location",
    "ask_who": "who",
    "ask_human": None,
}
#: intents that change the course of the conversation.
CONTROL_INTENTS = ("stop", "start_over", "delete_data")
#: Intents that erase answers act only when the words say so as well: the NLU alone read
#: "'; DROP TABLE answers; --" as "delete my answers" and "admin'--" as "start over".
_ERASING_WORDS = {
    "delete_data": re.compile(
        r"\b(?:delete|deleting|remove|erase|wipe|forget|destroy|clear|withdraw)\b", re.I
    ),
    "start_over": re.compile(
        r"\b(?:start|begin|restart|again|over|reset|redo|afresh|scratch|beginning)\b", re.I
    ),
}


def confirmed_intent(intent: str | None, text: str) -> str | None:
    """`intent`, unless it would erase answers and the text does not say so in words."""
    words = _ERASING_WORDS.get(intent or "")
    if words is not None and not words.search(text):
        return None
    return intent


def topic_answer(trial: Trial, intent: str, pending_fact: str | None) -> str:
    """Plain-language answer for an interrupting question."""
    if intent == "ask_why":
        fact = trial.facts.get(pending_fact or "")
        if fact is not None and fact.why:
            return f"We ask because: {fact.why}"
        return (
            "We ask these questions to check, before you travel to a visit, whether the study "
            "could be right for you. Only the study team sees your answers."
        )
    if intent == "ask_human":
        return f"You can talk to {trial.site.contact}"
    topic = TOPIC_INTENTS.get(intent)
    if topic and topic in trial.topics:
        return trial.topics[topic].text
    return trial.summary
