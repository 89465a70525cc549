"""The whole engine answer for one fact set: outcome, criteria, follow-up flags, next question."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.criteria.model import FlagKind, Trial
from bot.engine.evaluate import Evaluation, evaluate
from bot.engine.facts import Facts
from bot.engine.planner import Ask, Plan, plan

Outcome = Literal["ineligible", "likely_eligible", "needs_review", "incomplete"]
OUTCOMES: tuple[Outcome, ...] = ("ineligible", "likely_eligible", "needs_review", "incomplete")


@dataclass(frozen=True)
class FollowUp:
    """An unknown fact site staff must obtain (spec §4)."""

    fact: str
    kind: FlagKind
    criteria: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"fact": self.fact, "kind": self.kind, "criteria": list(self.criteria)}


@dataclass(frozen=True)
class Assessment:
    """Outcome (spec §1), per-criterion results, follow-up flags and the plan."""

    outcome: Outcome
    evaluation: Evaluation
    plan: Plan
    follow_up: tuple[FollowUp, ...] = field(default=())

    @property
    def next_question(self) -> str | None:
        return self.plan.next_fact

    @property
    def questions_left(self) -> int:
        return 0 if self.outcome == "ineligible" else self.plan.questions_left

    @property
    def next_ask(self) -> Ask | None:
        """The question to put next: a group of facts or a single fact."""
        return self.plan.next_ask

    @property
    def asks_left(self) -> int:
        """For the progress line: questions left, a group counted as one (0 once ineligible)."""
        return 0 if self.outcome == "ineligible" else self.plan.asks_left

    def as_dict(self) -> dict[str, Any]:
        """The stable JSON shape of `prescreen evaluate`."""
        return {
            "outcome": self.outcome,
            "criteria": self.evaluation.statuses(),
            "follow_up": [flag.as_dict() for flag in self.follow_up],
            "next_question": self.next_question,
            "questions_left": self.questions_left,
        }


def assess(trial: Trial, facts: Facts) -> Assessment:
    """Evaluate, plan and flag in one pass."""
    evaluation = evaluate(trial, facts)
    the_plan = plan(trial, facts, evaluation)
    verdict = evaluation.verdict
    outcome: Outcome
    if verdict == "ineligible":
        outcome = "ineligible"
    elif verdict == "eligible":
        outcome = "likely_eligible"
    elif the_plan.next_fact is None:
        outcome = "needs_review"
    else:
        outcome = "incomplete"
    flags = follow_up_flags(trial, evaluation) if outcome == "needs_review" else ()
    return Assessment(outcome=outcome, evaluation=evaluation, plan=the_plan, follow_up=flags)


def follow_up_flags(trial: Trial, evaluation: Evaluation) -> tuple[FollowUp, ...]:
    """Every unknown fact that can still change a deciding criterion, kind by its source."""
    relevant = evaluation.relevant_facts()
    return tuple(
        FollowUp(fact=key, kind=fact.flag_kind, criteria=relevant[key])
        for key, fact in trial.facts.items()
        if key in relevant
    )
