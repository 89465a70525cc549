"""Grouped questions in the planner (issue 11 §3, §6): a group is asked where two or more of its
members are still relevant and unasked, a single fact otherwise; the single-fact plan is the same
with or without groups; answering a group decides the same as answering its members one by one."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.criteria import Trial, load_trial
from bot.engine import LABS, Ask, assess, evaluate, is_lab_value, next_ask, next_question, plan

from .support import ELIGIBLE, STAFF_FACTS, TRIAL, can_change_verdict, open_fact_sets, without

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "trials"
MINI = load_trial(FIXTURES / "mini.yaml")
GROUPED = load_trial(FIXTURES / "grouped.yaml")
#: the real trial as it was before groups: the single-fact planner's reference.
UNGROUPED = dataclasses.replace(TRIAL, groups={})
NOW = TRIAL.groups["conditions_now"].members
EVER = TRIAL.groups["history_ever"].members
SETTINGS = settings(
    max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def _single(key: str) -> Ask:
    return Ask(facts=(key,))


# ── the real trial ─────────────────────────────────────────────────────────────────────────


def test_real_trial_groups_and_their_members() -> None:
    assert list(TRIAL.groups) == ["conditions_now", "history_ever"]
    assert set(NOW) == {
        "pregnant_or_breastfeeding",
        "other_cancer",
        "heart_condition",
        "lung_condition",
        "neuro_condition",
        "uncontrolled_infection",
        "dic",
        "serious_mental_illness",
        "skin_disease",
    }
    assert set(EVER) == {"organ_transplant", "infection_serology_positive", "severe_allergy"}
    assert TRIAL.group_of("heart_condition") is TRIAL.groups["conditions_now"]
    assert TRIAL.group_of("age_years") is None


def test_the_patient_meets_the_groups_after_consent_now_before_ever() -> None:
    facts = {"age_years": 40, "sex": "female", "sle_diagnosed": True, **_route_and_basics()}
    steps = [a.key for a in plan(TRIAL, facts).asks]
    assert steps[:2] == ["conditions_now", "history_ever"], steps
    ask = next_ask(TRIAL, facts)
    pending = tuple(m for m in NOW if m != "pregnant_or_breastfeeding")  # answered already
    assert ask == Ask(facts=pending, group="conditions_now")
    assert plan(TRIAL, facts).pending_facts == pending
    # the single-fact plan is unchanged: its next fact is the group's first member
    assert next_question(TRIAL, facts) == next_question(UNGROUPED, facts) == "other_cancer"


def _route_and_basics() -> dict[str, Any]:
    """Everything asked before the hard exclusions, answered as an eligible patient would."""
    keys = (
        "lupus_nephritis",
        "glucocorticoid_mg_per_day",
        "had_glucocorticoid_and_cyclophosphamide_6mo",
        "had_immunomodulator_3mo",
        "routine_treatment_failed",
        "pregnant_or_breastfeeding",
        "can_stop_immunosuppressants",
        "ecog",
        "can_consent",
    )
    return {k: ELIGIBLE[k] for k in keys}


def test_answered_members_are_not_asked_again() -> None:
    facts: dict[str, Any] = {"age_years": 40, "sex": "male", "heart_condition": False, "dic": None}
    asks = {a.group: a for a in plan(TRIAL, facts).asks if a.group}
    assert asks["conditions_now"].facts == tuple(
        m for m in NOW if m not in ("heart_condition", "dic", "pregnant_or_breastfeeding")
    )  # a male is never asked about pregnancy, in a group or alone


def test_a_group_with_one_pending_member_is_a_single_question() -> None:
    facts: dict[str, Any] = {"age_years": 40, "sex": "male", **dict.fromkeys(EVER[1:], False)}
    asks = plan(TRIAL, facts).asks
    assert _single(EVER[0]) in asks
    assert all(a.group != "history_ever" for a in asks)


def test_members_that_cannot_change_the_outcome_are_left_out() -> None:
    # staff entered an LVEF of 40 %: E2 is met, the patient is out; nothing is asked at all
    assert plan(TRIAL, {"lvef_percent": 40}).asks == ()
    # sex unknown and asked: nothing changes for the group members
    facts = {"age_years": 40, "sex": None}
    now = next(a for a in plan(TRIAL, facts).asks if a.group == "conditions_now")
    # pregnancy waits on the sex (its ask_when): the group goes on without it
    assert now.facts == tuple(m for m in NOW if m != "pregnant_or_breastfeeding")


def test_questions_left_empty_fact_set_before_and_after_groups() -> None:
    """The progress numbers in the report: single facts (before) and grouped (after)."""
    for facts, before, after in (
        ({}, 36, 21),
        ({"sex": "male"}, 34, 19),
        ({"sex": "female"}, 35, 19),
    ):
        p = plan(TRIAL, facts)
        assert (p.questions_left, p.asks_left) == (before, after), facts
        assert assess(TRIAL, facts).asks_left == after


def dialogue(trial: Trial, answers: dict[str, Any], grouped: bool) -> list[tuple[Ask, int]]:
    """Answer each next question (a group at once when `grouped`) until the planner stops."""
    facts: dict[str, Any] = {k: answers[k] for k in STAFF_FACTS if k in answers}
    if trial is not TRIAL and trial is not UNGROUPED:
        facts = {}
    steps: list[tuple[Ask, int]] = []
    for _ in range(len(trial.facts) + 1):
        result = assess(trial, facts)
        ask = result.next_ask if grouped else _maybe(result.next_question)
        if ask is None:
            assert result.asks_left == 0
            return steps
        steps.append((ask, result.asks_left))
        for key in ask.facts:
            assert key not in facts, f"asked {key} twice"
            facts[key] = answers.get(key)
    raise AssertionError("the dialogue did not end")


def _maybe(key: str | None) -> Ask | None:
    return None if key is None else _single(key)


def test_an_eligible_dialogue_asks_each_group_once() -> None:
    grouped = dialogue(TRIAL, ELIGIBLE, grouped=True)
    single = dialogue(TRIAL, ELIGIBLE, grouped=False)
    groups = [a.group for a, _ in grouped if a.group]
    assert groups == ["conditions_now", "history_ever", LABS]
    labs = next(a for a, _ in grouped if a.group == LABS).facts
    assert len(labs) >= 2 and all(is_lab_value(TRIAL.facts[k]) for k in labs)
    # one by one, a value can make another unneeded (an eGFR makes the creatinine moot);
    # invited together, the patient gives whatever the report has
    single_labs = [a.key for a, _ in single if is_lab_value(TRIAL.facts[a.key])]
    assert set(single_labs) <= set(labs)
    assert len(grouped) == len(single) - (len(NOW) - 1) - (len(EVER) - 1) - (len(single_labs) - 1)
    assert sorted(k for a, _ in grouped for k in a.facts if k not in labs) == sorted(
        k for a, _ in single for k in a.facts if k not in labs
    )


@pytest.mark.parametrize("grouped", [True, False])
def test_asks_left_never_grows_and_ends_at_zero(grouped: bool) -> None:
    lefts = [left for _, left in dialogue(TRIAL, ELIGIBLE, grouped=grouped)]
    assert all(b <= a for a, b in itertools.pairwise(lefts)), lefts
    if grouped:  # one answer per question: strictly down
        assert all(b < a for a, b in itertools.pairwise(lefts)), lefts
    assert assess(TRIAL, ELIGIBLE).asks_left == 0


def test_asks_left_is_zero_once_ineligible() -> None:
    result = assess(TRIAL, {"age_years": 40, "heart_condition": True})
    assert (result.outcome, result.asks_left, result.next_ask) == ("ineligible", 0, None)


# ── answering a group ──────────────────────────────────────────────────────────────────────


def test_answer_none_only_x_and_not_sure_about_y() -> None:
    ask = Ask(facts=("heart", "lung", "infection"), group="now")
    assert ask.key == "now"
    assert ask.answer() == {"heart": False, "lung": False, "infection": False}
    assert ask.answer(named=["lung"]) == {"heart": False, "lung": True, "infection": False}
    assert ask.answer(unsure=["infection"]) == {"heart": False, "lung": False, "infection": None}
    assert ask.answer(named=["heart"], unsure=["lung"]) == {
        "heart": True,
        "lung": None,
        "infection": False,
    }
    assert _single("smoker").answer(named=["smoker"]) == {"smoker": True}
    assert _single("smoker").key == "smoker"


def test_answer_refuses_items_not_asked_or_both_named_and_unsure() -> None:
    ask = Ask(facts=("heart", "lung"), group="now")
    with pytest.raises(ValueError, match="not asked in this question: kidney"):
        ask.answer(named=["kidney"])
    with pytest.raises(ValueError, match="both named and unsure: lung"):
        ask.answer(named=["lung"], unsure=["lung"])


# ── the grouped fixture trial: ask_when, single facts between groups ───────────────────────


def test_fixture_trial_groups_follow_relevance_and_ask_when() -> None:
    assert [a.key for a in plan(GROUPED, {}).asks] == [
        "age_years",
        "smoker",
        "now",  # heart, lung, infection: kidney waits on the age (ask_when)
        "ever",
        "can_consent",
        "bmi",
        "kidney",
    ]
    assert plan(GROUPED, {}).asks[2].facts == ("heart", "lung", "infection")
    adult = plan(GROUPED, {"age_years": 40})
    assert adult.asks[1] == Ask(facts=("heart", "lung", "infection", "kidney"), group="now")
    # a child: the kidney question can never be asked, the group goes on without it
    child = plan(GROUPED, {"age_years": 10})
    assert child.asks == ()  # under 18: ineligible, nothing asked
    # lung true would already exclude: infection (same criterion) no longer matters
    p = plan(GROUPED, {"age_years": 40, "smoker": False, "hepatitis": False})
    assert p.next_ask == Ask(facts=("heart", "lung", "infection", "kidney"), group="now")
    assert _single("transplant") in p.asks


def test_fixture_trial_item_labels_default_to_the_fact_labels() -> None:
    ever = GROUPED.groups["ever"]
    assert ever.item_labels == {"transplant": "an organ transplant", "hepatitis": "hepatitis"}
    assert GROUPED.groups["now"].item_labels["heart"] == "Heart"
    assert ever.question("guardian").startswith("Has the patient ever")
    assert ever.question("self").startswith("Have you ever")
    assert ever.hint is None and ever.timeframe == "ever"


# ── properties ─────────────────────────────────────────────────────────────────────────────


def _no_labs(ask: Ask | None) -> tuple[Ask, ...]:
    """The lab-values question as the single questions it replaces (its first one only when
    it is the next question)."""
    if ask is None:
        return ()
    if ask.group == LABS:
        return tuple(_single(k) for k in ask.facts)
    return (ask,)


def _single_fields(trial: Trial, facts: dict[str, Any]) -> tuple[Any, ...]:
    p = plan(trial, facts)
    return (p.next_fact, p.askable_now, p.conditional, p.questions_left)


@given(open_fact_sets)
@SETTINGS
def test_groups_leave_the_single_fact_plan_as_it_was(facts: dict[str, Any]) -> None:
    """Without groups the new plan is the old one; with groups its single-fact fields are too."""
    old = plan(UNGROUPED, facts)
    assert _no_labs(old.next_ask) == ((_single(old.next_fact),) if old.next_fact else ())
    singles = tuple(s for ask in old.asks for s in _no_labs(ask))
    assert singles == tuple(_single(k) for k in (*old.askable_now, *old.conditional))
    labs = sum(len(a.facts) - 1 for a in old.asks if a.group == LABS)
    assert old.asks_left == old.questions_left - labs
    assert _single_fields(TRIAL, facts) == _single_fields(UNGROUPED, facts)
    assert assess(TRIAL, facts).as_dict() == assess(UNGROUPED, facts).as_dict()


@given(open_fact_sets)
@SETTINGS
def test_grouped_asks_cover_exactly_what_the_single_fact_planner_still_needs(
    facts: dict[str, Any],
) -> None:
    p = plan(TRIAL, facts)
    asked = [k for a in p.asks for k in a.facts]
    assert len(asked) == len(set(asked)), "a fact in two questions"
    assert set(asked) == {*p.askable_now, *p.conditional}
    for ask in p.asks:
        if ask.group is None:
            assert len(ask.facts) == 1
            continue
        if ask.group == LABS:  # asked now, or (conditional ones) counted as one for later
            pool = p.askable_now if set(ask.facts) <= set(p.askable_now) else p.conditional
            members = tuple(k for k in pool if is_lab_value(TRIAL.facts[k]))
            assert len(ask.facts) >= 2 and ask.facts == members
            continue
        members = TRIAL.groups[ask.group].members
        assert len(ask.facts) >= 2 and set(ask.facts) <= set(p.askable_now)
        assert ask.facts == tuple(m for m in members if m in ask.facts)  # listing order
        left_out = set(members) - set(ask.facts)
        assert not left_out & set(p.askable_now), "a pending member left out of its group"
    first = p.next_ask
    if first is None:
        assert p.next_fact is None
        return
    assert p.next_fact in first.facts and set(first.facts) <= set(p.askable_now)
    assert all(k not in facts for k in first.facts)


@given(open_fact_sets)
@settings(
    max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
def test_every_member_of_an_asked_group_can_change_the_verdict(facts: dict[str, Any]) -> None:
    ask = plan(TRIAL, facts).next_ask
    if ask is None or ask.group is None:
        return
    for key in ask.facts:
        assert can_change_verdict(TRIAL, facts, key, random_tries=0), (key, facts)


def test_every_member_of_an_asked_group_can_change_the_verdict_on_a_dialogue() -> None:
    seen = 0
    for ask, _ in dialogue(TRIAL, ELIGIBLE, grouped=True):
        if ask.group is None:
            continue
        seen += 1
        facts = _facts_before(ask)
        for key in ask.facts:
            assert can_change_verdict(TRIAL, facts, key, random_tries=0), (key, facts)
    assert seen == 3


def _facts_before(target: Ask) -> dict[str, Any]:
    facts: dict[str, Any] = {k: ELIGIBLE[k] for k in STAFF_FACTS if k in ELIGIBLE}
    while (ask := next_ask(TRIAL, facts)) is not None and ask != target:
        facts.update({k: ELIGIBLE.get(k) for k in ask.facts})
    assert ask == target
    return facts


#: a group member's answer: mostly "no", sometimes "yes" or "not sure".
MEMBER_ANSWER = st.sampled_from([False, False, False, False, True, None])


@st.composite
def answer_sets(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A starting fact set and an answer for every fact the chat may still ask."""
    start = draw(open_fact_sets)
    answers: dict[str, Any] = {}
    for key, fact in TRIAL.facts.items():
        if TRIAL.group_of(key) is not None:
            answers[key] = draw(MEMBER_ANSWER)
        elif fact.askable:
            answers[key] = draw(st.sampled_from([ELIGIBLE.get(key), None, ELIGIBLE.get(key)]))
    return start, answers


