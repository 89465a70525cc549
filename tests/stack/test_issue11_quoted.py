"""Every conversation quoted in issue 11 (§1 and §5) as a golden test over HTTP: the real Rasa
server and action server, the patient typing as people do, what the bot says checked, and what
the store keeps checked (each answer row with the patient's words as its evidence, superseded
rows too, and `prescreen export`).

The conversations do not follow a fixed question order: the patient reads `requested_slot` and
`pending_facts` from the tracker after every bot turn and answers what is asked from a profile
(tests/stack/quoted_support.py), until the point where the quoted message was sent.
"""

from __future__ import annotations

import pytest

from bot.criteria import get_trial
from tests.issue11_quotes import (
    DISCOID,
    HEART,
    HEP_B,
    KIDNEYS,
    OPENING,
    PROTEST,
    STORY,
    TRANSPLANT,
)
from tests.stack.harness import Stack
from tests.stack.quoted_support import (
    CONFIRM,
    KIDNEY_PATIENT,
    Patient,
    Profile,
    Row,
    answered,
    asks,
)

pytestmark = pytest.mark.stack
TRIAL = get_trial()


#: what the bot says when it tells a patient they are ruled out.
RULED_OUT = "would not be a fit"
#: how the bot begins the confirmation of a value that would rule the patient out.
JUST_TO_BE_SURE = "Just to be sure:"


def from_message(patient: Patient, text: str) -> dict[str, Row]:
    """The answer rows (superseded ones too) whose evidence is exactly `text`, by fact."""
    return {row.fact: row for row in patient.rows() if row.raw_text == text}


def ever_stored(patient: Patient, fact: str) -> list[object]:
    """Every value ever stored for `fact`, in order."""
    return [row.value for row in patient.rows() if row.fact == fact]


def confirm_exclusion(patient: Patient, fact: str, value: object) -> None:
    """The bot reads `fact` = `value` back before relying on it (it would rule the patient
    out): not stored yet, the patient not told yet; the patient says it is right."""
    assert patient.requested == CONFIRM, patient.transcript()
    assert patient.proposed.get(fact) == value, patient.transcript()
    assert RULED_OUT not in patient.said, patient.transcript()
    assert value not in ever_stored(patient, fact), patient.transcript()
    patient.send("yes thats right")


def ruled_out_by(patient: Patient, criterion: str) -> None:
    """The patient was told they are ruled out, and the store says so by `criterion`."""
    assert RULED_OUT in patient.said, patient.transcript()
    export = patient.export()
    assert export["outcome"] == "ineligible", patient.transcript()
    decided = "met" if criterion.startswith("E") else "not_met"  # an exclusion met, or not
    assert export["criteria"][criterion] == decided, export["criteria"]


def says_no(profile: Profile, fact: str) -> bool:
    """True when `profile`'s true answer to yes/no `fact` is no."""
    if TRIAL.facts[fact].type != "boolean" or fact in profile.named or fact in profile.unsure:
        return False
    return profile.single.get(fact, "").lower().startswith("no")


def answer_questions(patient: Patient, count: int) -> None:
    """Answer up to `count` more questions (fewer if the pre-screen ends first)."""
    for _ in range(count):
        if patient.requested is None:
            return
        patient.answer()


# §1: "A patient opened with '…i have lupus nephritis, can i join?' Ten messages later she was
# asked whether she has lupus nephritis."
def test_the_opening_lupus_nephritis_is_read_back_once_and_never_asked(stack: Stack) -> None:
    patient = Patient(stack)
    patient.start(OPENING)
    # consent and respondent first; then the opening is read back, nothing stored yet
    assert patient.requested == CONFIRM, patient.transcript()
    assert patient.said.startswith("I noted:") and "lupus nephritis" in patient.said
    assert "Is that right?" in patient.said
    assert patient.proposed == {"lupus_nephritis": True}
    assert patient.pending == ["lupus_nephritis"]
    assert "lupus_nephritis" not in patient.stored()

    patient.send("yes")
    patient.finish()
    assert not patient.was_asked("lupus_nephritis"), patient.transcript()
    assert "lupus affects your kidneys" not in patient.transcript()
    stored = patient.stored()["lupus_nephritis"]
    assert stored.value is True and stored.raw_text == OPENING
    export = patient.export()
    assert export["facts"]["lupus_nephritis"] is True
    assert export["outcome"] == "needs_review", patient.transcript()
    first = next(line["text"] for line in export["transcript"] if line["from"] == "patient")
    assert first == OPENING


