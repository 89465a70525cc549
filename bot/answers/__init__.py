"""Free-text answer parsing: what a patient types → a typed, normalised fact value.

Public API::

    parse_answer(text, fact) -> Parsed
    find_fact_mentions(text, facts) -> list[str]
    parse_correction(text, facts, pending) -> tuple[str, Parsed] | None

The spaCy/medspaCy pipeline used for yes/no answers is built lazily on first use.
"""

from bot.answers.corrections import parse_correction
from bot.answers.mentions import find_fact_mentions
from bot.answers.parse import parse_answer
from bot.answers.result import Parsed

__all__ = ["Parsed", "find_fact_mentions", "parse_answer", "parse_correction"]
