"""Topic words of a fact (its ``terms`` and the meaningful words of its key), as regexes.

Reading a yes/no answer uses both (only that one fact is in play). Spotting which of many
facts a message names uses the terms, falling back to key words only for a fact without
terms — key words such as "diabetic" (of ``diabetic_ketoacidosis``) or "lupus" (of
``lupus_nephritis``) would otherwise name the wrong fact.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.answers.lexicon import DEFAULT_LANGUAGE, Lexicon, lexicon
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


def _term_pattern(term: str, lex: Lexicon) -> str:
    """A term as a regex: any spacing/hyphens, an optional plural, "did not" ≈ "didn't"."""
    words = [w for w in re.split(r"[\s_-]+", term.lower().strip()) if w]
    if not words:
        return ""
    joined = lex.table("terms", "joined")
    gap = lex.pattern("terms", "word_gap")
    body = re.escape(words[0])
    for word in words[1:]:
        body += joined[word] if word in joined else gap + re.escape(word)
    plural = lex.pattern("terms", "plural") if words[-1][-1:].isalpha() else ""
    return f"{lex.pattern('terms', 'before')}{body}{plural}{lex.pattern('terms', 'after')}"


@lru_cache(maxsize=1024)
def _compiled(
    key: str, terms: tuple[str, ...], with_key_words: bool, language: str
) -> re.Pattern[str] | None:
    words = key_words(key, language) if with_key_words or not terms else ()
    phrases = {t for t in (*terms, *words) if isinstance(t, str) and t.strip()}
    lex = lexicon(language)
    ordered = sorted(phrases, key=len, reverse=True)
    patterns = [p for p in (_term_pattern(t, lex) for t in ordered) if p]
    return re.compile("|".join(patterns)) if patterns else None


def topic_pattern(fact: FactSpec, with_key_words: bool = True) -> re.Pattern[str] | None:
    """One regex matching any of the fact's topic words in cleaned text (longest first)."""
    return _compiled(fact.key, tuple(fact.terms), with_key_words, fact.language)


def topic_spans(text: str, fact: FactSpec, with_key_words: bool = True) -> list[tuple[int, int]]:
    """Character spans of the fact's topic words in cleaned text."""
    pattern = topic_pattern(fact, with_key_words)
    return [] if pattern is None else [m.span() for m in pattern.finditer(text)]
