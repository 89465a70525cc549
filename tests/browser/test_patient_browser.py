"""In a real browser: a patient screens through the widget; staff review and resolve the result.

Runs the real stack (Rasa + action server + database) and the web app; Chromium is driven by
Selenium. Screenshots: test-artifacts/patient-chat.png, patient-result.png, patient-mobile.png,
staff-detail.png.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from itsdangerous import Signer
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from bot.criteria import get_trial
from bot.store import screenings, transcripts
from bot.store.db import session_scope
from bot.web.patient import COOKIE, COOKIE_SALT
from tests.stack.harness import Chat, asked_fact
from tests.stack.test_conversations import Answers, answer_for

from .conftest import SECRET, Web

pytestmark = [pytest.mark.stack, pytest.mark.browser]
TRIAL = get_trial()
WAIT = 60  # seconds for one bot turn (the first turns of a fresh stack are slow)

#: the needs_review patient of tests/stack/test_conversations.py (GOOD), as typed or clicked.
ANSWERS: Answers = {
    "consent_prescreen": "Yes",
    "respondent": "For myself",
    "age_years": "I'm 34",
    "sex": "Female",
    "sle_diagnosed": "yes, since 2015",
    "pregnant_or_breastfeeding": "No, I'm not pregnant",
    "conditions_now": "None of these",
    "history_ever": "no, never had any of those",
    "diabetes": "I don't have diabetes",
    "can_stop_immunosuppressants": "yes I could",
    "ecog": "Can't do heavy physical work, but can walk and do light work",
    "can_consent": "Yes",
    "lupus_nephritis": "No",
    "glucocorticoid_mg_per_day": "about 15 mg",
    "had_glucocorticoid_and_cyclophosphamide_6mo": "Yes",
    "had_immunomodulator_3mo": "yes, hydroxychloroquine for years",
    "routine_treatment_failed": "yes, it came back",
    # invited to paste the lab values; the read-back asks once for what is missing
    "lab_results": "ANA 1:320 and lymphocytes 1,400 per microliter",
    "egfr_ml_min": "I don't know",
    "confirm_facts": ["yes, creatinine was 80 umol/L, I don't know the egfr", "Yes"],
    "contact_consent": "No",
}

#: values a coordinator enters for the site-checked facts, all passing the criteria.
PASSING = {
    "meets_2019_eular_acr": "yes",
    "sledai_2k": "10",
    "biopsy_chronic_only": "no",
    "cd19_b_cells": "yes",
    "apheresis_contraindicated": "no",
    "life_expectancy_over_90d": "yes",
    "qtcf_ms": "420",
    "lvef_percent": "60",
}

PROGRESS = re.compile(r"About (\d+) questions left|This is about the last question")


class ChatPage:
    """The patient page as a person sees it."""

    def __init__(self, driver: WebDriver, web: Web) -> None:
        self.driver = driver
        self.web = web

    def open(self) -> None:
        self.driver.get(self.web.url + "/")
        self.wait_idle()

    def wait_idle(self, bot_messages_more_than: int = 0) -> None:
        """Until no request is pending and more than `n` bot messages are shown."""

        def ready(driver: WebDriver) -> bool:
            return bool(
                driver.execute_script(
                    "return document.getElementById('chat-typing').hidden && "
                    "document.querySelectorAll('#chat-log .from-bot').length > arguments[0];",
                    bot_messages_more_than,
                )
            )

        WebDriverWait(self.driver, WAIT).until(ready)

    def lines(self) -> list[tuple[str, str]]:
        """[(who, text)] as displayed, the screen-reader prefix taken off."""
        rows: list[list[str]] = self.driver.execute_script(
            "return [...document.querySelectorAll('#chat-log .message')].map(m => ["
            "m.classList.contains('from-bot') ? 'bot' : 'patient',"
            "m.querySelector('.message-text').textContent]);"
        )
        return [(who, re.sub(r"^(Assistant|You): ", "", text)) for who, text in rows]

    def bot_count(self) -> int:
        return sum(1 for who, _ in self.lines() if who == "bot")

    def last_bot_text(self) -> str:
        return [text for who, text in self.lines() if who == "bot"][-1]

    def buttons(self) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, "#chat-log .quick-reply:enabled")

    def click(self, title: str) -> None:
        before = self.bot_count()
        [button] = [b for b in self.buttons() if b.text == title]
        button.click()
        self.wait_idle(before)

    def type(self, text: str) -> None:
        before = self.bot_count()
        box = self.driver.find_element(By.ID, "chat-input")
        box.send_keys(text, Keys.ENTER)
        self.wait_idle(before)

    def progress(self) -> str:
        return self.driver.find_element(By.ID, "chat-progress").text

    def chat_id(self) -> str:
        cookie = self.driver.get_cookie(COOKIE)
        assert cookie is not None and cookie["httpOnly"]
        return Signer(SECRET, salt=COOKIE_SALT).unsign(cookie["value"]).decode()

    def active(self) -> WebElement:
        element: WebElement = self.driver.switch_to.active_element
        return element

    def tab_to(self, matches: Any, limit: int = 40) -> WebElement:
        """Press Tab until the focused element satisfies `matches` (keyboard only)."""
        for _ in range(limit):
            ActionChains(self.driver).send_keys(Keys.TAB).perform()
            element = self.active()
            if matches(element):
                return element
        raise AssertionError("could not reach the element with the Tab key")

    def severe_console_errors(self) -> list[str]:
        entries = self.driver.get_log("browser")
        return [e["message"] for e in entries if e["level"] == "SEVERE"]


def transcript(chat_id: str) -> list[dict[str, Any]]:
    with session_scope() as session:
        return transcripts.transcript(session, chat_id)


def answer_until_done(page: ChatPage, answers: Answers) -> list[str]:
    """Answer each question (a matching quick reply is clicked, else typed); the progress lines."""
    seen = []
    asked: list[str] = []
    for _ in range(60):
        fact = asked_fact(TRIAL, [{"text": page.last_bot_text()}])
        if fact is None:
            return seen
        seen.append(page.progress())
        answer = answer_for(answers, fact, asked.count(fact))
        asked.append(fact)
        titles = [b.text for b in page.buttons()]
        match = next((t for t in titles if t.lower() == answer.lower()), None)
        if match:
            page.click(match)
        else:
            page.type(answer)
    raise AssertionError(f"the conversation did not end: {page.lines()}")


def test_patient_completes_a_screening_in_the_widget(
    browser: WebDriver, web: Web, artifacts: Path
) -> None:
    page = ChatPage(browser, web)
    page.open()
    # The opening "hi" is sent for the patient; the privacy notice asks for consent.
    assert "Do you agree to answer some questions" in page.last_bot_text()
    assert [who for who, _ in page.lines()] == ["bot"]
    assert page.progress() == ""

    # Keyboard only: Tab to the quick reply, Enter; Tab to "For myself", Space; Tab to the box.
    yes = page.tab_to(
        lambda e: e.text == "Yes" and "quick-reply" in (e.get_attribute("class") or "")
    )
    assert yes.value_of_css_property("outline-style") == "solid"  # :focus-visible ring
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    page.wait_idle(1)
    assert "answering for yourself" in page.last_bot_text()
    page.tab_to(lambda e: e.text == "For myself")
    ActionChains(browser).send_keys(Keys.SPACE).perform()
    page.wait_idle(2)
    assert page.last_bot_text().startswith("How old are you?")
    assert "questions left" not in page.last_bot_text()  # moved to the status line
    first = page.progress()
    assert PROGRESS.search(first), first
    box = page.tab_to(lambda e: e.get_attribute("id") == "chat-input")
    assert box.value_of_css_property("outline-style") == "solid"
    ActionChains(browser).send_keys("I'm 34", Keys.ENTER).perform()
    page.wait_idle(3)
    assert ("patient", "I'm 34") in page.lines()
    assert page.last_bot_text().startswith("What is your sex?")
    assert page.active().get_attribute("id") == "chat-input"  # focus stays in the box

    page.click("Female")
    browser.save_screenshot(str(artifacts / "patient-chat.png"))
    # older quick replies are disabled; only the newest message's are live
    disabled = browser.find_elements(By.CSS_SELECTOR, "#chat-log .quick-reply:disabled")
    assert {"Female", "Male", "Yes", "No", "For myself"} <= {b.text for b in disabled}

    progress = [first, *answer_until_done(page, ANSWERS)]
    counts = [int(m.group(1)) for p in progress if (m := PROGRESS.search(p)) and m.group(1)]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1], progress
    # the last questions say so ("about": diabetes may still bring its follow-up values)
    assert "This is about the last question" in progress or counts[-1] <= 3, progress

    # the result, bullets on their own lines, then the end of the conversation
    texts = [text for who, text in page.lines() if who == "bot"]
    result = next(t for t in texts if "A study coordinator will check" in t)
    assert "Nothing you told me rules you out" in result and "\n• " in result
    rendered = browser.find_elements(By.CSS_SELECTOR, "#chat-log .from-bot .message-text")
    result_element = next(e for e in rendered if "A study coordinator" in e.text)
    assert "\n• " in result_element.text  # white-space: pre-line keeps the list
    assert "won't contact you" in page.last_bot_text()
    assert page.progress() == ""
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", result_element)
    browser.save_screenshot(str(artifacts / "patient-result.png"))

    # the screening is stored under the cookie's conversation id
    chat_id = page.chat_id()
    with session_scope() as session:
        screening_id = screenings.current_screening_id(session, chat_id)
        assert screening_id is not None
        assert screenings.current_facts(session, screening_id)["age_years"] == 34

    # reload: the conversation comes back from /chat/history, without a second "hi"
    shown = page.lines()
    browser.refresh()
    page.wait_idle()
    assert page.lines() == shown
    assert [line["text"] for line in transcript(chat_id)].count("hi") == 1
    assert page.chat_id() == chat_id

    # a phone: 360 × 740 CSS pixels, no horizontal scrolling
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 360, "height": 740, "deviceScaleFactor": 1, "mobile": True},
    )
    browser.refresh()
    page.wait_idle()
    widths = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
        " window.innerWidth, document.getElementById('chat-input').getBoundingClientRect().right,"
        " document.querySelector('.chat-form button').getBoundingClientRect().right];"
    )
    scroll_width, client_width, inner_width, input_right, send_right = widths
    assert inner_width == 360
    assert scroll_width <= client_width, widths
    assert input_right <= 360 and send_right <= 360, widths
    overflowing = browser.execute_script(
        "return [...document.querySelectorAll('#chat-log .message, .quick-reply, .chat-actions"
        " button')].filter(e => e.getBoundingClientRect().right > 360).length;"
    )
    assert overflowing == 0
    browser.find_element(By.CSS_SELECTOR, ".jump a").click()  # "Go to the chat"
    assert page.active().get_attribute("id") == "chat"
    browser.save_screenshot(str(artifacts / "patient-mobile.png"))
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    assert page.severe_console_errors() == []  # e.g. nothing blocked by the CSP


def test_patient_deletes_their_answers(browser: WebDriver, web: Web) -> None:
    page = ChatPage(browser, web)
    page.open()
    page.click("Yes")
    page.click("For myself")
    page.type("45")
    old = page.chat_id()
    assert any(line["text"] == "45" for line in transcript(old))

    # the confirmation is an in-page dialog; Escape keeps everything
    browser.find_element(By.ID, "chat-delete").click()
    dialog = browser.find_element(By.ID, "delete-dialog")
    assert dialog.get_attribute("open") is not None
    assert page.active().get_attribute("id") == "delete-cancel"
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    WebDriverWait(browser, 5).until(lambda d: dialog.get_attribute("open") is None)
    assert page.chat_id() == old and page.bot_count() == 4

    browser.find_element(By.ID, "chat-delete").click()
    browser.find_element(By.ID, "delete-confirm").click()
    WebDriverWait(browser, WAIT).until(
        lambda d: "have been deleted" in page.last_bot_text() and page.bot_count() == 1
    )
    assert [who for who, _ in page.lines()] == ["bot"]
    assert page.chat_id() != old
    assert transcript(old) == []  # erased, although Rasa wrote the turn back after the action
    with session_scope() as session:
        assert screenings.current_screening_id(session, old) is None

    # a new conversation starts from the confirmation's "Start again"
    page.click("Start again")
    assert "Do you agree to answer some questions" in page.last_bot_text()
    assert transcript(old) == []
    assert page.severe_console_errors() == []


# --- staff -------------------------------------------------------------------------------------


def _needs_review_screening(web: Web) -> str:
    """A screening made over Rasa's REST channel (the patient side is tested above)."""
    chat = Chat(web.stack, f"browser-staff-{uuid.uuid4().hex[:12]}")
    answers = {
        **ANSWERS,
        "consent_prescreen": "yes",
        "respondent": "for myself",
        "contact_consent": "no",
    }
    messages = chat.send("hi")
    asked: list[str] = []
    for _ in range(60):
        fact = asked_fact(TRIAL, messages)
        if fact is None:
            break
        messages = chat.send(answer_for(answers, fact, asked.count(fact)))
        asked.append(fact)
    assert "A study coordinator will check" in chat.transcript(), chat.transcript()
    return chat.sender


