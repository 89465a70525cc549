"""The screenings list and the screening detail page."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from fastapi.testclient import TestClient

from bot.criteria.model import Trial
from bot.store.db import session_scope
from bot.store.models import Screening
from tests.patients import NEEDS_REVIEW_FACTS
from tests.web.conftest import EventAdder
from tests.web.staff.support import audit_rows, login, seed, summary

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr data-conversation-id="([^"]*)"', page)


def _backdate(url: str, screening_id: int, days: int) -> None:
    when = datetime.now(timezone.utc) - timedelta(days=days)
    with session_scope(url) as session:
        session.execute(
            sa.update(Screening).where(Screening.id == screening_id).values(started_at=when)
        )


def _seed_mix(url: str, trial: Trial) -> dict[str, int]:
    ids = {
        "review": seed(url, trial, NEEDS_REVIEW_FACTS, "conv-review"),
        "old": seed(url, trial, {"age_years": 70}, "conv-old"),
        "cancer": seed(url, trial, dict(NEEDS_REVIEW_FACTS, other_cancer=True), "conv-cancer"),
        "partial": seed(url, trial, {"age_years": 40, "sex": "male"}, "conv-partial"),
    }
    _backdate(url, ids["old"], 20)
    return ids


def test_list_counts_rows_and_links(client: TestClient, web_db_url: str, trial: Trial) -> None:
    ids = _seed_mix(web_db_url, trial)
    login(client, "cora")
    page = client.get("/staff").text
    counts = dict(re.findall(r'data-outcome="(\w+)">(\d+)<', page))
    assert counts == {
        "ineligible": "2",
        "likely_eligible": "0",
        "needs_review": "1",
        "incomplete": "1",
    }
    assert _rows(page) == ["conv-partial", "conv-cancer", "conv-review", "conv-old"]
    assert f'href="/staff/screenings/{ids["review"]}"' in page
    review_row = page[page.index('data-conversation-id="conv-review"') :]
    review_row = review_row[: review_row.index("</tr>")]
    assert "needs_review" in review_row
    assert 'data-open-flags="11"' in review_row
    assert "self" in review_row  # respondent
    assert '<th scope="col">Outcome</th>' in page


def test_list_filters(client: TestClient, web_db_url: str, trial: Trial) -> None:
    _seed_mix(web_db_url, trial)
    login(client, "cora")

    def rows(query: str) -> list[str]:
        response = client.get(f"/staff?{query}")
        assert response.status_code == 200
        return _rows(response.text)

    assert rows("outcome=ineligible") == ["conv-cancer", "conv-old"]
    assert rows("open_flags=yes") == ["conv-review"]
    assert rows("open_flags=no") == ["conv-partial", "conv-cancer", "conv-old"]
    assert rows("q=CANC") == ["conv-cancer"]
    old_day = (datetime.now(timezone.utc) - timedelta(days=20)).date().isoformat()
    assert rows(f"from={old_day}&to={old_day}") == ["conv-old"]
    today = datetime.now(timezone.utc).date().isoformat()
    assert rows(f"from={today}") == ["conv-partial", "conv-cancer", "conv-review"]
    assert rows("outcome=ineligible&from=" + today) == ["conv-cancer"]
    bad = client.get("/staff?from=yesterday&outcome=maybe")
    assert bad.status_code == 200
    assert "enter a date as YYYY-MM-DD" in bad.text
    assert "choose one of the listed outcomes" in bad.text
    assert len(_rows(bad.text)) == 4


def test_list_paginates(client: TestClient, web_db_url: str, trial: Trial) -> None:
    for n in range(5):
        seed(web_db_url, trial, {"age_years": 30 + n}, f"conv-{n}")
    login(client, "cora")
    first = client.get("/staff?limit=2").text
    assert _rows(first) == ["conv-4", "conv-3"]
    assert "offset=2" in first and 'rel="prev"' not in first
    second = client.get("/staff?limit=2&offset=2").text
    assert _rows(second) == ["conv-2", "conv-1"]
    last = client.get("/staff?limit=2&offset=4").text
    assert _rows(last) == ["conv-0"]
    assert 'rel="next"' not in last and 'rel="prev"' in last


def test_detail_shows_outcome_criteria_words_flags_and_history(
    client: TestClient, web_db_url: str, trial: Trial
) -> None:
    facts = dict(NEEDS_REVIEW_FACTS, serum_creatinine_mg_dl=1.1)
    sid = seed(web_db_url, trial, facts, "conv-detail")
    login(client, "ivan")
    response = client.get(f"/staff/screenings/{sid}")
    assert response.status_code == 200
    page = response.text
    assert re.search(r'id="outcome"[^>]*>needs_review<', page)
    # every criterion, with the registry's verbatim text and the interpretation note
    for criterion in trial.criteria:
        assert f'data-criterion-id="{criterion.id}"' in page
        assert html.escape(criterion.registry_text.strip(), quote=True)[:60] in page
    e14 = page[page.index('data-criterion-id="E14"') :]
    e14 = e14[: e14.index("</tr>")]
    assert 'data-status="not_met"' in e14
    interpretation = trial.criterion("E14").interpretation or ""
    assert html.escape(interpretation)[:50] in e14
    # the facts that decided it: the computed eGFR, creatinine in the patient's own words
    assert "kidney function (eGFR, measured or calculated)" in e14
    assert "calculated (ckd_epi_2021)" in e14
    assert "1.1 mg/dL" in e14 and "my answer is 1.1" in e14
    # follow-up flags in two groups, each open one with its form and unit
    assert 'id="flags-lab-heading"' in page and 'id="flags-clinician-heading"' in page
    open_flags = summary(web_db_url, sid)["open_flags"]
    assert "serum_creatinine_mg_dl" not in open_flags and "egfr_ml_min" not in open_flags
    assert page.count('class="resolve-form"') == len(open_flags) == 9
    assert 'action="/staff/flags/' in page
    assert '<span class="unit">×10⁹/L</span>' in page
    assert 'name="not_obtainable"' in page and 'name="note"' in page
    # the answer history, newest first
    assert page.count('data-source="patient"') == len(facts)


def test_detail_view_is_audited(client: TestClient, web_db_url: str, trial: Trial) -> None:
    sid = seed(web_db_url, trial, NEEDS_REVIEW_FACTS, "conv-audit")
    login(client, "cora")
    client.get(f"/staff/screenings/{sid}")
    (row,) = audit_rows(web_db_url, action="view")
    assert row["actor"] == "cora"
    assert row["screening_id"] == sid
    assert row["conversation_id"] == "conv-audit"
    assert row["remote_addr"] == "testclient"
    assert row["detail"] == ""


def test_unknown_screening_is_404(client: TestClient, staff_users: dict[str, str]) -> None:
    login(client, "cora")
    assert client.get("/staff/screenings/999").status_code == 404


def test_transcript_is_escaped(
    client: TestClient, web_db_url: str, trial: Trial, rasa_events: EventAdder
) -> None:
    sid = seed(web_db_url, trial, NEEDS_REVIEW_FACTS, "conv-xss")
    rasa_events("conv-xss", "bot", "How old are you?")
    rasa_events("conv-xss", "user", f"I am 34 {SCRIPT} and {ATTRIBUTE}")
    rasa_events("conv-xss", "user", ATTRIBUTE)
    rasa_events("other-conv", "user", "not this conversation")
    login(client, "cora")
    page = client.get(f"/staff/screenings/{sid}").text
    transcript = page[page.index('id="transcript-heading"') :]
    assert SCRIPT not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in transcript
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in transcript
    assert transcript.count('class="msg msg-patient"') == 2
    assert transcript.count('class="msg msg-bot"') == 1
    assert "How old are you?" in transcript
    assert "not this conversation" not in page


def test_identifiers_in_ids_and_answers_are_escaped(
    client: TestClient, web_db_url: str, trial: Trial
) -> None:
    conversation = 'conv"><script>alert(2)</script>'
    seed(web_db_url, trial, {"age_years": 40}, conversation)
    login(client, "cora")
    page = client.get("/staff").text
    assert "<script>alert(2)</script>" not in page
    assert "conv&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in page


def test_pages_have_no_inline_code_and_every_field_is_labelled(
    client: TestClient, web_db_url: str, trial: Trial
) -> None:
    sid = seed(web_db_url, trial, NEEDS_REVIEW_FACTS, "conv-a11y")
    pages = [client.get("/staff/login").text]
    login(client, "ada")
    pages += [
        client.get(path).text
        for path in ("/staff", f"/staff/screenings/{sid}", "/staff/audit", "/staff/dashboard")
    ]
    for page in pages:
        assert "style=" not in page and "<script" not in page and " on" + "click=" not in page
        assert '<html lang="en">' in page and "<h1>" in page
        labels = set(re.findall(r'<label for="([^"]+)"', page))
        for field in re.findall(r"<(?:input|select|textarea)\b[^>]*>", page):
            if 'type="hidden"' in field:
                continue
            found = re.search(r'id="([^"]+)"', field)
            assert found and found.group(1) in labels, field
        assert '<th scope="col">' in page or "<table" not in page
