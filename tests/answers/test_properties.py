"""Property tests: no input raises, and every value is typed and inside the fact's range."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answers import Parsed, find_fact_mentions, parse_answer, parse_correction
from bot.criteria.model import FactSpec

from .conftest import FACT_LIST

_WORDS = [
    "yes", "no", "not", "never", "maybe", "I", "don't", "have", "had", "years", "ago", "mg",
    "mg/dL", "umol/l", "x10^9/L", "%", "ms", "class", "IV", "V", "and", "between", "1:", "/",
    "-", "thirty", "four", "hundred", "a", "half", "½", "per", "microliter", "k", "thousand",
    "negative", "positive", "sorry", "actually", "diabetes", "pregnant", "but", "now", "used",
    "to", "fully", "active", "bed", "female", "male", "M", "F", "?", ",", ".", "last", "month",
]  # fmt: skip
_NUMBERS = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
)
_PHRASES = st.lists(st.one_of(st.sampled_from(_WORDS), _NUMBERS), max_size=12).map(" ".join)
_TEXT = st.one_of(st.text(), st.text(alphabet=st.characters(codec="utf-8")), _PHRASES)
_FACTS = st.sampled_from(FACT_LIST)


def _assert_well_formed(parsed: Parsed, fact: FactSpec) -> None:
    assert parsed.status in ("value", "unknown", "invalid")
    if parsed.status != "value":
        assert parsed.value is None
        assert (parsed.hint is not None) == (parsed.status == "invalid")
        return
    value = parsed.value
    if fact.type == "boolean":
        assert isinstance(value, bool)
    elif fact.type == "choice":
        assert isinstance(value, str)
        assert value in fact.choices
    elif fact.type == "integer":
        assert isinstance(value, int)
        assert not isinstance(value, bool)
    else:
        assert isinstance(value, float)
    if fact.type in ("integer", "number"):
        assert isinstance(value, (int, float))
        assert math.isfinite(value)
        if fact.minimum is not None:
            assert value >= fact.minimum
        if fact.maximum is not None:
            assert value <= fact.maximum
        assert parsed.unit == fact.unit


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(), fact=_FACTS)
def test_any_text_never_raises(text: str, fact: FactSpec) -> None:
    _assert_well_formed(parse_answer(text, fact), fact)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXT, fact=_FACTS)
def test_values_are_typed_and_in_range(text: str, fact: FactSpec) -> None:
    _assert_well_formed(parse_answer(text, fact), fact)


def test_every_fact_sees_every_fact_type() -> None:
    for fact in FACT_LIST:
        _assert_well_formed(parse_answer("34", fact), fact)


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, pending=st.one_of(st.none(), _FACTS))
def test_mentions_and_corrections_never_raise(text: str, pending: FactSpec | None) -> None:
    keys = find_fact_mentions(text, FACT_LIST)
    assert len(keys) == len(set(keys))
    result = parse_correction(text, FACT_LIST, pending)
    if result is not None:
        key, parsed = result
        fact = next(f for f in FACT_LIST if f.key == key)
        _assert_well_formed(parsed, fact)


_ODD_FACTS = [
    FactSpec("n", "integer", "patient", "n", "n"),
    FactSpec("x", "number", "lab-asked", "x", "x", unit="kg", minimum=-1e308, maximum=1e308),
    FactSpec("y", "number", "patient", "y", "y", unit="weird unit", conversions={"mg/dL": 0.0}),
    FactSpec("c", "choice", "patient", "c", "c"),
    FactSpec("b", "boolean", "patient", "b", "b"),
    FactSpec("s", "integer", "patient", "s", "s", value_labels={"a": "Alpha", "1": "One"}),
    FactSpec(
        "t", "number", "patient", "t", "t", unit="years", minimum=float("-inf"),
        maximum=float("inf"), terms=("", " ", "(", "a+b"),
    ),
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, fact=st.sampled_from(_ODD_FACTS))
def test_odd_fact_specs_never_raise(text: str, fact: FactSpec) -> None:
    _assert_well_formed(parse_answer(text, fact), fact)
    find_fact_mentions(text, _ODD_FACTS)
    parse_correction(text, _ODD_FACTS, fact)
