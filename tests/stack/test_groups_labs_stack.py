"""Grouped questions, the lab-values invitation and the read-back, end to end over HTTP
(issue 11 §2, §3, §4, §7): the real Rasa server and action server, patients typing as people
type. What is being asked is read from Rasa's tracker (`requested_slot`, `pending_facts`,
`proposed_facts`), what is stored from the store itself (every answer row, superseded ones
too) and from `prescreen export`; what the patient is told from Rasa's REST replies.

The same behaviours without Rasa are in tests/dialogue/test_groups_labs.py; here they must
survive Rasa's REST channel, its tracker and the action server.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from bot.criteria import get_trial
from bot.store import screenings
from bot.store.db import session_scope
from tests.stack.harness import Chat, Stack, tracker_slots

pytestmark = pytest.mark.stack
TRIAL = get_trial()

CONFIRM = "confirm_facts"
LABS = "lab_results"
NOW = list(TRIAL.groups["conditions_now"].members)
EVER = list(TRIAL.groups["history_ever"].members)
LAB_KEYS = ["ana_titer", "anti_dsdna_iu_ml", "lymphocytes_10e9_l", "egfr_ml_min"]
#: how the bot tells a patient they are ruled out.
RULED_OUT = "would not be a fit"

#: how a patient with nothing that rules her out answers each single question, typed as
#: people type; the two groups and the lab question are answered by each test.
ANSWERS = {
    "consent_prescreen": "ok sure",
    "respondent": "its for me",
    "age_years": "im 34",
    "sex": "female",
    "sle_diagnosed": "yes since 2015",
    "lupus_nephritis": "no",
    "glucocorticoid_mg_per_day": "about 10mg a day",
    "had_glucocorticoid_and_cyclophosphamide_6mo": "yes",
    "had_immunomodulator_3mo": "yes, hydroxychloroquine for years",
    "routine_treatment_failed": "yes, it kept coming back",
    "pregnant_or_breastfeeding": "no",
    "can_stop_immunosuppressants": "yes i could",
    "ecog": "i can walk and do light work but nothing heavy",
    "can_consent": "yes",
    "diabetes": "no",
    "conditions_now": "none of these",
    "history_ever": "no none",
    LABS: "I don't have them",
    # a lab value asked on its own (only one left to ask)
    "ana_titer": "dont know",
    "anti_dsdna_iu_ml": "dont know",
    "lymphocytes_10e9_l": "dont know",
    "egfr_ml_min": "dont know",
    "serum_creatinine_mg_dl": "dont know",
    "contact_consent": "no thanks",
}


class Patient:
    """One patient over Rasa's REST channel, reading the tracker after each bot turn."""

    def __init__(self, stack: Stack, kind: str) -> None:
        self.stack = stack
        self.chat = Chat(stack, f"gl-{kind}-{uuid.uuid4().hex[:10]}")
        self.last: list[dict[str, Any]] = []

    @property
    def sender(self) -> str:
        return self.chat.sender

    def send(self, text: str) -> list[dict[str, Any]]:
        self.last = self.chat.send(text)
        return self.last

    def slots(self) -> dict[str, Any]:
        """The conversation's slots as Rasa's tracker holds them now."""
        return tracker_slots(self.stack, self.sender)

    @property
    def asking(self) -> str | None:
        value = self.slots().get("requested_slot")
        return str(value) if value else None

    def said(self) -> str:
        """Everything the bot said so far."""
        return "\n".join(text for who, text in self.chat.log if who == "bot")

    def replied(self) -> str:
        """What the bot said to the last message."""
        return "\n".join(m.get("text", "") for m in self.last)

    def transcript(self) -> str:
        return self.chat.transcript()

    def walk_to(self, slot: str | None, answers: dict[str, str] | None = None) -> None:
        """Answer what is asked (from ANSWERS, then `answers`) until `slot` is asked (None:
        until nothing is asked any more)."""
        known = {**ANSWERS, **(answers or {})}
        if not self.chat.log:
            self.send("hi")
        for _ in range(60):
            asked = self.asking
            if asked == slot:
                return
            assert asked in known, f"unexpected question {asked!r}\n{self.transcript()}"
            self.send(known[str(asked)])
        raise AssertionError(f"{slot!r} was never asked\n{self.transcript()}")

    def finish(self, answers: dict[str, str] | None = None) -> list[str]:
        """Answer what is asked until nothing is; the slots asked, in order."""
        known = {**ANSWERS, **(answers or {})}
        asked: list[str] = []
        for _ in range(60):
            slot = self.asking
            if slot is None:
                return asked
            assert slot in known, f"unexpected question {slot!r}\n{self.transcript()}"
            asked.append(slot)
            self.send(known[slot])
        raise AssertionError(f"the conversation did not end\n{self.transcript()}")

    def export(self) -> dict[str, Any]:
        return self.stack.export(self.sender)

    def facts(self) -> dict[str, Any]:
        """The current facts (None: asked and unknown; absent: never stored)."""
        return dict(self.export()["facts"])

    def history(self) -> list[dict[str, Any]]:
        """Every answer row stored for the conversation, superseded ones too, oldest first."""
        with session_scope(self.stack.database_url) as session:
            sid = screenings.current_screening_id(session, self.sender)
            assert sid is not None, self.transcript()
            return screenings.answer_history(session, int(sid))


