"""A whole message as clauses, and the words that decide how far a clause can be trusted.

The words are the language's ``resources/<lang>/extract/extract.yaml`` (``SCHEMA`` below),
read and checked once per process with the same checks as the parser's other resource files
(``bot.answers.lexicon``). A language without that file has no extraction: the caller gets
``None`` and reads nothing, rather than reading another language with English words.

``split`` cuts a message into lines (a pasted report), then each line into clauses at the
language's boundaries (sentence ends, ";", "but", ","-joined statements), after writing out
abbreviations and blanking report noise (reference ranges in brackets, arrows): every
clause is a ``Tracked`` text whose spans point into the patient's own message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.answers.lexicon import RESOURCES, Kind, read_checked
from bot.answers.text import Tracked, clean_tracked

#: key → kind of the extraction resource file; every language has exactly these keys.
SCHEMA: Mapping[str, Kind] = {
    "fragments": "fragments",
    "boundary": "pattern",
    "rewrites": "rewrites",
    "list_joiner": "pattern",
    "noise": "pattern",
    "age": "pattern",
    "asserted_before": "pattern",
    "asserted_after": "pattern",
    "self_stating": "pattern",
    "healthy_after": "pattern",
    "light_words": "words",
    "qualifiers": "words",
    "hedge": "pattern",
    "symptom": "pattern",
    "past_state": "pattern",
    "past_date": "pattern",
    "onset": "pattern",
    "indirect": "pattern",
    "not_about_patient": "pattern",
    "not_an_answer": "pattern",
}
#: a message longer than this is read only up to here (a pasted letter, not a book).
MAX_MESSAGE_CHARS = 4000
_LINE = re.compile(r"[^\n\r]+")


def resource_path(language: str, root: Path = RESOURCES) -> Path:
    """Where a language's extraction words are."""
    return root / language / "extract" / "extract.yaml"


@dataclass(frozen=True)
class Cues:
    """One language's checked extraction words, compiled."""

    language: str
    regexes: Mapping[str, re.Pattern[str]]
    rewrites: tuple[Mapping[str, Any], ...]
    #: words of a fact key an unasked statement must also carry ("severe").
    qualifiers: frozenset[str]
    #: words that may stand between "i have" and the condition.
    light: frozenset[str]

    def search(self, key: str, text: str) -> re.Match[str] | None:
        """The first match of the pattern `key` in `text`."""
        return self.regexes[key].search(text)


@lru_cache(maxsize=8)
def cues(language: str, root: Path = RESOURCES) -> Cues | None:
    """The extraction words of `language`, or None when it has none."""
    path = resource_path(language, root)
    if not path.is_file():
        return None
    return load(path, language)


def load(path: Path, language: str) -> Cues:
    """Read and check one extraction resource file (fails naming the file and the key)."""
    data = read_checked(path, SCHEMA)
    regexes = {key: re.compile(str(data[key])) for key, kind in SCHEMA.items() if kind == "pattern"}
    rewrites: tuple[Mapping[str, Any], ...] = tuple(data["rewrites"])
    qualifiers = frozenset(str(word) for word in data["qualifiers"])
    light = frozenset(str(word) for word in data["light_words"])
    return Cues(language, regexes, rewrites, qualifiers, light)


def prepare(text: str, cue: Cues, language: str) -> list[Tracked]:
    """The message's lines, cleaned, abbreviations written out and report noise blanked."""
    source = Tracked.of(text[:MAX_MESSAGE_CHARS])
    lines = []
    for match in _LINE.finditer(source.text):
        line = clean_tracked(source.slice(*match.span()), MAX_MESSAGE_CHARS, language)
        for row in cue.rewrites:
            line = line.sub(row["regex"], str(row["replace"]))
        line = line.sub(cue.regexes["noise"], " ").sub(re.compile(r"\s+"), " ").strip()
        if line.text:
            lines.append(line)
    return lines


def split(text: str, cue: Cues, language: str) -> list[Tracked]:
    """The message's clauses, in order, each tracked back to the patient's own words."""
    clauses = []
    boundary = cue.regexes["boundary"]
    for line in prepare(text, cue, language):
        start = 0
        for match in boundary.finditer(line.text):
            if match.end() == match.start():
                continue
            clauses.append(line.slice(start, match.start()))
            start = match.end()
        clauses.append(line.slice(start))
    stripped = (clause.strip(" ,.;:!-") for clause in clauses)
    return [clause for clause in stripped if clause.text]
