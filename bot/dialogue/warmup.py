"""Build the lazy parts (spaCy/medspacy pipeline, trial file) before the first patient arrives."""

from __future__ import annotations

from bot.answers import extract_facts, parse_answer
from bot.criteria.model import Trial
from bot.dialogue.interpret import consent_fact
from bot.engine import assess


def warm_up(trial: Trial) -> None:
    """Parse one yes/no answer, read one story and assess an empty fact set, so caches are
    filled (the story reader's resources take seconds to load on first use)."""
    parse_answer("no, never had one", consent_fact(trial.language))
    extract_facts("34 with lupus since 2018", trial, pending=next(iter(trial.facts), None))
    assess(trial, {})
