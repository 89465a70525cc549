"""ask(state) -> Reply: questions, progress, results and contact, worded from the catalog."""

from __future__ import annotations

from typing import Any

import pytest

from bot.dialogue import State, ask
from bot.dialogue.ask import progress_line, result_text
from bot.dialogue.messages import join_list
from bot.engine import assess
from bot.i18n import t
from tests.dialogue.conftest import TRIAL, Patient

CONSENTED = {"consent_prescreen": True, "respondent": "self", "screening_state": "active"}


def test_a_question_has_the_trial_wording_buttons_and_progress() -> None:
    state = State.of(TRIAL, "c", {**CONSENTED, "respondent": "guardian", "asking": "sex"})
    reply = ask(state)
    (message,) = reply.messages
    assert message.text.startswith(TRIAL.facts["sex"].question_guardian or "")
    assert message.text.endswith(")") and "questions left." in message.text
    assert message.custom["slot"] == "sex" and reply.asking == "sex"


@pytest.mark.parametrize(
    ("facts", "expected"), [({}, "dialogue.progress.left"), (None, "dialogue.progress.last")]
)
def test_progress_lines(facts: dict[str, Any] | None, expected: str) -> None:
    if facts is None:  # everything but the last question answered
        facts = dict.fromkeys(TRIAL.facts, None)
        last = assess(TRIAL, {}).next_question or ""
        facts.pop(last)
        facts = {k: "dont_know" for k in facts}
    line, left = progress_line(State.of(TRIAL, "c", {**CONSENTED, **facts}))
    assert line == t(expected, "en", count=left)


def test_lists_are_joined_with_catalog_patterns() -> None:
    assert join_list(["a"], "en") == "a"
    assert join_list(["a", "b"], "en") == "a and b"
    assert join_list(["a", "b", "c"], "en") == "a, b and c"


def test_the_ineligible_result_names_every_reason_once(patient: Patient) -> None:
    patient.start()
    assert patient.say("70").asking == "confirm_facts"  # an exclusion is confirmed first
    reply = patient.say("yes")
    assert reply.asking is None and patient.slots["screening_outcome"] == "ineligible"
    result, after = patient.texts()
    assert "because the study is for people aged 3 to 65." in result
    assert "not a diagnosis" in result and after == t("dialogue.after_finish", "en")


def test_needs_review_lists_what_the_coordinator_checks() -> None:
    facts = {k: "dont_know" for k, f in TRIAL.facts.items() if f.askable}
    facts.update(age_years=34, sex="female", sle_diagnosed=True)
    state = State.of(TRIAL, "c", {**CONSENTED, **facts})
    assessment = assess(TRIAL, state.facts())
    assert assessment.outcome == "needs_review"
    text = result_text(state, assessment)
    labels = [TRIAL.facts[f.fact].label for f in assessment.follow_up]
    assert all(f"\n• {label}" in text for label in labels)


def test_the_contact_questions_follow_a_possible_result(patient: Patient) -> None:
    patient.slots.update({k: "dont_know" for k, f in TRIAL.facts.items() if f.askable})
    patient.slots.update(age_years=34, sex="female")
    patient.start()
    # the pre-screen ended with the respondent answer: result, then the contact question
    assert patient.replies[-1].asking == "contact_consent"
    assert patient.texts()[-1].startswith(t("dialogue.contact.question", "en"))
    patient.say("yes please", "affirm")
    patient.say("Maria Chen")
    done = patient.say("maria@example.com")
    assert done.asking is None
    assert patient.texts(done) == [
        t("dialogue.contact.saved", "en", name="Maria Chen", details="maria@example.com")
    ]
