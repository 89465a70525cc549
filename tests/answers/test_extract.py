"""``extract_facts``: every fact one message states, with its evidence and how far to trust it.

The golden cases beside the trial (``test_extract_golden.py``) hold the quoted messages; here:
the API's contract, the resource file's checks, and a property — facts spoken as a story, one
clause per fact from templates, are read back equal to the facts.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answers import Candidate, extract_facts, parse_answer
from bot.answers.clauses import cues, load, resource_path, split
from bot.answers.lexicon import RESOURCES, ResourceError
from bot.criteria import get_trial

TRIAL = get_trial("NCT06585514").in_language("en")


def _read(text: str, pending: str | None = None) -> dict[str, Candidate]:
    return {c.fact: c for c in extract_facts(text, TRIAL, pending=pending)}


# ── the contract ──────────────────────────────────────────────────────────────────────────


def test_spans_point_into_the_patients_own_text() -> None:
    text = "Im  34 YEAR OLD woman,   Creatinine 98 umol/L"
    found = _read(text)
    assert text[slice(*found["age_years"].span)] == "34 YEAR OLD"  # type: ignore[misc]
    assert text[slice(*found["serum_creatinine_mg_dl"].span)] == "98 umol/L"  # type: ignore[misc]
    assert found["serum_creatinine_mg_dl"].value == pytest.approx(98 / 88.42, abs=0.01)


def test_a_value_is_the_single_answer_parsers() -> None:
    found = _read("pred 10mg a day")["glucocorticoid_mg_per_day"]
    alone = parse_answer("10mg a day", TRIAL.facts["glucocorticoid_mg_per_day"])
    assert (found.value, found.parsed.unit) == (alone.value, alone.unit)
    assert found.parsed.language == "en"


def test_the_facts_may_be_a_trial_a_mapping_or_a_list() -> None:
    text = "i am 40, no diabetes"
    want = [(c.fact, c.value) for c in extract_facts(text, TRIAL)]
    assert want == [("age_years", 40), ("diabetes", False)]
    assert [(c.fact, c.value) for c in extract_facts(text, TRIAL.facts)] == want
    assert [(c.fact, c.value) for c in extract_facts(text, list(TRIAL.facts.values()))] == want


def test_nothing_to_read() -> None:
    assert extract_facts("", TRIAL) == []
    assert extract_facts(None, TRIAL) == []  # type: ignore[arg-type]
    assert extract_facts("lupus", []) == []
    assert extract_facts("hello, thanks!", TRIAL) == []


def test_a_clinicians_fact_is_never_read_from_a_patient() -> None:
    found = _read("kidney biopsy 3 months ago, only chronic lesions")
    assert "biopsy_chronic_only" not in found
    assert found["biopsy_months_ago"].value == 3


def test_as_dict_is_the_cli_json() -> None:
    text = "I'm 34"
    (candidate,) = extract_facts(text, TRIAL)
    assert candidate.as_dict(text) == {
        "fact": "age_years",
        "value": 34,
        "span": [4, 6],
        "text": "34",
        "confidence": "stated",
    }


def test_a_long_letter_is_read_up_to_its_cap() -> None:
    text = "no diabetes. " + "blah " * 2000 + "i have lupus"
    found = _read(text)
    assert found["diabetes"].value is False and "sle_diagnosed" not in found


# ── pending question ──────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "pending", "value"),
    [("yes", "lupus_nephritis", True), ("34", "age_years", 34), ("nah", "diabetes", False)],
)
def test_a_bare_answer_goes_to_the_pending_fact(text: str, pending: str, value: object) -> None:
    found = _read(text, pending)
    assert list(found) == [pending] and found[pending].value == value
    assert found[pending].confidence == "stated"
    assert _read(text) == {}  # with nothing asked, a bare answer says nothing


def test_dont_know_to_the_pending_fact_is_a_stated_unknown() -> None:
    found = _read("no idea", "biopsy_months_ago")["biopsy_months_ago"]
    assert (found.value, found.parsed.status, found.confidence) == (None, "unknown", "stated")


def test_a_protest_or_an_aside_is_not_an_answer() -> None:
    assert _read("it's not unknown", "infection_serology_positive") == {}
    assert _read("sorry wait", "lung_condition") == {}


# ── conservative: never a stated value from a weak statement ──────────────────────────────


@pytest.mark.parametrize(
    "text",
    [
        "i think maybe i have diabetes",
        "possibly diabetes",
        "diabetes?",
        "i had cancer in 2015",
        "protein in my urine",
        "my kidneys hurt",
        "i have discoid lupus on my face, but my dermatologist said it's not systemic lupus",
    ],
)
def test_a_weak_statement_is_at_most_a_question(text: str) -> None:
    assert all(c.confidence == "ask" for c in extract_facts(text, TRIAL)), text


@pytest.mark.parametrize(
    "text",
    [
        "my mother has diabetes",
        "my dad had a heart attack",
        "if i had cancer",
        "i saw ur lupus study",
    ],
)
def test_someone_else_a_hypothesis_or_the_study_gives_nothing(text: str) -> None:
    assert extract_facts(text, TRIAL) == []


def test_the_discoid_lupus_case_never_gives_sle_true() -> None:
    text = "I have discoid lupus on my face, but my dermatologist said it's not systemic lupus"
    for pending in (None, "sle_diagnosed", "skin_disease"):
        sle = _read(text, pending).get("sle_diagnosed")
        assert sle is None or (sle.value is not True or sle.confidence == "ask")


# ── resources ─────────────────────────────────────────────────────────────────────────────


def test_clauses_split_at_sentence_ends_but_and_commas_not_decimals() -> None:
    cue = cues("en")
    assert cue is not None
    clauses = [c.text for c in split("lymphs 1.3, cr 1,200? no. ok; fine but sad", cue, "en")]
    assert clauses == ["lymphocytes 1.3", "creatinine 1,200?", "no", "ok", "fine", "sad"]


def test_a_language_without_extraction_words_reads_nothing(tmp_path: Path) -> None:
    assert cues("xx") is None
    assert cues("en", tmp_path) is None


def test_a_malformed_resource_fails_naming_the_file_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "extract.yaml"
    shutil.copy(resource_path("en", RESOURCES), path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("hedge:\n", "hedge:\n  - '(unclosed'\n", 1), encoding="utf-8")
    with pytest.raises(ResourceError, match=r"extract\.yaml: hedge: not a valid regular"):
        load(path, "en")
    path.write_text(text + "surprise: 'x'\n", encoding="utf-8")
    with pytest.raises(ResourceError, match="surprise: unknown key"):
        load(path, "en")


def test_a_planted_word_changes_what_is_read(tmp_path: Path) -> None:
    path = tmp_path / "extract.yaml"
    shutil.copy(resource_path("en", RESOURCES), path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("hedge:\n", "hedge:\n  - '\\bmeh\\b'\n", 1), encoding="utf-8")
    planted = load(path, "en")
    assert planted.search("hedge", "meh diabetes") is not None
    assert cues("en").search("hedge", "meh diabetes") is None  # type: ignore[union-attr]


# ── property: a story of facts is read back as those facts ───────────────────────────────

TEMPLATES = {
    "age_years": (st.integers(3, 90), ["i am {} years old", "im {}", "age {}"]),
    "sex": (st.sampled_from(["female", "male"]), ["i am a {}", "{}"]),
    "sle_diagnosed": (st.booleans(), {True: ["i have lupus", "diagnosed with sle"],
                                      False: ["i dont have lupus", "no sle"]}),
    "diabetes": (st.booleans(), {True: ["i have diabetes", "diabetic"],
                                 False: ["no diabetes", "i am not diabetic"]}),
    "organ_transplant": (st.booleans(), {True: ["i had a transplant"],
                                         False: ["never had a transplant"]}),
    "heart_condition": (st.booleans(), {True: ["i have heart failure"],
                                        False: ["my heart is fine", "no heart problems"]}),
    "glucocorticoid_mg_per_day": (st.sampled_from([0.0, 5.0, 7.5, 10.0, 20.0]),
                                  ["prednisone {:g} mg a day", "pred {:g}mg"]),
    "serum_creatinine_mg_dl": (st.sampled_from([0.6, 0.9, 1.2, 2.5]),
                               ["creatinine {} mg/dl", "creat {} mg/dL"]),
    "lymphocytes_10e9_l": (st.sampled_from([0.4, 1.3, 2.0]), ["lymphocytes {}", "lymphs {}"]),
    "hba1c_percent": (st.sampled_from([5.4, 6.1, 8.2]), ["hba1c {}%", "HbA1c {} %"]),
    "ana_titer": (st.sampled_from([80, 320, 1280]), ["ana 1:{}"]),
    "biopsy_months_ago": (st.integers(1, 24), ["biopsy {} months ago"]),
}  # fmt: skip


@st.composite
def stories(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    keys = draw(st.lists(st.sampled_from(sorted(TEMPLATES)), min_size=1, max_size=8, unique=True))
    facts: dict[str, object] = {}
    clauses = []
    for key in keys:
        values, templates = TEMPLATES[key]
        value = draw(values)
        facts[key] = value
        options = templates[value] if isinstance(templates, dict) else templates  # type: ignore[index]
        clauses.append(draw(st.sampled_from(options)).format(value))
    joiners = draw(st.lists(st.sampled_from([", ", ". ", "; ", "\n"]), min_size=len(clauses)))
    text = clauses[0] + "".join(j + c for j, c in zip(joiners, clauses[1:], strict=False))
    return text, facts


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stories())
def test_a_story_is_read_back_as_its_facts(story: tuple[str, dict[str, object]]) -> None:
    text, facts = story
    found = _read(text)
    assert set(found) == set(facts), text
    for key, value in facts.items():
        got = found[key]
        assert got.confidence == "stated", (text, key)
        if isinstance(value, float):
            assert isinstance(got.value, float) and math.isclose(got.value, value), (text, key)
        else:
            assert got.value == value, (text, key)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(max_size=300)
    | st.lists(
        st.sampled_from(
            ["lupus", "no", "yes", "34", "mg", "my mum", "?", ",", ".", "\n", "(1-3)", "↑",
             "creatinine", "1:640", "i had", "not", "maybe", "kidney", "<script>", "'; drop"]
        ),
        max_size=40,
    ).map(" ".join)
)  # fmt: skip
def test_any_text_reads_without_error_and_spans_are_in_it(text: str) -> None:
    for pending in (None, "diabetes", "age_years"):
        for candidate in extract_facts(text, TRIAL, pending=pending):
            assert candidate.fact in TRIAL.facts
            assert candidate.confidence in ("stated", "ask")
            if candidate.span is not None:
                start, end = candidate.span
                assert 0 <= start <= end <= len(text)


THIRD_PERSON = {
    "age_years": (st.integers(3, 70), ["my son is {}", "she is {}", "a {}-year-old", "he's {}"]),
    "sle_diagnosed": (st.booleans(), {True: ["he has had lupus since 9", "she has sle"],
                                      False: ["she does not have lupus", "he has no sle"]}),
    "diabetes": (st.booleans(), {True: ["he has diabetes", "she is diabetic"],
                                 False: ["no diabetes", "she doesn't have diabetes"]}),
    "lupus_nephritis": (st.booleans(), {True: ["she has lupus nephritis"],
                                        False: ["her kidneys are fine"]}),
    "glucocorticoid_mg_per_day": (st.sampled_from([5.0, 10.0]), ["on prednisone {:g} mg daily"]),
}  # fmt: skip


@st.composite
def guardian_stories(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    keys = draw(st.lists(st.sampled_from(sorted(THIRD_PERSON)), min_size=1, unique=True))
    facts: dict[str, object] = {}
    clauses = []
    for key in keys:
        values, templates = THIRD_PERSON[key]
        value = draw(values)
        facts[key] = value
        options = templates[value] if isinstance(templates, dict) else templates  # type: ignore[index]
        clauses.append(draw(st.sampled_from(options)).format(value))
    case = draw(st.sampled_from([str, str.upper, str.capitalize]))
    return case(". ".join(clauses)), facts


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(guardian_stories())
def test_a_guardians_story_in_any_case_is_read_back(story: tuple[str, dict[str, object]]) -> None:
    text, facts = story
    found = _read(text)
    assert {k: (c.value, c.confidence) for k, c in found.items()} == {
        k: (v, "stated") for k, v in facts.items()
    }, text
