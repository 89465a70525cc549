"""Several writers at once: on one SQLite file (Rasa server, action server and web app share
it) and on PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.criteria.model import Trial
from bot.store import screenings
from bot.store.db import session_scope

WRITES = 40


def test_two_threads_write_answers_to_different_screenings(sqlite_url: str, trial: Trial) -> None:
    with session_scope(sqlite_url) as s:
        ids = [
            screenings.start_screening(s, f"conv-{n}", trial.id, trial.version) for n in range(2)
        ]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(ids))

    def writer(sid: int) -> None:
        try:
            barrier.wait()
            for n in range(WRITES):
                # one unit of work per answer, as the action server does
                with session_scope(sqlite_url) as s:
                    screenings.record_answer(s, sid, "age_years", n, "years", str(n))
                    screenings.record_answer(s, sid, "ecog", n % 5, None, None)
                with session_scope(sqlite_url) as s:
                    screenings.current_facts(s, sid)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(sid,)) for sid in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with session_scope(sqlite_url) as s:
        for sid in ids:
            assert screenings.current_facts(s, sid) == {
                "age_years": WRITES - 1,
                "ecog": (WRITES - 1) % 5,
            }
            assert len(screenings.answer_history(s, sid)) == 2 * WRITES


def test_two_threads_correct_the_same_fact(db_url: str, trial: Trial) -> None:
    """Racing corrections of one fact queue up (row lock / SQLite write lock): one current."""
    with session_scope(db_url) as s:
        sid = screenings.start_screening(s, "conv", trial.id, trial.version)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def writer(offset: int) -> None:
        try:
            barrier.wait()
            for n in range(WRITES):
                with session_scope(db_url) as s:
                    screenings.record_answer(s, sid, "age_years", offset + n, "years", None)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(offset,)) for offset in (0, 100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with session_scope(db_url) as s:
        history = screenings.answer_history(s, sid)
    assert len(history) == 2 * WRITES
    assert sum(h["superseded_at"] is None for h in history) == 1


FACT_VALUES = st.one_of(
    st.tuples(st.just("age_years"), st.one_of(st.none(), st.integers(0, 120))),
    st.tuples(st.just("diabetes"), st.one_of(st.none(), st.booleans())),
    st.tuples(st.just("sex"), st.one_of(st.none(), st.sampled_from(["female", "male"]))),
    st.tuples(
        st.just("lymphocytes_10e9_l"),
        st.one_of(st.none(), st.floats(0, 100, allow_nan=False, allow_infinity=False)),
    ),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(writes=st.lists(FACT_VALUES, max_size=12))
def test_current_facts_is_the_last_write_per_fact(
    sqlite_url: str, trial: Trial, writes: list[tuple[str, Any]]
) -> None:
    with session_scope(sqlite_url) as s:
        sid = screenings.start_screening(s, "prop", trial.id, trial.version)
        for fact, value in writes:
            screenings.record_answer(s, sid, fact, value, None, None)
    expected: dict[str, Any] = {}
    for fact, value in writes:
        expected[fact] = value
    with session_scope(sqlite_url) as s:
        assert screenings.current_facts(s, sid) == expected
        history = screenings.answer_history(s, sid)
    assert [(h["fact"], h["value"]) for h in history] == writes
    assert sum(h["superseded_at"] is None for h in history) == len(expected)