def new_patient(stack: Stack, kind: str) -> Patient:
    return Patient(stack, kind)


@pytest.fixture
def at_group(stack: Stack) -> Patient:
    """A patient who has just been asked "Do any of these apply to you at the moment?"."""
    patient = new_patient(stack, "group")
    patient.walk_to("conditions_now")
    return patient


@pytest.fixture
def at_labs(stack: Stack) -> Patient:
    """A patient who has just been invited to type or paste her blood results."""
    patient = new_patient(stack, "labs")
    patient.walk_to(LABS)
    return patient


# ── grouped questions ───────────────────────────────────────────────────────────────────────


def test_the_group_lists_its_items_and_item_buttons_are_wide_only_through_rasa(
    at_group: Patient,
) -> None:
    group = TRIAL.groups["conditions_now"]
    slots = at_group.slots()
    assert slots["pending_facts"] == NOW
    message = at_group.last[-1]
    assert message["text"].startswith("Do any of these apply to you at the moment?")
    for key in NOW:  # one line per item
        assert f"\n• {' '.join(group.items[key].split())}" in message["text"], key
    buttons = message["buttons"]
    assert [b["title"] for b in buttons] == [
        "None of these",
        *(group.item_labels[key] for key in NOW),
        "I don't know",
    ]
    # Rasa's REST channel carries the extra key: only the per-item buttons are wide_only
    assert [b.get("wide_only", False) for b in buttons] == [False, *[True] * len(NOW), False]
    assert "wide_only" not in buttons[0] and "wide_only" not in buttons[-1]


def test_none_of_these_stores_every_member_false_in_one_message(at_group: Patient) -> None:
    at_group.send("nah none of those apply to me")
    facts = at_group.facts()
    assert {key: facts.get(key, "unset") for key in NOW} == dict.fromkeys(NOW, False)
    slots = at_group.slots()
    assert slots["requested_slot"] == "history_ever"
    assert slots["pending_facts"] == EVER
    assert at_group.replied().startswith("Have you ever had any of these?")
    # each member's evidence is the patient's own words
    rows = [row for row in at_group.history() if row["fact"] in NOW]
    assert len(rows) == len(NOW)
    assert {row["raw_text"] for row in rows} == {"nah none of those apply to me"}

    at_group.send("nope, never had any of them")
    facts = at_group.facts()
    assert {key: facts.get(key, "unset") for key in EVER} == dict.fromkeys(EVER, False)
    # the next question is a single one (the ever-group is not asked again)
    assert at_group.asking not in (None, CONFIRM, "conditions_now", "history_ever")


