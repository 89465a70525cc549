"""The staff app's wording comes from the staff catalog, per request; facts by staff label."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot import i18n
from bot.criteria.model import Trial
from bot.store.db import session_scope
from bot.store.review import screening_summary
from tests.patients import NEEDS_REVIEW_FACTS
from tests.web.catalog_check import leftover_ids, template_ids, unrendered
from tests.web.staff.support import csrf, login, seed


def test_every_id_the_staff_templates_use_is_in_the_english_catalog() -> None:
    english = set(i18n.catalog("en"))
    used = template_ids("staff/")
    assert {"staff/base.html", "staff/detail.html", "staff/login.html"} <= set(used)
    for name, ids in used.items():
        assert ids, f"{name} uses no message id"
        assert all(i.startswith("staff.") for i in ids), name
        missing = sorted(ids - english)
        assert not missing, f"{name} uses ids missing from the catalog: {missing}"


def _flag_id(url: str, screening_id: int, fact: str) -> int:
    with session_scope(url) as session:
        flags = screening_summary(session, screening_id)["flags"]
    return int(next(f["id"] for f in flags if f["fact"] == fact))


def test_rendered_staff_pages_show_wording_not_ids(
    client: TestClient, web_db_url: str, trial: Trial
) -> None:
    pages = {"login (error)": login(client, "ada", "wrong password, twelve+").text}
    sid = seed(web_db_url, trial, NEEDS_REVIEW_FACTS, "conv-i18n")
    assert login(client, "ada").status_code == 303
    flag = _flag_id(web_db_url, sid, "lymphocytes_10e9_l")
    bad_value = client.post(
        f"/staff/flags/{flag}/resolve", data={"value": "lots", "csrftoken": csrf(client)}
    )
    assert bad_value.status_code == 400
    pages.update(
        {
            "list (bad filters)": client.get("/staff?outcome=zz&from=x&to=y").text,
            "detail": client.get(f"/staff/screenings/{sid}").text,
            "detail (bad value)": bad_value.text,
            "dashboard": client.get("/staff/dashboard").text,
            "audit": client.get("/staff/audit").text,
        }
    )
    for name, page in pages.items():
        assert unrendered(page) == [], name
        assert leftover_ids(page) == [], name
        assert '<html lang="en">' in page, name
        assert re.search(r"<title>[^<]+ · Staff</title>", page), name
    assert "Wrong username or password" in pages["login (error)"]
    assert "From: enter a date as YYYY-MM-DD." in pages["list (bad filters)"]
    assert "To: enter a date as YYYY-MM-DD." in pages["list (bad filters)"]
    assert "Outcome: choose one of the listed outcomes." in pages["list (bad filters)"]
    assert "1 screening in total." in pages["dashboard"]
    assert "Screenings by outcome" in pages["dashboard"]


def test_staff_see_the_staff_label_of_a_fact_never_the_patient_wording(
    client: TestClient, web_db_url: str, trial: Trial
) -> None:
    fact = trial.facts["lymphocytes_10e9_l"]
    assert fact.staff != fact.label
    sid = seed(web_db_url, trial, NEEDS_REVIEW_FACTS, "conv-label")
    login(client, "cora")
    page = client.get(f"/staff/screenings/{sid}").text
    assert f"<h4>{fact.staff} <code>lymphocytes_10e9_l</code>" in page
    flag = _flag_id(web_db_url, sid, "lymphocytes_10e9_l")
    refused = client.post(
        f"/staff/flags/{flag}/resolve", data={"value": "lots", "csrftoken": csrf(client)}
    ).text
    assert f"“lots” is not valid for {fact.staff}: enter a number" in refused
    for page_text in (page, refused):
        assert fact.label not in page_text
        assert "your lymphocyte" not in page_text.lower()


# --- the language is chosen per request ------------------------------------------------------


@pytest.fixture
def second_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A made-up language "xx" beside English, with a few staff messages of its own."""
    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR / "en", locale / "en")
    (locale / "xx" / "LC_MESSAGES").mkdir(parents=True)
    (locale / "xx" / "LC_MESSAGES" / "staff.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "staff.login.heading"\nmsgstr "XX staff log in"\n\n'
        'msgid "staff.login.username"\nmsgstr "XX username"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale)
    i18n.catalog.cache_clear()
    yield "xx"
    i18n.catalog.cache_clear()


def test_each_request_gets_its_own_language_even_concurrently(
    app: FastAPI, second_language: str
) -> None:
    def heading(language: str | None) -> tuple[str | None, str]:
        headers = {"accept-language": f"{language}, en;q=0.5"} if language else {}
        with TestClient(app) as client:
            page = client.get("/staff/login", headers=headers).text
        found = re.search(r'<html lang="(\w+)">.*<h1>([^<]*)</h1>', page, re.S)
        assert found, page[:300]
        return found.group(1), found.group(2)

    wanted = [second_language, None, "en", "fr"] * 10
    with ThreadPoolExecutor(max_workers=8) as pool:
        seen = list(pool.map(heading, wanted))
    expected = {
        second_language: (second_language, "XX staff log in"),
        None: ("en", "Staff log in"),
        "en": ("en", "Staff log in"),
        "fr": ("en", "Staff log in"),  # no French catalog: the default language
    }
    assert seen == [expected[language] for language in wanted]


def test_a_message_missing_in_a_language_falls_back_to_english(
    app: FastAPI, second_language: str
) -> None:
    with TestClient(app) as client:
        page = client.get("/staff/login", headers={"accept-language": second_language}).text
    assert "XX username" in page and "Password" in page
    assert leftover_ids(page) == [] and unrendered(page) == []


def test_the_patient_page_speaks_only_the_trial_s_languages(
    app: FastAPI, second_language: str
) -> None:
    with TestClient(app) as client:
        page = client.get("/", headers={"accept-language": second_language}).text
    assert '<html lang="en">' in page  # the trial file has no "xx" wording
