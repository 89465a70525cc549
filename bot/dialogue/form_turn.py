"""Transitional: `CONSENT_FACT` moved to `bot.dialogue.interpret` (kept for an older import)."""

from bot.dialogue.interpret import CONSENT_FACT

__all__ = ["CONSENT_FACT"]