def _flag_forms(driver: WebDriver) -> list[WebElement]:
    forms: list[WebElement] = driver.find_elements(By.CSS_SELECTOR, "form[action*='/resolve']")
    return [f for f in forms if re.search(r"/staff/flags/\d+/resolve", f.get_attribute("action"))]


def _flag_fact(driver: WebDriver, form: WebElement) -> str:
    """Which fact a resolve form is for: a data-fact attribute, else the text around it."""
    around: str = driver.execute_script(
        "const f = arguments[0]; const tagged = f.closest('[data-fact]');"
        "if (tagged) return tagged.dataset.fact;"
        "const box = f.closest('tr, li, article, section, fieldset, div') || f;"
        "return box.innerText + ' ' + box.innerHTML;",
        form,
    )
    found = [fact for fact in PASSING if fact in around]
    assert len(found) == 1, f"cannot tell which fact this form resolves: {around[:300]!r}"
    return found[0]


def test_staff_reviews_and_resolves_the_screening(
    browser: WebDriver, web: Web, artifacts: Path
) -> None:
    auth = pytest.importorskip("bot.web.staff.auth", reason="bot.web.staff.auth is missing")
    if not hasattr(auth, "create_user"):
        pytest.skip("bot.web.staff.auth.create_user does not exist yet")

    conversation_id = _needs_review_screening(web)
    username, password = f"coord{uuid.uuid4().hex[:6]}", "Correct-Horse-Battery-Staple-9"
    auth.create_user(username, password, "coordinator")

    browser.get(web.url + "/staff/login")
    browser.find_element(By.NAME, "username").send_keys(username)
    password_box = browser.find_element(By.NAME, "password")
    password_box.send_keys(password, Keys.ENTER)
    WebDriverWait(browser, 20).until(lambda d: "/staff/login" not in d.current_url)

    if not browser.find_elements(By.NAME, "q"):
        browser.get(web.url + "/staff/")
    search = browser.find_element(By.NAME, "q")
    search.clear()
    search.send_keys(conversation_id, Keys.ENTER)
    row_css = f'tr[data-conversation-id="{conversation_id}"]'
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, row_css))
    rows = browser.find_elements(By.CSS_SELECTOR, "tr[data-conversation-id]")
    assert [r.get_attribute("data-conversation-id") for r in rows] == [conversation_id]
    rows[0].find_element(By.CSS_SELECTOR, "a").click()
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.ID, "outcome"))
    assert "needs_review" in browser.find_element(By.ID, "outcome").text

    resolved = []
    for _ in range(20):
        forms = _flag_forms(browser)
        if not forms:
            break
        form = forms[0]
        fact = _flag_fact(browser, form)
        form.find_element(By.NAME, "value").send_keys(PASSING[fact])
        form.find_element(By.NAME, "note").send_keys("checked in the clinic records")
        form.find_element(By.CSS_SELECTOR, "button[type=submit], input[type=submit]").click()
        WebDriverWait(browser, 20).until(_stale(form))
        resolved.append(fact)
    else:
        raise AssertionError(f"flags did not go away: {resolved}")
    assert {"meets_2019_eular_acr", "cd19_b_cells", "life_expectancy_over_90d"} <= set(resolved)
    outcome = browser.find_element(By.ID, "outcome")
    assert "likely_eligible" in outcome.text, (resolved, outcome.text)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", outcome)
    browser.save_screenshot(str(artifacts / "staff-detail.png"))


def _stale(element: WebElement) -> Any:
    """True once `element` has left the page (the form was submitted and a new page loaded).

    Chromium reports a node caught mid-navigation as "does not belong to the document"
    (a plain WebDriverException) rather than as a stale reference: both mean gone.
    """

    def gone(driver: WebDriver) -> bool:
        try:
            element.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise
        return False

    return gone