# §1: the story in one message got "I found more than one number — please give just one".
def test_a_story_at_the_age_question_gets_a_read_back_not_more_than_one_number(
    stack: Stack,
) -> None:
    patient = Patient(stack)
    patient.start()
    patient.answer_until(asks("age_years"))
    said = patient.send(STORY)
    assert "more than one number" not in said, patient.transcript()
    assert patient.requested == CONFIRM, patient.transcript()
    assert said.startswith("I noted:") and said.rstrip().endswith("Is that right?")
    for words in ("female", "lupus", "lupus nephritis", "class IV", "3 months"):
        assert words in said, (words, patient.transcript())
    story_facts = {
        "sex": "female",
        "sle_diagnosed": True,
        "lupus_nephritis": True,
        "biopsy_class": "IV",
        "biopsy_months_ago": 3,
    }
    proposed = patient.proposed
    # the age answers the question asked; it is stored, or read back with the rest
    assert {k: proposed.get(k) for k in story_facts} == story_facts, patient.transcript()
    assert proposed.get("age_years", 34) == 34
    if "age_years" not in proposed:
        assert patient.stored()["age_years"] == Row("age_years", 34, STORY, True)
    assert not set(story_facts) & set(patient.stored()), "read back, not stored yet"

    patient.send("yep thats all correct")
    patient.finish()
    for fact in (*story_facts, "age_years"):
        assert not patient.was_asked(fact), (fact, patient.transcript())
    stored = patient.stored()
    assert {k: stored[k].value for k in story_facts} == story_facts
    assert stored["age_years"].value == 34
    assert {stored[k].raw_text for k in (*story_facts, "age_years")} == {STORY}
    assert patient.export()["outcome"] == "needs_review", patient.transcript()


# §1 and §5: "yes. mycophenolate 2 yrs didnt work, protein still high" and "yes. tacrolimus and
# mycophenolate didn't work" got "I heard both yes and no".
@pytest.mark.parametrize(
    ("fact", "text"),
    [
        ("ln_no_remission", "yes. mycophenolate 2 yrs didnt work, protein still high"),
        ("ln_no_remission", "yes. tacrolimus and mycophenolate didn't work"),
        ("routine_treatment_failed", "yes. mycophenolate 2 yrs didnt work"),
        # not quoted, the same kind: the words state the very thing asked ("did not go down")
        ("ln_no_remission", "yes, the protein never went down"),
    ],
)
def test_a_yes_with_words_that_state_the_failure_is_a_coherent_yes(
    stack: Stack, fact: str, text: str
) -> None:
    patient = Patient(stack)
    patient.start()
    patient.answer_until(asks(fact))
    said = patient.send(text)
    assert "both yes and no" not in said, patient.transcript()
    assert patient.requested != fact, patient.transcript()  # not asked again
    # it also tells other things the treatments did (taken for long, did not work): those are
    # read back, and nothing in the message is read as a "no"
    assert False not in patient.proposed.values(), patient.transcript()
    if patient.requested == CONFIRM:
        patient.send("yes")
    stored = patient.stored()
    assert stored[fact] == Row(fact, True, text, True), patient.transcript()
    assert all(row.value is not False for row in from_message(patient, text).values())
    assert ever_stored(patient, fact) == [True]


# §5: heart failure stated three questions later was stored as heart condition "not known",
# the patient told "Nothing you told me rules you out", and the EF of 40 % lost.
def test_heart_failure_said_three_questions_later_lands_on_heart_condition(
    stack: Stack,
) -> None:
    patient = Patient(stack)
    patient.start()
    patient.answer_until(answered("heart_condition"))
    assert patient.stored()["heart_condition"].value is False  # she said no at first
    answer_questions(patient, 3)
    assert patient.requested not in (None, CONFIRM), patient.transcript()
    pending = set(patient.pending)

    said = patient.send(HEART)
    assert "not known" not in said, patient.transcript()
    assert JUST_TO_BE_SURE in said and "heart" in said, patient.transcript()
    # the question she was asked is not answered by it
    assert not set(from_message(patient, HEART)) & pending, patient.transcript()
    confirm_exclusion(patient, "heart_condition", True)

    ruled_out_by(patient, "E2")
    assert "Nothing you told me rules you out" not in patient.transcript()
    stored = patient.stored()["heart_condition"]
    assert stored.value is True
    assert stored.raw_text is not None and "ejection fraction is 40%" in stored.raw_text
    assert None not in ever_stored(patient, "heart_condition"), patient.rows()


