"""In a real browser, at a phone's size and at a desk's: grouped questions, the read-back and a
pasted lab report (issue 11, Tests: "group buttons and the read-back on a phone-sized screen").

The real stack (Rasa + action server + SQLite) and the web app run as in
tests/browser/test_patient_browser.py; headless Chromium is driven by Selenium, its viewport
set through the DevTools protocol. What is being asked is read from Rasa's tracker (the
conversation id is the page's signed cookie), what is stored from the store. Screenshots go to
a temporary directory (printed with -s), never into the repository.

A group's message offers "None of these", one button per item and "I don't know"; the item
buttons carry `wide_only`, which chat.js turns into the class `quick-reply--wide`, hidden by
the style sheet below 40rem: a phone shows two buttons, a desk one more per item.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from itsdangerous import Signer
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from bot.criteria import get_trial
from bot.store import screenings, transcripts
from bot.store.db import session_scope
from bot.web.patient import COOKIE, COOKIE_SALT
from tests.browser.test_patient_browser import ChatPage
from tests.stack.harness import tracker_slots
from tests.stack.test_groups_labs_stack import ANSWERS, CONFIRM, EVER, LABS, NOW, RULED_OUT

from .conftest import SECRET, Web

pytestmark = [pytest.mark.stack, pytest.mark.browser]
TRIAL = get_trial()
WAIT = 60  # seconds for one bot turn
PHONE = (390, 844)
DESK = (1280, 900)
GROUP = TRIAL.groups["conditions_now"]
ITEM_LABELS = [GROUP.item_labels[key] for key in NOW]
#: a report copied from a lab portal, one value a line.
REPORT = "ANA 1:640\ndsDNA 210 IU/mL\nLymphocytes 1.3 x10^9/L"


@pytest.fixture(scope="module")
def shots() -> Path:
    """Screenshots, in a new temporary directory (kept to look at, never committed)."""
    folder = Path(tempfile.mkdtemp(prefix="groups-phone-"))
    print(f"\nscreenshots: {folder}")
    return folder


class Page(ChatPage):
    """The patient page at one viewport size, as a person sees and uses it (the widget test's
    page: waiting, counting and typing are the same)."""

    def __init__(self, driver: WebDriver, web: Web, size: tuple[int, int]) -> None:
        super().__init__(driver, web)
        self.width, self.height = size

    def open(self) -> None:
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": self.width,
                "height": self.height,
                "deviceScaleFactor": 1,
                "mobile": self.width < 600,
            },
        )
        self.driver.get(self.web.url + "/")
        self.wait_idle()
        assert self.driver.execute_script("return window.innerWidth") == self.width

    def lines(self) -> list[tuple[str, str]]:
        """[(who, text)] as shown (innerText: line breaks as rendered), the screen-reader
        prefix taken off."""
        rows: list[list[str]] = self.driver.execute_script(
            "return [...document.querySelectorAll('#chat-log .message')].map(m => {"
            " const body = m.querySelector('.message-text').cloneNode(true);"
            " body.querySelectorAll('.visually-hidden').forEach(e => e.remove());"
            " document.body.appendChild(body); const text = body.innerText; body.remove();"
            " return [m.classList.contains('from-bot') ? 'bot' : 'patient', text]; });"
        )
        return [(who, text) for who, text in rows]

    def said(self) -> str:
        return "\n".join(text for who, text in self.lines() if who == "bot")

    def buttons(self) -> list[WebElement]:
        """The newest message's quick replies (the only live ones)."""
        return self.driver.find_elements(
            By.CSS_SELECTOR, "#chat-log .message:last-child .quick-reply"
        )

    def titles(self, *, shown: bool) -> list[str]:
        """The titles of the newest quick replies that are (not) displayed."""
        return [
            str(b.get_attribute("textContent")) for b in self.buttons() if b.is_displayed() == shown
        ]

    def tap(self, title: str) -> None:
        before = self.bot_count()
        [button] = [b for b in self.buttons() if b.is_displayed() and b.text == title]
        button.click()
        self.wait_idle(before)

    def paste(self, text: str) -> str:
        """Put `text` on the clipboard and paste it into the message box with Ctrl+V, as a
        patient pastes a report copied from elsewhere; what the box then holds."""
        self.driver.execute_cdp_cmd(
            "Browser.grantPermissions",
            {
                "origin": self.web.url,
                "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
            },
        )
        box = self.driver.find_element(By.ID, "chat-input")
        box.click()
        written = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "navigator.clipboard.writeText(arguments[0]).then(() => done('ok'),"
            " (error) => done(String(error)));",
            text,
        )
        assert written == "ok", written
        box.send_keys(Keys.CONTROL, "v")
        return str(self.driver.execute_script("return arguments[0].value;", box))

    def send_box(self) -> None:
        """Press Enter in the message box (what it holds is sent)."""
        before = self.bot_count()
        self.driver.find_element(By.ID, "chat-input").send_keys(Keys.ENTER)
        self.wait_idle(before)

    def slots(self) -> dict[str, Any]:
        """The conversation's slots in Rasa's tracker."""
        return tracker_slots(self.web.stack, self.chat_id())

    @property
    def asking(self) -> str | None:
        value = self.slots().get("requested_slot")
        return str(value) if value else None

    def answer(self, text: str) -> None:
        """Tap the quick reply that says `text` when one is shown, else type it."""
        if any(b.is_displayed() and b.text.lower() == text.lower() for b in self.buttons()):
            [title] = [b.text for b in self.buttons() if b.text.lower() == text.lower()]
            self.tap(title)
        else:
            self.type(text)

    def walk_to(self, slot: str | None, answers: dict[str, str] | None = None) -> None:
        """Answer what is asked until `slot` is asked."""
        known = {**ANSWERS, "consent_prescreen": "Yes", **(answers or {})}
        for _ in range(60):
            asked = self.asking
            if asked == slot:
                return
            assert asked in known, f"unexpected question {asked!r}: {self.lines()}"
            self.answer(known[str(asked)])
        raise AssertionError(f"{slot!r} never asked: {self.lines()}")

    def facts(self) -> dict[str, Any]:
        with session_scope(self.web.stack.database_url) as session:
            sid = screenings.current_screening_id(session, self.chat_id())
            assert sid is not None
            return dict(screenings.current_facts(session, int(sid)))

    def stored_transcript(self) -> list[dict[str, Any]]:
        with session_scope(self.web.stack.database_url) as session:
            return transcripts.transcript(session, self.chat_id())

    def no_sideways_scroll(self) -> None:
        sizes = self.driver.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];"
        )
        assert sizes[0] <= sizes[1], sizes
        overflowing = self.driver.execute_script(
            "return [...document.querySelectorAll('#chat-log .message, .quick-reply')]"
            ".filter(e => e.offsetParent && e.getBoundingClientRect().right > arguments[0])"
            ".length;",
            self.width,
        )
        assert overflowing == 0

    def shoot(self, folder: Path, name: str) -> None:
        last = self.driver.find_element(By.CSS_SELECTOR, "#chat-log .message:last-child")
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'end'})", last)
        self.driver.save_screenshot(str(folder / f"{name}.png"))