def _run(start: dict[str, Any], answers: dict[str, Any], grouped: bool) -> dict[str, Any]:
    facts = dict(start)
    for _ in range(len(TRIAL.facts) + 1):
        result = assess(TRIAL, facts)
        if grouped:
            ask = result.next_ask
            if ask is None:
                return facts
            if ask.group is None:
                facts[ask.key] = answers.get(ask.key)
                continue
            if ask.group == LABS:  # the values the patient has, pasted at once
                facts.update({k: answers.get(k) for k in ask.facts})
                continue
            # the patient's reply, as the dialogue will read it: "none of these", "only X",
            # "not sure about Y"
            named = [k for k in ask.facts if answers.get(k) is True]
            unsure = [k for k in ask.facts if answers.get(k) is None]
            reply = ask.answer(named=named, unsure=unsure)
            assert reply == {k: answers.get(k) for k in ask.facts}
            facts.update(reply)
        else:
            key = result.next_question
            if key is None:
                return facts
            facts[key] = answers.get(key)
    raise AssertionError("the dialogue did not end")


@given(answer_sets())
@SETTINGS
def test_a_group_answer_decides_like_answers_one_by_one(
    case: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    start, answers = case
    by_group = assess(TRIAL, _run(start, answers, grouped=True))
    one_by_one = assess(TRIAL, _run(start, answers, grouped=False))
    assert by_group.outcome == one_by_one.outcome
    assert by_group.follow_up == one_by_one.follow_up
    mine, theirs = by_group.evaluation.statuses(), one_by_one.evaluation.statuses()
    if by_group.outcome != "ineligible":
        assert mine == theirs
    else:  # each stops at its first exclusion (not always the same one); what both know agrees
        for cid, status in theirs.items():
            if status != "unknown" and mine[cid] != "unknown":
                assert mine[cid] == status, cid


@pytest.mark.parametrize(
    ("reply", "outcome"),
    [
        ({}, "likely_eligible"),  # "none of these"
        ({"named": ["lung_condition"]}, "ineligible"),  # "only the lung problem"
        ({"unsure": ["dic"]}, "needs_review"),  # "not sure about DIC"
    ],
)
def test_none_only_x_not_sure_about_y_on_the_real_trial(
    reply: dict[str, list[str]], outcome: str
) -> None:
    before = without(ELIGIBLE, *NOW)
    ask = next_ask(TRIAL, before)
    assert ask is not None and ask.group == "conditions_now"
    by_group = assess(TRIAL, {**before, **ask.answer(**reply)})
    one_by_one = dict(before)
    while (key := next_question(TRIAL, one_by_one)) is not None:
        named, unsure = reply.get("named", []), reply.get("unsure", [])
        one_by_one[key] = True if key in named else None if key in unsure else False
    single = assess(TRIAL, one_by_one)
    assert by_group.outcome == single.outcome == outcome
    assert by_group.follow_up == single.follow_up
    if outcome == "needs_review":
        assert [f.fact for f in by_group.follow_up] == ["dic"]


# ── trials without groups ──────────────────────────────────────────────────────────────────


@given(st.data())
@SETTINGS
def test_mini_trial_without_groups_plans_single_facts(data: st.DataObject) -> None:
    from .support import fact_sets

    assert MINI.groups == {}
    facts = data.draw(fact_sets(trial=MINI, base={}))
    p = plan(MINI, facts)
    assert p.asks == tuple(_single(k) for k in (*p.askable_now, *p.conditional))
    assert p.next_ask == (_single(p.next_fact) if p.next_fact else None)
    assert p.asks_left == p.questions_left
    assert plan(MINI, facts, evaluate(MINI, facts)) == p
