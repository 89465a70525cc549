"""Build the lazy parts (spaCy/medspacy pipeline, trial file) before the first patient arrives."""

from __future__ import annotations

from bot.answers import parse_answer
from bot.criteria.model import Trial
from bot.dialogue.interpret import consent_fact
from bot.engine import assess


def warm_up(trial: Trial) -> None:
    """Parse one yes/no answer and assess an empty fact set, so caches are filled."""
    parse_answer("no, never had one", consent_fact(trial.language))
    assess(trial, {})