def phone(browser: WebDriver, web: Web) -> Page:
    page = Page(browser, web, PHONE)
    page.open()
    return page


def desk(browser: WebDriver, web: Web) -> Page:
    page = Page(browser, web, DESK)
    page.open()
    return page


# ── grouped questions ───────────────────────────────────────────────────────────────────────


def test_on_a_phone_the_group_offers_none_and_dont_know_and_none_moves_on(
    browser: WebDriver, web: Web, shots: Path
) -> None:
    page = phone(browser, web)
    page.walk_to("conditions_now")
    text = page.last_bot_text()
    assert text.startswith("Do any of these apply to you at the moment?")
    assert "\n• any type of cancer" in text  # one line per item, as rendered
    assert page.titles(shown=True) == ["None of these", "I don't know"]
    assert page.titles(shown=False) == ITEM_LABELS
    hidden = [b for b in page.buttons() if not b.is_displayed()]
    assert all("quick-reply--wide" in str(b.get_attribute("class")) for b in hidden)
    page.no_sideways_scroll()
    page.shoot(shots, "phone-group")
    # a reload shows the same buttons (from /chat/history, wide_only kept)
    shown = page.lines()
    browser.refresh()
    page.wait_idle()
    assert page.lines() == shown
    assert page.titles(shown=True) == ["None of these", "I don't know"]
    assert page.titles(shown=False) == ITEM_LABELS

    page.tap("None of these")
    assert ("patient", "None of these") in page.lines()
    assert page.last_bot_text().startswith("Have you ever had any of these?")
    assert page.asking == "history_ever"
    facts = page.facts()
    assert {key: facts.get(key, "unset") for key in NOW} == dict.fromkeys(NOW, False)

    # the second group, the same way
    assert page.titles(shown=True) == ["None of these", "I don't know"]
    page.tap("None of these")
    facts = page.facts()
    assert {key: facts.get(key, "unset") for key in EVER} == dict.fromkeys(EVER, False)
    assert page.asking not in (None, CONFIRM, "conditions_now", "history_ever")
    assert RULED_OUT not in page.said()


def test_on_a_desk_every_item_has_a_button_and_a_tapped_item_is_confirmed(
    browser: WebDriver, web: Web, shots: Path
) -> None:
    page = desk(browser, web)
    page.walk_to("conditions_now")
    assert page.titles(shown=True) == ["None of these", *ITEM_LABELS, "I don't know"]
    assert page.titles(shown=False) == []
    page.no_sideways_scroll()
    page.shoot(shots, "desk-group")

    page.tap("Lung problem")
    assert page.last_bot_text().startswith("Just to be sure:")
    assert page.titles(shown=True) == ["Yes", "No"]
    assert page.slots()["proposed_facts"] == {"lung_condition": True}
    assert RULED_OUT not in page.said()
    assert "lung_condition" not in page.facts()

    page.tap("No")  # tapped the wrong one: she stays in
    assert RULED_OUT not in page.said()
    assert page.asking == "history_ever"
    assert "lung_condition" not in page.facts()


