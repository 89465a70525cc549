"""The database goes away mid-conversation (issue 6 §2): the real Rasa server, action server and
web app on a real PostgreSQL (tests/faults/postgres.py) that the test stops and starts again.

While it is down the patient gets a clear "please try again" message (not silence, not an
error page, not the privacy notice of a fresh conversation), the logs say the database is
unavailable, and no process dies. Once it is back the resent answer continues the
conversation from where it was, and the store holds every earlier answer and the resent one
exactly once. A restart of the database between two turns (stale pooled connections) goes
unnoticed. The database failing for Rasa's save of the tracker after the action server stored
the answer (the save race) shows no next question, and the retry is applied once. The database
failing only for the action server's write is covered in tests/dialogue (the not-saved note).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from itsdangerous import Signer

from bot.criteria import get_trial
from bot.engine import assess
from bot.i18n import t
from bot.web.patient import COOKIE, COOKIE_SALT, NO_REPLY, UNAVAILABLE
from tests.browser.conftest import Web
from tests.faults import postgres
from tests.stack.harness import Stack, asked_fact, running_stack

pytestmark = pytest.mark.stack
TRIAL = get_trial()
#: what the patient has answered when the database goes away, by the fact asked.
BEFORE = {
    "consent_prescreen": "yes",
    "respondent": "for myself",
    "age_years": "I'm 34",
    "sex": "female",
}
BEFORE_FACTS = {"age_years": 34, "sex": "female"}


@pytest.fixture(scope="module")
def database() -> Iterator[postgres.PostgresServer]:
    """A PostgreSQL server of this module's own, on a free loopback port."""
    reason = postgres.missing()
    if reason:
        pytest.skip(reason)
    server = postgres.PostgresServer()
    try:
        server.init()
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="module")
def stack(
    database: postgres.PostgresServer,
    trained_model: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    """The real Rasa + action servers on `database` (overrides the SQLite stack; the `web`
    fixture of tests/browser/conftest.py then serves the web app on this one)."""
    workdir = tmp_path_factory.mktemp("database-down")
    with running_stack(trained_model, workdir, database.url) as running:
        yield running


@pytest.fixture
def database_back(database: postgres.PostgresServer) -> Iterator[postgres.PostgresServer]:
    """The database, started again after the test if the test left it stopped."""
    try:
        yield database
    finally:
        if not database.running():
            database.start()


class Patient:
    """A browser-like client of the web app: cookies, CSRF header, JSON chat."""

    def __init__(self, web: Web) -> None:
        self.web = web
        self.client = httpx.Client(base_url=web.url, timeout=60)
        assert self.client.get("/").status_code == 200
        self.sent: list[str] = []

    @property
    def conversation_id(self) -> str:
        signer = Signer(self.web.settings.secret_key, salt=COOKIE_SALT)
        return signer.unsign(self.client.cookies[COOKIE]).decode("ascii")

    def say(self, text: str) -> tuple[int, list[dict[str, Any]]]:
        token = self.client.cookies.get("csrftoken") or ""
        response = self.client.post("/chat", json={"message": text}, headers={"x-csrftoken": token})
        body = response.json()
        if response.status_code == 200 and _texts(body["messages"]) != [t(NO_REPLY)]:
            self.sent.append(text)
        return response.status_code, body.get("messages") or [{"text": body.get("error")}]

    def answer(self, answers: dict[str, str], until: str) -> None:
        """Answer the questions in `answers` in the order asked, until `until` is asked."""
        status, messages = self.say("hi")
        assert status == 200, messages
        for _ in range(len(answers) + 1):
            fact = asked_fact(TRIAL, messages)
            if fact == until:
                return
            assert fact in answers, (fact, messages)
            status, messages = self.say(answers[fact])
            assert status == 200, messages
        raise AssertionError(f"{until} was never asked: {messages}")


def _next_key(facts: dict[str, Any]) -> str | None:
    """The question the planner asks next: a fact, or a group of them (its key)."""
    ask = assess(TRIAL, facts).next_ask
    return ask.key if ask is not None else None


def _texts(messages: list[dict[str, Any]]) -> list[str]:
    return [str(m.get("text")) for m in messages]


def _stored(stack: Stack, conversation_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(`prescreen export` of the conversation, every stored answer incl. superseded ones)."""
    from bot.store import screenings
    from bot.store.db import session_scope

    export = stack.export(conversation_id)
    with session_scope(stack.database_url) as session:
        screening_id = screenings.current_screening_id(session, conversation_id)
        assert screening_id is not None
        history = screenings.answer_history(session, int(screening_id))
    return export, history


def _alive(web: Web) -> None:
    """Every process of the stack still runs, and the web app still serves its page."""
    for process in web.stack.processes:
        assert process.poll() is None, f"{process.args[:3]} exited with {process.returncode}"
    assert httpx.get(web.url + "/", timeout=10).status_code == 200


def _log(stack: Stack, name: str) -> str:
    return (stack.workdir / name).read_text(errors="replace")


def test_tracker_store_outage_is_an_error_not_a_new_conversation(
    database_back: postgres.PostgresServer,
) -> None:
    """Rasa's fail-safe wrapper must not turn an unreadable conversation into a fresh one, and
    the store must survive a database restart (no dead pooled connection on the next read)."""
    import asyncio

    from rasa.core.tracker_store import FailSafeTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from sqlalchemy.engine import make_url

    from bot.rasa_plugins.tracker_store import PrivacySQLTrackerStore, TrackerStoreUnavailable

    database = database_back
    url = make_url(database.url)
    store = PrivacySQLTrackerStore(
        Domain.empty(),
        dialect="postgresql",
        host=url.host,
        port=url.port,
        db=url.database,
        username=url.username,
        password=url.password,
    )
    wrapped = FailSafeTrackerStore(store)  # what Rasa's Agent makes of any tracker store
    tracker = store.init_tracker("store-test-conversation")
    tracker.update(UserUttered("hello"))
    try:
        asyncio.run(wrapped.save(tracker))
        database.stop()
        database.start()
        again = asyncio.run(wrapped.retrieve(tracker.sender_id))
        assert again is not None and again.latest_message.text == "hello"
        database.stop()
        with pytest.raises(TrackerStoreUnavailable) as raised:
            asyncio.run(wrapped.retrieve(tracker.sender_id))
        message = str(raised.value)
        assert message.startswith("database unavailable: could not load conversation store-…")
        assert f"127.0.0.1:{database.port}/{postgres.DATABASE}" in message
        assert database.password not in message
        assert raised.value.__cause__ is None and raised.value.__suppress_context__
    finally:
        store.engine.dispose()


def test_database_down_mid_conversation(
    web: Web, database_back: postgres.PostgresServer, caplog: pytest.LogCaptureFixture
) -> None:
    database = database_back
    stack = web.stack
    patient = Patient(web)
    patient.answer(BEFORE, until="sle_diagnosed")
    conversation = patient.conversation_id
    export, history = _stored(stack, conversation)
    assert export["facts"] == BEFORE_FACTS
    rasa_log_before = len(_log(stack, "rasa.log"))

    database.stop()
    caplog.set_level(logging.WARNING)
    for _ in range(2):  # trying again while it is still down is just as safe
        status, messages = patient.say("yes")
        # The web app's "try again" message: not silence, not an error page, and not the
        # privacy notice of a conversation started afresh on an empty tracker.
        assert (status, _texts(messages)) == (200, [t(NO_REPLY)])
    # The web app reads the transcript itself: a 503 with the same friendly wording as Rasa's.
    history_response = patient.client.get("/chat/history")
    assert history_response.status_code == 503
    assert history_response.json() == {"error": t(UNAVAILABLE)}
    _alive(web)

    rasa_log = _log(stack, "rasa.log")[rasa_log_before:]
    database_name = f"127.0.0.1:{database.port}/{postgres.DATABASE}"
    unavailable = re.compile(
        rf"ERROR .*database unavailable: could not load conversation {conversation[:6]}… "
        rf"\(postgresql://{postgres.USER}:\*\*\*@{re.escape(database_name)}\): OperationalError"
    )
    assert unavailable.search(rasa_log), rasa_log[-3000:]
    assert database.password not in rasa_log
    assert "trying to retrieve conversation tracker" not in rasa_log  # no fresh-tracker fallback
    web_errors = [r for r in caplog.records if r.getMessage() == "could not read the transcript"]
    assert web_errors and "OperationalError" in str(web_errors[0].exc_info), caplog.text

    database.start()
    status, messages = patient.say("yes")
    assert status == 200
    after = {**BEFORE_FACTS, "sle_diagnosed": True}
    assert asked_fact(TRIAL, messages) == _next_key(after), messages
    export, history = _stored(stack, conversation)
    assert export["facts"] == after
    assert [(a["fact"], a["raw_text"], a["superseded_at"]) for a in history] == [
        ("age_years", "I'm 34", None),
        ("sex", "female", None),
        ("sle_diagnosed", "yes", None),
    ]
    # The transcript (Rasa's events) holds every message that got through, each once.
    said = [line["text"] for line in export["transcript"] if line["from"] == "patient"]
    assert said == patient.sent == ["hi", *BEFORE.values(), "yes"]
    assert patient.client.get("/chat/history").status_code == 200
    _alive(web)


def test_database_restarted_between_turns(web: Web, database_back: postgres.PostgresServer) -> None:
    """Every pooled connection dies with the restart; the next turn must not notice."""
    database = database_back
    stack = web.stack
    patient = Patient(web)
    patient.answer(BEFORE, until="sle_diagnosed")

    database.stop()
    database.start()
    status, messages = patient.say("yes")
    after = {**BEFORE_FACTS, "sle_diagnosed": True}
    assert status == 200
    assert asked_fact(TRIAL, messages) == _next_key(after), messages
    export, history = _stored(stack, patient.conversation_id)
    assert export["facts"] == after
    assert [a["fact"] for a in history] == ["age_years", "sex", "sle_diagnosed"]
    _alive(web)


FAIL_SAVES = """
CREATE TABLE IF NOT EXISTS fail_event_saves (sender_id text PRIMARY KEY);
CREATE OR REPLACE FUNCTION fail_event_saves() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM fail_event_saves WHERE sender_id = NEW.sender_id) THEN
        RAISE EXCEPTION 'test: the database fails while Rasa saves the tracker';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS fail_event_saves ON events;
CREATE TRIGGER fail_event_saves BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION fail_event_saves();
"""


def test_tracker_save_fails_after_the_answer_was_stored(web: Web) -> None:
    """The save race: the action server has stored the answer, then Rasa cannot save the
    tracker (a trigger on Rasa's `events` table fails the insert for this conversation only).
    The patient must not see the next question (the stored conversation still waits for this
    one); the retry of the same message continues the conversation and is applied once."""
    import sqlalchemy as sa

    stack = web.stack
    patient = Patient(web)
    patient.answer(BEFORE, until="sle_diagnosed")
    conversation = patient.conversation_id
    engine = sa.create_engine(stack.database_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(FAIL_SAVES)
            connection.execute(
                sa.text("INSERT INTO fail_event_saves VALUES (:c)"), {"c": conversation}
            )
        status, messages = patient.say("yes")
        assert (status, _texts(messages)) == (200, [t(NO_REPLY)])  # not the next question
        _export, history = _stored(stack, conversation)
        assert [a["fact"] for a in history] == ["age_years", "sex", "sle_diagnosed"]  # stored
        with engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM fail_event_saves"))
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS fail_event_saves ON events")
        engine.dispose()

    status, messages = patient.say("yes")  # the patient sends it again
    after = {**BEFORE_FACTS, "sle_diagnosed": True}
    assert status == 200
    assert asked_fact(TRIAL, messages) == _next_key(after), messages
    export, history = _stored(stack, conversation)
    assert export["facts"] == after
    assert [(a["fact"], a["raw_text"], a["superseded_at"]) for a in history] == [
        ("age_years", "I'm 34", None),
        ("sex", "female", None),
        ("sle_diagnosed", "yes", None),  # applied once, not once per attempt
    ]
    said = [line["text"] for line in export["transcript"] if line["from"] == "patient"]
    assert said == patient.sent == ["hi", *BEFORE.values(), "yes"]
    # and the conversation goes on from there
    status, messages = patient.say("no")
    assert status == 200 and asked_fact(TRIAL, messages) is not None
    _alive(web)
