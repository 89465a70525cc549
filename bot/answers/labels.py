"""Fuzzy matching of an answer against plain-language value labels (token overlap)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.answers.lexicon import DEFAULT_LANGUAGE, lexicon


def _tokens(text: str, language: str) -> set[str]:
    lex = lexicon(language)
    word, stop = lex.regex("labels", "word"), lex.word_set("labels", "stop_words")
    endings = lex.words("labels", "plural_endings")
    return {w for w in (_singular(w, endings) for w in word.findall(text.lower())) if w not in stop}


def _singular(word: str, endings: tuple[str, ...]) -> str:
    """`word` without a plural ending, when it is four letters or more."""
    if len(word) > 3:
        for ending in endings:
            if word.endswith(ending):
                return word[: -len(ending)]
    return word


def best_label(
    text: str, labels: Mapping[str, str], language: str = DEFAULT_LANGUAGE, threshold: float = 0.6
) -> str | None:
    """The key of the label sharing most words with `text` (Dice ≥ threshold, unique best)."""
    answer = _tokens(text, language)
    if not answer:
        return None
    scored = []
    for key, label in labels.items():
        words = _tokens(label, language)
        if words:
            scored.append((2 * len(answer & words) / (len(answer) + len(words)), key))
    scored.sort(reverse=True)
    if not scored or scored[0][0] < threshold:
        return None
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None
    return scored[0][1]
