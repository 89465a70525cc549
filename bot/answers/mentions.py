"""Which facts a message talks about, spotted through their topic words."""

from __future__ import annotations

from collections.abc import Iterable

from bot.answers.result import Span
from bot.answers.terms import topic_spans
from bot.answers.text import MAX_CHARS, Tracked, clean_tracked
from bot.criteria.model import FactSpec


def language_of(facts: Iterable[FactSpec]) -> str | None:
    """The language of a trial view's facts (they share one); None when there are none."""
    return next((fact.language for fact in facts), None)


def find_fact_mentions(text: str, facts: Iterable[FactSpec]) -> list[str]:
    """Keys of the facts whose terms (or key words) appear in `text`, in order of appearance.

    Key words ("pregnant", "breastfeeding" of ``pregnant_or_breastfeeding``) are used only
    for facts that declare no terms.

    Where terms overlap, the longer one wins: "diabetic ketoacidosis" names
    ``diabetic_ketoacidosis``, not also ``diabetes``; facts sharing the very same words
    ("glucose") are all listed. Each key is listed once.
    """
    return [key for key, _ in find_fact_mention_spans(text, facts)]


def find_fact_mention_spans(text: str, facts: Iterable[FactSpec]) -> list[tuple[str, Span]]:
    """``find_fact_mentions`` with, for each key, where in `text` it is first named."""
    if not isinstance(text, str):
        return []
    fact_list = list(facts)
    cleaned = clean_tracked(Tracked.of(text), MAX_CHARS, language_of(fact_list))
    hits: list[tuple[int, int, str]] = []
    for fact in fact_list:
        spans = topic_spans(cleaned.text, fact, with_key_words=False)
        hits.extend((start, end, fact.key) for start, end in spans)
    hits.sort(key=lambda hit: (hit[0], hit[0] - hit[1]))
    found: dict[str, Span] = {}
    taken = (-1, -1)
    for start, end, key in hits:
        if start < taken[1] and (start, end) != taken:
            continue
        taken = (start, end)
        found.setdefault(key, cleaned.origin(start, end))
    return list(found.items())
