"""Which question a bot message asks, recognised from the trial's wording (the simulated
patients of bench.agreement and bench.load answer it; the stack tests use it too)."""

from __future__ import annotations

from typing import Any

from bot.criteria.model import Trial

#: The dialogue's own questions (not facts of the trial): words of each, and its slot.
DIALOGUE_QUESTIONS = (
    ("Do you agree to answer some questions", "consent_prescreen"),
    ("Are you answering for yourself", "respondent"),
    ("Would you like the study team to contact you", "contact_consent"),
    ("What name should", "contact_name"),
    ("phone number or e-mail", "contact_details"),
    # the read-back of facts nobody asked about, and the confirmation before an exclusion
    ("I noted:", "confirm_facts"),
    ("Just to be sure:", "confirm_facts"),
    # the invitation to type or paste lab values, and the one ask for what is still missing
    ("Do you have your latest blood test results?", "lab_results"),
    ("Do you have the patient's latest blood test results?", "lab_results"),
    ("I still don't have these values", "lab_results"),
)


def asked_fact(trial: Trial, messages: list[dict[str, Any]]) -> str | None:
    """Which fact, group of facts (its key, e.g. "conditions_now") or dialogue slot the bot's
    last message asks for, from the trial wording. Benchmarks read the pending question from
    Rasa's tracker (`requested_slot`, `pending_facts`; bench.agreement); this is the fallback
    for clients that cannot (bench.load, through the web app) and for the stack tests."""
    text = " ".join(" ".join(m.get("text", "") for m in messages[-1:]).split())
    for fact in trial.askable_facts():
        for wording in (fact.question_self, fact.question_guardian):
            if wording and " ".join(wording.split()) in text:
                return fact.key
    for group in getattr(trial, "groups", {}).values():
        for wording in (group.question_self, group.question_guardian):
            if wording and " ".join(wording.split()) in text:
                return str(group.key)
    for words, slot in DIALOGUE_QUESTIONS:
        if words in text:
            return slot
    return None