# §5: "Her protest, 'it's not unknown, I definitely have heart failure', was taken as the
# answer to the pending infection question, which then recorded unknown."
def test_a_protest_corrects_the_disputed_fact_and_answers_nothing_else(stack: Stack) -> None:
    profile = KIDNEY_PATIENT.but(
        heart_condition="hmm not sure", unsure={"heart_condition": "heart problem"}
    )
    patient = Patient(stack, profile)
    patient.start()
    patient.answer_until(answered("heart_condition"))
    assert patient.stored()["heart_condition"].value is None  # "not sure": unknown
    for _ in range(3):  # the infection question, when it is asked on its own shortly after
        if asks("uncontrolled_infection")(patient) or patient.requested in (None, CONFIRM):
            break
        patient.answer()
    assert patient.requested not in (None, CONFIRM), patient.transcript()
    pending = list(patient.pending)

    said = patient.send(PROTEST)
    assert set(from_message(patient, PROTEST)) <= {"heart_condition"}, patient.rows()
    for fact in pending:
        assert fact not in patient.stored(), (fact, patient.transcript())
    assert JUST_TO_BE_SURE in said, patient.transcript()
    confirm_exclusion(patient, "heart_condition", True)

    ruled_out_by(patient, "E2")
    stored = patient.stored()
    assert stored["heart_condition"] == Row("heart_condition", True, PROTEST, True)
    for fact in pending:
        assert PROTEST not in {row.raw_text for row in patient.rows() if row.fact == fact}


# §5: "no. sorry wait, the hepatitis question before - I think I'm a hep B carrier actually?"
# recorded hepatitis as no: the leading "no" meant the lung question, and the lung answer was
# lost. Since the grouped questions, the lung problem is asked with the other current
# conditions before the "ever" group with hepatitis B; the message is sent at the first
# yes/no question after the hepatitis one whose true answer is no (for this patient, who has
# no lupus nephritis: "Has a doctor told you that lupus affects your kidneys?").
def test_a_leading_no_answers_the_pending_question_and_the_hep_b_hedge_is_asked_about(
    stack: Stack,
) -> None:
    patient = Patient(stack, KIDNEY_PATIENT.but(lupus_nephritis="no"))
    patient.start()

    def at_a_no_after_hepatitis(p: Patient) -> bool:
        asked = p.requested not in (None, CONFIRM) and bool(p.pending)
        return (
            asked
            and "infection_serology_positive" in p.stored()
            and all(says_no(p.profile, fact) for fact in p.pending)
        )

    patient.answer_until(at_a_no_after_hepatitis)
    assert patient.stored()["infection_serology_positive"].value is False  # her first answer
    pending = list(patient.pending)

    patient.send(HEP_B)
    read = from_message(patient, HEP_B)
    # the "no" answers what was asked…
    for fact in pending:
        assert fact in read and read[fact].value is False, (fact, patient.rows())
    # …and the hedged hepatitis B is never a "no": the bot asks about it
    hepatitis = read.get("infection_serology_positive")
    assert hepatitis is None or hepatitis.value is not False, patient.rows()
    assert "infection_serology_positive" in patient.pending, patient.transcript()
    assert RULED_OUT not in patient.said
    if patient.requested != CONFIRM:  # asked again rather than read back
        patient.send("yes, im a hep b carrier, it showed up on a blood test years ago")
    confirm_exclusion(patient, "infection_serology_positive", True)

    ruled_out_by(patient, "E12")
    stored = patient.stored()
    assert stored["infection_serology_positive"].value is True
    assert all(stored[fact].value is False for fact in pending)


