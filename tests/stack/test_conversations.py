"""End to end over HTTP: real Rasa server + action server + database, patients typing free text.

Each patient answers only the questions in its script; an unexpected question fails the test
(that is how "a male patient is never asked about pregnancy" is checked). `prescreen export`
is then read for the stored result.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from bot.criteria import get_trial
from tests.stack.harness import Chat, Stack, asked_fact

pytestmark = pytest.mark.stack
TRIAL = get_trial()

#: what a patient answers to each question (a list: a different answer each time it is asked).
Answers = dict[str, "str | list[str]"]

#: a patient who passes everything the chat can ask.
GOOD: Answers = {
    "consent_prescreen": "yes, that's fine",
    "respondent": "for myself",
    "age_years": "I'm 34",
    "sex": "female",
    "sle_diagnosed": "yes, since 2015",
    "pregnant_or_breastfeeding": "No, I'm not pregnant",
    # the grouped questions: the current exclusions, then the lifetime ones
    "conditions_now": "none of these",
    "history_ever": "no, never had any of those",
    "diabetes": "I don't have diabetes",
    "can_stop_immunosuppressants": "yes I could",
    "ecog": "Can't do heavy physical work, but can walk and do light work",
    "can_consent": "yes",
    "lupus_nephritis": "no",
    "glucocorticoid_mg_per_day": "about 15 mg",
    "had_glucocorticoid_and_cyclophosphamide_6mo": "yes",
    "had_immunomodulator_3mo": "yes, hydroxychloroquine for years",
    "routine_treatment_failed": "yes, it came back",
    # the lab values: invited at once; the read-back asks once for what is still missing
    "lab_results": "ANA 1:320 and lymphocytes 1,400 per microliter",
    # asked on its own when it is the only value left (a child: no adult CKD-EPI estimate)
    "egfr_ml_min": "I don't know",
    # the read-backs: the lab values (with the missing ones asked: one more is given, the
    # eGFR is not known), then that one value
    "confirm_facts": ["yes, creatinine was 80 umol/L, I don't know the egfr", "yes"],
}


def screen(
    stack: Stack, answers: dict[str, str], *, opening: str = "hi", max_turns: int = 60
) -> tuple[Chat, list[str], list[dict[str, Any]]]:
    """Run one conversation; return the chat, the facts asked in order, the last messages."""
    chat = Chat(stack, f"test-{uuid.uuid4().hex[:12]}")
    messages = chat.send(opening)
    asked: list[str] = []
    for _ in range(max_turns):
        fact = asked_fact(TRIAL, messages)
        if fact is None:
            return chat, asked, messages
        assert fact in answers, f"unexpected question {fact!r}\n{chat.transcript()}"
        messages = chat.send(answer_for(answers, fact, asked.count(fact)))
        asked.append(fact)
    raise AssertionError(f"conversation did not end\n{chat.transcript()}")


def answer_for(answers: Answers, fact: str, times_asked: int) -> str:
    """The answer to `fact` the `times_asked`+1-th time it is asked (a list: one per time,
    the last one repeated)."""
    answer = answers[fact]
    if isinstance(answer, list):
        return answer[min(times_asked, len(answer) - 1)]
    return answer


def test_needs_review_with_unknown_labs(stack: Stack) -> None:
    answers = {**GOOD, "contact_consent": "no thanks"}
    chat, asked, _ = screen(stack, answers)
    export = stack.export(chat.sender)
    assert export["outcome"] == "needs_review", chat.transcript()
    assert set(export) == {
        "conversation_id",
        "trial",
        "language",
        "outcome",
        "criteria",
        "facts",
        "follow_up",
        "transcript",
    }
    assert export["language"] == "en"  # the conversation's language, stored with the screening
    assert export["facts"]["age_years"] == 34
    assert export["facts"]["egfr_ml_min"] is None  # asked, and the patient did not know
    assert "anti_dsdna_iu_ml" not in export["facts"]  # a positive ANA already settles I3
    assert asked.count("lab_results") == 1  # invited once; the read-back asked for the rest
    assert export["facts"]["lymphocytes_10e9_l"] == pytest.approx(1.4)
    assert export["facts"]["serum_creatinine_mg_dl"] == pytest.approx(0.90, abs=0.01)
    assert export["criteria"]["I3"] == "met" and export["criteria"]["E14"] == "not_met"
    flags = {flag["fact"]: flag for flag in export["follow_up"]}
    assert {"meets_2019_eular_acr", "cd19_b_cells", "life_expectancy_over_90d"} <= set(flags)
    assert flags["cd19_b_cells"]["kind"] == "lab" and flags["cd19_b_cells"]["status"] == "open"
    assert "hba1c_percent" not in flags and "pregnant_or_breastfeeding" not in flags
    assert any(
        line["from"] == "patient" and line["text"] == GOOD["lab_results"]
        for line in export["transcript"]
    )
    assert "a study coordinator will check" in chat.transcript().lower()


@pytest.mark.parametrize(
    ("fact", "text", "criterion"),
    [
        ("conditions_now", "yes, I have breast cancer", "E4"),
        ("conditions_now", "yes, I'm pregnant", "E11"),
        ("history_ever", "yes, a kidney transplant in 2019", "E10"),
        ("conditions_now", "just the heart, I have heart failure", "E2"),
    ],
)
def test_hard_exclusions_end_the_screening(
    stack: Stack, fact: str, text: str, criterion: str
) -> None:
    chat, asked, _ = screen(stack, {**GOOD, fact: text, "confirm_facts": "yes"})
    assert asked[-2:] == [fact, "confirm_facts"], chat.transcript()  # confirmed, then told
    export = stack.export(chat.sender)
    assert export["outcome"] == "ineligible"
    assert export["criteria"][criterion] == "met"
    assert export["follow_up"] == []
    assert "would not be a fit" in chat.transcript()


def test_age_out_of_range_is_asked_first_and_decides(stack: Stack) -> None:
    chat, asked, _ = screen(stack, {**GOOD, "age_years": "seventy", "confirm_facts": "yes"})
    assert asked == ["consent_prescreen", "respondent", "age_years", "confirm_facts"]
    export = stack.export(chat.sender)
    assert export["outcome"] == "ineligible" and export["criteria"]["I1"] == "not_met"


def test_male_patient_is_never_asked_about_pregnancy(stack: Stack) -> None:
    answers = {k: v for k, v in GOOD.items() if k != "pregnant_or_breastfeeding"}
    answers.update(sex="male", contact_consent="no")
    chat, asked, _ = screen(stack, answers)
    assert "pregnant_or_breastfeeding" not in asked
    export = stack.export(chat.sender)
    assert export["criteria"]["E11"] == "not_met"
    assert export["outcome"] == "needs_review"


def test_lupus_nephritis_branch(stack: Stack) -> None:
    answers = {
        **GOOD,
        "lupus_nephritis": "yes, lupus nephritis",
        "biopsy_class": "class V and IV",
        "biopsy_months_ago": "4 months ago",
        "ln_no_remission": "yes, the protein did not go down",
        "had_glucocorticoid_and_cyclophosphamide_6mo": "no",
        "contact_consent": "no",
    }
    chat, _asked, _ = screen(stack, answers)
    export = stack.export(chat.sender)
    assert export["facts"]["biopsy_class"] == "V+IV"
    assert export["facts"]["biopsy_months_ago"] == pytest.approx(4)
    # Only the clinician can say whether the lesions are chronic-only: I4 stays open for them.
    assert export["criteria"]["I4"] == "unknown"
    assert "biopsy_chronic_only" in {flag["fact"] for flag in export["follow_up"]}
    assert export["outcome"] == "needs_review"


def test_guardian_answering_for_a_twelve_year_old(stack: Stack) -> None:
    answers = {
        **GOOD,
        "respondent": "I'm her mother",
        "age_years": "she is twelve",
        "confirm_facts": "yes, that's right, not sure about the egfr",
        "contact_consent": "no",
    }
    chat, _asked, _ = screen(stack, answers, opening="can my daughter join the lupus CAR-T study?")
    assert "How old is the patient?" in chat.transcript()
    export = stack.export(chat.sender)
    assert export["facts"]["age_years"] == 12
    # CKD-EPI is for adults: without a measured eGFR, E14 stays open for the site.
    assert export["criteria"]["E14"] == "unknown"
    flagged = {flag["fact"] for flag in export["follow_up"]}
    assert "egfr_ml_min" in flagged, chat.transcript()
    assert "serum_creatinine_mg_dl" not in flagged


def test_correction_changes_the_outcome(stack: Stack) -> None:
    chat, _asked, _ = screen(stack, {**GOOD, "age_years": "70"})
    assert stack.export(chat.sender)["outcome"] == "ineligible"
    messages = chat.send("sorry, I'm actually 45")
    assert asked_fact(TRIAL, messages) == "sex", chat.transcript()
    answers = {**GOOD, "contact_consent": "no"}
    asked: list[str] = []
    for _ in range(60):
        fact = asked_fact(TRIAL, messages)
        if fact is None:
            break
        messages = chat.send(answer_for(answers, fact, asked.count(fact)))
        asked.append(fact)
    export = stack.export(chat.sender)
    assert export["facts"]["age_years"] == 45
    assert export["criteria"]["I1"] == "met"
    assert export["outcome"] == "needs_review", chat.transcript()


def test_stop_ends_incomplete(stack: Stack) -> None:
    chat = Chat(stack, f"test-{uuid.uuid4().hex[:12]}")
    for text in ("hello", "yes", "for myself", "40"):
        chat.send(text)
    messages = chat.send("stop, I want to quit")
    assert "stopped here" in messages[-1]["text"]
    export = stack.export(chat.sender)
    assert export["outcome"] == "incomplete"
    assert export["facts"] == {"age_years": 40}


def test_declining_consent_stores_no_health_data(stack: Stack) -> None:
    chat = Chat(stack, f"test-{uuid.uuid4().hex[:12]}")
    chat.send("Hi, I'm 45 and I have lupus")
    messages = chat.send("no, I don't agree")
    assert "won't ask any health questions" in messages[-1]["text"]
    export = stack.export(chat.sender)
    assert export["outcome"] == "incomplete" and export["facts"] == {}
    # Nor the patient's words: the opening ("I'm 45 and I have lupus") and the "no" are gone
    # from Rasa's events; the bot's side of the transcript stays.
    assert [line for line in export["transcript"] if line["from"] == "patient"] == []
    assert any(line["from"] == "bot" for line in export["transcript"])
    assert _event_rows(stack, chat.sender, "user") == 0
    chat.send("thanks")  # still nothing kept after the decline
    assert _event_rows(stack, chat.sender, "user") == 0
    assert "lupus" not in str(_event_data(stack, chat.sender))


def _event_rows(stack: Stack, sender: str, type_name: str) -> int:
    import sqlite3

    with sqlite3.connect(stack.database_url.removeprefix("sqlite:///")) as db:
        (count,) = db.execute(
            "SELECT count(*) FROM events WHERE sender_id = ? AND type_name = ?", (sender, type_name)
        ).fetchone()
    return int(count)


def _event_data(stack: Stack, sender: str) -> list[str]:
    import sqlite3

    with sqlite3.connect(stack.database_url.removeprefix("sqlite:///")) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)).fetchall()
    return [str(data) for (data,) in rows]


def test_unparseable_answers_are_re_asked_then_left_unknown(stack: Stack) -> None:
    chat = Chat(stack, f"test-{uuid.uuid4().hex[:12]}")
    for text in ("hi", "yes", "for myself"):
        chat.send(text)
    first = " ".join(m["text"] for m in chat.send("banana"))
    assert "as a number of years" in first and "How old are you?" in first
    chat.send("300")
    third = chat.send("purple")
    assert asked_fact(TRIAL, third) == "sex", chat.transcript()
    assert stack.export(chat.sender)["facts"]["age_years"] is None


def test_contact_details_are_collected_only_after_consent(stack: Stack) -> None:
    answers = {
        **GOOD,
        "contact_consent": "yes please",
        "contact_name": "Maria Chen",
        "contact_details": "maria@example.com",
    }
    chat, asked, messages = screen(stack, answers)
    assert asked[-3:] == ["contact_consent", "contact_name", "contact_details"]
    assert "Thank you, Maria Chen" in messages[-1]["text"]
    export = stack.export(chat.sender)
    assert "maria@example.com" not in str(export["facts"])  # contacts are not facts


def test_delete_my_answers_removes_answers_and_transcript(stack: Stack) -> None:
    import sqlite3

    chat, _, _ = screen(stack, {**GOOD, "age_years": "80"})
    messages = chat.send("please delete my answers")
    assert "have been deleted" in messages[0]["text"], chat.transcript()
    assert stack.prescreen("export", "--conversation", chat.sender).returncode == 1
    database = stack.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as db:
        (events,) = db.execute(
            "SELECT count(*) FROM events WHERE sender_id = ?", (chat.sender,)
        ).fetchone()
        (answers,) = db.execute(
            "SELECT count(*) FROM answer JOIN screening ON screening.id = answer.screening_id "
            "WHERE screening.conversation_id = ?",
            (chat.sender,),
        ).fetchone()
    assert events == 0 and answers == 0
    # The conversation starts afresh: privacy notice and consent first.
    assert asked_fact(TRIAL, chat.send("hello")) == "consent_prescreen"
