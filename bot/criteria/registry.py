"""Finding trials by id: each trial is a folder `bot/trials/<ID>/` with `criteria.yaml`.

A trial folder holds its criteria file (`criteria.yaml`), its golden cases (`golden.yaml`) and
the sources it was encoded from (`sources/`). A loose `*.yaml` file (not `*.golden.yaml`)
directly in a directory also counts as a trial file, for fixtures.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.criteria.loader import CriteriaError, load_trial
from bot.criteria.model import Trial

TRIALS_DIR = Path(__file__).resolve().parent.parent / "trials"
DEFAULT_TRIAL_ID = "NCT06585514"
CRITERIA_FILE = "criteria.yaml"
GOLDEN_FILE = "golden.yaml"


def trial_files(directory: Path = TRIALS_DIR) -> list[Path]:
    """Trial criteria files in `directory`: `<ID>/criteria.yaml` folders and loose `*.yaml`."""
    folders = [p / CRITERIA_FILE for p in directory.iterdir() if (p / CRITERIA_FILE).is_file()]
    loose = [p for p in directory.glob("*.yaml") if not p.name.endswith(".golden.yaml")]
    return sorted([*folders, *loose])


def trial_folder(trial_id: str, directory: Path = TRIALS_DIR) -> Path:
    """The folder of the trial with this id (its criteria, golden cases and sources)."""
    for path in trial_files(directory):
        if path.name == CRITERIA_FILE and path.parent.name.lower() == trial_id.lower():
            return path.parent
    known = ", ".join(available_trials(directory)) or "none"
    raise CriteriaError(f"{directory}: no trial folder {trial_id!r}; available: {known}")


def golden_file(criteria_file: Path) -> Path:
    """The golden-case file beside a criteria file (`golden.yaml`, or `<stem>.golden.yaml`)."""
    if criteria_file.name == CRITERIA_FILE:
        return criteria_file.parent / GOLDEN_FILE
    return criteria_file.with_name(f"{criteria_file.stem}.golden.yaml")


def _stem(path: Path) -> str:
    return path.parent.name if path.name == CRITERIA_FILE else path.stem


def available_trials(directory: Path = TRIALS_DIR) -> dict[str, Path]:
    """Trial id → criteria file, for every trial in `directory`."""
    return {load_trial(path).id: path for path in trial_files(directory)}


@lru_cache(maxsize=16)
def get_trial(trial_id: str = DEFAULT_TRIAL_ID) -> Trial:
    """The validated trial with this id (cached: trial files are read once per process)."""
    for path in trial_files():
        if _stem(path).lower() == trial_id.lower():
            return load_trial(path)
    for path in trial_files():
        trial = load_trial(path)
        if trial.id.lower() == trial_id.lower():
            return trial
    known = ", ".join(available_trials()) or "none"
    raise CriteriaError(f"{TRIALS_DIR}: no trial with id {trial_id!r}; available: {known}")
