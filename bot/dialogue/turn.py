"""One patient message, end to end: interpret → apply → ask.

`respond` is the only call the Rasa action makes. `turn_key` names a patient message so that a
retry of it (Rasa failed to save the tracker after the store had applied the message) is applied
once: the key is the previous patient message's id (unchanged while the stored tracker did not
move on) and a digest of the text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from bot.criteria.model import Trial
from bot.dialogue.apply import apply
from bot.dialogue.ask import ask
from bot.dialogue.interpret import Message, interpret
from bot.dialogue.messages import Reply
from bot.dialogue.state import State


def respond(
    trial: Trial,
    conversation_id: str,
    slots: Mapping[str, Any],
    message: Message,
    turn: str | None = None,
) -> Reply:
    """The reply to `message` in the conversation whose slots are `slots`."""
    state = State.of(trial, conversation_id, slots, turn)
    changes = apply(interpret(message, state), state)
    return ask(state.after(changes))


def turn_key(events: Sequence[Mapping[str, Any]]) -> str | None:
    """A key for the latest patient message in Rasa's events (None when there is none).

    Two sends of the same text after the same stored conversation get the same key; the next
    message after a saved turn gets a new one.
    """
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    if not users:
        return None
    latest = events[users[-1]]
    if len(users) > 1:
        before = str(events[users[-2]].get("message_id") or events[users[-2]].get("timestamp"))
    else:
        first = events[0]
        before = f"start:{first.get('timestamp')}"
    digest = hashlib.sha256(f"{before}\n{latest.get('text') or ''}".encode()).hexdigest()
    return digest[:40]