# ── the read-back ───────────────────────────────────────────────────────────────────────────


def test_on_a_phone_a_read_back_offers_yes_and_no_and_yes_moves_on(
    browser: WebDriver, web: Web, shots: Path
) -> None:
    page = phone(browser, web)
    page.walk_to("age_years")
    page.type("im 34, female, got diagnosed with lupus in 2015")
    text = page.last_bot_text()
    assert text.startswith("I noted:") and text.endswith("Is that right?"), text
    assert page.titles(shown=True) == ["Yes", "No"]
    assert page.slots()["proposed_facts"] == {"sex": "female", "sle_diagnosed": True}
    page.no_sideways_scroll()
    page.shoot(shots, "phone-readback")

    page.tap("Yes")
    facts = page.facts()
    assert facts["age_years"] == 34 and facts["sex"] == "female"
    assert facts["sle_diagnosed"] is True
    assert page.asking not in (None, CONFIRM, "age_years", "sex", "sle_diagnosed")
    assert "What is your sex?" not in page.said()


# ── a pasted lab report ─────────────────────────────────────────────────────────────────────


def test_on_a_phone_a_pasted_report_is_read_back_and_yes_moves_on(
    browser: WebDriver, web: Web, shots: Path
) -> None:
    page = phone(browser, web)
    page.walk_to(LABS)
    assert "type or paste them" in page.last_bot_text()
    assert page.titles(shown=True) == ["I don't have them"]
    page.paste(REPORT)
    page.send_box()
    text = page.last_bot_text()
    assert text.startswith("I noted:"), text
    for shown in ("1:640", "210 IU/mL", "1.3"):
        assert shown in text, text
    assert page.titles(shown=True) == ["Yes", "No"]
    assert page.slots()["proposed_facts"] == {
        "ana_titer": 640,
        "anti_dsdna_iu_ml": 210,
        "lymphocytes_10e9_l": 1.3,
    }
    page.shoot(shots, "phone-report-readback")

    # what is still missing is asked in the same message, once
    assert "I don't have these yet" in text and "blood creatinine" in text

    page.tap("Yes")
    facts = page.facts()
    assert facts["ana_titer"] == 640 and facts["anti_dsdna_iu_ml"] == 210
    assert facts["serum_creatinine_mg_dl"] is None  # a yes leaves what is missing unknown
    # the labs are done: the next question is the kidney history, not the labs again
    assert page.asking not in ("lab_results", "confirm_facts")
    assert RULED_OUT not in page.said()


def test_a_pasted_report_keeps_its_lines(browser: WebDriver, web: Web) -> None:
    page = desk(browser, web)
    page.walk_to(LABS)
    held = page.paste(REPORT)
    assert held == REPORT, held  # the box (a textarea) keeps the lines
    rows = browser.find_element(By.ID, "chat-input").get_attribute("rows")
    assert rows == str(REPORT.count("\n") + 1)  # and grows to show them
    page.send_box()  # Enter sends
    assert ("patient", REPORT) in page.lines()
    assert any(
        line["from"] == "patient" and line["text"] == REPORT for line in page.stored_transcript()
    )


def test_the_web_proxy_keeps_a_reports_line_breaks(web: Web) -> None:
    """Without a browser, as chat.js posts it: the proxy and the dialogue keep the lines, and
    the stored transcript shows the report as pasted."""
    client = httpx.Client(base_url=web.url, timeout=WAIT)
    client.get("/")

    def say(text: str) -> list[dict[str, Any]]:
        token = client.cookies.get("csrftoken") or ""
        response = client.post("/chat", json={"message": text}, headers={"x-csrftoken": token})
        response.raise_for_status()
        messages: list[dict[str, Any]] = response.json()["messages"]
        return messages

    say("hi")
    chat_id = Signer(SECRET, salt=COOKIE_SALT).unsign(client.cookies[COOKIE]).decode()
    stack = web.stack

    def asking() -> str | None:
        response = httpx.get(
            f"{stack.settings.rasa_url}/conversations/{chat_id}/tracker",
            params={"token": stack.settings.rasa_token},
            timeout=30,
        )
        value = response.json()["slots"].get("requested_slot")
        return str(value) if value else None

    for _ in range(60):
        slot = asking()
        if slot == LABS:
            break
        assert slot in ANSWERS, slot
        say(ANSWERS[str(slot)])
    else:
        raise AssertionError("the lab question was never asked")
    messages = say(REPORT)
    assert messages[-1]["text"].startswith("I noted:")
    assert [b["title"] for b in messages[-1]["buttons"]] == ["Yes", "No"]
    with session_scope(stack.database_url) as session:
        lines = transcripts.transcript(session, chat_id)
    assert any(line["from"] == "patient" and line["text"] == REPORT for line in lines)
    client.close()