# §5: "my kidneys did not get better, I still have 3 g protein after tacrolimus and
# mycophenolate", sent as a correction, set lupus_nephritis instead of ln_no_remission.
@pytest.mark.parametrize(
    "pending_fact",
    [
        "can_consent",
        "had_immunomodulator_3mo",
    ],
)
def test_a_kidney_correction_lands_on_ln_no_remission(stack: Stack, pending_fact: str) -> None:
    patient = Patient(stack, KIDNEY_PATIENT.but(ln_no_remission="not sure tbh"))
    patient.start()
    patient.answer_until(lambda p: "ln_no_remission" in p.stored() and asks(pending_fact)(p))
    assert patient.stored()["ln_no_remission"].value is None
    lupus_nephritis = patient.stored()["lupus_nephritis"]

    patient.send(KIDNEYS)
    read = from_message(patient, KIDNEYS)
    assert "lupus_nephritis" not in read and patient.stored()["lupus_nephritis"] == lupus_nephritis
    assert False not in [row.value for row in read.values()], patient.rows()
    assert pending_fact not in read or read[pending_fact].value is True, patient.rows()
    if patient.requested == CONFIRM:  # read back: it was not asked just now
        assert patient.proposed.get("ln_no_remission") is True, patient.transcript()
        assert "lupus_nephritis" not in patient.proposed, patient.transcript()
        assert False not in patient.proposed.values(), patient.transcript()
        patient.send("yes")
    assert patient.stored()["ln_no_remission"] == Row("ln_no_remission", True, KIDNEYS, True)

    patient.finish()
    export = patient.export()
    assert export["facts"]["ln_no_remission"] is True and export["facts"]["lupus_nephritis"]
    assert export["outcome"] == "needs_review", patient.transcript()


# §5: "I have discoid lupus on my face, but my dermatologist said it's not systemic lupus" was
# stored as sle_diagnosed: true.
def test_discoid_but_not_systemic_lupus_is_never_an_sle_diagnosis(stack: Stack) -> None:
    patient = Patient(stack)
    patient.start()
    patient.answer_until(asks("sle_diagnosed"))

    patient.send(DISCOID)
    assert True not in ever_stored(patient, "sle_diagnosed"), patient.rows()
    assert RULED_OUT not in patient.said, patient.transcript()
    if patient.requested != CONFIRM:  # asked again, more plainly
        assert asks("sle_diagnosed")(patient), patient.transcript()
        patient.send("no, only the discoid kind on my skin")
    # "no" would rule her out, so it is read back before she is told
    confirm_exclusion(patient, "sle_diagnosed", False)

    ruled_out_by(patient, "I2")
    assert ever_stored(patient, "sle_diagnosed") == [False]
    assert patient.stored()["sle_diagnosed"].raw_text in (
        DISCOID,
        "no, only the discoid kind on my skin",
    )


# §5: "I had a kidney transplant in 2021", said twice, was never recorded. Said as the answer
# to the transplant question, out of turn while another question is pending, and after the
# result (she had answered the transplant question no).
@pytest.mark.parametrize(
    "pending_fact",
    [
        "organ_transplant",
        "can_stop_immunosuppressants",
        pytest.param(None, id="after-the-result"),
    ],
)
def test_a_kidney_transplant_is_recorded_after_confirmation(
    stack: Stack, pending_fact: str | None
) -> None:
    patient = Patient(stack)
    patient.start()
    if pending_fact is None:
        patient.finish()
        assert patient.export()["outcome"] == "needs_review", patient.transcript()
    else:
        patient.answer_until(asks(pending_fact))
    pending = list(patient.pending)

    said = patient.send(TRANSPLANT)
    assert JUST_TO_BE_SURE in said and "transplant" in said, patient.transcript()
    if pending_fact != "organ_transplant":  # said out of turn: the question is still open
        assert not set(from_message(patient, TRANSPLANT)) & set(pending), patient.rows()
    confirm_exclusion(patient, "organ_transplant", True)

    ruled_out_by(patient, "E10")
    stored = patient.stored()["organ_transplant"]
    assert stored == Row("organ_transplant", True, TRANSPLANT, True)
    assert patient.export()["facts"]["organ_transplant"] is True


# §1 (what to build): "a guardian's account ('my son is 12, he has had lupus since 9…')" works.
GUARDIAN_STORY = "my son is 12, he has had lupus since 9, and it went to his kidneys last year"
GUARDIAN = KIDNEY_PATIENT.but(respondent="im his mum", age_years="12", sex="male")


