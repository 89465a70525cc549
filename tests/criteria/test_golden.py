"""Golden cases: hand-computed expectations (bot/trials/*.golden.yaml) run through the engine.

Each case lists the facts (absent = not yet asked, null = asked and unknown), optionally
`not_asked` keys to drop after a YAML merge, and the expectations: outcome, the criteria the case
is about, and optionally next_question, questions_left, never_asks and the exact follow_up flags.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.criteria import Trial, get_trial, load_trial
from bot.criteria.registry import TRIALS_DIR
from bot.engine import OUTCOMES, assess, validate_facts

REAL_GOLDEN = TRIALS_DIR / "NCT06585514" / "golden.yaml"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "trials"
MINI_TRIAL = FIXTURES / "mini.yaml"
MINI_GOLDEN = FIXTURES / "mini.golden.yaml"

CASE_KEYS = {"name", "facts", "not_asked", "expect"}
EXPECT_KEYS = {"outcome", "criteria", "next_question", "questions_left", "never_asks", "follow_up"}
STATUSES = {"met", "not_met", "unknown"}


def load_cases(path: Path) -> list[dict[str, Any]]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = doc["cases"]
    assert isinstance(cases, list) and cases, f"{path}: no cases"
    return cases


def _trial_for(path: Path) -> Trial:
    return get_trial() if path == REAL_GOLDEN else load_trial(MINI_TRIAL)


def case_facts(case: dict[str, Any]) -> dict[str, Any]:
    facts = dict(case.get("facts") or {})
    for key in case.get("not_asked") or []:
        facts.pop(key, None)
    return facts


def _params() -> list[Any]:
    params = []
    for path in (REAL_GOLDEN, MINI_GOLDEN):
        for case in load_cases(path):
            params.append(pytest.param(path, case, id=f"{path.name.split('.')[0]}:{case['name']}"))
    return params


def check_case(trial: Trial, case: dict[str, Any]) -> list[str]:
    """Every mismatch between the case's expectations and the engine, as readable lines."""
    facts = validate_facts(trial, case_facts(case))
    result = assess(trial, facts)
    expect = case["expect"]
    statuses = result.evaluation.statuses()
    problems: list[str] = []
    if result.outcome != expect["outcome"]:
        failing = [r.id for r in result.evaluation.failing]
        unknown = [cid for cid, s in statuses.items() if s == "unknown"]
        problems.append(
            f"outcome: expected {expect['outcome']}, got {result.outcome} "
            f"(failing {failing or 'none'}, unknown {unknown or 'none'}, "
            f"next question {result.next_question})"
        )
    for cid, want in (expect.get("criteria") or {}).items():
        got = statuses.get(cid, "<no such criterion>")
        if got != want:
            r = result.evaluation.results.get(cid)
            detail = f" (decided by {list(r.decided_by)})" if r else ""
            problems.append(f"criterion {cid}: expected {want}, got {got}{detail}")
    if "next_question" in expect and result.next_question != expect["next_question"]:
        problems.append(
            f"next_question: expected {expect['next_question']}, got {result.next_question}"
        )
    if "questions_left" in expect and result.questions_left != expect["questions_left"]:
        problems.append(
            f"questions_left: expected {expect['questions_left']}, got {result.questions_left}"
        )
    planned = {*result.plan.askable_now, *result.plan.conditional}
    for key in expect.get("never_asks") or []:
        if key in planned:
            problems.append(f"never_asks: {key} is planned ({result.plan})")
    if "follow_up" in expect:
        want_flags = {
            (f["fact"], f["kind"], tuple(sorted(f["criteria"]))) for f in expect["follow_up"]
        }
        got_flags = {(f.fact, f.kind, tuple(sorted(f.criteria))) for f in result.follow_up}
        for flag in sorted(want_flags - got_flags):
            problems.append(f"follow_up: missing {flag}")
        for flag in sorted(got_flags - want_flags):
            problems.append(f"follow_up: unexpected {flag}")
    # Invariants every case must satisfy (spec §1 and §4).
    if result.outcome in ("ineligible", "likely_eligible", "needs_review") and result.next_question:
        problems.append(f"a {result.outcome} result must not ask {result.next_question}")
    if result.outcome == "incomplete" and result.next_question is None:
        problems.append("an incomplete result must have a next question")
    if result.outcome != "needs_review" and result.follow_up:
        problems.append(f"only needs_review has follow-up flags, got {result.follow_up}")
    return problems


