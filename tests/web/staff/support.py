"""Helpers for the staff tests: seeding screenings through the repository, logging in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi.testclient import TestClient

from bot.criteria.model import Trial
from bot.engine import assess
from bot.store import audit, review, screenings
from bot.store.db import session_scope

PASSWORD = "correct horse battery staple"
USERS = {"ada": "admin", "cora": "coordinator", "ivan": "investigator"}


#: A value for each fact that can be flagged which lets its criteria pass.
PASSING: dict[str, str] = {
    "ana_titer": "1:160",
    "anti_dsdna_iu_ml": "45",
    "lymphocytes_10e9_l": "1.6",
    "egfr_ml_min": "92",
    "serum_creatinine_mg_dl": "0.8",
    "meets_2019_eular_acr": "yes",
    "sledai_2k": "10",
    "cd19_b_cells": "yes",
    "apheresis_contraindicated": "no",
    "life_expectancy_over_90d": "yes",
    "qtcf_ms": "420",
    "lvef_percent": "60",
    "biopsy_chronic_only": "no",
}


def seed(
    url: str,
    trial: Trial,
    facts: Mapping[str, Any],
    conversation_id: str,
    *,
    contact: tuple[str, str | None, str | None] | None = None,
    respondent: str = "self",
    language: str = "en",
) -> int:
    """A finished screening with the patient's answers and the engine's real assessment."""
    with session_scope(url) as session:
        sid = screenings.start_screening(session, conversation_id, trial.id, trial.version)
        screenings.set_consent(session, sid, True)
        screenings.set_respondent(session, sid, respondent)
        screenings.set_language(session, sid, language)
        for key, value in facts.items():
            unit = trial.facts[key].unit
            words = "I don't know" if value is None else f"my answer is {value}"
            screenings.record_answer(session, sid, key, value, unit, words)
        screenings.save_assessment(session, sid, assess(trial, dict(facts)), ended=True)
        if contact is not None:
            screenings.save_contact(session, sid, *contact)
    return sid


def summary(url: str, screening_id: int) -> dict[str, Any]:
    with session_scope(url) as session:
        return review.screening_summary(session, screening_id)


def audit_rows(url: str, **filters: Any) -> list[dict[str, Any]]:
    with session_scope(url) as session:
        return audit.list_audit(session, limit=None, **filters)


def csrf(client: TestClient) -> str:
    """The visitor's CSRF token (loads the login page once to get the cookie)."""
    if "csrftoken" not in client.cookies:
        assert client.get("/staff/login").status_code in (200, 303)
    return str(client.cookies["csrftoken"])


def login(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    return client.post(
        "/staff/login",
        data={"username": username, "password": password, "csrftoken": csrf(client)},
        follow_redirects=False,
    )


def hidden_token(html: str) -> str:
    found = re.search(r'name="csrftoken" value="([^"]*)"', html)
    assert found, "no csrftoken field in the form"
    return found.group(1)