@pytest.mark.parametrize(
    "opening",
    [
        "hi",
        "hi my son has lupus can he join",
    ],
)
def test_a_guardians_story_answers_the_age_question(stack: Stack, opening: str) -> None:
    patient = Patient(stack, GUARDIAN)
    patient.start(opening)
    patient.answer_until(asks("age_years"))
    assert "How old is the patient?" in patient.said

    said = patient.send(GUARDIAN_STORY)
    assert "more than one number" not in said, patient.transcript()
    assert not asks("age_years")(patient), patient.transcript()
    assert patient.stored()["age_years"] == Row("age_years", 12, GUARDIAN_STORY, True)
    assert patient.proposed.get("age_years") in (None, 12)
    assert 9 not in ever_stored(patient, "age_years")  # the age at diagnosis is not his age

    patient.finish()
    assert not patient.was_asked("age_years") and not patient.was_asked("sle_diagnosed")
    export = patient.export()
    assert export["facts"]["age_years"] == 12 and export["facts"]["sle_diagnosed"] is True
    assert export["outcome"] == "needs_review", patient.transcript()


# §1 (what to build): "a pasted doctor's letter in the third person ('A 21-year-old female
# with …')" works.
def test_a_pasted_doctors_letter_is_read_back(stack: Stack) -> None:
    letter = (
        "A 21-year-old female with SLE diagnosed in 2019 and biopsy-proven lupus nephritis class IV"
    )
    patient = Patient(stack, KIDNEY_PATIENT.but(age_years="21"))
    patient.start()
    patient.answer_until(asks("age_years"))
    said = patient.send(letter)
    assert said.startswith("I noted:"), patient.transcript()
    letter_facts = {
        "sex": "female",
        "sle_diagnosed": True,
        "lupus_nephritis": True,
        "biopsy_class": "IV",
    }
    assert {k: patient.proposed.get(k) for k in letter_facts} == letter_facts
    age = patient.stored().get("age_years")  # the answer to the question, or read back
    assert (age is not None and age.value == 21) or patient.proposed.get("age_years") == 21
    patient.send("yes thats right")
    stored = patient.stored()
    for fact, value in {**letter_facts, "age_years": 21}.items():
        assert stored[fact] == Row(fact, value, letter, True), (fact, patient.rows())


# §1 (what to build): "Be conservative. A hedge ('I think maybe…'), a symptom that is not a
# diagnosis ('protein in my urine' is not 'lupus nephritis') … leaves the fact unset … It
# never gives a value."
@pytest.mark.parametrize(
    ("pending_fact", "text"),
    [
        ("lupus_nephritis", "i have protein in my urine sometimes"),
        ("sex", "female. i think maybe i have lupus nephritis too?"),
    ],
)
def test_a_symptom_or_a_hedge_never_gives_lupus_nephritis_a_value(
    stack: Stack, pending_fact: str, text: str
) -> None:
    patient = Patient(stack)
    patient.start()
    patient.answer_until(asks(pending_fact))
    patient.send(text)
    assert "lupus_nephritis" not in from_message(patient, text), patient.rows()
    assert "lupus_nephritis" not in patient.proposed, patient.transcript()
    assert "lupus_nephritis" not in patient.stored()
    if pending_fact == "sex":  # the clear part of the message still answers the question
        assert patient.stored()["sex"] == Row("sex", "female", text, True)
    # lupus nephritis is asked in plain words instead (straight away, or in its turn)
    patient.answer_until(asks("lupus_nephritis"))


def test_the_profile_reaches_needs_review_when_nothing_is_said_out_of_turn(
    stack: Stack,
) -> None:
    """The baseline the quoted conversations depart from: the profile alone, answered one
    question (or group) at a time, ends in needs_review with nothing read back."""
    patient = Patient(stack, Profile(KIDNEY_PATIENT.single))
    patient.start()
    patient.finish()
    assert all(requested != CONFIRM for requested, _ in patient.asked), patient.transcript()
    export = patient.export()
    assert export["outcome"] == "needs_review", patient.transcript()
    assert export["facts"]["lupus_nephritis"] is True and export["facts"]["age_years"] == 34
