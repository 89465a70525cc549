"""Helpers shared by the answer-parser tests."""

from __future__ import annotations

import math

from bot.answers import Parsed, parse_answer

from .conftest import FACTS

Case = tuple[str, str, str, object]


def check(key: str, text: str, status: str, value: object = None) -> Parsed:
    """Parse `text` for fact `key` and assert the status (and value, typed, when given)."""
    fact = FACTS[key]
    parsed = parse_answer(text, fact)
    assert parsed.status == status, (text, parsed)
    if status == "value":
        if isinstance(value, float):
            assert isinstance(parsed.value, float), (text, parsed)
            assert math.isclose(parsed.value, value, abs_tol=1e-9), (text, parsed)
        else:
            assert parsed.value == value, (text, parsed)
            assert type(parsed.value) is type(value), (text, parsed)
    else:
        assert parsed.value is None, (text, parsed)
    if status == "invalid":
        assert parsed.hint, (text, parsed)
    return parsed
