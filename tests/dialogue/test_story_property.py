"""Property (issue 11, Tests): a fact set told as a story and then confirmed decides the same
as the same facts answered one by one — through the real dialogue (parser, read-backs,
grouped questions, lab invitation; real SQLite store), not the engine alone.

The patients are the benchmark's simulated population (bench.population: the true value of
every fact), talking as bench.agreement's patients do: a storyteller's first answer after the
respondent question tells 3–10 true facts (bench.talkers.story), read-backs are checked
against what the patient meant and corrected when wrong. Both runs must reach a result, and
the outcome and the follow-up flags must be the same.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.agreement import Conversation, pending_from_slots, say
from bench.population import generate
from bot.engine import assess
from tests.dialogue.conftest import TRIAL, Patient
from tests.dialogue.test_stories import _stored

PROFILES = generate(120, seed=7)
MAX_TURNS = 60


def _screen(kind: str, index: int, seed: int) -> tuple[str | None, list[str], int]:
    """(outcome, follow-up facts, patient messages) for one simulated patient talking as
    `kind` through the dialogue."""
    profile = PROFILES[index]
    rng = random.Random(seed)
    patient = Patient(f"{kind}-{uuid.uuid4().hex[:10]}")
    chat = Conversation(profile, patient.conversation_id, kind=kind)
    patient.say("hi", "greet")
    attempts: dict[str, int] = {}
    for _ in range(MAX_TURNS):
        pending = pending_from_slots(dict(patient.slots))
        if pending.asked is None:
            break
        key = f"{pending.asked}:{','.join(pending.facts)}"
        attempts[key] = attempts.get(key, 0) + 1
        typed = say(profile, kind, pending, attempts[key], rng, TRIAL, chat)
        chat.turns.append(typed)
        patient.say(typed.text)
        if patient.slots.get("asking", "") in ("contact_consent",):
            break
    result = assess(TRIAL, _chat_facts(_stored(patient.conversation_id)))
    flags = sorted(flag.fact for flag in result.follow_up)
    return result.outcome, flags, len(chat.turns)


def _chat_facts(stored: dict[str, Any]) -> dict[str, Any]:
    """The stored facts the chat asks (staff-only facts are not part of it)."""
    return {k: v for k, v in stored.items() if k in TRIAL.facts and TRIAL.facts[k].askable}


@given(index=st.integers(0, len(PROFILES) - 1), seed=st.integers(0, 10_000))
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_a_story_then_confirmed_decides_like_one_by_one(
    database: str, index: int, seed: int
) -> None:
    story = _screen("storyteller", index, seed)
    one_by_one = _screen("one_by_one", index, seed)
    assert story[:2] == one_by_one[:2], (PROFILES[index].scenario, story, one_by_one)
    # telling the story never costs messages
    assert story[2] <= one_by_one[2] + 1, (PROFILES[index].scenario, story, one_by_one)
