"""Next-question planner: ask only what can still change the outcome, in the trial's order.

A fact is worth asking when it is askable in the chat (source patient / lab-asked), has not been
asked yet, its `ask_when` condition holds, and it is *relevant*: an unknown fact reachable from an
unsettled criterion through unsettled sub-expressions, while no criterion has made the patient
ineligible. For the trial's logic (each fact read once per criterion) that is exactly the set of
facts for which some answer, together with some answers to the other open questions, changes the
outcome. Planning is a pure function of the fact set, so a corrected answer re-plans correctly.

Grouped questions: a trial may declare groups of yes/no facts asked together. The plan's `asks`
are the questions as the patient meets them: a group wherever two or more of its members are
relevant and askable now (its pending members; the others are not asked again), a single fact
otherwise. `next_fact`, `askable_now`, `conditional` and `questions_left` count single facts, as
before; `next_ask` and `asks_left` are the grouped view (a group counts as one question).

Lab values: where two or more measured values the patient may have on a report (``lab-asked``
numbers) are askable now, they are one question too (`LABS`): the patient is invited to type or
paste their latest results in one message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.criteria.model import FactSpec, Trial, Value
from bot.engine.evaluate import Evaluation, condition_status, evaluate
from bot.engine.facts import Facts
from bot.tristate import Status

#: the key of the one question that invites the patient's latest lab results.
LABS = "lab_results"


@dataclass(frozen=True)
class Ask:
    """One question put to the patient: a single fact, or the pending members of a group."""

    #: the fact keys this question covers (the tracker's `pending_facts`); a group's pending
    #: members in the group's listing order.
    facts: tuple[str, ...]
    #: the group's key when the facts are asked together, else None.
    group: str | None = None

    @property
    def key(self) -> str:
        """The group's key, or the single fact's key."""
        return self.group or self.facts[0]

    def answer(
        self, named: Iterable[str] = (), unsure: Iterable[str] = ()
    ) -> dict[str, Value | None]:
        """The facts an answer sets: `named` items true, `unsure` items unknown, the rest false.

        "none of these" is ``answer()``; "only X" is ``answer(named=[X])``; "not sure about Y"
        is ``answer(unsure=[Y])``. Raises ValueError for a key this question does not cover or
        an item both named and unsure.
        """
        yes, maybe = set(named), set(unsure)
        strangers = sorted((yes | maybe) - set(self.facts))
        if strangers:
            raise ValueError(f"not asked in this question: {', '.join(strangers)}")
        both = sorted(yes & maybe)
        if both:
            raise ValueError(f"both named and unsure: {', '.join(both)}")
        return {key: True if key in yes else None if key in maybe else False for key in self.facts}


@dataclass(frozen=True)
class Plan:
    """What the chat should ask next and roughly how much is left."""

    next_fact: str | None
    #: relevant facts askable now, in order (next_fact first).
    askable_now: tuple[str, ...]
    #: relevant, not yet asked facts whose ask_when condition is still unknown.
    conditional: tuple[str, ...]
    #: every remaining question as the patient meets it (groups as one), those askable now
    #: first; their facts together are exactly `askable_now` + `conditional`.
    asks: tuple[Ask, ...] = ()

    @property
    def questions_left(self) -> int:
        """Single facts still to ask: at most this many answers remain (never grows)."""
        return len(self.askable_now) + len(self.conditional)

    @property
    def next_ask(self) -> Ask | None:
        """The question to put next: a group or a single fact (None: nothing more to ask)."""
        return self.asks[0] if self.askable_now else None

    @property
    def pending_facts(self) -> tuple[str, ...]:
        """The fact keys the next question covers (empty when nothing is left to ask)."""
        ask = self.next_ask
        return ask.facts if ask else ()

    @property
    def asks_left(self) -> int:
        """For a progress line: questions left with a group counted as one (never grows)."""
        return len(self.asks)


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
    return Plan(
        next_fact=now[0] if now else None,
        askable_now=tuple(now),
        conditional=tuple(later),
        asks=_asks(trial, now, later),
    )


def is_lab_value(fact: FactSpec) -> bool:
    """A measured value the patient may have on a lab report (asked in the `LABS` question)."""
    return fact.source == "lab-asked" and fact.type in ("integer", "number")


def _asks(trial: Trial, now: list[str], later: list[str]) -> tuple[Ask, ...]:
    """The questions for the facts askable `now` (a group where 2+ of its members are among
    them, at its first member's place; the lab values likewise) and, after them, each
    conditional fact alone (the lab values among them, which would come as one question too,
    counted as one)."""
    pending = set(now)
    labs, later_labs = _lab_values(trial, now), _lab_values(trial, later)
    asks: list[Ask] = []
    placed: set[str] = set()
    for key in now:
        group = trial.group_of(key) if trial.groups else None
        members = tuple(m for m in group.members if m in pending) if group else ()
        if key in labs:
            if key == labs[0]:
                asks.append(Ask(facts=labs, group=LABS))
        elif group is None or len(members) < 2:
            asks.append(Ask(facts=(key,)))
        elif group.key not in placed:
            placed.add(group.key)
            asks.append(Ask(facts=members, group=group.key))
    for key in later:
        if key in later_labs:
            if key == later_labs[0]:
                asks.append(Ask(facts=later_labs, group=LABS))
        else:
            asks.append(Ask(facts=(key,)))
    return tuple(asks)


def _lab_values(trial: Trial, keys: list[str]) -> tuple[str, ...]:
    """The lab values among `keys` when there are two or more (asked as one question), else
    none (a single one is asked on its own)."""
    labs = tuple(key for key in keys if is_lab_value(trial.facts[key]))
    return labs if len(labs) >= 2 else ()


def _may_become_askable(trial: Trial, fact: FactSpec, facts: Facts) -> bool:
    """An unknown ask_when can still become true only while one of its facts is unasked."""
    assert fact.ask_when is not None
    return any(key not in facts for key in fact.ask_when.facts())


def next_question(trial: Trial, facts: Facts) -> str | None:
    """The fact key to ask next, or None when the chat has nothing more to ask."""
    return plan(trial, facts).next_fact


def next_ask(trial: Trial, facts: Facts) -> Ask | None:
    """The question to put next (a group or a single fact), or None when nothing is left."""
    return plan(trial, facts).next_ask
