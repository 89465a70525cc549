"""Which facts a message talks about, spotted through their topic words."""

from __future__ import annotations

from collections.abc import Iterable

from bot.answers.terms import topic_spans
from bot.answers.text import clean
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
    if not isinstance(text, str):
        return []
    fact_list = list(facts)
    cleaned = clean(text, language=language_of(fact_list))
    hits: list[tuple[int, int, str]] = []
    for fact in fact_list:
        spans = topic_spans(cleaned, fact, with_key_words=False)
        hits.extend((start, end, fact.key) for start, end in spans)
    hits.sort(key=lambda hit: (hit[0], hit[0] - hit[1]))
    keys: list[str] = []
    taken = (-1, -1)
    for start, end, key in hits:
        if start < taken[1] and (start, end) != taken:
            continue
        taken = (start, end)
        if key not in keys:
            keys.append(key)
    return keys
