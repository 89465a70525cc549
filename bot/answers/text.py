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
#: markup, script, template and SQL syntax in (cleaned, lower-case) text: pasted or probing
#: input, never an answer — "<script>alert(1)</script>" is not age 1, nor biopsy class I.
_CODE = re.compile(
    r"<\s*/?\s*[a-z!][^<>]*>"  # an HTML / XML tag
    r"|&(?:lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);"  # an HTML entity
    r"|(?<!\d)%[0-9a-f]{2}"  # URL encoding ("%3c", "%00"); a percentage follows its number
    r"|\{\{|\$\{|<%|%>"  # template syntax
    r"|\b(?:javascript|vbscript)\s*:"
    r"|\b(?:alert|prompt|eval|fetch|document\.\w+|window\.\w+|console\.\w+)\s*\("
    r"|;\s*(?:drop|delete|insert|update|select|alter|truncate|exec)\b"  # a stacked statement
    r"|\b(?:union\s+(?:all\s+)?select|insert\s+into|delete\s+from|drop\s+table)\b"
    r"|\bselect\s+(?:\*|[\w.,\s]+?)\s+from\b"
    r"|'\s*(?:or|and)\s+'?\w*'?\s*=|\b(?:or|and)\s+(\d+)\s*=\s*\1\b"  # ' or '1'='1, or 1=1
    r"|'\s*;?\s*(?:--|#|/\*)"  # a quote closed, then a comment
    r"|(?<![\w.,])0x[0-9a-f]+"  # a hexadecimal literal
    r"|\[[0-9;]*m(?![a-z])"  # what a terminal colour code leaves ("\x1b[31m" → "[31m")
)


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


def looks_like_code(cleaned: str) -> bool:
    """True when `cleaned` (from ``clean``) carries markup, script, template or SQL syntax."""
    return _CODE.search(cleaned) is not None
