"""Normalising what a patient typed before any parsing."""

from __future__ import annotations

import re
import unicodedata

#: answers longer than this are not parsed (a chat answer is short; this also caps the work).
MAX_CHARS = 500

_TRANSLATE = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
        "ʼ": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "−": "-",
        "‐": "-",
        "‑": "-",
        "×": "x",
        "μ": "µ",
        "⁹": "^9",
        "³": "^3",
        "²": "^2",
        "，": ",",
        "：": ":",
        "？": "?",
        "。": ".",
        "！": "!",
        "％": "%",
        "～": "~",
    }
)

_CONTRACTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"\bcannot\b", "can not"),
        (r"\bcant\b", "can't"),
        (r"\bwont\b", "won't"),
        (r"\bim\b", "i'm"),
        (r"\bive\b", "i've"),
        (r"\bi ?d\b(?= (?:have|need|say|guess|think))", "i'd"),
        (
            r"\b(do|does|did|is|was|were|are|have|has|had|could|would|should|must|need)nt\b",
            r"\1n't",
        ),
        (r"\bain't\b", "am not"),
    )
)
_SPACES = re.compile(r"\s+")


def _visible(char: str) -> str:
    """Control, format, surrogate and unassigned characters become a space."""
    return " " if unicodedata.category(char)[0] == "C" else char


def clean(text: str, limit: int = MAX_CHARS) -> str:
    """Lower-case, unify quotes/dashes/symbols, expand sloppy contractions, collapse spaces."""
    text = "".join(_visible(c) for c in text[:limit])
    text = text.translate(_TRANSLATE).lower()
    for pattern, repl in _CONTRACTIONS:
        text = pattern.sub(repl, text)
    return _SPACES.sub(" ", text).strip()
