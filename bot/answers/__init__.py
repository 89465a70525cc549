"""Free-text answer parsing: what a patient types → a typed, normalised fact value.

Public API::

    parse_answer(text, fact) -> Parsed
    find_fact_mentions(text, facts) -> list[str]
    find_fact_mention_spans(text, facts) -> list[tuple[str, tuple[int, int]]]
    parse_correction(text, facts, pending) -> tuple[str, Parsed] | None
    extract_facts(text, trial_or_facts, *, pending=None) -> list[Candidate]

``extract_facts`` reads a whole message (a story, a guardian's account, a pasted letter or
lab report): every fact it states, each a ``Candidate`` with its evidence span and a
confidence, ``"stated"`` (safe to take) or ``"ask"`` (confirm first; never stored as is).

A ``Parsed`` carries the value, its evidence ``span`` (character offsets into the text the
caller passed) and the ``language`` it was read in: the fact's (``fact.language``). Every
word list, pattern and ConText rule the parser uses is a per-language resource file,
``bot/answers/resources/<lang>/*.yaml``, read and checked once by ``bot.answers.lexicon``;
the hints' wording is the ``answers`` message catalog (``bot/locale/<lang>/LC_MESSAGES``).
The spaCy/medspaCy pipeline used for yes/no answers is built lazily on first use.
"""

from bot.answers.corrections import parse_correction
from bot.answers.extract import Candidate, extract_facts
from bot.answers.mentions import find_fact_mention_spans, find_fact_mentions
from bot.answers.parse import parse_answer
from bot.answers.result import Parsed

__all__ = [
    "Candidate",
    "Parsed",
    "extract_facts",
    "find_fact_mention_spans",
    "find_fact_mentions",
    "parse_answer",
    "parse_correction",
]
