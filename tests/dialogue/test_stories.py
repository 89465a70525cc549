"""Several facts in one message (issue 11): read back before they are stored, the opening
message applied after consent, and every exclusion confirmed before the patient is told.

Real parser, real SQLite store (tests/dialogue/conftest.py), no Rasa.
"""

from __future__ import annotations

from typing import Any

from bot.store import screenings
from bot.store.db import session_scope
from tests.dialogue.conftest import TRIAL, Patient

STORY = (
    "I'm a 34 year old woman with lupus since 2018, lupus nephritis class IV on biopsy 3 "
    "months ago"
)
OPENING = "hi, i saw ur CAR-T study for lupus. i have lupus nephritis, can i join?"


def _stored(conversation_id: str = "conv-1") -> dict[str, Any]:
    with session_scope() as session:
        sid = screenings.current_screening_id(session, conversation_id)
        if sid is None:
            return {}
        return dict(screenings.current_facts(session, int(sid)))


def _history(conversation_id: str = "conv-1") -> list[dict[str, Any]]:
    with session_scope() as session:
        sid = screenings.current_screening_id(session, conversation_id)
        assert sid is not None
        return screenings.answer_history(session, int(sid))


def test_one_by_one_answers_say_what_is_pending(patient: Patient) -> None:
    patient.start()
    assert patient.slots["requested_slot"] == "age_years"
    assert patient.slots["pending_facts"] == ["age_years"]
    patient.say("34")
    assert patient.slots["requested_slot"] == "sex" and patient.slots["pending_facts"] == ["sex"]
    assert patient.slots.get("proposed_facts") is None


def test_a_story_is_read_back_then_stored_on_yes(patient: Patient) -> None:
    patient.start()
    reply = patient.say(STORY)
    # the pending question (age) is answered; everything else is read back, not stored
    assert reply.asking == "confirm_facts"
    proposed = {
        "sex": "female",
        "sle_diagnosed": True,
        "lupus_nephritis": True,
        "biopsy_class": "IV",
        "biopsy_months_ago": 3.0,
    }
    assert patient.slots["proposed_facts"] == proposed
    assert patient.slots["requested_slot"] == "confirm_facts"
    assert patient.slots["pending_facts"] == list(proposed)
    assert _stored() == {"age_years": 34}
    (text,) = patient.texts()
    assert text.startswith("I noted: ") and text.endswith("Is that right?")
    assert "female" in text and "lupus nephritis" in text and "3 months" in text
    assert [b.title for b in reply.messages[0].buttons] == ["Yes", "No"]

    reply = patient.say("yes")
    assert _stored() == {"age_years": 34, **proposed}
    stories = [a for a in _history() if a["fact"] in proposed]
    assert {a["raw_text"] for a in stories} == {STORY}  # the patient's own words as evidence
    assert reply.asking not in {"confirm_facts", *proposed, "age_years"}
    assert patient.slots["proposed_facts"] is None
    # next: the "at the moment" group (pregnancy is one of its lines for her), all pending
    assert reply.asking == "conditions_now"
    assert patient.slots["pending_facts"] == list(TRIAL.groups["conditions_now"].members)


def test_a_correction_at_the_read_back_stores_it_and_keeps_what_it_does_not_dispute(
    patient: Patient,
) -> None:
    patient.start()
    patient.say(STORY)
    reply = patient.say("no, the biopsy was 5 months ago")
    assert _stored() == {
        "age_years": 34,
        "sex": "female",
        "sle_diagnosed": True,
        "lupus_nephritis": True,
        "biopsy_class": "IV",
        "biopsy_months_ago": 5.0,
    }
    assert "updated my note" in patient.texts()[0]
    assert reply.asking not in ("sex", "sle_diagnosed", "lupus_nephritis", "confirm_facts")
    assert patient.slots["proposed_facts"] is None


def test_a_plain_no_at_the_read_back_drops_every_value(patient: Patient) -> None:
    patient.start()
    patient.say(STORY)
    reply = patient.say("No")
    assert _stored() == {"age_years": 34}
    assert reply.asking == "sex"


def test_an_exclusion_is_confirmed_before_the_patient_is_told(patient: Patient) -> None:
    patient.start()
    reply = patient.say("im 70")
    assert reply.asking == "confirm_facts" and patient.slots["proposed_facts"] == {
        "age_years": 70
    }
    (text,) = patient.texts()
    assert text.startswith("Just to be sure:") and "70" in text
    assert "not be a fit" not in text
    assert _stored() == {}
    patient.say("yes that's right")
    assert patient.slots["screening_outcome"] == "ineligible"
    assert _stored() == {"age_years": 70}
    assert "not be a fit" in " ".join(patient.texts())


