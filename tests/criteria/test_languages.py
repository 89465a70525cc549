"""Wording keyed by language: one trial file, one view per declared language, same logic."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.criteria import CriteriaError, get_trial, parse_trial
from bot.engine import assess

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "trials" / "mini.yaml"


def _add_language(node: Any, language: str) -> Any:
    """Every `{en: x}` wording gains `{language: "[language] x"}` (a stand-in translation)."""
    if isinstance(node, dict):
        if set(node) == {"en"}:
            return {**node, language: _tagged(node["en"], language)}
        return {key: _add_language(value, language) for key, value in node.items()}
    if isinstance(node, list):
        return [_add_language(item, language) for item in node]
    return node


def _tagged(value: Any, language: str) -> Any:
    if isinstance(value, str):
        return f"[{language}] {value}"
    if isinstance(value, list):
        return [_tagged(item, language) for item in value]
    if isinstance(value, dict):
        return {key: _tagged(item, language) for key, item in value.items()}
    return value


@pytest.fixture(scope="module")
def bilingual() -> Any:
    raw = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    raw = _add_language(raw, "zh")
    raw["trial"]["languages"] = ["en", "zh"]
    return parse_trial(raw, "bilingual-mini")


def test_each_language_has_its_own_wording_and_the_same_logic(bilingual: Any) -> None:
    english, chinese = bilingual, bilingual.in_language("zh")
    assert (english.language, chinese.language) == ("en", "zh")
    assert english.languages == chinese.languages == ("en", "zh")
    for key, fact in english.facts.items():
        other = chinese.facts[key]
        assert other.language == "zh" and fact.language == "en"
        assert other.label == f"[zh] {fact.label}"
        assert other.staff == f"[zh] {fact.staff}"
        if fact.askable:
            assert other.question("guardian") == f"[zh] {fact.question('guardian')}"
        assert (other.type, other.unit, other.ask_when) == (fact.type, fact.unit, fact.ask_when)
    for mine, theirs in zip(english.criteria, chinese.criteria, strict=True):
        assert theirs.patient_text == f"[zh] {mine.patient_text}"
        assert (theirs.logic, theirs.reads, theirs.registry_text) == (
            mine.logic,
            mine.reads,
            mine.registry_text,
        )
    assert chinese.privacy.startswith("[zh] ")
    facts = {"age_years": 40}
    assert assess(english, facts).outcome == assess(chinese, facts).outcome


def test_a_language_the_trial_lacks_gives_the_default_wording(bilingual: Any) -> None:
    assert bilingual.in_language("fr") is bilingual
    assert bilingual.in_language(None) is bilingual
    assert bilingual.in_language("zh").in_language("en") is bilingual


def test_missing_wording_for_one_fact_fails_naming_it() -> None:
    raw = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    raw = _add_language(raw, "zh")
    raw["trial"]["languages"] = ["en", "zh"]
    broken = copy.deepcopy(raw)
    first = next(iter(broken["facts"]))
    del broken["facts"][first]["why"]["zh"]
    with pytest.raises(CriteriaError, match=rf"facts\.{first}\.why: missing wording .* zh"):
        parse_trial(broken, "broken")


def test_the_real_trial_declares_its_languages() -> None:
    trial = get_trial("NCT06585514")
    assert trial.languages[0] == trial.language == "en"
    assert {"treatment", "study", "location", "who"} <= set(trial.topics)
    assert trial.facts["ecog"].scale == "ecog"
    assert trial.facts["lymphocytes_10e9_l"].code is not None
    assert all(fact.staff for fact in trial.facts.values())
