"""Fuzzy matching of an answer against plain-language value labels (token overlap)."""

from __future__ import annotations

import re
from collections.abc import Mapping

_STOP = frozenset(
    re.split(
        " ",
        "a an the and or but of to in on for with as at by is am are be i my me you your it "
        "can do than more less",
    )
)
_WORD = re.compile(r"[a-z]+")


def _tokens(text: str) -> set[str]:
    words = (w[:-1] if len(w) > 3 and w.endswith("s") else w for w in _WORD.findall(text.lower()))
    return {w for w in words if w not in _STOP}


def best_label(text: str, labels: Mapping[str, str], threshold: float = 0.6) -> str | None:
    """The key of the label sharing most words with `text` (Dice ≥ threshold, unique best)."""
    answer = _tokens(text)
    if not answer:
        return None
    scored = []
    for key, label in labels.items():
        words = _tokens(label)
        if words:
            scored.append((2 * len(answer & words) / (len(answer) + len(words)), key))
    scored.sort(reverse=True)
    if not scored or scored[0][0] < threshold:
        return None
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None
    return scored[0][1]
