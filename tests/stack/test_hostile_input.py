"""Hostile and broken input on the real stack (issue 6 §3): nothing breaks, nothing wrong is kept.

The patient's path is the real one: the web app in-process (`create_app`, its chat proxy) in
front of the real Rasa server and action server of `tests/stack` (SQLite). Hostile messages —
empty, 10 000 characters, emoji, Chinese and right-to-left text, control characters, HTML and
<script>, SQL, `/intent{…}` injections, absurd numbers, wrong units — are sent at several stages
of a conversation (consent, age, yes/no questions, lab values), a fixed list and a small
derandomized hypothesis sample. Every reply must be the documented JSON and never empty; then
`prescreen export` must show only values valid for their FactSpec, never an injected one, and a
valid answer must still be accepted. `/intent{…}` messages are also sent straight to Rasa's REST
channel (bypassing the proxy, as a second line of defence): the form must not act on them.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itsdangerous import Signer

from bot.criteria import get_trial
from bot.i18n import t
from bot.web.app import create_app
from bot.web.config import WebSettings
from bot.web.patient import COMMAND, COOKIE, COOKIE_SALT, EMPTY, NO_REPLY
from bot.web.security import limiter
from tests.stack.harness import Chat, Stack, asked_fact

pytestmark = pytest.mark.stack
TRIAL = get_trial()
SECRET = "test-secret-for-the-hostile-input-stack-test"
LIMIT = 1000  # WebSettings.max_message_chars

#: a patient who passes everything the chat asks (the path to the later stages).
GOOD = {
    "consent_prescreen": "yes",
    "respondent": "for myself",
    "age_years": "34",
    "sex": "female",
    "sle_diagnosed": "yes",
    "pregnant_or_breastfeeding": "no",
    # the grouped questions ("Do any of these apply to you at the moment?", "Have you ever…")
    "conditions_now": "no",
    "history_ever": "no",
    "diabetes": "no",
    "can_stop_immunosuppressants": "yes",
    "ecog": "1",
    "can_consent": "yes",
    "lupus_nephritis": "no",
    "glucocorticoid_mg_per_day": "15 mg",
    "had_glucocorticoid_and_cyclophosphamide_6mo": "yes",
    "had_immunomodulator_3mo": "yes",
    "routine_treatment_failed": "yes",
    # the lab values, pasted at once when invited (the eGFR follows from the creatinine)
    "lab_results": "ANA 1:320\ndsDNA 45\nlymphocytes 1.4\ncreatinine 0.9 mg/dL",
    "contact_consent": "no",
    "confirm_facts": "yes",
}
#: what GOOD's answers are stored as.
GOOD_VALUES: dict[str, object] = {
    "age_years": 34,
    "sex": "female",
    "sle_diagnosed": True,
    "ecog": 1,
    "glucocorticoid_mg_per_day": 15.0,
    "ana_titer": 320,
    "anti_dsdna_iu_ml": 45.0,
    "lymphocytes_10e9_l": 1.4,
    "serum_creatinine_mg_dl": 0.9,
}
#: how a patient names each lab value in front of a number.
LAB_NAMES = {
    "ana_titer": "ANA",
    "lymphocytes_10e9_l": "lymphocytes",
    "egfr_ml_min": "eGFR",
    "serum_creatinine_mg_dl": "creatinine",
}
#: the groups' members, answered "no" by GOOD.
GROUP_MEMBERS = {key: TRIAL.groups[key].members for key in TRIAL.groups}

#: refused by the proxy before Rasa (400 / 413): they never count as an attempt at an answer.
REFUSED = [
    "",
    "   \n\t ",
    "\u200b\ufeff",
    "x" * 10_000,
    "I'm 34. " * 1300,
    '/inform{"age_years":"999"}',
    '/inform{"age_years": 40}',
    '/inform{"sex":"male"}',
    "/affirm",
    "/deny",
    "/start_over",
    "/delete_data",
    "/stop",
    '\u200b/inform{"age_years":"40"}',
    "\x00/affirm",
    "\u202e/affirm",
]
#: reach the bot, answer nothing: the same question comes again, with a hint.
NON_ANSWERS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(4)>',
    "1; DROP TABLE screenings",
    "' OR '1'='1",
    "{{7*7}}",
    "🙂🙂🙂",
    "我不知道你在说什么",
    "مرحبا بكم",
    "שלום עולם",
    "\x1b[31m\x07\x7f",
    "\udfff lone \ud800 zzz",  # lone surrogates (a pair in order would make one character)
    "0x22",
    "%3Cscript%3E",
]
#: absurd numbers and wrong units, per question: re-asked with a hint, nothing stored. Two per
#: lab question (a third answer that cannot be used is recorded as unknown and the bot moves on).
ABSURD = {
    "age_years": ["300", "I'm 300 years old", "-5", "1e3", "34 kg", "34 months"],
    "ana_titer": ["1:0", "320 mg"],
    "lymphocytes_10e9_l": ["-1", "1400 kg"],
    "egfr_ml_min": ["eGFR −5", "75 mg/dL"],
    "serum_creatinine_mg_dl": ["80 kg", "-0.9 mg/dL"],
}
OUT_OF_RANGE = {"300", "I'm 300 years old", "-5", "1e3", "-1", "eGFR −5", "-0.9 mg/dL"}


# --- the web app in front of the real stack ----------------------------------------------------


@pytest.fixture(scope="module")
def web(stack: Stack) -> Iterator[TestClient]:
    settings = WebSettings(
        rasa_url=stack.settings.rasa_url,
        rasa_token=stack.settings.rasa_token,
        secret_key=SECRET,
        trial_id=TRIAL.id,
        secure_cookies=False,
        chat_rate_limit="1000000/minute",
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", stack.database_url)
        limiter.reset()
        with TestClient(create_app(settings)) as client:
            yield client
        limiter.reset()


class WebChat:
    """One patient's conversation through the web app's chat proxy, checked at every turn."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        client.cookies.clear()
        assert client.get("/").status_code == 200  # a new conversation id and CSRF token
        self.id = Signer(SECRET, salt=COOKIE_SALT).unsign(client.cookies[COOKIE]).decode()
        self.headers = {"x-csrftoken": client.cookies["csrftoken"]}
        self.log: list[tuple[str, str]] = []
        #: the bot's last messages (unchanged by a message the proxy refused).
        self.last: list[dict[str, Any]] = []

    def say(self, text: str, path: str = "/chat") -> httpx.Response:
        response = self.client.post(  # as a browser's JSON.stringify: lone surrogates escaped
            path,
            content=json.dumps({"message": text}).encode(),
            headers={**self.headers, "content-type": "application/json"},
        )
        self.log.append(("patient", text[:80]))
        assert response.status_code in (200, 400, 413), (response.status_code, self.transcript())
        assert response.headers["content-type"].startswith("application/json")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        data = response.json()
        if response.status_code != 200:
            assert set(data) == {"error"} and isinstance(data["error"], str) and data["error"]
            self.log.append(("refused", data["error"]))
            return response
        assert set(data) == {"messages"} and data["messages"], self.transcript()
        for message in data["messages"]:
            assert set(message) == {"text", "buttons"}
            assert isinstance(message["text"], str)
        texts = [m["text"] for m in data["messages"]]
        assert any(t.strip() for t in texts), f"silence\n{self.transcript()}"
        assert t(NO_REPLY) not in texts, f"the bot failed mid-turn on {text!r}\n{self.transcript()}"
        self.log.extend(("bot", t) for t in texts)
        self.last = data["messages"]
        return response

    @property
    def asking(self) -> str | None:
        return asked_fact(TRIAL, self.last)

    def reply_text(self) -> str:
        return " ".join(m["text"] for m in self.last)

    def drive_to(self, stage: str) -> None:
        """Answer GOOD until the bot asks `stage` (a fact key or consent_prescreen)."""
        self.say("hi")
        for _ in range(60):
            if self.asking == stage:
                return
            assert self.asking in GOOD, self.transcript()
            self.say(GOOD[str(self.asking)])
        raise AssertionError(f"never asked {stage}\n{self.transcript()}")

    def transcript(self) -> str:
        return "\n".join(f"{who:>8}: {text}" for who, text in self.log[-30:])


