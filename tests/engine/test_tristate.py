"""Kleene three-valued logic (spec §1)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.tristate import Status, all_of, any_of, negate

M, N, U = Status.MET, Status.NOT_MET, Status.UNKNOWN

AND = {
    (M, M): M,
    (M, U): U,
    (M, N): N,
    (U, M): U,
    (U, U): U,
    (U, N): N,
    (N, M): N,
    (N, U): N,
    (N, N): N,
}
OR = {
    (M, M): M,
    (M, U): M,
    (M, N): M,
    (U, M): M,
    (U, U): U,
    (U, N): U,
    (N, M): M,
    (N, U): U,
    (N, N): N,
}


@pytest.mark.parametrize(("a", "b"), list(itertools.product([M, U, N], repeat=2)))
def test_and_table(a: Status, b: Status) -> None:
    assert all_of([a, b]) is AND[a, b]


@pytest.mark.parametrize(("a", "b"), list(itertools.product([M, U, N], repeat=2)))
def test_or_table(a: Status, b: Status) -> None:
    assert any_of([a, b]) is OR[a, b]


def test_negation() -> None:
    assert negate(M) is N
    assert negate(N) is M
    assert negate(U) is U


def test_empty_and_or() -> None:
    assert all_of([]) is M
    assert any_of([]) is N


def test_status_is_not_truthy() -> None:
    for status in Status:
        with pytest.raises(TypeError):
            bool(status)
    with pytest.raises(TypeError):
        if Status.MET:  # an unknown must never silently count as true or false
            pass
    with pytest.raises(TypeError):
        _ = not Status.UNKNOWN


def test_status_of_and_known() -> None:
    assert Status.of(True) is M and Status.of(False) is N and Status.of(None) is U
    assert M.known and N.known and not U.known
    assert [s.value for s in Status] == ["met", "not_met", "unknown"]
    assert Status("met") is M  # JSON round trip
    assert M == "met"  # str enum: serialises as its value


def test_generators_are_accepted_and_short_circuit() -> None:
    def values():
        yield N
        raise AssertionError("all_of must stop at the first not_met")

    assert all_of(values()) is N


ORDER = {N: 0, U: 1, M: 2}
statuses = st.lists(st.sampled_from([M, U, N]), max_size=8)


@given(statuses)
@settings(max_examples=200, deadline=None, database=None)
def test_kleene_is_min_max_over_not_met_unknown_met(values: list[Status]) -> None:
    assert all_of(values) is min(values, key=ORDER.__getitem__, default=M)
    assert any_of(values) is max(values, key=ORDER.__getitem__, default=N)
    # De Morgan holds in Kleene logic.
    assert negate(all_of(values)) is any_of(negate(v) for v in values)
