"""Every golden extraction case beside the trial (``extraction.golden.yaml``) reads as written.

A case lists *exactly* the facts a message states: a fact read but not listed fails, as does
a listed fact missing, a different value, other evidence words or another confidence.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.answers import extract_facts
from bot.criteria import get_trial

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "bot" / "trials" / "NCT06585514" / "extraction.golden.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(GOLDEN.read_text(encoding="utf-8"))["cases"]
TRIAL = get_trial("NCT06585514").in_language("en")


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and math.isclose(a, b)
    return a == b and type(a) is type(b)


def test_the_golden_file_covers_what_issue_11_asks() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))
    confidences = {fact["confidence"] for case in CASES for fact in case["expect"].values()}
    assert confidences == {"stated", "ask"}
    assert sum(1 for case in CASES if not case["expect"]) >= 3  # nothing read at all
    assert max(len(case["expect"]) for case in CASES) >= 10  # a 10-fact story
    for prefix in ("hedge-", "symptom-", "other-person-", "past-", "lab-report-", "issue-"):
        assert any(i.startswith(prefix) for i in ids), prefix


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_golden_extraction(case: dict[str, Any]) -> None:
    text = case["text"]
    found = extract_facts(text, TRIAL, pending=case.get("pending"))
    got = {c.fact: c for c in found}
    assert len(got) == len(found), "one candidate per fact"
    assert set(got) == set(case["expect"]), text
    for key, want in case["expect"].items():
        candidate = got[key]
        assert _same(candidate.value, want["value"]), (key, candidate.value, want["value"])
        assert candidate.span is not None
        assert text[candidate.span[0] : candidate.span[1]] == want["text"], key
        assert candidate.confidence == want["confidence"], key
