"""Generate Rasa's domain.yml from the trial file — one source of truth for slots and questions.

`prescreen domain --write` regenerates it; a test fails when the committed file is stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.criteria.model import Trial
from bot.dialogue.state import (
    BRANCH_SLOTS,
    CONSENT,
    CONTACT_CONSENT,
    CONTACT_DETAILS,
    CONTACT_NAME,
    DIALOGUE_SLOTS,
    RESPONDENT,
)

DOMAIN_PATH = Path(__file__).resolve().parent.parent / "domain.yml"

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
    "ask_car_t",
    "ask_study",
    "ask_location",
    "ask_who",
    "ask_human",
    "stop",
    "start_over",
    "delete_data",
)
FORM_ACTIONS: tuple[str, ...] = (
    "validate_prescreen_form",
    "validate_contact_form",
    "action_finish_screening",
    "action_contact_done",
    "action_route",
)
CONTACT_SLOTS = (CONTACT_CONSENT, CONTACT_NAME, CONTACT_DETAILS)
HEADER = (
    "# GENERATED from bot/trials/*.yaml by `prescreen domain --write` — do not edit by hand.\n"
    "# Slots are named exactly like the trial's fact keys. The pre-screen questions are sent by\n"
    "# validate_prescreen_form (wording from the trial file), so that form has no ask actions.\n"
)


def ask_action_names(trial: Trial) -> list[str]:
    """The `action_ask_<slot>` actions: the contact form's only.

    The pre-screen form declares none on purpose. Rasa then asks nothing itself, and
    `validate_prescreen_form` sends the next question (wording from the trial file) in the
    same call that understood the answer — one action-server round trip per turn, not two.
    """
    return [f"action_ask_{slot}" for slot in CONTACT_SLOTS]


def _slot(initial: Any = None) -> dict[str, Any]:
    slot: dict[str, Any] = {
        "type": "any",
        "influence_conversation": False,
        "mappings": [{"type": "custom"}],
    }
    if initial is not None:
        slot["initial_value"] = initial
    return slot


def build_domain(trial: Trial) -> dict[str, Any]:
    """The domain as a plain dict (stable key order, so the file diffs cleanly)."""
    slots = {key: _slot() for key in trial.facts}
    slots.update({key: _slot() for key in DIALOGUE_SLOTS})
    # The only slots that steer Rasa's policies: what follows the router and the result.
    for key in BRANCH_SLOTS:
        slots[key] = {
            "type": "bool",
            "influence_conversation": True,
            "mappings": [{"type": "custom"}],
        }
    return {
        "version": "3.1",
        "intents": list(INTENTS),
        "slots": slots,
        "forms": {
            "prescreen_form": {
                "required_slots": [CONSENT, RESPONDENT, *(f.key for f in trial.askable_facts())]
            },
            "contact_form": {"required_slots": list(CONTACT_SLOTS)},
        },
        "actions": [*FORM_ACTIONS, *ask_action_names(trial)],
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
