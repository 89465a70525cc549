"""Configuration from environment variables, with development defaults (documented in README)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_RASA_TOKEN = "dev-only-rasa-token"  # development default; set RASA_TOKEN in production


@dataclass(frozen=True)
class Settings:
    """Ports, token and paths for one run of the stack."""

    rasa_port: int
    action_port: int
    web_port: int
    rasa_token: str
    trial_id: str
    models_dir: Path
    var_dir: Path

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}/webhook"


def load_settings() -> Settings:
    """Read the environment (RASA_PORT, ACTION_PORT, WEB_PORT, RASA_TOKEN, PRESCREEN_TRIAL…)."""
    return Settings(
        rasa_port=int(os.environ.get("RASA_PORT", "5005")),
        action_port=int(os.environ.get("ACTION_PORT", "5055")),
        web_port=int(os.environ.get("WEB_PORT", "8000")),
        rasa_token=os.environ.get("RASA_TOKEN", DEV_RASA_TOKEN),
        trial_id=os.environ.get("PRESCREEN_TRIAL", "NCT06585514"),
        models_dir=Path(os.environ.get("MODELS_DIR", ROOT / "models")),
        var_dir=Path(os.environ.get("VAR_DIR", ROOT / "var")),
    )