def test_only_x_is_confirmed_first_and_the_patient_learns_the_result_after(
    at_group: Patient,
) -> None:
    at_group.send("umm only the lung one, im on oxygen at night")
    slots = at_group.slots()
    assert slots["requested_slot"] == CONFIRM, at_group.transcript()
    assert slots["proposed_facts"] == {"lung_condition": True}
    assert slots["pending_facts"] == ["lung_condition"]
    readback = at_group.last[-1]
    assert readback["text"].startswith("Just to be sure:"), at_group.transcript()
    assert "lung" in readback["text"]
    assert [b["title"] for b in readback["buttons"]] == ["Yes", "No"]
    assert RULED_OUT not in at_group.said()  # not told before confirming
    facts = at_group.facts()
    assert "lung_condition" not in facts  # not stored before confirming
    assert {key: facts[key] for key in NOW if key != "lung_condition"} == {
        key: False for key in NOW if key != "lung_condition"
    }

    at_group.send("yes thats right")
    export = at_group.export()
    assert export["facts"]["lung_condition"] is True
    assert export["outcome"] == "ineligible", at_group.transcript()
    told = at_group.replied()
    assert RULED_OUT in told and "lung" in told, at_group.transcript()
    assert at_group.asking is None  # nothing more is asked


def test_only_x_in_the_ever_group_names_hepatitis_b(at_group: Patient) -> None:
    at_group.send("None of these")
    assert at_group.asking == "history_ever"
    at_group.send("just the hep b, nothing else")
    slots = at_group.slots()
    assert slots["requested_slot"] == CONFIRM, at_group.transcript()
    assert slots["proposed_facts"] == {"infection_serology_positive": True}
    facts = at_group.facts()
    assert facts["organ_transplant"] is False and facts["severe_allergy"] is False
    assert "infection_serology_positive" not in facts
    assert RULED_OUT not in at_group.said()
    at_group.send("yep")
    export = at_group.export()
    assert export["facts"]["infection_serology_positive"] is True
    assert export["outcome"] == "ineligible"
    assert RULED_OUT in at_group.replied()


def test_not_sure_about_y_leaves_y_unknown_and_the_rest_false(at_group: Patient) -> None:
    at_group.send("none of them, not sure about the clotting one tho")
    facts = at_group.facts()
    assert "dic" in facts and facts["dic"] is None  # asked, and not known
    assert {key: facts[key] for key in NOW if key != "dic"} == {
        key: False for key in NOW if key != "dic"
    }
    assert at_group.asking == "history_ever"
    assert "Just to be sure" not in at_group.replied()

    at_group.send("not sure abt the allergy one, rest no")
    facts = at_group.facts()
    assert facts["severe_allergy"] is None and "severe_allergy" in facts
    assert facts["organ_transplant"] is False and facts["infection_serology_positive"] is False

    # not asked again: the clotting disorder and the allergy stay unknown to the end
    asked = at_group.finish()
    assert not {"dic", "severe_allergy", "conditions_now", "history_ever"} & set(asked), asked
    export = at_group.export()
    assert export["facts"]["dic"] is None and export["facts"]["severe_allergy"] is None
    assert export["outcome"] == "needs_review", at_group.transcript()
    assert RULED_OUT not in at_group.said()


def test_the_i_dont_know_button_leaves_every_member_unknown(at_group: Patient) -> None:
    at_group.send("I don't know")
    facts = at_group.facts()
    assert {key: facts.get(key, "unset") for key in NOW} == dict.fromkeys(NOW, None)
    assert at_group.asking == "history_ever"


def test_an_item_button_names_its_item(at_group: Patient) -> None:
    label = TRIAL.groups["conditions_now"].item_labels["skin_disease"]
    at_group.send(label)  # the payload of the "Skin disease other than lupus" button
    slots = at_group.slots()
    assert slots["requested_slot"] == CONFIRM, at_group.transcript()
    assert slots["proposed_facts"] == {"skin_disease": True}
    # a button names the item that applies: the others are a no, as for "just the skin one"
    facts = at_group.facts()
    assert "skin_disease" not in facts  # read back before it is stored
    assert {key: facts.get(key, "unset") for key in NOW if key != "skin_disease"} == {
        key: False for key in NOW if key != "skin_disease"
    }


