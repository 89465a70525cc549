"""Resolving follow-up flags: values re-run the engine, bad values store nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.criteria.model import Trial
from bot.web.staff.values import ValueProblem, parse_value
from tests.patients import NEEDS_REVIEW_FACTS
from tests.web.staff.support import PASSING, audit_rows, csrf, login, seed, summary


def _outcome(client: TestClient, screening_id: int) -> str:
    page = client.get(f"/staff/screenings/{screening_id}").text
    found = re.search(r'id="outcome"[^>]*>([a-z_]+)<', page)
    assert found
    return found.group(1)


def _flag(url: str, screening_id: int, fact: str) -> dict[str, Any]:
    flags: list[dict[str, Any]] = summary(url, screening_id)["flags"]
    matching = [f for f in flags if f["fact"] == fact]
    assert matching, f"no flag for {fact}"
    return matching[-1]


def _resolve(client: TestClient, flag_id: int, **fields: str) -> Any:
    return client.post(
        f"/staff/flags/{flag_id}/resolve", data={"csrftoken": csrf(client), **fields}
    )


def test_resolving_every_flag_with_passing_values_makes_it_likely_eligible(
    client: TestClient, web_db_url: str, trial: Trial
) -> None:
    sid = seed(web_db_url, trial, NEEDS_REVIEW_FACTS, "conv-pass")
    login(client, "cora")
    assert _outcome(client, sid) == "needs_review"
    entered = []
    while True:
        open_flags = [f for f in summary(web_db_url, sid)["flags"] if f["status"] == "open"]
        if not open_flags:
            break
        flag = open_flags[0]
        response = _resolve(client, flag["id"], value=PASSING[flag["fact"]], note="lab report")
        assert response.status_code == 303, response.text
        assert response.headers["location"] == f"/staff/screenings/{sid}#flags"
        entered.append(flag["fact"])
    assert _outcome(client, sid) == "likely_eligible"
    after = summary(web_db_url, sid)
    assert after["outcome"] == "likely_eligible"
    assert after["failing_criteria"] == [] and after["open_flags"] == []
    # flags made unnecessary by another value were closed by the system
    closed_by_system = {f["fact"] for f in after["flags"] if f["resolved_by"] == "system"}
    assert closed_by_system == {f["fact"] for f in after["flags"]} - set(entered)
    assert "anti_dsdna_iu_ml" in closed_by_system  # ANA 1:160 settles I3 on its own
    assert after["facts"]["ana_titer"] == 160
    staff_answers = [a for a in after["answers"] if a["source"] == "staff"]
    assert {a["fact"] for a in staff_answers} == set(entered)
    assert all(a["entered_by"] == "cora" and a["raw_text"] == "lab report" for a in staff_answers)
    audits = audit_rows(web_db_url, action="resolve_flag")
    assert len(audits) == len(entered)
    assert all(r["actor"] == "cora" and r["screening_id"] == sid for r in audits)
    assert audits[-1]["detail"].endswith(f"{entered[0]} set")


def test_a_failing_lab_value_makes_it_ineligible_and_keeps_history(
    client: TestClient, web_db_url: str, trial: Trial
) -> None:
    sid = seed(web_db_url, trial, NEEDS_REVIEW_FACTS, "conv-fail")
    login(client, "ivan")
    flag = _flag(web_db_url, sid, "egfr_ml_min")
    response = _resolve(client, flag["id"], value="22", note="")
    assert response.status_code == 303
    after = summary(web_db_url, sid)
    assert after["outcome"] == "ineligible"
    assert after["failing_criteria"] == ["E14"]
    assert _outcome(client, sid) == "ineligible"
    # nothing overwritten: the patient's "don't know" and the staff value are both in history
    egfr = [a for a in after["answers"] if a["fact"] == "egfr_ml_min"]
    assert [(a["value"], a["source"]) for a in egfr] == [(None, "patient"), (22, "staff")]
    assert egfr[0]["superseded_at"] is not None and egfr[1]["superseded_at"] is None
    assert egfr[1]["raw_text"] == "entered by staff" and egfr[1]["unit"] == "mL/min/1.73 m²"
    page = client.get(f"/staff/screenings/{sid}").text
    history = page[page.index('id="history-heading"') :]
    assert 'class="superseded"' in history and "ivan (staff)" in history
    (row,) = audit_rows(web_db_url, action="resolve_flag")
    assert row["detail"] == f"flag {flag['id']}: egfr_ml_min set"
    assert "22" not in row["detail"].replace(str(flag["id"]), "")


@pytest.mark.parametrize(
    ("fact", "typed", "message"),
    [
        ("egfr_ml_min", "abc", "a number from 0 to 200"),
        ("egfr_ml_min", "500", "a number from 0 to 200"),
        ("egfr_ml_min", "", "Enter a value"),
        ("egfr_ml_min", "nan", "a number"),
        ("cd19_b_cells", "maybe", "yes or no"),
        ("ana_titer", "1:80.5", "whole number"),
    ],
)
def test_an_invalid_value_is_refused_and_nothing_is_stored(
    client: TestClient, web_db_url: str, trial: Trial, fact: str, typed: str, message: str
) -> None:
    sid = seed(web_db_url, trial, NEEDS_REVIEW_FACTS, "conv-bad")
    login(client, "cora")
    before = summary(web_db_url, sid)
    flag = _flag(web_db_url, sid, fact)
    response = _resolve(client, flag["id"], value=typed, note="typo")
    assert response.status_code == 400
    assert message in response.text
    assert 'role="alert"' in response.text and 'aria-invalid="true"' in response.text
    assert f'value="{typed}"' in response.text  # the form keeps what was typed
    after = summary(web_db_url, sid)
    assert after["answers"] == before["answers"]
    assert after["flags"] == before["flags"]
    assert after["outcome"] == "needs_review"
    assert audit_rows(web_db_url, action="resolve_flag") == []


def test_value_and_not_obtainable_together_are_refused(
    client: TestClient, web_db_url: str, trial: Trial
) -> None:
    sid = seed(web_db_url, trial, NEEDS_REVIEW_FACTS, "conv-both")
    login(client, "cora")
    flag = _flag(web_db_url, sid, "lvef_percent")
    response = _resolve(client, flag["id"], value="55", not_obtainable="on")
    assert response.status_code == 400
    assert "not both" in response.text
    assert _flag(web_db_url, sid, "lvef_percent")["status"] == "open"


def test_not_obtainable_resolves_the_flag_and_the_outcome_stays(
    client: TestClient, web_db_url: str, trial: Trial
) -> None:
    sid = seed(web_db_url, trial, NEEDS_REVIEW_FACTS, "conv-na")
    login(client, "ivan")
    flag = _flag(web_db_url, sid, "qtcf_ms")
    response = _resolve(client, flag["id"], not_obtainable="on", note="no ECG on file")
    assert response.status_code == 303
    after = summary(web_db_url, sid)
    resolved = _flag(web_db_url, sid, "qtcf_ms")
    assert resolved["id"] == flag["id"]  # not re-flagged
    assert resolved["status"] == "resolved"
    assert resolved["resolution"] == "not obtainable"
    assert resolved["resolved_by"] == "ivan" and resolved["note"] == "no ECG on file"
    assert after["outcome"] == "needs_review"
    assert "qtcf_ms" not in after["facts"]
    assert not [a for a in after["answers"] if a["source"] == "staff"]
    (row,) = audit_rows(web_db_url, action="resolve_flag")
    assert row["detail"] == f"flag {flag['id']}: qtcf_ms not obtainable"
    # resolving another flag later re-runs the engine without re-raising this one
    other = _flag(web_db_url, sid, "lvef_percent")
    assert _resolve(client, other["id"], value="60").status_code == 303
    assert [f for f in summary(web_db_url, sid)["flags"] if f["fact"] == "qtcf_ms"] == [resolved]
    page = client.get(f"/staff/screenings/{sid}").text
    assert "not obtainable — “no ECG on file”" in page


def test_a_resolved_flag_cannot_be_resolved_again(
    client: TestClient, web_db_url: str, trial: Trial
) -> None:
    sid = seed(web_db_url, trial, NEEDS_REVIEW_FACTS, "conv-twice")
    login(client, "cora")
    flag = _flag(web_db_url, sid, "cd19_b_cells")
    assert _resolve(client, flag["id"], value="yes").status_code == 303
    again = _resolve(client, flag["id"], value="no")
    assert again.status_code == 409
    assert "resolved already" in again.text
    cd19 = [a for a in summary(web_db_url, sid)["answers"] if a["fact"] == "cd19_b_cells"]
    assert [a["value"] for a in cd19] == [True]
    assert _resolve(client, 9999, value="yes").status_code == 404


def test_parse_value_per_fact_type(trial: Trial) -> None:
    facts = trial.facts
    assert parse_value(facts["cd19_b_cells"], " Yes ") is True
    assert parse_value(facts["cd19_b_cells"], "FALSE") is False
    assert parse_value(facts["biopsy_class"], "v+iv") == "V+IV"
    assert parse_value(facts["biopsy_class"], "Class IV") == "IV"
    assert parse_value(facts["sledai_2k"], "12") == 12
    assert parse_value(facts["ana_titer"], "1:320") == 320
    assert parse_value(facts["lymphocytes_10e9_l"], "1.25") == 1.25
    assert parse_value(facts["egfr_ml_min"], "45") == 45
    assert parse_value(facts["hba1c_percent"], "7.5 %") == 7.5
    for fact, text in [
        ("biopsy_class", "VII"),
        ("sledai_2k", "12.5"),
        ("sledai_2k", "200"),
        ("lymphocytes_10e9_l", "1,5"),
        ("egfr_ml_min", "inf"),
        ("egfr_ml_min", "-3"),
        ("cd19_b_cells", "1"),
    ]:
        with pytest.raises(ValueProblem):
            parse_value(facts[fact], text)