def export(stack: Stack, conversation_id: str) -> dict[str, Any] | None:
    """`prescreen export` of one conversation; None when it has no screening (never consented,
    or deleted). ``--conversation=ID``: a web conversation id may start with "-"."""
    result = stack.prescreen("export", f"--conversation={conversation_id}")
    if result.returncode == 1 and result.stderr.startswith("error: no screening"):
        return None
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def stored(stack: Stack, conversation_id: str) -> dict[str, Any]:
    """The conversation's stored facts, each checked against its FactSpec."""
    data = export(stack, conversation_id)
    assert data is not None, f"no screening for {conversation_id}"
    return assert_facts_valid(data)


def assert_facts_valid(export: dict[str, Any]) -> dict[str, Any]:
    """Every stored fact value is valid for its FactSpec (type, minimum/maximum, choices)."""
    facts: dict[str, Any] = export["facts"]
    for key, value in facts.items():
        assert key in TRIAL.facts, key
        fact = TRIAL.facts[key]
        if value is None:  # asked, not known
            continue
        if fact.type == "boolean":
            assert isinstance(value, bool), (key, value)
        elif fact.type == "choice":
            assert value in fact.choices, (key, value)
        else:
            assert isinstance(value, (int, float)) and not isinstance(value, bool), (key, value)
            if fact.type == "integer":
                assert isinstance(value, int) or float(value).is_integer(), (key, value)
            assert math.isfinite(value), (key, value)
            assert fact.minimum is None or value >= fact.minimum, (key, value)
            assert fact.maximum is None or value <= fact.maximum, (key, value)
    return facts


