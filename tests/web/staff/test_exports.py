"""Exports (screening log CSV, FHIR R4 bundle, contacts) and role checks."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.bundle import Bundle

from bot.criteria.model import Trial
from bot.store.exports import LOG_COLUMNS, age_band
from bot.web.fhir import SUBJECT_STATUS
from tests.patients import NEEDS_REVIEW_FACTS
from tests.web.staff.support import audit_rows, csrf, login, seed, summary

ALICE = ("Alice Example", "+1 555 0100", "alice@example.org")


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _resources(bundle: Bundle, kind: str) -> list[Any]:
    return [e.resource for e in bundle.entry if e.resource.resource_type == kind]


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (3, "<18"),
        (17, "<18"),
        (18, "18–29"),
        (29, "18–29"),
        (30, "30–39"),
        (65, "60–69"),
        (79, "70–79"),
        (85, "80+"),
        (None, "unknown"),
        (True, "unknown"),
    ],
)
def test_age_band(age: object, band: str) -> None:
    assert age_band(age) == band


def test_screening_log_csv(client: TestClient, web_db_url: str, trial: Trial) -> None:
    seed(web_db_url, trial, dict(NEEDS_REVIEW_FACTS, age_years=16), "conv-young", contact=ALICE)
    seed(web_db_url, trial, {"age_years": 70, "sex": "male"}, "conv-old", respondent="self")
    cancer = dict(NEEDS_REVIEW_FACTS, other_cancer=True, organ_transplant=True, age_years=34)
    seed(web_db_url, trial, cancer, "=cmd|'/c calc'!A1", contact=ALICE)
    login(client, "cora")
    response = client.get("/staff/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    text = response.text
    rows = _csv(text)
    assert tuple(rows[0].keys()) == LOG_COLUMNS
    by_id = {row["coded_id"]: row for row in rows}
    assert set(by_id) == {"conv-young", "conv-old", "'=cmd|'/c calc'!A1"}  # formula defused

    young = by_id["conv-young"]
    assert young["age_band"] == "<18" and young["sex"] == "female"
    assert young["outcome"] == "needs_review" and young["failing_criteria"] == ""
    assert young["language"] == "en"  # the language the patient answered in
    assert "egfr_ml_min" in young["open_flags"].split(";")
    old = by_id["conv-old"]
    assert old["age_band"] == "70–79" and old["sex"] == "male"
    assert old["outcome"] == "ineligible" and old["failing_criteria"] == "I1"
    assert old["screen_fail_reasons"] == "I1 Aged 3 to 65"
    sick = by_id["'=cmd|'/c calc'!A1"]
    assert sick["age_band"] == "30–39" and sick["outcome"] == "ineligible"
    assert sick["failing_criteria"].split(";") == ["E4", "E10"]
    assert sick["open_flags"] == ""
    assert all(row["trial"] == trial.id and len(row["date"]) == 10 for row in rows)
    # no direct identifiers, no exact ages
    # (the phone as written or as digits: "555" alone also turns up inside random UUIDs)
    for secret in ("Alice", "555 0100", "5550100", "alice@", "example.org"):
        assert secret not in text
    cells = {cell for row in rows for cell in row.values()}
    assert not cells & {"16", "34", "70"}
    (row,) = audit_rows(web_db_url, action="export_csv")
    assert row["actor"] == "cora" and row["detail"] == "screening log rows=3"


def test_screening_log_csv_honours_filters(
    client: TestClient, web_db_url: str, trial: Trial
) -> None:
    seed(web_db_url, trial, NEEDS_REVIEW_FACTS, "conv-a")
    seed(web_db_url, trial, {"age_years": 70}, "conv-b")
    login(client, "cora")
    rows = _csv(client.get("/staff/export.csv?outcome=ineligible").text)
    assert [r["coded_id"] for r in rows] == ["conv-b"]


def test_fhir_bundle(client: TestClient, web_db_url: str, trial: Trial) -> None:
    facts = dict(NEEDS_REVIEW_FACTS, egfr_ml_min=75, lymphocytes_10e9_l=1.4, ana_titer=None)
    sid = seed(web_db_url, trial, facts, "conv-fhir", contact=ALICE)
    login(client, "ivan")
    flag = next(f for f in summary(web_db_url, sid)["flags"] if f["fact"] == "cd19_b_cells")
    token = csrf(client)
    client.post(f"/staff/flags/{flag['id']}/resolve", data={"csrftoken": token, "value": "yes"})
    response = client.get(f"/staff/screenings/{sid}/fhir.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    text = response.text
    bundle = Bundle.parse_raw(text)
    assert bundle.type == "collection"
    for secret in ("Alice", "555 0100", "5550100", "alice@"):
        assert secret not in text

    (subject,) = _resources(bundle, "ResearchSubject")
    assert subject.status == "potential-candidate"
    assert subject.study.identifier.value == "NCT06585514"
    assert subject.individual.identifier.value == "conv-fhir"

    (answers,) = _resources(bundle, "QuestionnaireResponse")
    assert answers.language == "en"
    items = {item.linkId: item for item in answers.item}
    assert items["sle_diagnosed"].answer[0].valueBoolean is True
    assert items["sex"].answer[0].valueString == "female"
    assert items["ecog"].answer[0].valueInteger == 1
    age = items["age_years"].answer[0].valueQuantity
    assert (float(age.value), age.unit) == (34.0, "years")
    steroid = items["glucocorticoid_mg_per_day"].answer[0].valueQuantity
    assert (float(steroid.value), steroid.unit) == (10.0, "mg/day")
    assert items["ana_titer"].answer is None  # asked, unknown
    assert "cd19_b_cells" not in items  # entered by staff, not a patient answer
    patient_facts = {k for k, v in facts.items()}
    assert set(items) == patient_facts

    observations = _resources(bundle, "Observation")
    by_code = {o.code.coding[0].code: o for o in observations if o.code.coding}
    egfr = by_code["98979-8"]
    assert float(egfr.valueQuantity.value) == 75.0
    assert egfr.valueQuantity.unit == "mL/min/1.73 m²"
    assert egfr.status == "preliminary"  # the patient's recollection
    assert float(by_code["731-0"].valueQuantity.value) == 1.4
    staff_entered = [o for o in observations if o.code.text == trial.facts["cd19_b_cells"].staff]
    assert len(staff_entered) == 1 and staff_entered[0].valueBoolean is True
    assert staff_entered[0].status == "final"

    tasks = _resources(bundle, "Task")
    open_flags = summary(web_db_url, sid)["open_flags"]
    assert len(tasks) == len(open_flags) > 0
    assert all(t.status == "requested" and t.intent == "order" for t in tasks)
    descriptions = " ".join(t.description for t in tasks)
    for fact in open_flags:
        assert f"({fact}," in descriptions
    assert "cd19_b_cells" not in descriptions
    (row,) = audit_rows(web_db_url, action="export_fhir")
    assert row["screening_id"] == sid and row["actor"] == "ivan"
    assert json.loads(text)["resourceType"] == "Bundle"


@pytest.mark.parametrize(
    ("facts", "status"),
    [
        ({"age_years": 70}, "ineligible"),
        ({"age_years": 40}, "screening"),
        (NEEDS_REVIEW_FACTS, "potential-candidate"),
    ],
)
def test_fhir_subject_status_follows_the_outcome(
    client: TestClient, web_db_url: str, trial: Trial, facts: dict[str, Any], status: str
) -> None:
    sid = seed(web_db_url, trial, facts, "conv-status")
    login(client, "cora")
    bundle = Bundle.parse_raw(client.get(f"/staff/screenings/{sid}/fhir.json").text)
    (subject,) = _resources(bundle, "ResearchSubject")
    assert subject.status == status == SUBJECT_STATUS[summary(web_db_url, sid)["outcome"]]
    if status == "ineligible":
        assert _resources(bundle, "Task") == []


def test_fhir_of_unknown_screening_is_404(client: TestClient, staff_users: dict[str, str]) -> None:
    login(client, "cora")
    assert client.get("/staff/screenings/404/fhir.json").status_code == 404


def test_contacts_csv_is_for_admins_only(client: TestClient, web_db_url: str, trial: Trial) -> None:
    seed(web_db_url, trial, NEEDS_REVIEW_FACTS, "conv-contact", contact=ALICE)
    seed(web_db_url, trial, NEEDS_REVIEW_FACTS, "conv-none")
    for username in ("cora", "ivan"):
        client.cookies.clear()
        login(client, username)
        assert client.get("/staff/contacts.csv").status_code == 403
        assert client.get("/staff/audit").status_code == 403
        assert 'href="/staff/audit"' not in client.get("/staff").text
    assert audit_rows(web_db_url, action="export_contacts") == []
    client.cookies.clear()
    login(client, "ada")
    response = client.get("/staff/contacts.csv")
    assert response.status_code == 200
    (row,) = _csv(response.text)
    assert row["coded_id"] == "conv-contact"
    assert (row["name"], row["phone"], row["email"]) == ("Alice Example", "'+1 555 0100", ALICE[2])
    assert client.get("/staff/audit").status_code == 200
    (audit,) = audit_rows(web_db_url, action="export_contacts")
    assert audit["actor"] == "ada" and audit["detail"] == "contacts rows=1"
    assert "Alice" not in str(audit)


def test_audit_log_is_newest_first_and_filterable(
    client: TestClient, web_db_url: str, trial: Trial
) -> None:
    sid = seed(web_db_url, trial, NEEDS_REVIEW_FACTS, "conv-log")
    login(client, "cora")
    client.get(f"/staff/screenings/{sid}")
    client.cookies.clear()
    login(client, "ada")
    page = client.get("/staff/audit").text
    actions = _attr(page, "data-action")
    assert actions[:3] == ["login", "view", "login"]
    assert "create_user" in actions
    views = client.get("/staff/audit?action=view").text
    assert _attr(views, "data-action") == ["view"]
    assert "conv-log" in views
    by_cora = client.get("/staff/audit?actor=cora").text
    assert set(_attr(by_cora, "data-actor")) == {"cora"}


def _attr(page: str, name: str) -> list[str]:
    return re.findall(rf'{name}="([^"]*)"', page)