@pytest.mark.parametrize(("path", "case"), _params())
def test_golden_case(path: Path, case: dict[str, Any]) -> None:
    problems = check_case(_trial_for(path), case)
    if problems:
        facts = case_facts(case)
        pytest.fail(
            f"golden case {case['name']!r} ({path.name}) with facts {facts}:\n  - "
            + "\n  - ".join(problems),
            pytrace=False,
        )


@pytest.mark.parametrize("path", [REAL_GOLDEN, MINI_GOLDEN], ids=lambda p: p.name)
def test_golden_file_is_well_formed(path: Path) -> None:
    trial = _trial_for(path)
    cases = load_cases(path)
    names = Counter(case["name"] for case in cases)
    assert not [n for n, c in names.items() if c > 1], f"duplicate case names: {names}"
    ids = {c.id for c in trial.criteria}
    for case in cases:
        where = f"{path.name}: case {case.get('name')!r}"
        assert set(case) <= CASE_KEYS, f"{where}: unknown keys {set(case) - CASE_KEYS}"
        expect = case["expect"]
        assert set(expect) <= EXPECT_KEYS, (
            f"{where}: unknown expect keys {set(expect) - EXPECT_KEYS}"
        )
        assert expect["outcome"] in OUTCOMES, f"{where}: bad outcome {expect['outcome']!r}"
        for cid, status in (expect.get("criteria") or {}).items():
            assert cid in ids, f"{where}: unknown criterion {cid}"
            assert status in STATUSES, f"{where}: {cid}: bad status {status!r}"
        for key in [*(case.get("not_asked") or []), *(expect.get("never_asks") or [])]:
            assert key in trial.facts, f"{where}: unknown fact {key}"
        for flag in expect.get("follow_up") or []:
            assert set(flag) == {"fact", "kind", "criteria"}, f"{where}: bad flag {flag}"
            assert flag["fact"] in trial.facts and flag["kind"] in ("lab", "clinician")
            assert set(flag["criteria"]) <= ids, f"{where}: bad flag criteria {flag}"
        # The facts themselves must be valid for the trial.
        validate_facts(trial, case_facts(case))


def test_enough_golden_cases() -> None:
    cases = load_cases(REAL_GOLDEN)
    assert len(cases) >= 60, f"only {len(cases)} golden cases"


def test_every_criterion_covered_met_not_met_and_unknown() -> None:
    trial = get_trial()
    seen: dict[str, set[str]] = {c.id: set() for c in trial.criteria}
    for case in load_cases(REAL_GOLDEN):
        for cid, status in (case["expect"].get("criteria") or {}).items():
            seen[cid].add(status)
    missing = {cid: sorted(STATUSES - got) for cid, got in seen.items() if STATUSES - got}
    assert not missing, f"criteria lacking a golden case with these statuses: {missing}"


def test_every_outcome_and_planner_expectation_covered() -> None:
    cases = load_cases(REAL_GOLDEN)
    outcomes = Counter(case["expect"]["outcome"] for case in cases)
    assert set(outcomes) == set(OUTCOMES), outcomes
    with_flags = [
        c
        for c in cases
        if c["expect"]["outcome"] == "needs_review" and c["expect"].get("follow_up")
    ]
    with_next = [
        c
        for c in cases
        if c["expect"]["outcome"] == "incomplete" and c["expect"].get("next_question")
    ]
    assert len(with_flags) >= 5 and len(with_next) >= 5


def test_runner_reports_wrong_expectations_readably() -> None:
    """The runner itself must fail on a wrong case, naming what differs."""
    case = {
        "name": "deliberately_wrong",
        "facts": {"age_years": 70},
        "expect": {
            "outcome": "likely_eligible",
            "criteria": {"I1": "met"},
            "next_question": "sex",
            "follow_up": [{"fact": "age_years", "kind": "clinician", "criteria": ["I1"]}],
        },
    }
    problems = check_case(get_trial(), case)
    text = "\n".join(problems)
    assert "outcome: expected likely_eligible, got ineligible" in text
    assert "criterion I1: expected met, got not_met" in text
    assert "next_question: expected sex, got None" in text
    assert "follow_up: missing ('age_years', 'clinician', ('I1',))" in text
