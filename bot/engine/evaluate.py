"""Three-valued evaluation of a trial's criteria over a fact set.

Each criterion gets a Status and the facts that decided it: for a settled criterion the facts
whose values settled it, for an unknown one the unknown facts that could still settle it
(the "relevant" facts the planner may ask and follow-up flags are made of).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bot.criteria.model import AllOf, Compare, Criterion, Node, Not, Trial, Value
from bot.criteria.operators import apply
from bot.engine.facts import (
    Facts,
    derivable_inputs,
    derived_sources,
    possible_derived_values,
    with_derived,
)
from bot.tristate import Status, all_of, any_of, negate

Verdict = Literal["ineligible", "eligible", "open"]


@dataclass(frozen=True)
class CriterionResult:
    """The status of one criterion and the facts behind it."""

    id: str
    kind: Literal["inclusion", "exclusion"]
    status: Status
    #: met / not_met: the facts whose values decided it; unknown: the facts it waits on.
    decided_by: tuple[str, ...]
    #: unknown facts that can still change this criterion (empty once it is settled).
    open_facts: tuple[str, ...]

    @property
    def fails(self) -> bool:
        """True when this criterion alone makes the patient ineligible."""
        return (self.kind == "inclusion" and self.status is Status.NOT_MET) or (
            self.kind == "exclusion" and self.status is Status.MET
        )

    @property
    def passes(self) -> bool:
        """True when this criterion is settled in the patient's favour."""
        return (self.kind == "inclusion" and self.status is Status.MET) or (
            self.kind == "exclusion" and self.status is Status.NOT_MET
        )


@dataclass(frozen=True)
class Evaluation:
    """Every criterion's result over one fact set, and the verdict they add up to."""

    trial: Trial
    facts: Mapping[str, Value | None]
    values: Mapping[str, Value | None]
    results: Mapping[str, CriterionResult]

    @property
    def verdict(self) -> Verdict:
        """ineligible (some criterion fails), eligible (all pass) or open."""
        results = self.results.values()
        if any(r.fails for r in results):
            return "ineligible"
        if all(r.passes for r in results):
            return "eligible"
        return "open"

    @property
    def failing(self) -> tuple[CriterionResult, ...]:
        """The criteria that make the patient ineligible, in trial order."""
        return tuple(r for r in self.results.values() if r.fails)

    def statuses(self) -> dict[str, str]:
        """Criterion id → "met" / "not_met" / "unknown"."""
        return {cid: r.status.value for cid, r in self.results.items()}

    def relevant_facts(self) -> dict[str, tuple[str, ...]]:
        """Unknown facts that can still change the outcome → the criteria they can change.

        Empty once the patient is ineligible: nothing can change that outcome any more.
        """
        if self.verdict == "ineligible":
            return {}
        relevant: dict[str, list[str]] = {}
        for result in self.results.values():
            for fact in result.open_facts:
                relevant.setdefault(fact, []).append(result.id)
        return {fact: tuple(ids) for fact, ids in relevant.items()}


@dataclass(frozen=True)
class _Node:
    status: Status
    decided_by: tuple[str, ...]
    open_facts: tuple[str, ...]


def _unique(*groups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(fact for group in groups for fact in group))


class _Evaluator:
    """Evaluates logic trees over one fact set (derived values computed once)."""

    def __init__(self, trial: Trial, facts: Facts) -> None:
        self.trial = trial
        self.facts = facts
        self.values = with_derived(trial, facts)

    def node(self, node: Node) -> _Node:
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, Not):
            inner = self.node(node.child)
            return _Node(negate(inner.status), inner.decided_by, inner.open_facts)
        children = [self.node(child) for child in node.children]
        if isinstance(node, AllOf):
            status = all_of(c.status for c in children)
            dominant = Status.NOT_MET
        else:
            status = any_of(c.status for c in children)
            dominant = Status.MET
        if status is dominant:
            first = next(c for c in children if c.status is dominant)
            return _Node(status, first.decided_by, ())
        if status is Status.UNKNOWN:
            # Only unknown children can still move the node; settled ones are not dominant.
            waiting = [c for c in children if c.status is Status.UNKNOWN]
            return _Node(
                status,
                _unique(*(c.decided_by for c in waiting)),
                _unique(*(c.open_facts for c in waiting)),
            )
        return _Node(status, _unique(*(c.decided_by for c in children)), ())

    def compare(self, node: Compare) -> _Node:
        value = self.values.get(node.fact)
        derived = node.fact in self.trial.derived
        if value is None:
            if derived:
                waits_on = derived_sources(self.trial, node.fact, self.facts)
                possible = possible_derived_values(self.trial, node.fact, self.facts)
                outcomes = {apply(node.op, v, node.value) for v in possible}
                if len(outcomes) == 1:  # every possible value settles it the same way
                    known = tuple(f for f in waits_on if self.facts.get(f) is not None)
                    return _Node(Status.of(outcomes.pop()), known, ())
                open_facts = derivable_inputs(self.trial, node.fact, self.facts)
                return _Node(Status.UNKNOWN, waits_on, open_facts)
            return _Node(Status.UNKNOWN, (node.fact,), (node.fact,))
        sources = derived_sources(self.trial, node.fact, self.facts) if derived else (node.fact,)
        return _Node(Status.of(apply(node.op, value, node.value)), sources, ())

    def criterion(self, criterion: Criterion) -> CriterionResult:
        result = self.node(criterion.logic)
        return CriterionResult(
            id=criterion.id,
            kind=criterion.kind,
            status=result.status,
            decided_by=result.decided_by,
            open_facts=result.open_facts,
        )


def evaluate(trial: Trial, facts: Facts) -> Evaluation:
    """Evaluate every criterion of `trial` over `facts` (absent or None = unknown)."""
    evaluator = _Evaluator(trial, facts)
    results = {c.id: evaluator.criterion(c) for c in trial.criteria}
    return Evaluation(trial=trial, facts=dict(facts), values=evaluator.values, results=results)


def condition_status(trial: Trial, node: Node, facts: Facts) -> Status:
    """Evaluate a stand-alone condition (such as a fact's `ask_when`) over `facts`."""
    return _Evaluator(trial, facts).node(node).status
