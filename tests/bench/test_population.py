"""The simulated population: seeded, complete, consistent and spread over every criterion."""

from __future__ import annotations

from collections import Counter

from bench.population import SCENARIOS, generate, summary
from bench.truth import SOURCE, failing_criteria


def test_seeded() -> None:
    assert [p.as_dict() for p in generate(60, 11)] == [p.as_dict() for p in generate(60, 11)]
    assert [p.as_dict() for p in generate(60, 11)] != [p.as_dict() for p in generate(60, 12)]


def test_complete_and_consistent() -> None:
    profiles = generate(500)
    assert len(profiles) == 500
    scenarios = Counter(p.scenario for p in profiles)
    assert set(scenarios) == {name for name, _ in SCENARIOS}
    assert min(scenarios.values()) >= 5
    for p in profiles:
        assert set(p.facts) == set(SOURCE), p.id
        assert "age_years" not in p.unknown and "sex" not in p.unknown
        if p.facts["sex"] == "male":
            assert p.facts["pregnant_or_breastfeeding"] is False
        if "diabetes" in p.unknown:
            assert "hba1c_percent" in p.unknown
        if p.facts["age_years"] < 12:
            assert p.respondent == "guardian"


def test_every_criterion_fails_somewhere() -> None:
    failing = Counter(c for p in generate(500) for c in failing_criteria(p.facts))
    for cid in [f"I{i}" for i in range(1, 11)] + [f"E{i}" for i in range(1, 17)]:
        assert failing[cid] >= 5, cid
    info = summary(generate(100))
    assert info["expected_after_chat"].keys() <= {"ineligible", "needs_review"}
