"""The dashboard's server-rendered SVG charts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from fastapi.testclient import TestClient

from bot.criteria.model import Trial
from bot.web.charts import Bar, bar_chart
from tests.patients import NEEDS_REVIEW_FACTS
from tests.web.staff.support import login, seed

SVG = "{http://www.w3.org/2000/svg}"


def _svg(page: str, chart_id: str) -> ET.Element:
    found = re.search(rf'<svg [^>]*id="{chart_id}".*?</svg>', page, re.S)
    assert found, chart_id
    return ET.fromstring(found.group(0))


def _bars(svg: ET.Element) -> dict[str, int]:
    return {
        g.attrib["data-label"]: int(g.attrib["data-value"])
        for g in svg.iter(f"{SVG}g")
        if g.attrib.get("class") == "bar"
    }


def test_dashboard_charts(client: TestClient, web_db_url: str, trial: Trial) -> None:
    seed(web_db_url, trial, dict(NEEDS_REVIEW_FACTS, other_cancer=True), "c1")
    seed(web_db_url, trial, dict(NEEDS_REVIEW_FACTS, other_cancer=True, dic=True), "c2")
    seed(web_db_url, trial, {"age_years": 80}, "c3")
    seed(web_db_url, trial, NEEDS_REVIEW_FACTS, "c4")
    login(client, "cora")
    response = client.get("/staff/dashboard")
    assert response.status_code == 200
    page = response.text
    assert "style=" not in page and "<script" not in page  # CSP: nothing inline

    fails = _svg(page, "chart-fails")
    assert fails.attrib["role"] == "img"
    assert _bars(fails) == {"E4": 2, "E5": 1, "I1": 1}
    label = fails.attrib["aria-label"]
    assert "E4 Another cancer: 2" in label and "I1 Aged 3 to 65: 1" in label
    assert fails.find(f"{SVG}title") is not None
    tooltips = [t.text for t in fails.iter(f"{SVG}title")]
    assert "E4 — Another cancer: 2" in tooltips
    texts = [t.text for t in fails.iter(f"{SVG}text")]
    assert "E4" in texts and "2" in texts
    assert '<th scope="row">E4</th><td>Another cancer</td><td class="num">2</td>' in page

    outcomes = _bars(_svg(page, "chart-outcomes"))
    assert outcomes == {
        "Ineligible": 3,
        "Likely eligible": 0,
        "Needs review": 1,
        "Incomplete": 0,
    }
    weeks = _bars(_svg(page, "chart-weeks"))
    assert len(weeks) == 12 and list(weeks.values())[-1] == 4 and sum(weeks.values()) == 4


def test_bar_chart_escapes_and_scales() -> None:
    svg = str(bar_chart("Chart <1>", [Bar('a"<b>', 5), Bar("zero", 0), Bar("ten", 10)]))
    root = ET.fromstring(svg)  # well-formed
    assert root.attrib["aria-label"] == 'Chart <1>. a"<b>: 5; zero: 0; ten: 10.'
    assert "<b>" not in svg
    widths = [float(r.attrib["width"]) for r in root.iter(f"{SVG}rect")]
    assert widths[1] == 0 and widths[2] == 2 * widths[0]
    assert all(r.attrib["fill"].startswith("#") for r in root.iter(f"{SVG}rect"))
    empty = ET.fromstring(str(bar_chart("Nothing", [])))
    assert empty.attrib["aria-label"] == "Nothing: no data."