def refuse_all(chat: WebChat) -> None:
    """Every REFUSED message: the patient is told why, and nothing reaches the bot (the next
    message finds the conversation where it was)."""
    for text in REFUSED:
        response = chat.say(text)
        error = response.json().get("error")
        if len(text) > LIMIT:
            assert response.status_code == 413 and str(LIMIT) in error, text[:40]
        elif not text.strip(" \n\t\u200b\ufeff"):
            assert response.status_code == 400 and error == t(EMPTY), repr(text)
        else:
            assert response.status_code == 400 and error == t(COMMAND), repr(text)


def assert_re_asked(chat: WebChat, stage: str, text: str, *, hint: str | None = None) -> None:
    chat.say(text)
    assert chat.asking == stage, f"{text!r} moved the conversation on\n{chat.transcript()}"
    said = chat.reply_text()
    fact = TRIAL.facts.get(stage)
    expected = hint or (fact.hint if fact and fact.type != "boolean" else None)
    if expected:
        assert expected in said, f"no hint after {text!r}\n{chat.transcript()}"
    else:
        assert "Sorry" in said or "Please" in said, f"no hint after {text!r}\n{chat.transcript()}"


# --- fixed hostile messages at each stage ------------------------------------------------------


def test_consent_question_survives_everything(stack: Stack, web: TestClient) -> None:
    chat = WebChat(web)
    chat.drive_to("consent_prescreen")
    refuse_all(chat)
    for text in NON_ANSWERS + [x for texts in ABSURD.values() for x in texts]:
        assert_re_asked(chat, "consent_prescreen", text, hint="Please answer yes or no")
    chat.say("yes")
    assert chat.asking == "respondent", chat.transcript()
    assert stored(stack, chat.id) == {}, "no health data is kept at the consent stage"


@pytest.mark.parametrize("batch", range(0, len(NON_ANSWERS) + len(ABSURD["age_years"]), 2))
def test_age_question(stack: Stack, web: TestClient, batch: int) -> None:
    """Two hostile answers re-asked with a hint (a third would be left unknown), then 34."""
    hostile = (ABSURD["age_years"] + NON_ANSWERS)[batch : batch + 2]
    chat = WebChat(web)
    chat.drive_to("age_years")
    if batch == 0:
        refuse_all(chat)
    for text in hostile:
        hint = "outside the range" if text in OUT_OF_RANGE else None
        assert_re_asked(chat, "age_years", text, hint=hint)
    chat.say("I'm 34")
    assert chat.asking == "sex", chat.transcript()
    facts = stored(stack, chat.id)
    assert facts == {"age_years": 34}


def test_yes_no_questions(stack: Stack, web: TestClient) -> None:
    """Through every yes/no question of the GOOD path: two hostile answers each, then GOOD's."""
    chat = WebChat(web)
    chat.drive_to("sle_diagnosed")
    refuse_all(chat)
    queue = list(NON_ANSWERS) * 3
    seen: list[str] = []
    while (fact := chat.asking) is not None and fact in GOOD and fact != "contact_consent":
        if fact in ("lab_results", "confirm_facts"):
            chat.say(GOOD[fact])
            continue
        if fact in GROUP_MEMBERS or TRIAL.facts[fact].type == "boolean":
            seen.append(fact)
            for text in (queue.pop(0), queue.pop(0)) if len(queue) >= 2 else ():
                assert_re_asked(chat, fact, text)
        chat.say(GOOD[fact])
        assert chat.asking != fact, chat.transcript()
    assert len(seen) >= 9 and {"conditions_now", "history_ever"} <= set(seen), seen
    facts = stored(stack, chat.id)
    for fact in seen:
        expected = {"yes": True, "no": False}[GOOD[fact]]
        for key in GROUP_MEMBERS.get(fact, (fact,)):
            assert facts[key] is expected, (key, facts[key])
    assert facts["age_years"] == 34 and facts["sex"] == "female"


