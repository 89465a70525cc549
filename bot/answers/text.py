"""Normalising what a patient typed before any parsing, keeping track of where each part was.

``clean`` lower-cases, unifies quotes, dashes and symbols, expands the language's sloppy
contractions ("cant" → "can't") and collapses spaces. Every rewrite the parser makes is done
on a ``Tracked`` text, which remembers for each character the span of the patient's own text
it came from: a value read from "thirty-four" (rewritten "34") points back at
"thirty-four".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.answers.lexicon import lexicon

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


Span = tuple[int, int]


@dataclass(frozen=True)
class Tracked:
    """Text, and for each of its characters the span of the original text it came from."""

    text: str
    starts: Sequence[int]
    ends: Sequence[int]

    @classmethod
    def of(cls, text: str) -> Tracked:
        """The original text itself: each character comes from its own position."""
        return cls(text, range(len(text)), range(1, len(text) + 1))

    def origin(self, start: int, end: int) -> Span:
        """The span of the original text that `text[start:end]` came from."""
        if end > start:
            return self.starts[start], self.ends[end - 1]
        if start < len(self.text):
            return self.starts[start], self.starts[start]
        at = self.ends[-1] if self.ends else 0
        return at, at

    def edit(self, edits: Iterable[tuple[int, int, str]]) -> Tracked:
        """Replace the (start, end) spans, in order and not overlapping, by new strings; a
        replacement comes from the whole original span of what it replaced."""
        text: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        pos = 0
        for start, end, new in edits:
            text.append(self.text[pos:start])
            starts.extend(self.starts[pos:start])
            ends.extend(self.ends[pos:start])
            first, last = self.origin(start, end)
            text.append(new)
            starts.extend([first] * len(new))
            ends.extend([last] * len(new))
            pos = end
        text.append(self.text[pos:])
        starts.extend(self.starts[pos:])
        ends.extend(self.ends[pos:])
        return Tracked("".join(text), starts, ends)

    def sub(self, pattern: re.Pattern[str], repl: str) -> Tracked:
        """``pattern.sub(repl, text)``, tracked (a match replaced by itself is left alone)."""
        template = "\\" in repl
        edits = [
            (m.start(), m.end(), new)
            for m in pattern.finditer(self.text)
            if (new := m.expand(repl) if template else repl) != m.group()
        ]
        return self.edit(edits) if edits else self

    def slice(self, start: int, end: int | None = None) -> Tracked:
        """``text[start:end]``, tracked."""
        return Tracked(self.text[start:end], self.starts[start:end], self.ends[start:end])

    def strip(self, chars: str | None = None) -> Tracked:
        """``text.strip(chars)``, tracked."""
        left = len(self.text) - len(self.text.lstrip(chars))
        right = len(self.text.rstrip(chars))
        return self.slice(left, max(left, right))

    def pieces(self, pieces: Sequence[str]) -> Tracked:
        """Each character replaced by its piece (``pieces[i]`` stands for ``text[i]``)."""
        if all(len(piece) == 1 for piece in pieces):
            return Tracked("".join(pieces), self.starts, self.ends)
        return self.edit((i, i + 1, piece) for i, piece in enumerate(pieces))


def clean_tracked(source: Tracked, limit: int = MAX_CHARS, language: str | None = None) -> Tracked:
    """``clean`` on tracked text."""
    text = source.slice(0, limit)
    visible = "".join(_visible(c) for c in text.text).translate(_TRANSLATE)
    if len(visible) == len(text.text):
        text = Tracked(visible, text.starts, text.ends)
    else:  # "⁹" → "^9": each character's own piece
        text = text.pieces([_visible(c).translate(_TRANSLATE) for c in text.text])
    lowered = text.text.lower()
    if len(lowered) == len(text.text):
        text = Tracked(lowered, text.starts, text.ends)
    else:
        text = text.pieces([c.lower() for c in text.text])
    for row in lexicon(language).records("text", "contractions"):
        text = text.sub(row["regex"], row["replace"])
    return text.sub(_SPACES, " ").strip()


def clean(text: str, limit: int = MAX_CHARS, language: str | None = None) -> str:
    """Lower-case, unify quotes/dashes/symbols, expand sloppy contractions, collapse spaces."""
    return clean_tracked(Tracked.of(text), limit, language).text


def looks_like_code(cleaned: str) -> bool:
    """True when `cleaned` (from ``clean``) carries markup, script, template or SQL syntax."""
    return _CODE.search(cleaned) is not None
