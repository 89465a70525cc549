"""The closed set of comparison operators a trial file may use, dispatched from one table."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from bot.criteria.model import Value


def _member(actual: Value, expected: Any) -> bool:
    return actual in expected


def _not_member(actual: Value, expected: Any) -> bool:
    return actual not in expected


#: operator name → (function(actual, expected) → bool, fact types it applies to, takes a list?)
OPERATORS: Mapping[str, tuple[Callable[[Any, Any], bool], frozenset[str], bool]] = {
    "eq": (operator.eq, frozenset({"integer", "number", "boolean", "choice"}), False),
    "ne": (operator.ne, frozenset({"integer", "number", "boolean", "choice"}), False),
    "lt": (operator.lt, frozenset({"integer", "number"}), False),
    "le": (operator.le, frozenset({"integer", "number"}), False),
    "gt": (operator.gt, frozenset({"integer", "number"}), False),
    "ge": (operator.ge, frozenset({"integer", "number"}), False),
    "in": (_member, frozenset({"integer", "choice"}), True),
    "not_in": (_not_member, frozenset({"integer", "choice"}), True),
}


def apply(op: str, actual: Value, expected: Any) -> bool:
    """Apply operator `op` (a key of OPERATORS) to a known fact value."""
    return OPERATORS[op][0](actual, expected)