@pytest.mark.parametrize("fact", list(LAB_NAMES))
def test_lab_values(stack: Stack, web: TestClient, fact: str) -> None:
    """The lab-values invitation: absurd numbers and wrong units for one value re-asked with
    the parser's hint (nothing stored), then GOOD's report pasted, read back and stored."""
    chat = WebChat(web)
    chat.drive_to("lab_results")
    if fact == "ana_titer":
        refuse_all(chat)
    name = LAB_NAMES[fact]
    for text in ABSURD[fact]:
        said = text if name.lower() in text.lower() else f"{name} {text}"
        hint = "outside the range" if text in OUT_OF_RANGE else None
        assert_re_asked(chat, "lab_results", said, hint=hint or "Please")
        assert not set(LAB_NAMES) & set(stored(stack, chat.id)), chat.transcript()
    chat.say(GOOD["lab_results"])
    assert chat.asking == "confirm_facts", chat.transcript()
    chat.say("yes")
    facts = stored(stack, chat.id)
    for key in ("ana_titer", "anti_dsdna_iu_ml", "lymphocytes_10e9_l", "serum_creatinine_mg_dl"):
        assert facts[key] == pytest.approx(GOOD_VALUES[key]), (key, facts[key])


def test_sql_text_touches_nothing_but_this_conversation(stack: Stack, web: TestClient) -> None:
    """Stored as text, never run, and never taken for "delete my answers" or "start over"
    (the NLU reads some of these as those intents; bot.dialogue.interpret.confirmed_intent
    wants the words as well)."""
    other = WebChat(web)
    other.drive_to("sle_diagnosed")
    for text in (  # one conversation each: a third answer not understood is recorded unknown
        "'; DROP TABLE answers; --",
        "x' UNION SELECT conversation_id FROM screening --",
        "1; DROP TABLE screenings",
    ):
        chat = WebChat(web)
        chat.drive_to("sle_diagnosed")
        chat.say(text)
        assert chat.asking == "sle_diagnosed", chat.transcript()
        assert stored(stack, chat.id) == {"age_years": 34, "sex": "female"}
        transcript = (export(stack, chat.id) or {})["transcript"]
        assert any(line["text"] == text for line in transcript)
    assert stored(stack, other.id) == {"age_years": 34, "sex": "female"}


# --- /intent injections straight to Rasa (the proxy refuses them; the form must too) -----------

INJECTIONS = [
    '/inform{"age_years":"40"}',
    '/inform{"age_years": 999}',
    '/inform{"sex":"male"}',
    "/inform@0.99",
    "/affirm",
    "/deny",
    "/dont_know",
    "/start_over",
    "/stop",
    "/delete_data",
    "/no_such_intent",
]


def test_intent_injections_sent_straight_to_rasa_are_not_answers(stack: Stack) -> None:
    chat = Chat(stack, f"test-{uuid.uuid4().hex[:12]}")
    messages = chat.send("hi")
    for stage, answer in (
        ("consent_prescreen", "yes"),
        ("respondent", "for myself"),
        ("age_years", "34"),
        ("sex", "female"),
        ("sle_diagnosed", "yes"),
    ):
        assert asked_fact(TRIAL, messages) == stage, chat.transcript()
        for text in INJECTIONS:
            messages = chat.send(text)
            said = " ".join(m.get("text", "") for m in messages)
            assert "type your answer in words" in said, f"{text!r}\n{chat.transcript()}"
            assert asked_fact(TRIAL, messages) == stage, chat.transcript()
        messages = chat.send(answer)
    facts = stored(stack, chat.sender)
    assert facts == {"age_years": 34, "sex": "female", "sle_diagnosed": True}


# --- a derandomized hypothesis sample ----------------------------------------------------------

_JUNK = st.sampled_from(
    [
        *REFUSED[:4],
        *NON_ANSWERS,
        *[x for texts in ABSURD.values() for x in texts],
        *["yes", "no", "I don't know", "34", "female", "1:320", "why do you ask?"],
    ]
)
HOSTILE = st.one_of(
    _JUNK,
    st.text(max_size=30),
    st.lists(_JUNK, min_size=1, max_size=3).map(" ".join),
    st.builds(lambda n: "/" + "x" * n, st.integers(0, 5)),
    st.integers(LIMIT - 1, LIMIT + 1).map(lambda n: "9" * n),
)


@pytest.mark.parametrize(
    "stage", ["consent_prescreen", "age_years", "sle_diagnosed", "conditions_now", "lab_results"]
)
def test_hypothesis_sample(stack: Stack, web: TestClient, stage: str) -> None:
    """Whatever comes, a documented non-empty reply; afterwards only valid facts are kept and a
    fresh start still works."""
    chat = WebChat(web)
    chat.drive_to(stage)

    @settings(
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=12,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(text=HOSTILE)
    def send(text: str) -> None:
        chat.say(text)

    send()
    data = export(stack, chat.id)  # None: consent never given, or the answers were deleted
    if data is not None:
        assert_facts_valid(data)
    chat.say("", path="/chat/restart")
    assert chat.asking == "consent_prescreen", chat.transcript()
    for stage_fact in ("consent_prescreen", "respondent", "age_years"):
        assert chat.asking == stage_fact, chat.transcript()
        chat.say(GOOD[stage_fact])
    assert chat.asking == "sex", chat.transcript()
    assert stored(stack, chat.id)["age_years"] == 34
