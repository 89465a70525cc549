"""The typed result of parsing one free-text answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["value", "unknown", "invalid"]
AnswerValue = bool | int | float | str
Span = tuple[int, int]


@dataclass(frozen=True)
class Parsed:
    """What a patient's answer to one fact's question means.

    ``status`` is ``"value"`` (understood; ``value`` holds it, normalised to the fact's type
    and unit), ``"unknown"`` (the patient does not know) or ``"invalid"`` (not understood or
    out of range; ``hint`` says kindly what form of answer is expected). ``span`` is the
    evidence: the (start, end) character offsets, in the text the caller passed, of the words
    the value was read from ("34" in "I'm 34, since 2018"; "not sure" for an unknown); None
    when there is none. ``language`` is the language the answer was read in (the fact's).
    """

    status: Status
    value: AnswerValue | None = None
    unit: str | None = None
    source_unit: str | None = None
    hint: str | None = None
    span: Span | None = None
    language: str = "en"


def known(
    value: AnswerValue,
    unit: str | None = None,
    source_unit: str | None = None,
    span: Span | None = None,
) -> Parsed:
    """A understood answer, read from `span`."""
    return Parsed("value", value, unit, source_unit, span=span)


def unknown(span: Span | None = None) -> Parsed:
    """An "I don't know" answer (`span`: the words that said so)."""
    return Parsed("unknown", span=span)


def invalid(hint: str) -> Parsed:
    """An answer that could not be used, with a hint of the expected form."""
    return Parsed("invalid", hint=hint)


def in_language(parsed: Parsed, language: str) -> Parsed:
    """`parsed`, read in `language`."""
    if parsed.language == language:
        return parsed
    p = parsed
    return Parsed(p.status, p.value, p.unit, p.source_unit, p.hint, p.span, language)