def test_an_exclusion_denied_at_confirmation_keeps_the_patient_in(at_group: Patient) -> None:
    at_group.send("the heart one")
    slots = at_group.slots()
    assert slots["requested_slot"] == CONFIRM, at_group.transcript()
    assert slots["proposed_facts"] == {"heart_condition": True}
    assert at_group.replied().startswith("Just to be sure:")

    at_group.send("no no sorry i tapped the wrong one")
    assert RULED_OUT not in at_group.said()
    assert "heart_condition" not in at_group.facts()
    assert not [row for row in at_group.history() if row["fact"] == "heart_condition"]
    assert at_group.slots()["screening_state"] == "active"

    # asked again later, on its own; this time she answers it properly and stays in
    asked = at_group.finish({"heart_condition": "no my heart is fine"})
    assert "heart_condition" in asked, at_group.transcript()
    export = at_group.export()
    assert export["facts"]["heart_condition"] is False
    assert export["outcome"] == "needs_review", at_group.transcript()
    assert RULED_OUT not in at_group.said()


def test_a_typo_in_none_of_these_is_still_understood(at_group: Patient) -> None:
    at_group.send("non of thes")
    facts = at_group.facts()
    assert {key: facts.get(key, "unset") for key in NOW} == dict.fromkeys(NOW, False)


def test_a_hedged_allergy_in_own_words_is_not_stored_as_no(at_group: Patient) -> None:
    at_group.send("None of these")
    at_group.send("i might have had a bad reaction to penicillin as a kid but none of the others")
    facts = at_group.facts()
    assert facts["organ_transplant"] is False and facts["infection_serology_positive"] is False
    assert facts.get("severe_allergy", "unset") is not False, at_group.transcript()
    # asked on its own when not settled; it never becomes a no she did not say
    at_group.finish({"severe_allergy": "not sure tbh, it was a long time ago"})
    export = at_group.export()
    assert export["facts"].get("severe_allergy") is None, at_group.transcript()
    assert export["outcome"] == "needs_review"


def test_the_rest_no_holds_beside_an_item_doubted_in_own_words(at_group: Patient) -> None:
    at_group.send("None of these")
    at_group.send("not sure if i had a bad reaction to penicillin once, the rest no")
    facts = at_group.facts()
    assert facts.get("severe_allergy", "unset") is not False
    assert facts["organ_transplant"] is False and facts["infection_serology_positive"] is False


#: a parent answering for a 12-year-old son.
GUARDIAN = {
    "respondent": "for my son",
    "age_years": "he's 12",
    "sex": "boy",
    "sle_diagnosed": "yes he was diagnosed at 9",
}


@pytest.mark.parametrize(
    ("answers", "text"),
    [({}, "i dont have any of those"), (GUARDIAN, "he doesnt have any of those")],
    ids=["self", "guardian"],
)
def test_dont_have_any_of_those_is_none_of_these(
    stack: Stack, answers: dict[str, str], text: str
) -> None:
    patient = new_patient(stack, "none-said")
    patient.walk_to("conditions_now", answers)
    members = list(patient.slots()["pending_facts"])
    if answers is GUARDIAN:  # a boy is never asked about pregnancy
        assert members == [key for key in NOW if key != "pregnant_or_breastfeeding"]
    patient.send(text)
    facts = patient.facts()
    assert {key: facts.get(key, "unset") for key in members} == dict.fromkeys(members, False)
    assert patient.asking == "history_ever", patient.transcript()


# ── lab values ─────────────────────────────────────────────────────────────────────────────

REPORT = "here u go\nANA 1:640\ndsDNA 210 IU/mL\nLymphocytes 1.3 x10^9/L"


