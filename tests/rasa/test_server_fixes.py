"""The Rasa server fixes keep Rasa's behaviour: same event classes, same response validation."""

from __future__ import annotations

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from bot.rasa_plugins.server import cached_event_types, compiled_validation

TYPE_NAMES = sorted({cls.type_name for cls in all_subclasses(Event)})


@pytest.fixture(scope="module")
def originals() -> dict[str, object]:
    resolved = {name: Event.resolve_by_type(name) for name in TYPE_NAMES}
    cached_event_types()
    compiled_validation()
    return resolved


def test_every_event_type_resolves_to_the_same_class(originals: dict[str, object]) -> None:
    for name in TYPE_NAMES:
        assert Event.resolve_by_type(name) is originals[name], name
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError):
        Event.resolve_by_type("no-such-event")


def test_action_responses_are_still_validated(originals: dict[str, object]) -> None:
    action = RemoteAction("action_x", None)
    good = {"events": [{"event": "slot", "name": "a", "value": 1}], "responses": [{"text": "hi"}]}
    assert action._validate_action_result(good) is True
    bad = {"events": [{"no_event_key": 1}], "responses": []}
    from jsonschema import ValidationError

    with pytest.raises(ValidationError):
        action._validate_action_result(bad)


def test_logged_tracebacks_keep_no_local_variables(caplog: pytest.LogCaptureFixture) -> None:
    """A database error's traceback must not carry the password (or a patient's text) from
    the frames' local variables into Rasa's JSON log."""
    import logging

    import structlog
    from rasa.utils.log_utils import configure_structlog

    from bot.rasa_plugins.server import tracebacks_without_locals

    tracebacks_without_locals()
    configure_structlog(logging.INFO)

    def connect(password: str = "s3cret-pw", text: str = "I have lupus") -> None:
        raise RuntimeError("connection refused")

    with caplog.at_level(logging.INFO):
        try:
            connect()
        except RuntimeError:
            structlog.get_logger("test").exception("db.failure")
    assert "connection refused" in caplog.text and "connect" in caplog.text
    assert "s3cret-pw" not in caplog.text and "I have lupus" not in caplog.text


class _Request:
    """What the REST channel reads from a Sanic request (the JSON body and the query)."""

    def __init__(self, body: dict[str, object]) -> None:
        self.json = body
        self.args: dict[str, str] = {}


def _post(handler: object, text: str) -> list[dict[str, object]]:
    """Rasa's own REST `/webhook` route, called with `handler` as the message handler."""
    import asyncio
    import json

    from rasa.core.channels.rest import RestInput

    blueprint = RestInput().blueprint(handler)
    (receive,) = [r.handler for r in blueprint._future_routes if r.uri == "/webhook"]
    response = asyncio.run(receive(_Request({"sender": "p-1", "message": text})))
    return list(json.loads(response.body))


def test_a_failed_turn_sends_no_message(caplog: pytest.LogCaptureFixture) -> None:
    """The action had sent the next question, then saving the tracker failed: Rasa's channel
    would reply with that question; the patient must get no reply (and try again)."""
    import logging

    from bot.rasa_plugins.server import failed_turns_say_nothing

    async def answered_then_failed(message: object) -> None:
        await message.output_channel.send_text_message("p-1", "What is your sex?")  # type: ignore[attr-defined]
        raise RuntimeError("database unavailable: could not save conversation p-1…")

    async def answered(message: object) -> None:
        await message.output_channel.send_text_message("p-1", "What is your sex?")  # type: ignore[attr-defined]

    failed_turns_say_nothing()
    failed_turns_say_nothing()  # idempotent
    with caplog.at_level(logging.ERROR):
        assert _post(answered_then_failed, "I have lupus, I'm 34") == []
    assert "turn failed for conversation p-1…, no reply sent: RuntimeError" in caplog.text
    assert "I have lupus" not in caplog.text
    assert [m["text"] for m in _post(answered, "34")] == ["What is your sex?"]
