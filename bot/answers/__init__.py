"""Free-text answer parsing: what a patient types → a typed, normalised fact value.

Public API::

    parse_answer(text, fact) -> Parsed
    find_fact_mentions(text, facts) -> list[str]
    find_fact_mention_spans(text, facts) -> list[tuple[str, tuple[int, int]]]
    parse_correction(text, facts, pending) -> tuple[str, Parsed] | None

A ``Parsed`` carries the value, its evidence ``span`` (character offsets into the text the
caller passed) and the ``language`` it was read in: the fact's (``fact.language``). Every
word list, pattern and ConText rule the parser uses is a per-language resource file,
``bot/answers/resources/<lang>/*.yaml``, read and checked once by ``bot.answers.lexicon``;
the hints' wording is the ``answers`` message catalog (``bot/locale/<lang>/LC_MESSAGES``).
The spaCy/medspaCy pipeline used for yes/no answers is built lazily on first use.
"""

from bot.answers.corrections import parse_correction
from bot.answers.mentions import find_fact_mention_spans, find_fact_mentions
from bot.answers.parse import parse_answer
from bot.answers.result import Parsed

__all__ = [
    "Parsed",
    "find_fact_mention_spans",
    "find_fact_mentions",
    "parse_answer",
    "parse_correction",
]
