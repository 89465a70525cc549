"""Groups in the trial files: the real trial's two groups keep each question's meaning, and each
language view carries its own wording (issue 11 §3)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.criteria import get_trial, load_trial, parse_trial
from bot.criteria.model import Group, Trial
from bot.engine import assess

from .test_languages import _add_language

GROUPED = Path(__file__).resolve().parent.parent / "fixtures" / "trials" / "grouped.yaml"


@pytest.fixture(scope="module")
def trial() -> Trial:
    return get_trial("NCT06585514")


def _all_groups() -> list[tuple[str, str]]:
    return [(key, member) for key, g in get_trial().groups.items() for member in g.members]


def test_real_trial_group_timeframes(trial: Trial) -> None:
    now, ever = trial.groups["conditions_now"], trial.groups["history_ever"]
    assert (now.timeframe, ever.timeframe) == ("now", "ever")
    assert all(trial.facts[m].timeframe == "now" for m in now.members)
    assert all(trial.facts[m].timeframe == "ever" for m in ever.members)
    # every other hard "now" / "ever" exclusion the chat asks alone is left out on purpose
    grouped = {*now.members, *ever.members}
    alone = {
        k
        for k, f in trial.facts.items()
        if f.askable and f.type == "boolean" and f.timeframe and k not in grouped
    }
    assert alone == {
        "sle_diagnosed",
        "lupus_nephritis",
        "had_glucocorticoid_and_cyclophosphamide_6mo",
        "had_immunomodulator_3mo",
        "routine_treatment_failed",
        "diabetes",
        "diabetic_ketoacidosis",
    }


@pytest.mark.parametrize(("group", "member"), _all_groups())
def test_each_member_alone_rules_the_patient_out(trial: Trial, group: str, member: str) -> None:
    """A "yes" to any item is an exclusion: the group lists hard exclusions only."""
    assert assess(trial, {"age_years": 40, "sex": "female", member: True}).outcome == "ineligible"


@pytest.mark.parametrize(("group", "member"), _all_groups())
def test_item_line_keeps_the_questions_meaning(trial: Trial, group: str, member: str) -> None:
    fact, item = trial.facts[member], trial.groups[group].items[member]
    question = fact.question("self")
    # the examples the question names are named in the item line too
    for words in re.findall(r"\(([^)]*)\)", question):
        if "does not count" in words:
            continue
        for word in re.findall(r"[A-Za-z][A-Za-z-]{3,}", words):
            assert word.lower() in item.lower(), (member, word, item)
    # an exception the question states ("does not count") is stated in the line too
    if "does not count" in question:
        assert "does not count" in item, (member, item)
    if fact.not_counting:
        assert "does not count" in item or "not caused by lupus" in item, (member, item)
    # none of the item's words is about a different timeframe than its group
    assert "ever" not in item.split() and "at the moment" not in item


def test_specific_exceptions_are_in_plain_words(trial: Trial) -> None:
    now, ever = trial.groups["conditions_now"], trial.groups["history_ever"]
    assert "a fungal nail infection does not count" in now.items["uncontrolled_infection"]
    assert "a lupus rash does not count" in now.items["skin_disease"]
    assert "stem-cell or bone-marrow transplant does not count" in ever.items["organ_transplant"]
    assert "in the last 6 months" in now.items["heart_condition"]
    assert "not caused by lupus" in now.items["lung_condition"]


@pytest.mark.parametrize("key", ["conditions_now", "history_ever"])
def test_lead_in_says_how_to_answer_per_respondent(trial: Trial, key: str) -> None:
    group = trial.groups[key]
    when = "at the moment" if group.timeframe == "now" else "ever"
    for respondent in ("self", "guardian"):
        text = group.question(respondent)
        assert when in text
        assert '"none of these"' in text and '"not sure about' in text
    assert "you" in group.question("self") and "the patient" in group.question("guardian")
    assert group.question("self") != group.question("guardian")
    assert group.why.strip() and group.hint and '"none of these"' in group.hint
    assert set(group.items) == set(group.item_labels) == set(group.members)
    assert all(len(label) <= 48 for label in group.item_labels.values()), group.item_labels


def test_group_order_in_the_file_follows_the_fact_order(trial: Trial) -> None:
    order = list(trial.facts)
    firsts = [min(order.index(m) for m in g.members) for g in trial.groups.values()]
    assert firsts == sorted(firsts)
    for group in trial.groups.values():
        assert list(group.members) == sorted(group.members, key=order.index)


def test_raw_file_groups_match_the_model(trial: Trial) -> None:
    raw = yaml.safe_load(Path(trial.path or "").read_text(encoding="utf-8"))
    assert list(raw["groups"]) == list(trial.groups)
    for key, body in raw["groups"].items():
        assert tuple(body["members"]) == trial.groups[key].members


def test_each_language_view_has_its_own_group_wording() -> None:
    raw: Any = _add_language(yaml.safe_load(GROUPED.read_text(encoding="utf-8")), "zh")
    raw["trial"]["languages"] = ["en", "zh"]
    english = parse_trial(raw, "bilingual-grouped")
    chinese = english.in_language("zh")
    assert list(chinese.groups) == list(english.groups)
    for key, group in english.groups.items():
        other: Group = chinese.groups[key]
        assert (other.language, group.language) == ("zh", "en")
        assert other.members == group.members and other.timeframe == group.timeframe
        for respondent in ("self", "guardian"):
            assert other.question(respondent) == f"[zh] {group.question(respondent)}"
        assert other.items == {k: f"[zh] {v}" for k, v in group.items.items()}
        assert other.why == f"[zh] {group.why}"
    # labels not written for a group are each fact's label in that language
    assert chinese.groups["ever"].item_labels == {
        k: chinese.facts[k].label for k in english.groups["ever"].members
    }
    assert chinese.groups["now"].item_labels["heart"] == "[zh] Heart"


def test_trials_without_groups_have_none() -> None:
    mini = load_trial(GROUPED.parent / "mini.yaml")
    assert mini.groups == {} and mini.group_of("smoker") is None