def test_the_lab_question_invites_a_pasted_report(at_labs: Patient) -> None:
    slots = at_labs.slots()
    assert slots["requested_slot"] == LABS
    assert set(LAB_KEYS) <= set(slots["pending_facts"])
    message = at_labs.last[-1]
    assert "type or paste them" in message["text"]
    assert [b["title"] for b in message["buttons"]] == ["I don't have them"]


MISSING = {"egfr_ml_min", "serum_creatinine_mg_dl"}
#: how the read-back of a pasted report asks, once, for the values still missing.
STILL_MISSING = "I don't have these yet"


def test_a_report_paster_is_read_back_and_asked_for_the_rest_once(at_labs: Patient) -> None:
    at_labs.send(REPORT)
    slots = at_labs.slots()
    assert slots["requested_slot"] == CONFIRM, at_labs.transcript()
    assert slots["proposed_facts"] == {
        "ana_titer": 640,
        "anti_dsdna_iu_ml": 210,
        "lymphocytes_10e9_l": 1.3,
    }
    readback = at_labs.last[-1]["text"]
    noted, _, missing_part = readback.partition(STILL_MISSING)
    assert noted.startswith("I noted:") and "Is that right?" in noted, readback
    for shown in ("1:640", "210 IU/mL", "1.3"):
        assert shown in noted, readback
    # what is missing is asked in the same message, and only that (the kidney values)
    assert "kidney function (eGFR)" in missing_part and "blood creatinine" in missing_part
    assert "ANA" not in missing_part and "lymphocyte" not in missing_part
    assert set(slots["lab_missing"]) == MISSING
    assert [b["title"] for b in at_labs.last[-1]["buttons"]] == ["Yes", "No"]
    facts = at_labs.facts()
    assert not {"ana_titer", "anti_dsdna_iu_ml", "lymphocytes_10e9_l"} & set(facts)

    at_labs.send("yeah thats right")
    facts = at_labs.facts()
    assert facts["ana_titer"] == 640 and facts["anti_dsdna_iu_ml"] == 210
    assert facts["lymphocytes_10e9_l"] == pytest.approx(1.3)
    # the report's line breaks reached the store through Rasa: the evidence is the paste itself
    rows = {row["fact"]: row for row in at_labs.history()}
    assert rows["ana_titer"]["raw_text"] == REPORT
    # a yes without the missing values leaves them unknown: they are not asked again
    assert {key: facts.get(key, "unset") for key in MISSING} == dict.fromkeys(MISSING, None)
    assert at_labs.asking not in (LABS, CONFIRM), at_labs.transcript()  # not asked again
    at_labs.walk_to("contact_consent")  # the kidney and treatment history come after the labs
    assert at_labs.said().count(STILL_MISSING) == 1
    assert "I still don't have these values" not in at_labs.said()
    export = at_labs.export()
    assert export["outcome"] == "needs_review"
    assert export["criteria"]["I3"] == "met"  # the ANA read from the paste counts
    assert any(line["text"] == REPORT for line in export["transcript"])


def test_a_value_added_at_the_read_back_is_read_back_too(at_labs: Patient) -> None:
    at_labs.send(REPORT)
    at_labs.send("yes and creatinine was 98 umol/L")
    slots = at_labs.slots()
    assert slots["requested_slot"] == CONFIRM, at_labs.transcript()
    assert slots["proposed_facts"] == {"serum_creatinine_mg_dl": pytest.approx(98 / 88.4, 0.01)}
    assert "creatinine" in at_labs.replied() and "Is that right?" in at_labs.replied()
    facts = at_labs.facts()
    assert facts["ana_titer"] == 640  # the first read-back was confirmed
    assert "serum_creatinine_mg_dl" not in facts
    at_labs.send("yep")
    facts = at_labs.facts()
    assert facts["serum_creatinine_mg_dl"] == pytest.approx(98 / 88.4, 0.01)
    export = at_labs.export()
    assert export["criteria"]["E14"] == "not_met"  # the eGFR follows from the creatinine
    assert at_labs.asking not in (LABS, CONFIRM), at_labs.transcript()  # not asked again
    at_labs.walk_to("contact_consent")  # the kidney and treatment history come after the labs


