"""`prescreen evaluate` / `prescreen check-criteria` through bot.cli.main."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot import cli

KEYS = {"outcome", "criteria", "follow_up", "next_question", "questions_left"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def facts_file(tmp_path: Path, facts: Any, name: str = "facts.json") -> Path:
    path = tmp_path / name
    path.write_text(facts if isinstance(facts, str) else json.dumps(facts), encoding="utf-8")
    return path


def test_evaluate_prints_the_stable_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = facts_file(tmp_path, {"age_years": 40, "sex": "male", "pregnant_or_breastfeeding": None})
    code, out, err = run(capsys, "evaluate", "--facts", str(path))
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert set(data) == KEYS
    assert data["outcome"] == "incomplete"
    assert data["next_question"] == "sle_diagnosed"
    assert data["criteria"]["I1"] == "met" and data["criteria"]["E11"] == "not_met"
    assert isinstance(data["questions_left"], int) and data["follow_up"] == []


def test_evaluate_empty_facts_and_trial_id_any_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = facts_file(tmp_path, {})
    code, out, _ = run(capsys, "evaluate", "--facts", str(path), "--trial", "nct06585514")
    assert code == 0
    assert json.loads(out)["next_question"] == "age_years"


def test_evaluate_ineligible(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "evaluate", "--facts", str(facts_file(tmp_path, {"age_years": 70})))
    data = json.loads(out)
    assert (code, data["outcome"], data["next_question"], data["questions_left"]) == (
        0,
        "ineligible",
        None,
        0,
    )


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ({"age_years": "forty"}, ["age_years", "expected a number", "'forty'"]),
        ({"age_years": 40.5}, ["age_years", "whole number"]),
        ({"age_years": 130}, ["age_years", "outside the allowed range"]),
        ({"sex": "other"}, ["sex", "expected one of female, male"]),
        ({"diabetes": "yes"}, ["diabetes", "expected true, false or null"]),
        ({"shoe_size": 42}, ["unknown fact 'shoe_size'", "allowed facts: age_years"]),
        ([1, 2, 3], ["expected a JSON object"]),
        ("{not json", ["Expecting property name"]),
    ],
)
def test_bad_facts_file_exits_2_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: Any, fragments: list[str]
) -> None:
    code, out, err = run(capsys, "evaluate", "--facts", str(facts_file(tmp_path, content)))
    assert code == 2 and out == ""
    assert err.startswith("error: ")
    for fragment in fragments:
        assert fragment in err, err


def test_missing_facts_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "evaluate", "--facts", str(tmp_path / "nope.json"))
    assert code == 2 and out == ""
    assert "error:" in err and "nope.json" in err


def test_unknown_trial_id_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = facts_file(tmp_path, {})
    code, out, err = run(capsys, "evaluate", "--facts", str(path), "--trial", "NCT00000000")
    assert code == 2 and out == ""
    assert "no trial with id 'NCT00000000'" in err
    assert "available: " in err and "NCT06585514" in err


def test_evaluate_requires_facts(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["evaluate"])
    assert info.value.code == 2
    assert "--facts" in capsys.readouterr().err


def test_check_criteria_all_trial_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check-criteria")
    assert code == 0, err
    assert "ok: " in out and "NCT06585514" in out
    assert "golden" not in out  # golden-case files are not trial files


def test_domain_honours_prescreen_trial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`PRESCREEN_TRIAL=<id> prescreen domain --write`, as the README says: the variable chooses
    the trial (an unknown one is a clear error, nothing written); `--trial ID` overrides it."""
    from bot import rasa_domain

    target = tmp_path / "domain.yml"
    monkeypatch.setattr(rasa_domain, "DOMAIN_PATH", target)

    monkeypatch.setenv("PRESCREEN_TRIAL", "NCT00000000")
    for argv in (["domain", "--write"], ["domain"]):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), argv
        assert "no trial with id 'NCT00000000'" in err
    assert not target.exists()

    code, out, err = run(capsys, "domain", "--write", "--trial", "nct06585514")
    assert (code, err) == (0, "") and "updated for trial NCT06585514" in out
    assert target.read_text(encoding="utf-8") == rasa_domain.render_domain(
        cli.get_trial("NCT06585514")
    )

    monkeypatch.setenv("PRESCREEN_TRIAL", "nct06585514")
    code, out, err = run(capsys, "domain")
    assert (code, err) == (0, "") and "up to date with trial NCT06585514" in out
    target.write_text("stale\n", encoding="utf-8")
    code, out, err = run(capsys, "domain")
    assert code == 1 and "out of date for trial NCT06585514" in err


def test_evaluate_honours_prescreen_trial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PRESCREEN_TRIAL", "NCT00000000")
    path = facts_file(tmp_path, {})
    code, _, err = run(capsys, "evaluate", "--facts", str(path))
    assert code == 2 and "no trial with id 'NCT00000000'" in err
    code, out, _ = run(capsys, "evaluate", "--facts", str(path), "--trial", "NCT06585514")
    assert code == 0 and json.loads(out)["next_question"] == "age_years"


# ---- prescreen understand -------------------------------------------------------------------


def test_understand_prints_the_facts_read_from_one_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = "im 34, my mother has diabetes, I think I'm a hep B carrier?"
    code, out, err = run(capsys, "understand", text)
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert [(d["fact"], d["value"], d["confidence"]) for d in data] == [
        ("age_years", 34, "stated"),
        ("infection_serology_positive", True, "ask"),
    ]
    assert set(data[0]) == {"fact", "value", "span", "text", "confidence"}
    assert text[data[0]["span"][0] : data[0]["span"][1]] == data[0]["text"] == "34"


def test_understand_pending_takes_a_bare_answer(capsys: pytest.CaptureFixture[str]) -> None:
    text = "no. sorry wait, the hepatitis question before - I think I'm a hep B carrier actually?"
    code, out, _ = run(capsys, "understand", text, "--pending", "lung_condition")
    assert code == 0
    got = {d["fact"]: (d["value"], d["confidence"]) for d in json.loads(out)}
    assert got == {
        "lung_condition": (False, "stated"),
        "infection_serology_positive": (True, "ask"),
    }
    code, out, _ = run(capsys, "understand", "no")
    assert (code, json.loads(out)) == (0, [])


def test_understand_chinese_is_empty_with_a_note_until_resources_exist(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "understand", "我今年34岁", "--lang", "zh")
    assert (code, json.loads(out)) == (0, [])
    assert "zh" in err


def test_understand_unknown_pending_fact_is_a_clear_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "understand", "yes", "--pending", "no_such_fact")
    assert (code, out) == (2, "")
    assert "no_such_fact" in err
