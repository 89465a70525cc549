"""Trial criteria as data: the typed model and its strict loader."""

from bot.criteria.loader import CriteriaError, load_trial, parse_trial
from bot.criteria.model import Criterion, DerivedSpec, FactSpec, Trial
from bot.criteria.registry import TRIALS_DIR, available_trials, get_trial

__all__ = [
    "TRIALS_DIR",
    "CriteriaError",
    "Criterion",
    "DerivedSpec",
    "FactSpec",
    "Trial",
    "available_trials",
    "get_trial",
    "load_trial",
    "parse_trial",
]