def test_i_dont_have_them_leaves_every_lab_value_unknown(at_labs: Patient) -> None:
    pending = list(at_labs.slots()["pending_facts"])
    at_labs.send("I don't have them")  # the quick reply
    facts = at_labs.facts()
    assert {key: facts.get(key, "unset") for key in pending} == dict.fromkeys(pending, None)
    assert at_labs.asking not in (LABS, CONFIRM), at_labs.transcript()  # not asked again
    at_labs.walk_to("contact_consent")
    flags = {flag["fact"] for flag in at_labs.export()["follow_up"]}
    assert "lymphocytes_10e9_l" in flags  # the site team checks it


def test_a_corrected_lab_value_is_stored_not_the_read_back_one(at_labs: Patient) -> None:
    at_labs.send(REPORT)
    at_labs.send("no the dsdna was 120 not 210")
    facts = at_labs.facts()
    assert facts["anti_dsdna_iu_ml"] == 120
    values = [row["value"] for row in at_labs.history() if row["fact"] == "anti_dsdna_iu_ml"]
    assert values == [120]
    assert "120" in at_labs.replied()


def test_correcting_one_pasted_value_keeps_the_others(at_labs: Patient) -> None:
    at_labs.send(REPORT)
    at_labs.send("no the dsdna was 120 not 210")
    facts = at_labs.facts()
    assert facts.get("ana_titer") == 640
    assert facts.get("lymphocytes_10e9_l") == pytest.approx(1.3)
    assert "lymphocyte" not in at_labs.replied()


#: typed from memory on one line, the count per microlitre and the eGFR as reports print it.
ONE_LINE = "ana positive 1:160 speckled, lymphs 1300 /uL, egfr >90"


def test_a_one_line_report_in_other_units_is_converted_and_read_back(at_labs: Patient) -> None:
    at_labs.send(ONE_LINE)
    proposed = at_labs.slots()["proposed_facts"]
    assert proposed["ana_titer"] == 160
    assert proposed["lymphocytes_10e9_l"] == pytest.approx(1.3)
    assert "1:160" in at_labs.replied() and "1.3" in at_labs.replied()


@pytest.mark.xfail(
    strict=True,
    reason="'egfr >90' (how lab reports print a normal eGFR) is not read and not mentioned; "
    "the read-back asks for the eGFR as missing",
)
def test_an_egfr_reported_as_above_90_is_not_asked_for_again(at_labs: Patient) -> None:
    at_labs.send(ONE_LINE)
    missing_part = at_labs.replied().partition(STILL_MISSING)[2]
    assert "eGFR" not in missing_part, at_labs.transcript()


#: a report with a lymphocyte count too low for the study (it needs more than 1.0 ×10⁹/L).
LOW_REPORT = (
    "Lab results 02/12\nANA 1:320\nanti-dsDNA 45 IU/mL\nLymphocytes 0.6 x10^9/L\n"
    "Creatinine 88 umol/L"
)


def test_an_excluding_value_in_a_pasted_report_is_confirmed_before_the_result(
    at_labs: Patient,
) -> None:
    at_labs.send(LOW_REPORT)
    slots = at_labs.slots()
    assert slots["requested_slot"] == CONFIRM, at_labs.transcript()
    assert slots["proposed_facts"]["lymphocytes_10e9_l"] == pytest.approx(0.6)
    assert at_labs.replied().startswith("Just to be sure:"), at_labs.transcript()
    assert "0.6" in at_labs.replied()
    assert RULED_OUT not in at_labs.said()
    assert "lymphocytes_10e9_l" not in at_labs.facts()

    at_labs.send("yes thats what it says")
    export = at_labs.export()
    assert export["facts"]["lymphocytes_10e9_l"] == pytest.approx(0.6)
    assert export["outcome"] == "ineligible"
    assert RULED_OUT in at_labs.replied() and "lymphocyte" in at_labs.replied()


