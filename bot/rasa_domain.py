"""Generate Rasa's domain.yml from the trial file — one source of truth for slots and intents.

`prescreen domain --write` regenerates it; a test fails when the committed file is stale.
Slots: one per fact, named exactly like the fact key, and the dialogue's own (bot.dialogue.state).
Intents: the conversation's own, and one ``ask_<topic>`` per topic of the trial file. There is
one action, ``action_turn``, which handles every message (see bot/dialogue/__init__.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.criteria.model import Trial
from bot.dialogue.state import DIALOGUE_SLOTS

DOMAIN_PATH = Path(__file__).resolve().parent.parent / "domain.yml"

#: intents that are not about a topic of the trial.
INTENTS: tuple[str, ...] = (
    "greet",
    "goodbye",
    "thanks",
    "ask_join",
    "affirm",
    "deny",
    "dont_know",
    "inform",
    "correct",
    "ask_why",
    "ask_human",
    "stop",
    "start_over",
    "delete_data",
)
ACTIONS: tuple[str, ...] = ("action_turn",)
HEADER = (
    "# GENERATED from the trial file by `prescreen domain --write` — do not edit by hand.\n"
    "# Slots are named exactly like the trial's fact keys; `ask_<topic>` intents come from the\n"
    "# trial's topics. Every message goes to action_turn (bot.dialogue), so there are no forms.\n"
)


def topic_intents(trial: Trial) -> list[str]:
    """One intent per topic a patient can ask about (``ask_treatment``, ``ask_location`` …)."""
    return [f"ask_{name}" for name in trial.topics]


def intents(trial: Trial) -> list[str]:
    """Every intent of the domain, the trial's topic intents after ``ask_why``."""
    fixed = list(INTENTS)
    at = fixed.index("ask_why") + 1
    return [*fixed[:at], *topic_intents(trial), *fixed[at:]]


def _slot() -> dict[str, Any]:
    return {"type": "any", "influence_conversation": False, "mappings": [{"type": "custom"}]}


def build_domain(trial: Trial) -> dict[str, Any]:
    """The domain as a plain dict (stable key order, so the file diffs cleanly)."""
    slots = {key: _slot() for key in trial.facts}
    slots.update({key: _slot() for key in DIALOGUE_SLOTS})
    return {
        "version": "3.1",
        "intents": intents(trial),
        "slots": slots,
        "actions": list(ACTIONS),
        "session_config": {
            "session_expiration_time": 120,
            "carry_over_slots_to_new_session": True,
        },
    }


def render_domain(trial: Trial) -> str:
    """domain.yml text."""
    body = yaml.safe_dump(build_domain(trial), sort_keys=False, allow_unicode=True, width=100)
    return HEADER + body


def write_domain(trial: Trial, path: Path = DOMAIN_PATH) -> bool:
    """Write domain.yml; True when it changed."""
    text = render_domain(trial)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True
