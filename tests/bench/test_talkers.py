"""The simulated patients who talk (bench.talkers): stories hold only true facts and the parser
reads them back; pasted labs are read back; a read-back with a planted wrong value is answered
"no" with the correction; group answers name the right members."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from bench.phrasing import same_side
from bench.population import SCENARIOS, generate
from bench.talkers import (
    KINDS,
    LAB_KEYS,
    group_answer,
    group_words,
    kind_for,
    lab_paste,
    lab_prose,
    matches,
    readback_answer,
    story,
    wrong_values,
)
from bench.truth import ASKABLE
from bot.answers.extract import extract_facts
from bot.criteria import get_trial

TRIAL = get_trial()
PROFILES = generate(186)


def _stated(text: str, pending: str | None = None) -> dict[str, Any]:
    return {
        c.fact: c.value
        for c in extract_facts(text, TRIAL, pending=pending)
        if c.confidence == "stated"
    }


def test_every_scenario_gets_every_kind_and_prefixes_are_balanced() -> None:
    profiles = generate(3 * len(SCENARIOS))
    by_scenario: dict[str, set[str]] = {}
    for p in profiles:
        by_scenario.setdefault(p.scenario, set()).add(p.kind)
    assert all(kinds == set(KINDS) for kinds in by_scenario.values())
    counts = Counter(p.kind for p in generate(186))
    assert max(counts.values()) - min(counts.values()) <= 1, counts
    assert kind_for(0, 93) != kind_for(93, 93)


@pytest.mark.parametrize("round_", range(2))
def test_a_story_holds_only_true_facts_and_the_parser_reads_them_back(round_: int) -> None:
    sizes, styles = Counter(), Counter()
    for p in PROFILES:
        rng = random.Random(f"{round_}:{p.id}")
        said = story(p.facts, {k for k in ASKABLE if p.knows(k)}, p.respondent, rng)
        sizes[len(said.values)] += 1
        styles[said.style] += 1
        assert 3 <= len(said.values) <= 11, said
        for key, value in said.values.items():
            assert key in ASKABLE and p.knows(key), (key, said.text)
            assert matches(key, value, p.facts[key]), (key, value, said.text)
        read = _stated(said.text)
        for key, value in said.values.items():
            assert key in read and matches(key, read[key], value), (key, said.text, read)
        for key, value in read.items():  # anything else it reads is true as well
            assert matches(key, value, p.facts.get(key)), (key, value, said.text)
    assert {"story:self", "story:guardian", "story:letter"} <= set(styles)
    assert len(sizes) >= 5, sizes


def test_a_story_names_a_guardians_child_in_the_third_person() -> None:
    child = next(p for p in PROFILES if p.respondent == "guardian")
    said = story(child.facts, set(ASKABLE), "guardian", random.Random(3))
    words = said.text.lower()
    assert "my daughter" in words or "my son" in words
    assert " i " not in f" {words} ".replace("i'm", "")


@pytest.mark.parametrize("paste", [True, False])
def test_lab_values_pasted_or_told_are_read_back(paste: bool) -> None:
    layouts = Counter()
    for p in PROFILES:
        rng = random.Random(p.id)
        keys = (*LAB_KEYS, "biopsy_class")
        if paste:
            said = lab_paste(keys, p.facts, p.knows, rng)
        else:
            said = lab_prose(keys, p.facts, p.knows, p.respondent, rng)
        layouts[said.style] += 1
        read = _stated(said.text)
        for key, value in said.values.items():
            assert p.knows(key), (key, said.text)
            if key == "biopsy_class":
                assert value == p.facts[key] and read.get(key) == value, said.text
                continue
            true = float(p.facts[key])  # a unit's rounding, never across a threshold
            assert abs(value - true) <= 0.03 * true and same_side(key, true, value, p.facts)
            assert key in read and matches(key, read[key], value), (key, said.text, read)
        assert set(read) <= set(said.values), (said.text, read)
    nothing = (
        lab_paste(LAB_KEYS, PROFILES[0].facts, lambda key: False, random.Random(1))
        if paste
        else lab_prose(LAB_KEYS, PROFILES[0].facts, lambda key: False, "self", random.Random(1))
    )
    assert nothing.values == {} and _stated(nothing.text) == {}, nothing
    assert "don't" in nothing.text or "no idea" in nothing.text or "not sure" in nothing.text
    if paste:
        assert len(layouts) >= 4, layouts


def test_a_read_back_with_a_planted_wrong_value_is_answered_no_with_the_correction() -> None:
    meant = {"age_years": 34, "biopsy_months_ago": 5.0, "lupus_nephritis": True}
    right, wrong = readback_answer(meant, meant, "self", "female", random.Random(1))
    assert wrong == {} and _stated(right.text, None) == {}
    assert right.text.lower().startswith(("yes", "correct", "yep"))
    planted = {**meant, "biopsy_months_ago": 3.0}
    said, wrong = readback_answer(planted, meant, "self", "female", random.Random(1))
    assert wrong == {"biopsy_months_ago": (3.0, 5.0)}
    assert said.text.startswith("no")
    assert _stated(said.text) == {"biopsy_months_ago": 5.0}, said.text
    # a value read back for a fact the patient never told: "no", nothing to correct with
    said, wrong = readback_answer({"heart_condition": True}, {}, "self", "female", random.Random(1))
    assert said.text == "no" and wrong == {"heart_condition": (True, None)}


@pytest.mark.parametrize(
    ("key", "meant", "read_back"),
    [
        ("age_years", 34, 43),
        ("sex", "female", "male"),
        ("heart_condition", False, True),
        ("lupus_nephritis", True, False),
        ("glucocorticoid_mg_per_day", 10.0, 1.0),
        ("serum_creatinine_mg_dl", 1.11, 11.1),
        ("ana_titer", 640, 64),
        ("biopsy_class", "IV", "V+IV"),
    ],
)
def test_each_correction_is_read_as_the_right_value(key: str, meant: Any, read_back: Any) -> None:
    said, wrong = readback_answer(
        {key: read_back}, {key: meant}, "self", "female", random.Random(2)
    )
    assert key in wrong
    read = _stated(said.text)
    assert key in read and matches(key, read[key], meant), (said.text, read)


def test_matches_tolerates_unit_rounding_only() -> None:
    assert matches("serum_creatinine_mg_dl", 1.11, 98 / 88.42)
    assert not matches("serum_creatinine_mg_dl", 1.2, 1.11)
    assert matches("biopsy_class", "V+IV", "V + IV") and not matches("biopsy_class", "IV", "III")
    assert not matches("heart_condition", True, False)
    assert wrong_values({"age_years": 34}, {"age_years": 34}) == {}


def _group_labels(group_key: str) -> dict[str, str]:
    return dict(TRIAL.groups[group_key].item_labels)


@pytest.mark.parametrize("group_key", ["conditions_now", "history_ever"])
def test_group_answers_say_what_the_truth_says(group_key: str) -> None:
    members = list(TRIAL.groups[group_key].members)
    labels = _group_labels(group_key)
    rng = random.Random(5)
    none = group_answer(members, dict.fromkeys(members, False), labels, rng)
    assert none.style == "group:none" and ("none" in none.text or "nothing" in none.text)
    assert all(v is False for v in none.values.values())
    truth: dict[str, bool | None] = dict.fromkeys(members, False)
    truth[members[1]] = True
    truth[members[-1]] = None
    said = group_answer(members, truth, labels, rng)
    assert said.values == truth
    assert "not sure" in said.text
    # an item the patient is not sure of is named by its label's words, with a topic word
    for key in (members[-1],):
        terms = TRIAL.facts[key].terms
        named = [w for w in group_words(labels[key]) if w in said.text]
        assert named and any(t in named[0] for t in terms), (key, said.text)


@pytest.mark.parametrize("group_key", ["conditions_now", "history_ever"])
def test_group_answers_parse_to_the_right_members(group_key: str) -> None:
    from bot.answers.groups import read_group_answer

    group = TRIAL.groups[group_key]
    members = list(group.members)
    labels = _group_labels(group_key)
    styles = Counter()
    for seed in range(60):
        rng = random.Random(seed)
        truth: dict[str, bool | None] = {m: rng.random() < 0.2 for m in members}
        if seed % 3 == 0:
            truth[rng.choice(members)] = None
        said = group_answer(members, truth, labels, rng)
        styles[said.style] += 1
        reading = read_group_answer(said.text, TRIAL, members, labels)
        assert reading is not None and not reading.which, said.text
        values = {key: value for key, (value, _span) in reading.values.items()}
        assert values == truth, (said.text, values)
    assert len(styles) >= 3, styles


# --- the agreement benchmark's patient: what it says for the tracker's pending question -------
def _chat(kind: str, respondent: str = "self") -> Any:
    from bench.agreement import Conversation, Typed

    profile = next(p for p in PROFILES if p.respondent == respondent and p.kind == kind)
    chat = Conversation(profile, "test", kind=kind)
    chat.turns += [Typed("opening", "hi"), Typed("consent_prescreen", "yes")]
    chat.turns.append(Typed("respondent", "for myself"))
    return chat


def test_the_patient_answers_a_read_back_from_what_they_said() -> None:
    from bench.agreement import Pending, Typed, say

    chat = _chat("storyteller")
    profile = chat.profile
    told = {"age_years": profile.facts["age_years"], "sle_diagnosed": True}
    chat.turns.append(Typed("age_years", "story", values=told, style="story:self"))
    right = say(
        profile, chat.kind, Pending("confirm_facts", (), told), 1, random.Random(1), TRIAL, chat
    )
    assert right.text.lower().startswith(("yes", "correct", "yep")), right
    planted = {**told, "age_years": told["age_years"] + 10}
    wrong = say(
        profile, chat.kind, Pending("confirm_facts", (), planted), 1, random.Random(1), TRIAL, chat
    )
    assert wrong.text.startswith("no, "), wrong
    assert _stated(wrong.text)["age_years"] == told["age_years"]
    assert [bool(rb.wrong) for rb in chat.readbacks] == [False, True]
    assert chat.readbacks[1].wrong == {"age_years": (planted["age_years"], told["age_years"])}


def test_the_first_fact_question_gets_the_story_then_answers_one_by_one() -> None:
    from bench.agreement import Pending, say

    chat = _chat("storyteller")
    first = say(
        chat.profile,
        chat.kind,
        Pending("age_years", ("age_years",)),
        1,
        random.Random(2),
        TRIAL,
        chat,
    )
    assert first.style.startswith("story:") and len(first.values) >= 3
    chat.turns.append(first)
    second = say(
        chat.profile, chat.kind, Pending("sex", ("sex",)), 1, random.Random(2), TRIAL, chat
    )
    assert not second.style.startswith("story") and set(second.values) == {"sex"}
    plain = _chat("one_by_one")
    answer = say(
        plain.profile,
        plain.kind,
        Pending("age_years", ("age_years",)),
        1,
        random.Random(2),
        TRIAL,
        plain,
    )
    assert set(answer.values) == {"age_years"}


def test_a_group_and_the_lab_invitation_are_answered_whole() -> None:
    from bench.agreement import Pending, say

    chat = _chat("paster")
    members = TRIAL.groups["conditions_now"].members
    group = say(
        chat.profile,
        chat.kind,
        Pending("conditions_now", members),
        1,
        random.Random(3),
        TRIAL,
        chat,
    )
    assert group.style.startswith("group:") and set(group.values) == set(members)
    labs = say(
        chat.profile, chat.kind, Pending("lab_results", LAB_KEYS), 1, random.Random(3), TRIAL, chat
    )
    assert labs.style.startswith("paste:") and set(labs.values) == set(LAB_KEYS)
    other = _chat("one_by_one")
    prose = say(
        other.profile,
        other.kind,
        Pending("lab_results", LAB_KEYS),
        1,
        random.Random(3),
        TRIAL,
        other,
    )
    assert prose.style.startswith("labs:")


def test_messages_are_counted_from_the_consent_answer_to_the_result() -> None:
    chat = _chat("one_by_one")
    assert chat.messages_to_result() is None
    chat.result_turn = 5  # turns: opening 0, consent 1, respondent 2, … the 5th answered
    assert chat.messages_to_result() == 5


def test_ten_fact_stories_for_the_parse_speed_benchmark() -> None:
    from bench import story_speed

    result = story_speed.run(8)
    assert result["facts_per_story"]["min"] == 10
    back = result["facts_read_back"]
    assert back["told"] == 80 and back["read"] == back["told"]
    assert 0 < result["parse"]["p50_ms"] <= result["parse"]["p95_ms"]
    assert "p95" in story_speed.report(result)


def test_the_text_fallback_recognises_groups_and_the_lab_invitation() -> None:
    from bench.asked import asked_fact

    for group in TRIAL.groups.values():
        for wording in (group.question_self, group.question_guardian):
            text = f"{wording}\n• {next(iter(group.items.values()))}\n(About 9 questions left.)"
            assert asked_fact(TRIAL, [{"text": text}]) == group.key
    from bot.i18n import t

    invite = t("dialogue.labs.invite", "en", items="• your ANA", progress="About 3 left")
    missing = t("dialogue.labs.missing", "en", items="• your ANA", progress="About 2 left")
    assert asked_fact(TRIAL, [{"text": invite}]) == "lab_results"
    assert asked_fact(TRIAL, [{"text": missing}]) == "lab_results"


def test_a_lab_read_back_that_lacks_a_value_the_patient_knows_gets_it_added() -> None:
    from bench.agreement import Pending, say

    chat = _chat("paster")
    profile = chat.profile
    known = [k for k in LAB_KEYS if profile.knows(k)]
    assert len(known) >= 2, profile.id
    first, second = known[:2]
    proposed = {first: profile.facts[first]}
    pending = Pending("confirm_facts", (first,), proposed, None, (second, "hba1c_percent"))
    typed = say(profile, chat.kind, pending, 1, random.Random(4), TRIAL, chat)
    assert typed.text.lower().startswith(("yes", "correct", "yep")), typed.text
    assert second in typed.values and matches(second, typed.values[second], profile.facts[second])
    read = _stated(typed.text)
    assert second in read and matches(second, read[second], typed.values[second]), typed.text
    if not profile.knows("hba1c_percent"):
        assert "hba1c_percent" not in typed.values


def test_a_patient_who_does_not_know_of_lupus_never_speaks_of_their_lupus() -> None:
    from bench.agreement import _answer

    unsure = [p for p in generate(500) if p.chat_value("sle_diagnosed") is not True]
    assert unsure
    for p in unsure:
        for key in ("routine_treatment_failed", "lupus_nephritis", "skin_disease"):
            for seed in range(6):
                said = _answer(p, key, 1, random.Random(f"{seed}:{p.id}"))
                assert "lupus" not in said.text.lower(), (p.id, key, said.text)
