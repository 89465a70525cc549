"""Next-question planner: ask only what can still change the outcome, in the trial's order.

A fact is worth asking when it is askable in the chat (source patient / lab-asked), has not been
asked yet, its `ask_when` condition holds, and it is *relevant*: an unknown fact reachable from an
unsettled criterion through unsettled sub-expressions, while no criterion has made the patient
ineligible. For the trial's logic (each fact read once per criterion) that is exactly the set of
facts for which some answer, together with some answers to the other open questions, changes the
outcome. Planning is a pure function of the fact set, so a corrected answer re-plans correctly.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.criteria.model import FactSpec, Trial
from bot.engine.evaluate import Evaluation, condition_status, evaluate
from bot.engine.facts import Facts
from bot.tristate import Status


@dataclass(frozen=True)
class Plan:
    """What the chat should ask next and roughly how much is left."""

    next_fact: str | None
    #: relevant facts askable now, in order (next_fact first).
    askable_now: tuple[str, ...]
    #: relevant, not yet asked facts whose ask_when condition is still unknown.
    conditional: tuple[str, ...]

    @property
    def questions_left(self) -> int:
        """For a progress line: at most this many questions remain (never grows on an answer)."""
        return len(self.askable_now) + len(self.conditional)


def _ask_status(trial: Trial, fact: FactSpec, facts: Facts) -> Status:
    if fact.ask_when is None:
        return Status.MET
    return condition_status(trial, fact.ask_when, facts)


def plan(trial: Trial, facts: Facts, evaluation: Evaluation | None = None) -> Plan:
    """Plan the next question for `facts` (pass `evaluation` to avoid evaluating twice)."""
    evaluation = evaluation or evaluate(trial, facts)
    relevant = set(evaluation.relevant_facts())
    # A fact that gates a relevant question (its ask_when) is worth asking for that alone.
    for key in list(relevant):
        gate = trial.facts[key].ask_when if key in trial.facts else None
        if gate is not None and key not in facts:
            relevant.update(k for k in gate.facts() if k not in facts)
    now: list[str] = []
    later: list[str] = []
    for fact in trial.askable_facts():
        if fact.key in facts or fact.key not in relevant:
            continue
        status = _ask_status(trial, fact, facts)
        if status is Status.MET:
            now.append(fact.key)
        elif status is Status.UNKNOWN and _may_become_askable(trial, fact, facts):
            later.append(fact.key)
    return Plan(next_fact=now[0] if now else None, askable_now=tuple(now), conditional=tuple(later))


def _may_become_askable(trial: Trial, fact: FactSpec, facts: Facts) -> bool:
    """An unknown ask_when can still become true only while one of its facts is unasked."""
    assert fact.ask_when is not None
    return any(key not in facts for key in fact.ask_when.facts())


def next_question(trial: Trial, facts: Facts) -> str | None:
    """The fact key to ask next, or None when the chat has nothing more to ask."""
    return plan(trial, facts).next_fact