def test_an_excluding_value_denied_with_the_right_number_keeps_her_in(at_labs: Patient) -> None:
    at_labs.send(LOW_REPORT)
    at_labs.send("no sorry the lymphocytes were 1.6")
    assert RULED_OUT not in at_labs.said(), at_labs.transcript()
    values = [row["value"] for row in at_labs.history() if row["fact"] == "lymphocytes_10e9_l"]
    assert values == [pytest.approx(1.6)]  # the 0.6 read back was never stored
    assert at_labs.export()["outcome"] != "ineligible", at_labs.transcript()


def test_a_past_cancer_in_the_group_answer_is_not_read_back_as_current(
    at_group: Patient,
) -> None:
    at_group.send("i had breast cancer 10 yrs ago but its gone, nothing else")
    assert "a current cancer" not in at_group.replied(), at_group.transcript()
    assert at_group.slots().get("proposed_facts") != {"other_cancer": True}
    facts = at_group.facts()
    assert "other_cancer" not in facts  # neither yes nor no: asked on its own
    assert {key: facts[key] for key in NOW if key != "other_cancer"} == {
        key: False for key in NOW if key != "other_cancer"
    }
    asked = at_group.finish({"other_cancer": "no, not now"})
    assert "other_cancer" in asked and "conditions_now" not in asked, at_group.transcript()
    export = at_group.export()
    assert export["facts"]["other_cancer"] is False
    assert export["outcome"] == "needs_review"


# ── a read-back of a story, corrected ────────────────────────────────────────────────────────

STORY = (
    "im 29, female, had lupus since 2016 and lupus nephritis class iv, the biopsy was 3 months ago"
)
#: the kidney route's questions, for a patient with lupus nephritis.
KIDNEY = {
    "biopsy_class": "class 4",
    "biopsy_months_ago": "3 months ago",
    "ln_no_remission": "yes",
    "had_glucocorticoid_and_cyclophosphamide_6mo": "yes",
    "lupus_nephritis": "yes",
}


@pytest.fixture
def read_back(stack: Stack) -> Patient:
    """A storyteller whose story has just been read back ("I noted: …")."""
    patient = new_patient(stack, "story")
    patient.walk_to("age_years")
    patient.send(STORY)
    slots = patient.slots()
    assert slots["requested_slot"] == CONFIRM, patient.transcript()
    assert slots["proposed_facts"]["biopsy_months_ago"] == 3
    assert patient.last[-1]["text"].startswith("I noted:")
    assert "3 months" in patient.last[-1]["text"]
    return patient


def test_a_correction_after_a_read_back_stores_the_corrected_value(read_back: Patient) -> None:
    read_back.send("no, the biopsy was 5 months ago")
    assert "5 months" in read_back.replied(), read_back.transcript()
    assert read_back.slots()["requested_slot"] != CONFIRM
    values = [row["value"] for row in read_back.history() if row["fact"] == "biopsy_months_ago"]
    assert values == [5]  # the read-back's 3 was never stored
    assert read_back.facts()["age_years"] == 29

    asked = read_back.finish(KIDNEY)
    assert "biopsy_months_ago" not in asked, read_back.transcript()
    export = read_back.export()
    assert export["facts"]["biopsy_months_ago"] == 5
    assert export["outcome"] == "needs_review", read_back.transcript()


def test_a_correction_keeps_the_rest_of_the_read_back(read_back: Patient) -> None:
    read_back.send("no, the biopsy was 5 months ago")
    facts = read_back.facts()
    assert facts.get("sex") == "female" and facts.get("lupus_nephritis") is True
    assert facts.get("sle_diagnosed") is True and facts.get("biopsy_class") == "IV"
    assert facts.get("biopsy_months_ago") == 5
    asked = read_back.finish(KIDNEY)
    assert not {"sex", "sle_diagnosed", "lupus_nephritis", "biopsy_class"} & set(asked), asked
