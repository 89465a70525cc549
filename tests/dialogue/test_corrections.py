"""Corrections land on the right fact; protests are not answers (issue 11 §5), without Rasa.

Each case is a quoted exchange from the issue, at the point of the conversation where it was
said. The stack tests (tests/stack/test_issue11_quoted.py) run the same over HTTP.
"""

from __future__ import annotations

from bot.dialogue.state import REASK
from tests.dialogue.conftest import Patient
from tests.dialogue.test_groups_labs import walk_to
from tests.dialogue.test_stories import _history, _stored
from tests.issue11_quotes import DISCOID, HEART, HEP_B, KIDNEYS, PROTEST


def _raw(fact: str) -> list[str]:
    return [row["raw_text"] for row in _history() if row["fact"] == fact]


def test_heart_failure_said_later_is_confirmed_then_rules_out(patient: Patient) -> None:
    patient.start()
    walk_to(patient, "had_immunomodulator_3mo")
    assert _stored()["heart_condition"] is False  # "none of these" at first
    patient.say(HEART)
    assert patient.slots["proposed_facts"] == {"heart_condition": True}
    assert patient.texts()[-1].startswith("Just to be sure:")
    assert "not known" not in " ".join(patient.texts())
    # the question she was asked is not answered by it
    assert "had_immunomodulator_3mo" not in _stored()
    patient.say("yes")
    assert _stored()["heart_condition"] is True
    assert _raw("heart_condition")[-1] == HEART
    assert patient.slots["screening_outcome"] == "ineligible"


def test_a_protest_corrects_the_disputed_fact_and_answers_nothing_else(patient: Patient) -> None:
    patient.start()
    walk_to(patient, "conditions_now")
    patient.say("none, but not sure about the heart one")
    assert _stored()["heart_condition"] is None
    walk_to(patient, "had_glucocorticoid_and_cyclophosphamide_6mo", {"lupus_nephritis": "no"})
    patient.say(PROTEST)
    assert "had_glucocorticoid_and_cyclophosphamide_6mo" not in _stored()
    assert patient.slots["proposed_facts"] == {"heart_condition": True}
    patient.say("yes")
    assert _stored()["heart_condition"] is True
    others = {row["raw_text"] for row in _history() if row["fact"] != "heart_condition"}
    assert PROTEST not in others


def test_a_leading_no_answers_the_pending_question_and_the_hedge_is_asked_again(
    patient: Patient,
) -> None:
    patient.start()
    walk_to(patient, "lupus_nephritis")
    assert _stored()["infection_serology_positive"] is False
    patient.say(HEP_B)
    stored = _stored()
    assert stored["lupus_nephritis"] is False  # the "no." answers what was asked
    assert stored["infection_serology_positive"] is False  # a hedge sets nothing…
    # …and the hepatitis question is asked again, saying why
    assert patient.slots["requested_slot"] == "infection_serology_positive"
    assert patient.slots[REASK] == ["infection_serology_positive"]
    assert "Let me ask it once more" in patient.texts()[-1]
    patient.say("yes, im a hep b carrier, it showed up on a blood test years ago")
    assert patient.texts()[-1].startswith("Just to be sure:")
    patient.say("yes")
    assert _stored()["infection_serology_positive"] is True
    assert not patient.slots.get(REASK)


def test_a_hedged_doubt_answered_no_keeps_the_patient_in(patient: Patient) -> None:
    patient.start()
    walk_to(patient, "lupus_nephritis")
    patient.say(HEP_B)
    patient.say("no, sorry, I checked: I'm not")
    assert _stored()["infection_serology_positive"] is False
    assert not patient.slots.get(REASK)
    assert patient.slots["screening_state"] == "active"


def test_a_kidney_correction_lands_on_ln_no_remission(patient: Patient) -> None:
    patient.start()
    walk_to(
        patient,
        "had_immunomodulator_3mo",
        {
            "lupus_nephritis": "yes lupus nephritis",
            "biopsy_months_ago": "4 months ago",
            "ln_no_remission": "not sure tbh",
        },
    )
    assert _stored()["ln_no_remission"] is None
    patient.say(KIDNEYS)
    stored = _stored()
    assert stored["lupus_nephritis"] is True
    assert stored["had_immunomodulator_3mo"] is True  # tacrolimus and mycophenolate: a yes
    assert patient.slots["proposed_facts"] == {"ln_no_remission": True}
    patient.say("yes")
    assert _stored()["ln_no_remission"] is True
    assert _raw("ln_no_remission")[-1] == KIDNEYS


def test_discoid_but_not_systemic_is_asked_again_never_a_yes(patient: Patient) -> None:
    patient.start()
    walk_to(patient, "sle_diagnosed")
    patient.say(DISCOID)
    assert "sle_diagnosed" not in _stored()
    assert patient.slots["requested_slot"] == "sle_diagnosed"
    patient.say("no, only the discoid kind on my skin")
    assert patient.texts()[-1].startswith("Just to be sure:")  # a no would rule her out
    patient.say("yes")
    assert _stored()["sle_diagnosed"] is False


def test_an_exclusion_told_after_the_result_is_read_back_and_recorded(patient: Patient) -> None:
    patient.start()
    walk_to(patient, "conditions_now")
    patient.say("just pregnant")
    patient.say("yes")
    assert patient.slots["screening_outcome"] == "ineligible"
    patient.say("I had a kidney transplant in 2021")
    assert patient.slots["proposed_facts"] == {"organ_transplant": True}
    assert "organ_transplant" not in _stored()
    patient.say("yes")
    assert _stored()["organ_transplant"] is True
    result = next(m for m in patient.replies[-1].messages if "outcome" in m.custom)
    assert "organ transplant" in result.text and "pregnancy" in result.text
