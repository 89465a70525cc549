"""Topic words of a fact (its ``terms`` and the meaningful words of its key), as regexes.

Reading a yes/no answer uses both (only that one fact is in play). Spotting which of many
facts a message names uses the terms, falling back to key words only for a fact without
terms — key words such as "diabetic" (of ``diabetic_ketoacidosis``) or "lupus" (of
``lupus_nephritis``) would otherwise name the wrong fact.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.answers.lexicon import DEFAULT_LANGUAGE, lexicon
from bot.criteria.model import FactSpec


def key_words(key: str, language: str = DEFAULT_LANGUAGE) -> tuple[str, ...]:
    """Meaningful words of a fact key: "pregnant_or_breastfeeding" → pregnant, breastfeeding."""
    #: key words too generic to say which fact a sentence is about
    generic = lexicon(language).word_set("terms", "generic_key_words")
    return tuple(
        word
        for word in key.lower().split("_")
        if len(word) >= 3 and word[0].isalpha() and word not in generic
    )


def _term_pattern(term: str) -> str:
    """A term as a regex: any spacing/hyphens, an optional plural, "did not" ≈ "didn't"."""
    words = [w for w in re.split(r"[\s_-]+", term.lower().strip()) if w]
    if not words:
        return ""
    body = re.escape(words[0])
    for word in words[1:]:
        if word == "not":
            body += r"(?:[\s-]+not|n't)"
        else:
            body += r"[\s-]*" + re.escape(word)
    plural = r"(?:s|es)?" if words[-1][-1:].isalpha() else ""
    return rf"(?<![a-z0-9]){body}{plural}(?![a-z0-9])"


@lru_cache(maxsize=1024)
def _compiled(
    key: str, terms: tuple[str, ...], with_key_words: bool, language: str
) -> re.Pattern[str] | None:
    words = key_words(key, language) if with_key_words or not terms else ()
    phrases = {t for t in (*terms, *words) if isinstance(t, str) and t.strip()}
    patterns = [p for p in (_term_pattern(t) for t in sorted(phrases, key=len, reverse=True)) if p]
    return re.compile("|".join(patterns)) if patterns else None


def topic_pattern(fact: FactSpec, with_key_words: bool = True) -> re.Pattern[str] | None:
    """One regex matching any of the fact's topic words in cleaned text (longest first)."""
    return _compiled(fact.key, tuple(fact.terms), with_key_words, fact.language)


def topic_spans(text: str, fact: FactSpec, with_key_words: bool = True) -> list[tuple[int, int]]:
    """Character spans of the fact's topic words in cleaned text."""
    pattern = topic_pattern(fact, with_key_words)
    return [] if pattern is None else [m.span() for m in pattern.finditer(text)]
