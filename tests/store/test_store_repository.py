"""The store's modules against a real, migrated database (SQLite, and PostgreSQL when available)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from bot.criteria.model import Trial
from bot.engine import assess
from bot.store import (
    accounts,
    audit,
    common,
    exports,
    retention,
    review,
    screenings,
    transcripts,
)
from bot.store.db import get_engine, session_scope
from bot.store.models import (
    Answer,
    AuditEvent,
    Contact,
    CriterionResult,
    FollowUpFlag,
    Screening,
)

CONV = "conv-1"


def _start(url: str, trial: Trial, conversation_id: str = CONV) -> int:
    with session_scope(url) as s:
        return screenings.start_screening(s, conversation_id, trial.id, trial.version)


def _answer_all(url: str, sid: int, facts: dict[str, Any], trial: Trial) -> None:
    with session_scope(url) as s:
        for key, value in facts.items():
            screenings.record_answer(s, sid, key, value, trial.facts[key].unit, f"said {value}")


def _assess_and_save(url: str, sid: int, trial: Trial, *, ended: bool = False) -> Any:
    with session_scope(url) as s:
        assessment = assess(trial, screenings.current_facts(s, sid))
        screenings.save_assessment(s, sid, assessment, ended=ended)
    return assessment


def _count(url: str, model: Any, *where: Any) -> int:
    with session_scope(url) as s:
        return int(s.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar())


# --- screenings ----------------------------------------------------------------------------


def test_restart_starts_a_new_screening_in_the_same_conversation(db_url: str, trial: Trial) -> None:
    first = _start(db_url, trial)
    second = _start(db_url, trial)
    assert second != first
    with session_scope(db_url) as s:
        assert screenings.current_screening_id(s, CONV) == second
        assert screenings.current_screening_id(s, "nobody") is None
        old = review.screening_summary(s, first)
        new = review.screening_summary(s, second)
    assert old["ended_at"] is not None  # the restart closed the open one
    assert new["ended_at"] is None
    assert new["outcome"] == "incomplete"
    assert (new["trial_id"], new["criteria_version"]) == (trial.id, trial.version)


def test_consent_and_respondent(db_url: str, trial: Trial) -> None:
    sid = _start(db_url, trial)
    with session_scope(db_url) as s:
        screenings.set_consent(s, sid, True)
        screenings.set_respondent(s, sid, "guardian")
    with session_scope(db_url) as s:
        summary = review.screening_summary(s, sid)
        assert (summary["consent"], summary["respondent"]) == (True, "guardian")
        screenings.set_respondent(s, sid, None)
        with pytest.raises(ValueError):
            screenings.set_respondent(s, sid, "friend")
        with pytest.raises(common.ScreeningNotFound):
            screenings.set_consent(s, 12345, True)


def test_timestamps_are_timezone_aware_utc(db_url: str, trial: Trial) -> None:
    before = datetime.now(timezone.utc)
    sid = _start(db_url, trial)
    _answer_all(db_url, sid, {"age_years": 30}, trial)
    with session_scope(db_url) as s:
        started = review.screening_summary(s, sid)["started_at"]
        at = screenings.answer_history(s, sid)[0]["at"]
    for moment in (started, at):
        assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
        assert before - timedelta(seconds=1) <= moment <= datetime.now(timezone.utc)


# --- answers -------------------------------------------------------------------------------


def test_corrections_keep_history_and_current_facts_is_latest(db_url: str, trial: Trial) -> None:
    sid = _start(db_url, trial)
    with session_scope(db_url) as s:
        screenings.record_answer(s, sid, "age_years", 34, "years", "I'm 34")
        screenings.record_answer(s, sid, "sex", "female", None, "woman")
    with session_scope(db_url) as s:
        screenings.record_answer(s, sid, "age_years", 43, "years", "sorry, 43")
    with session_scope(db_url) as s:
        screenings.record_answer(
            s,
            sid,
            "age_years",
            44,
            "years",
            "checked the chart",
            source="staff",
            entered_by="dr.lee",
        )
    with session_scope(db_url) as s:
        assert screenings.current_facts(s, sid) == {"age_years": 44, "sex": "female"}
        history = screenings.answer_history(s, sid)
    ages = [h for h in history if h["fact"] == "age_years"]
    assert [h["value"] for h in ages] == [34, 43, 44]
    assert [h["raw_text"] for h in ages] == ["I'm 34", "sorry, 43", "checked the chart"]
    assert [h["source"] for h in ages] == ["patient", "patient", "staff"]
    assert [h["entered_by"] for h in ages] == [None, None, "dr.lee"]
    assert ages[0]["superseded_at"] == ages[1]["at"]
    assert ages[1]["superseded_at"] == ages[2]["at"]
    assert ages[2]["superseded_at"] is None
    assert [h["at"] for h in history] == sorted(h["at"] for h in history)
    assert set(history[0]) == {
        "fact",
        "value",
        "unit",
        "raw_text",
        "source",
        "entered_by",
        "at",
        "superseded_at",
    }


def test_asked_unknown_is_not_absent(db_url: str, trial: Trial) -> None:
    sid = _start(db_url, trial)
    with session_scope(db_url) as s:
        screenings.record_answer(s, sid, "ana_titer", None, None, "no idea")
        screenings.record_answer(s, sid, "hba1c_percent", 6.5, "%", "6.5")
    with session_scope(db_url) as s:
        facts = screenings.current_facts(s, sid)
        stored = s.execute(
            sa.select(Answer.value_json).where(Answer.fact == "ana_titer")
        ).scalar_one()
    assert facts == {"ana_titer": None, "hba1c_percent": 6.5}
    assert "ana_titer" in facts and "anti_dsdna_iu_ml" not in facts
    assert stored == "null"
    # the engine sees the same distinction: an asked-unknown fact is never asked again
    assert assess(trial, facts).next_question != "ana_titer"


def test_values_round_trip_with_their_types(db_url: str, trial: Trial) -> None:
    sid = _start(db_url, trial)
    values = {"age_years": 7, "lymphocytes_10e9_l": 1.4, "diabetes": False, "biopsy_class": "V+IV"}
    _answer_all(db_url, sid, values, trial)
    with session_scope(db_url) as s:
        facts = screenings.current_facts(s, sid)
    assert facts == values
    assert [type(facts[k]) for k in values] == [int, float, bool, str]


def test_record_answer_validation(db_url: str, trial: Trial) -> None:
    sid = _start(db_url, trial)
    with session_scope(db_url) as s:
        with pytest.raises(ValueError):
            screenings.record_answer(s, sid, "age_years", 3, "years", "x", source="staff")
        with pytest.raises(ValueError):
            screenings.record_answer(s, sid, "age_years", 3, "years", "x", entered_by="dr.lee")
        with pytest.raises(ValueError):
            screenings.record_answer(s, sid, "age_years", 3, "years", "x", source="robot")
        with pytest.raises(ValueError):
            screenings.record_answer(s, sid, "lvef_percent", float("nan"), "%", "x")
        with pytest.raises(common.ScreeningNotFound):
            screenings.record_answer(s, 999, "age_years", 3, "years", "x")


def test_one_current_answer_per_fact_is_enforced_by_the_database(db_url: str, trial: Trial) -> None:
    sid = _start(db_url, trial)
    _answer_all(db_url, sid, {"age_years": 30}, trial)
    with pytest.raises(sa.exc.IntegrityError), session_scope(db_url) as s:
        s.add(
            Answer(
                screening_id=sid,
                fact="age_years",
                value_json="31",
                source="patient",
                at=datetime.now(timezone.utc),
            )
        )


# --- assessments and flags -----------------------------------------------------------------


def _flags(url: str, sid: int) -> list[dict[str, Any]]:
    with session_scope(url) as s:
        return list(review.screening_summary(s, sid)["flags"])


def test_save_assessment_twice_keeps_history_and_syncs_flags(
    db_url: str, trial: Trial, needs_review_facts: dict[str, Any]
) -> None:
    sid = _start(db_url, trial)
    _answer_all(db_url, sid, needs_review_facts, trial)
    first = _assess_and_save(db_url, sid, trial)
    assert first.outcome == "needs_review"
    flags = _flags(db_url, sid)
    assert [(f["fact"], f["kind"], f["criteria"], f["status"]) for f in flags] == [
        (f.fact, f.kind, list(f.criteria), "open") for f in first.follow_up
    ]
    by_fact = {f["fact"]: f for f in flags}

    # staff: ANA titre from the chart (value entered), lymphocytes cannot be obtained
    with session_scope(db_url) as s:
        screenings.record_answer(
            s, sid, "ana_titer", 320, None, "chart 2024-05", source="staff", entered_by="kim"
        )
        assert (
            review.resolve_flag(
                s, by_fact["ana_titer"]["id"], by="kim", value_known=True, note="from chart"
            )
            == sid
        )
        review.resolve_flag(
            s, by_fact["lymphocytes_10e9_l"]["id"], by="kim", value_known=False, note="no lab"
        )
    second = _assess_and_save(db_url, sid, trial)
    assert second.outcome == "needs_review"
    wanted = {f.fact for f in second.follow_up}
    assert "anti_dsdna_iu_ml" not in wanted  # ANA ≥ 80 settles I3
    assert "lymphocytes_10e9_l" in wanted  # still unknown

    after = {f["id"]: f for f in _flags(db_url, sid)}
    ana = after[by_fact["ana_titer"]["id"]]
    assert (ana["status"], ana["resolved_by"], ana["resolution"], ana["note"]) == (
        "resolved",
        "kim",
        "value entered",
        "from chart",
    )
    dsdna = after[by_fact["anti_dsdna_iu_ml"]["id"]]
    assert (dsdna["status"], dsdna["resolved_by"], dsdna["resolution"]) == (
        "resolved",
        "system",
        "no longer needed",
    )
    assert dsdna["resolved_at"] is not None
    lymph = [f for f in after.values() if f["fact"] == "lymphocytes_10e9_l"]
    # staff said "not obtainable": the re-evaluation does not open it again
    assert [(f["status"], f["resolution"]) for f in lymph] == [("resolved", "not obtainable")]
    still_open = {f["fact"] for f in after.values() if f["status"] == "open"}
    assert still_open == wanted - {"lymphocytes_10e9_l"}
    # flags that stayed open are the same rows (no duplicates)
    assert len(after) == len(flags)

    # one current row per criterion; a criterion whose result changed (only I3: the ANA titre
    # now decides it) keeps its earlier row as history, the others are not written again
    changed = {
        c.id
        for c in trial.criteria
        if (first.evaluation.results[c.id].status, first.evaluation.results[c.id].decided_by)
        != (second.evaluation.results[c.id].status, second.evaluation.results[c.id].decided_by)
    }
    assert changed == {"I3"}
    with session_scope(db_url) as s:
        rows = s.execute(
            sa.select(CriterionResult.criterion_id, CriterionResult.status, CriterionResult.current)
            .where(CriterionResult.screening_id == sid)
            .order_by(CriterionResult.id)
        ).all()
    assert len(rows) == len(trial.criteria) + len(changed)
    assert sorted(r.criterion_id for r in rows if r.current) == sorted(c.id for c in trial.criteria)
    history = [(r.status, r.current) for r in rows if r.criterion_id == "I3"]
    assert history == [(first.evaluation.results["I3"].status.value, False), ("met", True)]
    with session_scope(db_url) as s:
        summary = review.screening_summary(s, sid)
    assert {c["id"]: c["status"] for c in summary["criteria"]} == second.evaluation.statuses()
    assert summary["criteria"][2]["decided_by"] == list(second.evaluation.results["I3"].decided_by)
    assert summary["outcome"] == "needs_review"


def test_flags_resolve_when_patient_becomes_ineligible(
    db_url: str, trial: Trial, needs_review_facts: dict[str, Any]
) -> None:
    sid = _start(db_url, trial)
    _answer_all(db_url, sid, needs_review_facts, trial)
    _assess_and_save(db_url, sid, trial)
    _answer_all(db_url, sid, {"other_cancer": True}, trial)
    result = _assess_and_save(db_url, sid, trial, ended=True)
    assert result.outcome == "ineligible" and result.follow_up == ()
    flags = _flags(db_url, sid)
    assert flags and all(
        (f["status"], f["resolution"]) == ("resolved", "no longer needed") for f in flags
    )
    with session_scope(db_url) as s:
        summary = review.screening_summary(s, sid)
    assert summary["outcome"] == "ineligible"
    assert summary["failing_criteria"] == ["E4"]
    assert summary["open_flags"] == []


def test_flag_reopens_when_needed_again(
    db_url: str, trial: Trial, needs_review_facts: dict[str, Any]
) -> None:
    sid = _start(db_url, trial)
    _answer_all(db_url, sid, needs_review_facts, trial)
    _assess_and_save(db_url, sid, trial)
    _answer_all(db_url, sid, {"other_cancer": True}, trial)
    _assess_and_save(db_url, sid, trial)
    _answer_all(db_url, sid, {"other_cancer": False}, trial)  # a correction
    again = _assess_and_save(db_url, sid, trial)
    flags = _flags(db_url, sid)
    assert {f["fact"] for f in flags if f["status"] == "open"} == {f.fact for f in again.follow_up}
    assert len(flags) == 2 * len(again.follow_up)  # the closed ones stay as history


def test_save_assessment_ended_sets_ended_at_once(db_url: str, trial: Trial) -> None:
    sid = _start(db_url, trial)
    _assess_and_save(db_url, sid, trial)
    with session_scope(db_url) as s:
        assert review.screening_summary(s, sid)["ended_at"] is None
    _assess_and_save(db_url, sid, trial, ended=True)
    with session_scope(db_url) as s:
        ended = review.screening_summary(s, sid)["ended_at"]
    assert ended is not None
    _assess_and_save(db_url, sid, trial, ended=True)
    with session_scope(db_url) as s:
        assert review.screening_summary(s, sid)["ended_at"] == ended


def test_save_assessment_refuses_another_trial(db_url: str, trial: Trial) -> None:
    with session_scope(db_url) as s:
        sid = screenings.start_screening(s, CONV, "NCT00000000", "1")
        with pytest.raises(ValueError, match="trial"):
            screenings.save_assessment(s, sid, assess(trial, {}))


def test_resolve_flag_errors(db_url: str, trial: Trial, needs_review_facts: dict[str, Any]) -> None:
    sid = _start(db_url, trial)
    _answer_all(db_url, sid, needs_review_facts, trial)
    _assess_and_save(db_url, sid, trial)
    flag_id = _flags(db_url, sid)[0]["id"]
    with session_scope(db_url) as s:
        with pytest.raises(common.FlagNotFound):
            review.resolve_flag(s, 99999, by="kim", value_known=True, note="")
        with pytest.raises(ValueError):
            review.resolve_flag(s, flag_id, by="", value_known=True, note="")
        review.resolve_flag(s, flag_id, by="kim", value_known=False, note="")
    with session_scope(db_url) as s, pytest.raises(common.FlagAlreadyResolved):
        review.resolve_flag(s, flag_id, by="lee", value_known=True, note="")
    flag = _flags(db_url, sid)[0]
    assert (flag["resolved_by"], flag["resolution"], flag["note"]) == (
        "kim",
        "not obtainable",
        None,
    )


# --- deletion, retention, audit ------------------------------------------------------------


def _full_screening(
    url: str, trial: Trial, facts: dict[str, Any], conversation_id: str = CONV
) -> int:
    sid = _start(url, trial, conversation_id)
    _answer_all(url, sid, facts, trial)
    _assess_and_save(url, sid, trial)
    with session_scope(url) as s:
        screenings.save_contact(s, sid, "Alice Example", "+1 555 0100", "alice@example.org")
    return sid


def _audit_rows(url: str) -> list[dict[str, Any]]:
    with session_scope(url) as s:
        return [
            dict(row._mapping)
            for row in s.execute(sa.select(AuditEvent.__table__).order_by(AuditEvent.id))
        ]


def test_delete_conversation_removes_everything(
    db_url: str, trial: Trial, needs_review_facts: dict[str, Any], rasa_events: Any
) -> None:
    first = _full_screening(db_url, trial, needs_review_facts)
    second = _full_screening(db_url, trial, {"age_years": 40})  # a restart, same conversation
    other = _full_screening(db_url, trial, {"age_years": 50}, "conv-2")
    rasa_events(CONV, "user", "I am 34 and have lupus")
    rasa_events(CONV, "bot", "Thanks!")
    rasa_events(CONV, "action", name="action_listen")
    rasa_events("conv-2", "user", "hello")

    with session_scope(db_url) as s:
        removed = retention.delete_conversation(s, CONV, "admin", remote_addr="10.0.0.1")

    for model in (Answer, CriterionResult, FollowUpFlag, Contact):
        assert _count(db_url, model, model.screening_id.in_([first, second])) == 0
    for model in (Answer, CriterionResult, Contact):
        assert _count(db_url, model, model.screening_id == other) > 0
    with get_engine(db_url).connect() as conn:
        senders = conn.exec_driver_sql("SELECT sender_id FROM events").scalars().all()
    assert senders == ["conv-2"]
    expected = len(needs_review_facts) + 1 + 2 * len(trial.criteria) + 11 + 2 + 3
    assert removed == expected  # answers + results + flags + contacts + events
    with session_scope(db_url) as s:
        assert screenings.current_screening_id(s, CONV) is None
        assert screenings.current_screening_id(s, "conv-2") == other
        tombstone = review.screening_summary(s, first)
        assert tombstone["deleted_at"] is not None
        assert tombstone["facts"] == {} and tombstone["contact"] is None
        assert transcripts.transcript(s, CONV) == []
        with pytest.raises(common.ScreeningNotFound):
            exports.export_screening(s, CONV, trial)
        assert [r["id"] for r in review.list_screenings(s)] == [other]

    (event,) = _audit_rows(db_url)
    assert event["action"] == "delete" and event["actor"] == "admin"
    assert event["conversation_id"] == CONV and event["remote_addr"] == "10.0.0.1"
    assert event["detail"] == f"screenings=2 rows={removed}"
    text = json.dumps(event, default=str).lower()
    for health_or_identity in ("alice", "555", "lupus", "age_years", "needs_review"):
        assert health_or_identity not in text


def test_delete_conversation_without_rasa_table(db_url: str, trial: Trial) -> None:
    _full_screening(db_url, trial, {"age_years": 40})
    with session_scope(db_url) as s:
        removed = retention.delete_conversation(s, CONV, "admin")
        assert removed == 1 + len(trial.criteria) + 1
        assert retention.delete_conversation(s, "never-seen", "admin") == 0


def test_purge_older_than(
    db_url: str, trial: Trial, needs_review_facts: dict[str, Any], rasa_events: Any
) -> None:
    old = _full_screening(db_url, trial, needs_review_facts, "old-conv")
    new = _full_screening(db_url, trial, needs_review_facts, "new-conv")
    long_ago = datetime.now(timezone.utc) - timedelta(days=40)
    with session_scope(db_url) as s:
        s.execute(sa.update(Screening).where(Screening.id == old).values(started_at=long_ago))
    rasa_events("old-conv", "user", "old words", at=long_ago)
    rasa_events("old-conv", "bot", "old reply", at=long_ago + timedelta(seconds=1))
    rasa_events("new-conv", "user", "new words")

    with session_scope(db_url) as s:
        removed = retention.purge_older_than(s, 30, "system")
    assert removed == len(needs_review_facts) + len(trial.criteria) + 11 + 1 + 2
    for model in (Answer, CriterionResult, FollowUpFlag, Contact):
        assert _count(db_url, model, model.screening_id == old) == 0
        assert _count(db_url, model, model.screening_id == new) > 0
    with session_scope(db_url) as s:
        assert screenings.current_screening_id(s, "old-conv") is None
        assert screenings.current_screening_id(s, "new-conv") == new
        assert [m["text"] for m in transcripts.transcript(s, "new-conv")] == ["new words"]
        assert transcripts.transcript(s, "old-conv") == []
        assert retention.purge_older_than(s, 30, "system") == 0
    audits = _audit_rows(db_url)
    assert [a["action"] for a in audits] == ["purge", "purge"]
    assert audits[0]["detail"] == f"older_than_days=30 screenings=1 rows={removed}"
    assert audits[0]["screening_id"] is None and audits[0]["actor"] == "system"


def test_add_audit(db_url: str) -> None:
    with session_scope(db_url) as s:
        first = audit.add_audit(s, "kim", "view", screening_id=7, conversation_id="c")
        second = audit.add_audit(s, "kim", "export", detail="x" * 2000, remote_addr="::1")
    assert second > first
    rows = _audit_rows(db_url)
    assert rows[0]["screening_id"] == 7 and rows[0]["detail"] == ""
    assert len(rows[1]["detail"]) == audit.MAX_DETAIL
    assert rows[1]["at"].tzinfo is not None


# --- reading: summary, lists, counts -------------------------------------------------------


def test_screening_summary(db_url: str, trial: Trial, needs_review_facts: dict[str, Any]) -> None:
    sid = _full_screening(db_url, trial, needs_review_facts)
    with session_scope(db_url) as s:
        summary = review.screening_summary(s, sid)
        with pytest.raises(common.ScreeningNotFound):
            review.screening_summary(s, 424242)
    assert summary["facts"] == needs_review_facts
    assert len(summary["answers"]) == len(needs_review_facts)
    assert summary["contact"]["name"] == "Alice Example"
    assert summary["has_contact"] is True
    assert summary["outcome"] == "needs_review"
    assert summary["failing_criteria"] == []
    assert summary["open_flags"] == [f["fact"] for f in summary["flags"]]


def test_save_contact_replaces_and_validates(db_url: str, trial: Trial) -> None:
    sid = _start(db_url, trial)
    with session_scope(db_url) as s:
        screenings.save_contact(s, sid, "Bob", "123", None)
        screenings.save_contact(s, sid, " Bob B ", "", "bob@example.org")
        with pytest.raises(ValueError):
            screenings.save_contact(s, sid, "", "1", None)
        with pytest.raises(ValueError):
            screenings.save_contact(s, sid, "Bob", None, " ")
    assert _count(db_url, Contact) == 1
    with session_scope(db_url) as s:
        contact = review.screening_summary(s, sid)["contact"]
    assert (contact["name"], contact["phone"], contact["email"]) == (
        "Bob B",
        None,
        "bob@example.org",
    )


def test_list_screenings_filters(
    db_url: str, trial: Trial, needs_review_facts: dict[str, Any]
) -> None:
    flagged = _full_screening(db_url, trial, needs_review_facts, "c-review")
    ineligible = _full_screening(db_url, trial, {"age_years": 70}, "c-old")
    incomplete = _start(db_url, trial, "c-new")
    deleted = _start(db_url, trial, "c-gone")
    with session_scope(db_url) as s:
        screenings.save_contact(s, ineligible, "Carol Zed", "999", None)
        retention.delete_conversation(s, "c-gone", "admin")
        s.execute(
            sa.update(Screening)
            .where(Screening.id == ineligible)
            .values(started_at=datetime(2024, 1, 1, tzinfo=timezone.utc))
        )

    def ids(**filters: Any) -> list[int]:
        with session_scope(db_url) as s:
            return [row["id"] for row in review.list_screenings(s, **filters)]

    assert ids() == [incomplete, flagged, ineligible]  # newest first, deleted excluded
    assert deleted not in ids()
    assert ids(outcome="needs_review") == [flagged]
    assert ids(outcome="ineligible") == [ineligible]
    assert ids(has_open_flags=True) == [flagged]
    assert ids(has_open_flags=False) == [incomplete, ineligible]
    assert ids(since=datetime(2024, 6, 1, tzinfo=timezone.utc)) == [incomplete, flagged]
    assert ids(until=datetime(2024, 6, 1)) == [ineligible]  # naive = UTC
    assert ids(search="REVIEW") == [flagged]
    assert ids(search="carol") == [ineligible]  # the contact's name
    assert ids(search="99") == [ineligible]  # the contact's phone
    assert ids(search="%") == []  # LIKE wildcards are literal
    assert ids(limit=1, offset=1) == [flagged]
    with session_scope(db_url) as s:
        with pytest.raises(ValueError):
            review.list_screenings(s, outcome="eligible")
        rows = {r["id"]: r for r in review.list_screenings(s)}
    assert rows[ineligible]["failing_criteria"] == ["I1"]
    assert rows[ineligible]["has_contact"] is True
    assert rows[flagged]["open_flags"] and rows[incomplete]["open_flags"] == []
    assert "name" not in rows[ineligible] and "phone" not in rows[ineligible]


def test_outcome_counts(db_url: str, trial: Trial, needs_review_facts: dict[str, Any]) -> None:
    with session_scope(db_url) as s:
        assert review.outcome_counts(s) == {
            "ineligible": 0,
            "likely_eligible": 0,
            "needs_review": 0,
            "incomplete": 0,
        }
    _full_screening(db_url, trial, needs_review_facts, "a")
    _full_screening(db_url, trial, {"age_years": 70}, "b")
    _full_screening(db_url, trial, {"age_years": 80}, "c")
    _start(db_url, trial, "d")
    _start(db_url, trial, "e")
    with session_scope(db_url) as s:
        retention.delete_conversation(s, "e", "admin")
        assert review.outcome_counts(s) == {
            "ineligible": 2,
            "likely_eligible": 0,
            "needs_review": 1,
            "incomplete": 1,
        }


def test_staff_users(db_url: str) -> None:
    with session_scope(db_url) as s:
        uid = accounts.create_staff_user(s, "kim", "$argon2id$hash", "coordinator")
        with pytest.raises(ValueError):
            accounts.create_staff_user(s, "kim", "$argon2id$other", "admin")
        with pytest.raises(ValueError):
            accounts.create_staff_user(s, "lee", "$argon2id$hash", "janitor")
    with session_scope(db_url) as s:
        user = accounts.get_staff_user(s, "kim")
        assert accounts.get_staff_user(s, "nobody") is None
    assert user is not None
    assert user["id"] == uid and user["role"] == "coordinator" and user["active"] is True
    assert user["password_hash"] == "$argon2id$hash"
    assert user["created_at"].tzinfo is not None


# --- transcripts and exports ---------------------------------------------------------------


def test_transcript(db_url: str, rasa_events: Any) -> None:
    t0 = datetime(2025, 3, 1, 9, 30, tzinfo=timezone.utc)
    rasa_events(CONV, "action", at=t0, name="action_session_start")
    rasa_events(CONV, "bot", "Hello! Shall we start?", at=t0 + timedelta(seconds=1))
    rasa_events(CONV, "user", "yes", at=t0 + timedelta(seconds=5))
    rasa_events(CONV, "slot", at=t0 + timedelta(seconds=6), name="age_years")
    rasa_events(CONV, "bot", None, at=t0 + timedelta(seconds=7))  # buttons only: skipped
    rasa_events(CONV, "bot", "How old are you?", at=t0 + timedelta(seconds=8))
    rasa_events("someone-else", "user", "not mine", at=t0)
    with session_scope(db_url) as s:
        messages = transcripts.transcript(s, CONV)
    assert messages == [
        {"at": "2025-03-01T09:30:01+00:00", "from": "bot", "text": "Hello! Shall we start?"},
        {"at": "2025-03-01T09:30:05+00:00", "from": "patient", "text": "yes"},
        {"at": "2025-03-01T09:30:08+00:00", "from": "bot", "text": "How old are you?"},
    ]


def test_transcript_without_rasa_table(db_url: str) -> None:
    with session_scope(db_url) as s:
        assert transcripts.transcript(s, CONV) == []
        assert transcripts.last_bot_event(s, CONV) is None
        assert transcripts.delete_events(s, conversation_id=CONV) == 0


def test_last_bot_event(db_url: str, rasa_events: Any) -> None:
    buttons = [{"title": "Yes", "payload": "/affirm"}]
    rasa_events(CONV, "bot", "Shall we start?", data={"buttons": buttons})
    rasa_events(CONV, "user", "yes")
    rasa_events(CONV, "bot", "How old are you?")
    rasa_events("someone-else", "bot", "not mine")
    with session_scope(db_url) as s:
        latest = transcripts.last_bot_event(s, CONV)
        assert transcripts.last_bot_event(s, "nobody") is None
    assert latest is not None and latest["text"] == "How old are you?"
    rasa_events(CONV, "bot", "Shall we start?", data={"buttons": buttons})
    with session_scope(db_url) as s:
        latest = transcripts.last_bot_event(s, CONV)
    assert latest is not None and latest["data"] == {"buttons": buttons}


def test_delete_events(db_url: str, rasa_events: Any) -> None:
    now = datetime.now(timezone.utc)
    rasa_events(CONV, "user", "old", at=now - timedelta(days=40))
    rasa_events(CONV, "user", "new", at=now)
    rasa_events("other", "user", "old too", at=now - timedelta(days=40))
    with session_scope(db_url) as s:
        with pytest.raises(ValueError):
            transcripts.delete_events(s)
        assert transcripts.delete_events(s, before=now - timedelta(days=30)) == 2
        assert [m["text"] for m in transcripts.transcript(s, CONV)] == ["new"]
        assert transcripts.delete_events(s, conversation_id=CONV) == 1
        assert transcripts.transcript(s, CONV) == []


def test_export_screening_keys_and_values(
    db_url: str, trial: Trial, needs_review_facts: dict[str, Any], rasa_events: Any
) -> None:
    rasa_events(CONV, "bot", "Hi, I can check whether this study may suit you.")
    sid = _start(db_url, trial)
    rasa_events(CONV, "user", "I'm 34")
    _answer_all(db_url, sid, needs_review_facts, trial)
    assessment = _assess_and_save(db_url, sid, trial, ended=True)
    with session_scope(db_url) as s:
        exported = exports.export_screening(s, CONV, trial)
    assert list(exported) == [
        "conversation_id",
        "trial",
        "language",
        "outcome",
        "criteria",
        "facts",
        "follow_up",
        "transcript",
    ]
    assert exported["conversation_id"] == CONV
    assert exported["trial"] == trial.id == "NCT06585514"
    assert exported["outcome"] == "needs_review"
    assert exported["criteria"] == assessment.evaluation.statuses()
    assert list(exported["criteria"]) == [c.id for c in trial.criteria]
    assert exported["facts"] == needs_review_facts
    assert exported["facts"]["ana_titer"] is None and "sledai_2k" not in exported["facts"]
    assert exported["follow_up"] == [
        {**flag.as_dict(), "status": "open"} for flag in assessment.follow_up
    ]
    assert [(m["from"], m["text"]) for m in exported["transcript"]] == [
        ("bot", "Hi, I can check whether this study may suit you."),
        ("patient", "I'm 34"),
    ]
    assert all(set(m) == {"at", "from", "text"} for m in exported["transcript"])
    assert json.loads(json.dumps(exported)) == exported  # plain JSON


def test_export_splits_the_transcript_between_restarted_screenings(
    db_url: str, trial: Trial, rasa_events: Any
) -> None:
    rasa_events(CONV, "user", "first try")
    first = _start(db_url, trial)
    _answer_all(db_url, first, {"age_years": 70}, trial)
    _assess_and_save(db_url, first, trial)
    rasa_events(CONV, "user", "restart")
    second = _start(db_url, trial)
    rasa_events(CONV, "bot", "Let's start again.")
    rasa_events(CONV, "user", "second try")
    _answer_all(db_url, second, {"age_years": 30}, trial)
    _assess_and_save(db_url, second, trial)
    with session_scope(db_url) as s:
        latest = exports.export_screening(s, CONV, trial)
        everything = exports.export_all(s, trial)
    assert latest["facts"] == {"age_years": 30} and latest["outcome"] == "incomplete"
    assert [m["text"] for m in latest["transcript"]] == ["Let's start again.", "second try"]
    assert [e["outcome"] for e in everything] == ["ineligible", "incomplete"]
    assert [m["text"] for m in everything[0]["transcript"]] == ["first try", "restart"]
    assert everything[1] == latest


def test_export_all_skips_deleted_and_other_trials(db_url: str, trial: Trial) -> None:
    _full_screening(db_url, trial, {"age_years": 30}, "keep")
    _full_screening(db_url, trial, {"age_years": 31}, "gone")
    with session_scope(db_url) as s:
        screenings.start_screening(s, "other-trial", "NCT00000000", "1")
        retention.delete_conversation(s, "gone", "admin")
        exported = exports.export_all(s, trial)
        with pytest.raises(common.ScreeningNotFound):
            exports.export_screening(s, "other-trial", trial)
    assert [e["conversation_id"] for e in exported] == ["keep"]
    assert exported[0]["facts"] == {"age_years": 30}


def test_screening_log_csv(db_url: str, trial: Trial, needs_review_facts: dict[str, Any]) -> None:
    """The one screening log (CLI and staff app): an age band, not the age; no identifiers."""
    flagged = _full_screening(db_url, trial, needs_review_facts, "c-review")
    _full_screening(db_url, trial, {"age_years": 70, "other_cancer": True}, "=cmd|' /C calc'!A0")
    with session_scope(db_url) as s:
        rows = review.list_screenings(s, limit=None)
        text = exports.screening_log(s, trial, rows)
        flags = review.screening_summary(s, flagged)["open_flags"]
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert list(parsed[0]) == list(exports.LOG_COLUMNS)
    assert len(parsed) == 2
    by_outcome = {row["outcome"]: row for row in parsed}
    ineligible, needs_review = by_outcome["ineligible"], by_outcome["needs_review"]
    assert ineligible["failing_criteria"] == "I1;E4"
    titles = {c.id: c.title for c in trial.criteria}
    assert ineligible["screen_fail_reasons"] == f"I1 {titles['I1']}; E4 {titles['E4']}"
    assert ineligible["open_flags"] == ""
    assert ineligible["coded_id"] == "'=cmd|' /C calc'!A0"
    assert (ineligible["age_band"], ineligible["sex"]) == ("70–79", "unknown")
    assert (needs_review["age_band"], needs_review["sex"]) == ("30–39", "female")
    assert needs_review["open_flags"] == ";".join(flags)
    assert needs_review["trial"] == trial.id
    assert datetime.fromisoformat(needs_review["date"]).date() == datetime.now(timezone.utc).date()
    for secret in ("Alice", "+1 555 0100", "example.org", "said", "34"):
        assert secret not in text


@pytest.mark.parametrize(
    ("text", "cell"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("a=b", "a=b"), (None, "")],
)
def test_csv_safe(text: object, cell: str) -> None:
    assert exports.csv_safe(text) == cell


def test_cli_exports_the_same_screening_log(
    db_url: str,
    trial: Trial,
    needs_review_facts: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`prescreen export --all --format csv` writes the staff app's screening log."""
    from bot.cli import main as prescreen

    _full_screening(db_url, trial, needs_review_facts, "c-review")
    _full_screening(db_url, trial, {"age_years": 70}, "c-old")
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert prescreen(["export", "--all", "--format", "csv", f"--trial={trial.id}"]) == 0
    out = capsys.readouterr().out
    with session_scope(db_url) as s:
        expected = exports.screening_log(s, trial, review.list_screenings(s, limit=None))
    assert out == expected
    assert next(csv.reader(io.StringIO(out))) == list(exports.LOG_COLUMNS)
    (event,) = [row for row in _audit_rows(db_url) if row["action"] == "export"]
    assert event["actor"] == "cli" and event["detail"] == "csv, 2 screening(s)"
