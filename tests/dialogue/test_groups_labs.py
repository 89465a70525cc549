"""Grouped questions and the lab-values invitation in the dialogue (issue 11 §3, §4, §6, §7).

A group lists the pending members under one question; "none of these", "just the X" and "not
sure about Y" set every member at once; a named exclusion is confirmed before it is stored.
The lab-values question invites a pasted report, reads each value back, asks once for what is
missing, and accepts "I don't have them". Real parser, real SQLite store, no Rasa.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from bot.engine import LABS
from tests.dialogue.conftest import TRIAL, Patient
from tests.dialogue.test_stories import _history, _stored

NOW = TRIAL.groups["conditions_now"].members
EVER = TRIAL.groups["history_ever"].members

#: how an eligible patient answers each single question on the way (typed as people type).
ANSWERS = {
    "age_years": "34",
    "sex": "female",
    "sle_diagnosed": "yes",
    "lupus_nephritis": "no",
    "glucocorticoid_mg_per_day": "10mg",
    "had_glucocorticoid_and_cyclophosphamide_6mo": "yes",
    "had_immunomodulator_3mo": "yes",
    "routine_treatment_failed": "yes, they didn't work",
    "pregnant_or_breastfeeding": "no",
    "can_stop_immunosuppressants": "yes",
    "ecog": "1",
    "can_consent": "yes",
    "conditions_now": "none of these",
    "history_ever": "no, none",
    "diabetes": "no",
    "lab_results": "I don't have them",
    "confirm_facts": "yes",
}


def walk_to(patient: Patient, slot: str, answers: dict[str, str] | None = None) -> None:
    """Answer the questions on the way (ANSWERS) until `slot` is asked."""
    answers = {**ANSWERS, **(answers or {})}
    for _ in range(40):
        asked = patient.slots.get("requested_slot")
        if asked == slot:
            return
        assert asked in answers, f"asked {asked} before {slot}: {patient.texts()}"
        patient.say(answers[str(asked)])
    raise AssertionError(f"{slot} never asked")


@pytest.fixture
def at_group(patient: Patient) -> Patient:
    patient.start()
    walk_to(patient, "conditions_now")
    return patient


def test_the_group_is_one_question_listing_its_members(at_group: Patient) -> None:
    assert at_group.slots["pending_facts"] == list(NOW)
    message = at_group.replies[-1].messages[-1]
    assert message.text.startswith("Do any of these apply to you at the moment?")
    for key in NOW:
        assert TRIAL.groups["conditions_now"].items[key] in message.text
    titles = [b.title for b in message.buttons]
    assert titles[0] == "None of these"
    labels = TRIAL.groups["conditions_now"].item_labels
    assert titles[1:-1] == [labels[key] for key in NOW]
    # one button per item only where there is room; "None of these" always
    assert [b.as_dict().get("wide_only", False) for b in message.buttons[:2]] == [False, True]


def test_none_of_these_sets_every_member_false_in_one_message(at_group: Patient) -> None:
    at_group.say("nope, none of those")
    stored = _stored()
    assert {key: stored[key] for key in NOW} == dict.fromkeys(NOW, False)
    assert at_group.slots["requested_slot"] == "history_ever"
    history = {row["fact"]: row for row in _history()}
    assert history["dic"]["raw_text"] == "nope, none of those"


def test_only_x_is_confirmed_before_it_excludes_and_the_rest_are_no(at_group: Patient) -> None:
    reply = at_group.say("just the lung problem")
    assert reply.asking == "confirm_facts"
    assert at_group.slots["proposed_facts"] == {"lung_condition": True}
    assert "Just to be sure:" in at_group.texts()[-1]
    stored = _stored()
    assert "lung_condition" not in stored  # not stored before the patient confirms
    assert all(stored[key] is False for key in NOW if key != "lung_condition")
    at_group.say("yes")
    assert _stored()["lung_condition"] is True
    assert at_group.replies[-1].messages[-2].custom.get("outcome") == "ineligible"


def test_an_exclusion_named_in_the_group_and_denied_keeps_the_patient_in(
    at_group: Patient,
) -> None:
    at_group.say("the heart one")
    at_group.say("no sorry, I pressed the wrong thing")
    assert "heart_condition" not in _stored()
    # asked again on its own, later: the patient is still in the pre-screen
    assert at_group.slots["screening_state"] == "active"


def test_not_sure_about_y_leaves_y_unknown(at_group: Patient) -> None:
    at_group.say("none of them, but I'm not sure about the infection one")
    stored = _stored()
    assert stored["uncontrolled_infection"] is None
    assert "uncontrolled_infection" in stored  # asked, and not known
    assert all(stored[key] is False for key in NOW if key != "uncontrolled_infection")
    assert at_group.slots["requested_slot"] == "history_ever"


def test_a_button_tap_names_its_item(at_group: Patient) -> None:
    label = TRIAL.groups["conditions_now"].item_labels["skin_disease"]
    at_group.say(label)
    assert at_group.slots["proposed_facts"] == {"skin_disease": True}


def test_a_bare_yes_asks_which_ones(at_group: Patient) -> None:
    at_group.say("yes")
    assert at_group.slots["requested_slot"] == "conditions_now"
    assert "Which of them apply?" in at_group.texts()[-1]
    assert not any(key in _stored() for key in NOW)


def test_an_answer_that_says_nothing_of_the_list_gets_the_hint(at_group: Patient) -> None:
    at_group.say("what do you mean")
    assert at_group.slots["requested_slot"] == "conditions_now"
    assert TRIAL.groups["conditions_now"].hint in at_group.texts()[-1]


def test_only_the_items_ruled_out_are_set_when_the_answer_names_no_other(
    at_group: Patient,
) -> None:
    at_group.say("I don't have cancer or heart problems")
    stored = _stored()
    assert stored["other_cancer"] is False and stored["heart_condition"] is False
    assert "lung_condition" not in stored
    # the rest is asked again (after the "ever" question, which now comes first), without
    # the two answered
    walk_to(at_group, "conditions_now")
    assert at_group.slots["pending_facts"] == [
        k for k in NOW if k not in ("other_cancer", "heart_condition")
    ]


def test_why_explains_the_group(at_group: Patient) -> None:
    at_group.say("why do you need to know that?", "ask_why")
    assert TRIAL.groups["conditions_now"].why in at_group.texts()[0]
    assert at_group.slots["requested_slot"] == "conditions_now"


def test_a_guardian_is_asked_about_the_patient(patient: Patient) -> None:
    patient.start("for my child")
    walk_to(patient, "conditions_now", {"age_years": "12", "sex": "girl"})
    assert patient.texts()[-1].startswith("Do any of these apply to the patient at the moment?")


def test_a_fact_stated_beside_the_group_answer_is_read_back(at_group: Patient) -> None:
    at_group.say("none of these. but I had a kidney transplant in 2021")
    assert all(_stored()[key] is False for key in NOW)
    assert at_group.slots["proposed_facts"] == {"organ_transplant": True}


def test_progress_counts_a_group_as_one_question(patient: Patient) -> None:
    patient.start()
    lefts: list[int] = []
    for _ in range(40):
        message = patient.replies[-1].messages[-1]
        if "questions_left" in message.custom:
            lefts.append(int(message.custom["questions_left"]))
        asked = patient.slots.get("requested_slot")
        if asked not in ANSWERS and asked != LABS:
            break
        patient.say("I don't have them" if asked == LABS else ANSWERS[str(asked)])
    assert lefts[0] == 21  # 36 single facts: two groups and the lab values ask fewer
    assert all(b < a for a, b in itertools.pairwise(lefts)), lefts


# ── lab values ─────────────────────────────────────────────────────────────────────────────

LABS_LISTED = ["ana_titer", "anti_dsdna_iu_ml", "lymphocytes_10e9_l", "egfr_ml_min"]


@pytest.fixture
def at_labs(patient: Patient) -> Patient:
    patient.start()
    walk_to(patient, LABS)
    return patient


def test_the_lab_question_invites_a_pasted_report(at_labs: Patient) -> None:
    pending = at_labs.slots["pending_facts"]
    assert set(LABS_LISTED) <= set(pending)
    assert "type or paste them" in at_labs.texts()[-1]
    assert [b.title for b in at_labs.replies[-1].messages[-1].buttons] == ["I don't have them"]


def test_a_pasted_report_is_read_back_then_what_is_missing_is_asked_once(
    at_labs: Patient,
) -> None:
    at_labs.say("ANA 1:640, dsDNA 210 IU/mL\nlymphocytes 1.3 creatinine 98 umol/L")
    proposed = at_labs.slots["proposed_facts"]
    assert proposed["ana_titer"] == 640 and proposed["anti_dsdna_iu_ml"] == 210
    assert proposed["lymphocytes_10e9_l"] == 1.3
    assert proposed["serum_creatinine_mg_dl"] == pytest.approx(98 / 88.4, abs=0.01)
    text = at_labs.texts()[-1]
    assert "1:640" in text and "210 IU/mL" in text
    assert not any(key in _stored() for key in proposed)  # read back first
    at_labs.say("yes thats right")
    stored = _stored()
    assert stored["ana_titer"] == 640
    # the eGFR follows from the creatinine (with age and sex): nothing is missing
    assert at_labs.slots["requested_slot"] != LABS
    assert "egfr_ml_min" not in at_labs.slots["pending_facts"]


def test_the_read_back_asks_for_what_is_missing_and_a_yes_leaves_it_unknown(
    at_labs: Patient,
) -> None:
    at_labs.say("ANA 1:320 and lymphocytes 1.5")
    missing = at_labs.replies[-1].messages[-1].custom["missing"]
    assert set(missing) == {"egfr_ml_min", "serum_creatinine_mg_dl"}  # dsDNA: ANA settles it
    text = at_labs.texts()[-1]
    assert "Is that right?" in text and "I don't have these yet" in text
    assert "your blood creatinine" in text
    at_labs.say("yes thats them, don't have the rest")
    stored = _stored()
    assert stored["ana_titer"] == 320 and stored["lymphocytes_10e9_l"] == 1.5
    assert all(key in stored and stored[key] is None for key in missing)
    assert at_labs.slots["requested_slot"] != LABS  # asked once: not again


def test_a_value_added_at_the_read_back_is_read_back_too(at_labs: Patient) -> None:
    at_labs.say("ANA 1:320 and lymphocytes 1.5")
    at_labs.say("yes, and my creatinine was 80 umol/L")
    assert at_labs.slots["proposed_facts"] == {
        "serum_creatinine_mg_dl": pytest.approx(0.9, abs=0.01)
    }
    stored = _stored()
    assert stored["ana_titer"] == 320 and stored["egfr_ml_min"] is None
    assert "serum_creatinine_mg_dl" not in stored
    at_labs.say("yes")
    assert _stored()["serum_creatinine_mg_dl"] == pytest.approx(0.9, abs=0.01)


def test_a_no_at_the_read_back_asks_the_values_once_more(at_labs: Patient) -> None:
    at_labs.say("ANA 1:320 and lymphocytes 1.5")
    at_labs.say("no")
    assert "ana_titer" not in _stored()
    assert at_labs.slots["requested_slot"] == LABS
    assert "I still don't have these values" in at_labs.texts()[-1]
    missing = list(at_labs.slots["pending_facts"])
    at_labs.say("ANA was 1:160")
    assert at_labs.slots["proposed_facts"] == {"ana_titer": 160}
    stored = _stored()
    assert all(stored.get(key, "unset") is None for key in missing if key != "ana_titer")


@pytest.mark.parametrize(
    "text",
    [
        "I don't have them",
        "i dont have my results with me sorry",
        "no idea, my doctor has those",
        "not with me",
    ],
)
def test_i_dont_have_them_leaves_every_lab_value_unknown(at_labs: Patient, text: str) -> None:
    pending = list(at_labs.slots["pending_facts"])
    at_labs.say(text)
    stored = _stored()
    assert all(key in stored and stored[key] is None for key in pending)
    assert at_labs.slots["requested_slot"] != LABS


def test_words_without_values_get_a_hint_and_nothing_is_stored(at_labs: Patient) -> None:
    at_labs.say("they were fine last time")
    assert at_labs.slots["requested_slot"] == LABS
    assert "couldn't find any values" in at_labs.texts()[-1]
    assert "ana_titer" not in _stored()


def test_an_out_of_range_lab_value_is_never_stored(at_labs: Patient) -> None:
    at_labs.say("lymphocytes 5000")
    stored: dict[str, Any] = _stored()
    assert "lymphocytes_10e9_l" not in stored or stored["lymphocytes_10e9_l"] is None


@pytest.mark.parametrize(
    ("text", "intent"),
    [("start again", "start_over"), ("stop", "stop"), ("delete my answers", "delete_data")],
)
@pytest.mark.parametrize("slot", ["conditions_now", LABS])
def test_requests_work_while_a_group_or_the_lab_question_waits(
    patient: Patient, slot: str, text: str, intent: str
) -> None:
    patient.start()
    walk_to(patient, slot)
    reply = patient.say(text, intent)
    assert reply.messages and all(m.text for m in reply.messages)
    if intent == "start_over":
        assert patient.slots["requested_slot"] == "consent_prescreen"
    elif intent == "stop":
        assert patient.slots["screening_state"] == "stopped"
    else:
        assert patient.slots["screening_state"] == "deleted" and _stored() == {}
