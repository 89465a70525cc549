"""Every golden answer case beside the trial (``answers.golden.yaml``) parses as written.

The file is read strictly (``load``): an unknown key, a fact the trial does not have, a
status that does not exist, a value missing for a value (or given for anything else) or an
evidence text missing fails before any case runs, naming the case. A case fails on another
status, another value or value type, other evidence words, or (for an invalid answer) a hint
that is not the fact's own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.answers import parse_answer
from bot.criteria import Trial, get_trial
from bot.criteria.registry import TRIALS_DIR

GOLDEN = TRIALS_DIR / "NCT06585514" / "answers.golden.yaml"
TRIAL = get_trial("NCT06585514").in_language("en")
CASE_KEYS = {"id", "fact", "text", "expect", "note"}
EXPECT_KEYS = {"status", "value", "text"}
STATUSES = {"value", "unknown", "invalid"}


class GoldenError(ValueError):
    """A malformed golden case: names the file and the case."""


def load(path: Path, trial: Trial) -> list[dict[str, Any]]:
    """The cases of a golden answer file, checked against `trial` (see the module doc)."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or set(doc) != {"cases"} or not isinstance(doc["cases"], list):
        raise GoldenError(f"{path}: must be a mapping with exactly the key 'cases' (a list)")
    seen: set[str] = set()
    for i, case in enumerate(doc["cases"]):
        where = f"{path}: cases[{i}]"
        if not isinstance(case, dict) or not {"id", "fact", "text", "expect"} <= set(case):
            raise GoldenError(f"{where}: needs id, fact, text and expect")
        where = f"{path}: {case['id']}"
        if set(case) - CASE_KEYS:
            raise GoldenError(f"{where}: unknown keys {sorted(set(case) - CASE_KEYS)}")
        if case["id"] in seen:
            raise GoldenError(f"{where}: duplicate id")
        seen.add(case["id"])
        if case["fact"] not in trial.facts:
            raise GoldenError(f"{where}: no fact {case['fact']!r} in {trial.id}")
        if not isinstance(case["text"], str) or not case["text"].strip():
            raise GoldenError(f"{where}: text must be a non-empty string")
        _check_expect(where, case["expect"])
    return list(doc["cases"])


def _check_expect(where: str, expect: object) -> None:
    if not isinstance(expect, dict) or set(expect) - EXPECT_KEYS:
        raise GoldenError(f"{where}: expect must be a mapping of {sorted(EXPECT_KEYS)}")
    status = expect.get("status")
    if status not in STATUSES:
        raise GoldenError(f"{where}: status {status!r} is not one of {sorted(STATUSES)}")
    if ("value" in expect) != (status == "value"):
        raise GoldenError(f"{where}: a value goes with status 'value', and only there")
    if ("text" in expect) != (status != "invalid"):
        raise GoldenError(f"{where}: the evidence text goes with a value or an unknown")


CASES = load(GOLDEN, TRIAL)


def _same(got: object, want: object) -> bool:
    if isinstance(want, float):
        return isinstance(got, float) and math.isclose(got, want)
    return got == want and type(got) is type(want)


def test_the_golden_file_covers_what_issue_12_asks() -> None:
    ids = {case["id"] for case in CASES}
    quoted = {
        "my doctor has those, I've never looked at them",
        "nope, never been told that number",
        "never been told",
        "haven't seen the results",
        "not sure what that is",
        "my doctor has those",
        "I still go to work, just no heavy work",
        "I'm pretty active, I can do most things, just get tired",
        "I'm mostly in bed or in my chair all day, my daughter has to help me wash",
        "he goes to school and plays football",
    }
    texts = {case["text"] for case in CASES if case["id"].startswith("issue-")}
    assert quoted <= texts, quoted - texts
    ecog_levels = {
        case["expect"]["value"]
        for case in CASES
        if case["fact"] == "ecog" and case["expect"]["status"] == "value"
    }
    assert ecog_levels == {0, 1, 2, 3, 4}
    assert sum(1 for c in CASES if c["fact"] == "ecog" and c["expect"]["status"] == "invalid") >= 5
    assert any(i.startswith("yesno-") for i in ids)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_golden_answer(case: Mapping[str, Any]) -> None:
    fact = TRIAL.facts[case["fact"]]
    text, want = case["text"], case["expect"]
    parsed = parse_answer(text, fact)
    assert parsed.status == want["status"], (text, parsed)
    if want["status"] == "value":
        assert _same(parsed.value, want["value"]), (text, parsed.value, want["value"])
    else:
        assert parsed.value is None, (text, parsed)
    if want["status"] == "invalid":
        assert parsed.hint is not None and fact.hint is not None
        assert parsed.hint.endswith(fact.hint), parsed.hint
    else:
        assert parsed.span is not None, (text, parsed)
        assert text[parsed.span[0] : parsed.span[1]] == want["text"], (text, parsed.span)


@pytest.mark.parametrize(
    ("planted", "message"),
    [
        ({"id": "x", "fact": "ecog", "text": "1", "expect": {"status": "value", "value": 1,
          "text": "1"}, "pending": "ecog"}, "unknown keys"),
        ({"id": "x", "fact": "no_such_fact", "text": "1", "expect": {"status": "invalid"}},
         "no fact"),
        ({"id": "x", "fact": "ecog", "text": "1", "expect": {"status": "valid"}}, "status"),
        ({"id": "x", "fact": "ecog", "text": "1", "expect": {"status": "value", "text": "1"}},
         "a value goes"),
        ({"id": "x", "fact": "ecog", "text": "1", "expect": {"status": "unknown"}}, "evidence"),
        ({"id": "x", "fact": "ecog", "text": "1", "expect": {"status": "invalid", "txt": ""}},
         "expect must be"),
    ],
)  # fmt: skip
def test_a_malformed_case_fails_at_load(
    tmp_path: Path, planted: dict[str, Any], message: str
) -> None:
    path = tmp_path / "answers.golden.yaml"
    path.write_text(yaml.safe_dump({"cases": [planted]}), encoding="utf-8")
    with pytest.raises(GoldenError, match=message):
        load(path, TRIAL)
