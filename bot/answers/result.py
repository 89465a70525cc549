"""The typed result of parsing one free-text answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["value", "unknown", "invalid"]
AnswerValue = bool | int | float | str


@dataclass(frozen=True)
class Parsed:
    """What a patient's answer to one fact's question means.

    ``status`` is ``"value"`` (understood; ``value`` holds it, normalised to the fact's type
    and unit), ``"unknown"`` (the patient does not know) or ``"invalid"`` (not understood or
    out of range; ``hint`` says kindly what form of answer is expected).
    """

    status: Status
    value: AnswerValue | None = None
    unit: str | None = None
    source_unit: str | None = None
    hint: str | None = None


def known(value: AnswerValue, unit: str | None = None, source_unit: str | None = None) -> Parsed:
    """A understood answer."""
    return Parsed("value", value, unit, source_unit)


def unknown() -> Parsed:
    """An "I don't know" answer."""
    return Parsed("unknown")


def invalid(hint: str) -> Parsed:
    """An answer that could not be used, with a hint of the expected form."""
    return Parsed("invalid", hint=hint)
