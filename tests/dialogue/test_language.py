"""The conversation's language flows end to end: the trial's wording and the catalog are those
of the `language` slot, the screening stores it, and start over keeps it.

The trial has only English wording, so a copy of it declaring a second language ("xx", each
text prefixed "[xx]") stands in for the next language; its catalog falls back to English.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.criteria.loader import load_trial
from bot.criteria.model import Trial
from bot.dialogue import Message, respond
from bot.engine import plan
from bot.i18n import t
from bot.store import screenings
from bot.store.db import session_scope
from tests.dialogue.conftest import TRIAL


def _with_xx(node: Any) -> Any:
    """Every language-keyed text gets an "xx" version, prefixed "[xx] "."""
    if isinstance(node, dict):
        out = {key: _with_xx(value) for key, value in node.items()}
        if "en" in node and set(node) <= {"en"}:
            english = node["en"]
            out["xx"] = (
                f"[xx] {english}"
                if isinstance(english, str)
                else _with_xx(english)
                if not isinstance(english, list)
                else english
            )
        return out
    if isinstance(node, list):
        return [_with_xx(item) for item in node]
    return node


@pytest.fixture(scope="module")
def two_languages(tmp_path_factory: pytest.TempPathFactory) -> Trial:
    assert TRIAL.path is not None
    raw = yaml.safe_load(TRIAL.path.read_text(encoding="utf-8"))
    raw = _with_xx(raw)
    raw["trial"]["languages"] = ["en", "xx"]
    path: Path = tmp_path_factory.mktemp("trial") / "criteria.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return load_trial(path)


def test_the_language_picks_the_trial_wording_and_is_stored(two_languages: Trial) -> None:
    slots: dict[str, Any] = {"language": "xx"}

    def say(text: str, intent: str = "inform") -> list[str]:
        reply = respond(two_languages, "conv-xx", slots, Message(text, intent, 0.9))
        slots.update(reply.slots)
        return [m.text for m in reply.messages]

    assert say("hi", "greet") == [two_languages.in_language("xx").privacy]
    assert slots["language"] == "xx" and two_languages.in_language("xx").privacy.startswith("[xx]")
    say("yes", "affirm")
    with session_scope() as session:
        sid = screenings.current_screening_id(session, "conv-xx")
        assert sid is not None
        stored = session.execute(
            screenings.select(screenings.Screening.language).where(screenings.Screening.id == sid)
        ).scalar_one()
    assert stored == "xx"
    # no "xx" catalog: the dialogue's own sentences fall back to English
    assert say("for myself") == [
        t(
            "dialogue.question.with_progress",
            "en",
            question=two_languages.in_language("xx").facts["age_years"].question_self,
            progress=t("dialogue.progress.left", "en", count=plan(two_languages, {}).asks_left),
        )
    ]
    say("start again", "start_over")
    assert slots["language"] == "xx" and slots["consent_prescreen"] is None


def test_the_client_s_language_is_taken_when_the_conversation_starts(two_languages: Trial) -> None:
    reply = respond(two_languages, "conv-start", {}, Message("hello", "greet", 0.9, "xx"))
    assert reply.slots["language"] == "xx"
    assert [m.text for m in reply.messages] == [two_languages.in_language("xx").privacy]
    # a language the trial is not worded in: the default
    other = respond(two_languages, "conv-other", {}, Message("hello", "greet", 0.9, "fr"))
    assert other.slots["language"] == "en"
    # later messages do not change it
    later = respond(two_languages, "conv-start", reply.slots, Message("yes", "affirm", 0.9, "en"))
    assert "language" not in later.slots
