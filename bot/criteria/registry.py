"""Finding trial files by id: every `*.yaml` in `bot/trials/` (not golden cases) is a trial."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.criteria.loader import CriteriaError, load_trial
from bot.criteria.model import Trial

TRIALS_DIR = Path(__file__).resolve().parent.parent / "trials"
DEFAULT_TRIAL_ID = "NCT06585514"


def trial_files(directory: Path = TRIALS_DIR) -> list[Path]:
    """Trial files in `directory` (golden-case files excluded)."""
    return sorted(p for p in directory.glob("*.yaml") if not p.name.endswith(".golden.yaml"))


def available_trials(directory: Path = TRIALS_DIR) -> dict[str, Path]:
    """Trial id → file, for every trial file in `directory`."""
    return {load_trial(path).id: path for path in trial_files(directory)}


@lru_cache(maxsize=16)
def get_trial(trial_id: str = DEFAULT_TRIAL_ID) -> Trial:
    """The validated trial with this id (cached: trial files are read once per process)."""
    for path in trial_files():
        if path.stem.lower() == trial_id.lower():
            return load_trial(path)
    for path in trial_files():
        trial = load_trial(path)
        if trial.id.lower() == trial_id.lower():
            return trial
    known = ", ".join(available_trials()) or "none"
    raise CriteriaError(f"{TRIALS_DIR}: no trial with id {trial_id!r}; available: {known}")