def test_an_exclusion_in_a_story_is_confirmed(patient: Patient) -> None:
    patient.start()
    patient.say("im 34, had a kidney transplant back in 2021")
    assert patient.slots["proposed_facts"] == {"organ_transplant": True}
    assert patient.texts()[0].startswith("Just to be sure:")
    assert _stored() == {"age_years": 34}
    patient.say("yes")
    assert patient.slots["screening_outcome"] == "ineligible"
    assert _stored()["organ_transplant"] is True


def test_an_exclusion_denied_keeps_the_patient_in(patient: Patient) -> None:
    patient.start()
    patient.say("70")
    reply = patient.say("no sorry, typo")
    assert reply.asking == "age_years"  # unknown again, asked normally
    assert _stored() == {} and patient.slots.get("screening_outcome") is None
    assert "not be a fit" not in " ".join(patient.texts())


def test_an_exclusion_denied_with_the_right_value_stores_it(patient: Patient) -> None:
    patient.start()
    patient.say("70")
    reply = patient.say("no sorry, I'm 40")
    assert _stored() == {"age_years": 40}
    assert reply.asking == "sex"


def test_a_correction_that_would_exclude_is_confirmed(patient: Patient) -> None:
    patient.start()
    patient.say("34")
    reply = patient.say("sorry, I'm actually 70")
    assert reply.asking == "confirm_facts" and _stored() == {"age_years": 34}
    patient.say("yes")
    assert _stored() == {"age_years": 70}
    assert patient.slots["screening_outcome"] == "ineligible"


def test_the_opening_message_is_applied_after_consent(patient: Patient) -> None:
    patient.say(OPENING, "ask_join")
    assert patient.slots["opening_message"] == OPENING
    patient.say("yes")
    assert _stored() == {}  # nothing of it before the respondent is known and it is read back
    reply = patient.say("for myself")
    assert reply.asking == "confirm_facts"
    assert patient.slots["proposed_facts"] == {"lupus_nephritis": True}
    assert patient.slots["opening_message"] is None
    patient.say("yes")
    assert _stored() == {"lupus_nephritis": True}
    assert [a["raw_text"] for a in _history()] == [OPENING]
    asked = []
    answers = {"age_years": "34", "sex": "female", "sle_diagnosed": "yes"}
    for _ in range(4):
        asking = patient.slots["asking"]
        asked.append(asking)
        patient.say(answers.get(asking, "no"))
    assert "lupus_nephritis" not in asked, asked


def test_the_opening_message_is_dropped_when_consent_is_declined(patient: Patient) -> None:
    patient.say("Hi, I'm 45 and I have lupus nephritis")
    patient.say("no, I don't agree")
    assert patient.slots["opening_message"] is None
    assert patient.slots["screening_state"] == "declined"
    assert _stored() == {}
    assert all(v is None for k, v in patient.slots.items() if k in TRIAL.facts)


def test_a_question_while_a_read_back_waits_keeps_it_waiting(patient: Patient) -> None:
    patient.start()
    patient.say(STORY)
    reply = patient.say("why do you ask?", "ask_why", 0.99)
    assert reply.asking == "confirm_facts"
    assert "Is that right?" in patient.texts()[-1]
    patient.say("yes")
    assert _stored()["biopsy_class"] == "IV"


def test_a_request_is_not_read_as_a_story(patient: Patient) -> None:
    patient.start()
    patient.say("40")
    reply = patient.say("stop, I want to quit", "stop", 0.95)
    assert reply.asking is None and patient.slots["screening_state"] == "stopped"
    assert _stored() == {"age_years": 40}


def test_stop_while_a_read_back_waits_stores_nothing_of_it(patient: Patient) -> None:
    patient.start()
    patient.say(STORY)
    reply = patient.say("no stop, i want to quit", "stop", 0.95)
    assert reply.asking is None and patient.slots["screening_state"] == "stopped"
    assert _stored() == {"age_years": 34}
    assert patient.slots["proposed_facts"] is None


def test_a_story_sent_instead_of_answering_the_read_back_is_read_back_too(
    patient: Patient,
) -> None:
    """Found role-playing: the read-back of the opening ("lupus nephritis?") was answered with
    the whole story; the story's other facts were dropped and the age asked again."""
    patient.say(OPENING, "ask_join")
    patient.say("yes")
    patient.say("for myself")
    assert patient.slots["proposed_facts"] == {"lupus_nephritis": True}
    reply = patient.say(STORY)
    # lupus nephritis is confirmed by the story's own words; the rest is read back next
    assert _stored() == {"lupus_nephritis": True}
    assert reply.asking == "confirm_facts"
    assert patient.slots["proposed_facts"] == {
        "age_years": 34,
        "sex": "female",
        "sle_diagnosed": True,
        "biopsy_class": "IV",
        "biopsy_months_ago": 3.0,
    }
    patient.say("yes thats right")
    assert _stored()["age_years"] == 34 and _stored()["biopsy_class"] == "IV"
    assert patient.slots["asking"] not in ("age_years", "sex", "sle_diagnosed")
