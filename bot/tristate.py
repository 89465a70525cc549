"""Three-valued truth (met / not_met / unknown) with Kleene logic.

A `Status` is deliberately not truthy: ``if status:`` raises, so an unknown can never
silently count as false (or true).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum


class Status(str, Enum):
    """The value of a criterion or of any sub-expression of its logic."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"

    def __bool__(self) -> bool:
        raise TypeError("Status is three-valued; compare with Status.MET / NOT_MET / UNKNOWN")

    @property
    def known(self) -> bool:
        """True when the value is met or not_met."""
        return self is not Status.UNKNOWN

    @classmethod
    def of(cls, value: bool | None) -> Status:
        """Map a Python bool (or None for unknown) onto a Status."""
        if value is None:
            return cls.UNKNOWN
        return cls.MET if value else cls.NOT_MET


def _kleene(values: Iterable[Status], decisive: Status, otherwise: Status) -> Status:
    """`decisive` if any value is; else unknown if any value is; else `otherwise`."""
    seen_unknown = False
    for value in values:
        if value is decisive:
            return decisive
        if value is Status.UNKNOWN:
            seen_unknown = True
    return Status.UNKNOWN if seen_unknown else otherwise


def all_of(values: Iterable[Status]) -> Status:
    """Kleene conjunction: any not_met → not_met; else any unknown → unknown; else met."""
    return _kleene(values, Status.NOT_MET, Status.MET)


def any_of(values: Iterable[Status]) -> Status:
    """Kleene disjunction: any met → met; else any unknown → unknown; else not_met."""
    return _kleene(values, Status.MET, Status.NOT_MET)


def negate(value: Status) -> Status:
    """Kleene negation: met ↔ not_met, unknown stays unknown."""
    if value is Status.MET:
        return Status.NOT_MET
    if value is Status.NOT_MET:
        return Status.MET
    return Status.UNKNOWN
