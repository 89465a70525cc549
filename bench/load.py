"""Load: N concurrent simulated patients (default 200) for a bounded time against the real stack.

    python -m bench.load                                  # 200 users, 180 s, 10 s think time
    python -m bench.load --users 50 --duration-s 60 --think-s 5
    python -m bench.load --smoke                          # 5 users, 15 s, 1 s think time

An asyncio driver (httpx, one process) starts the real stack (bench.stack.BenchStack: action
server, Rasa and the web app, a temporary SQLite database, free ports on 127.0.0.1) and lets N
users each hold one conversation at a time for `--duration-s` seconds. A user is a simulated
patient from bench.population answering in free text (bench.phrasing, through bench.agreement's
answer helpers): whatever the bot asks is recognised from the trial's wording and answered from
the patient's profile. When a conversation ends, the same user starts a new one with the next
patient, so N conversations are open all the time. At the deadline users stop sending; a request
in flight is waited for, never cancelled, so the run is bounded by `--duration-s` + about a
minute (at most 10 s waiting for a connection, then 60 s for the reply).

**Which endpoint, and why.** Patients reach Rasa only through the web app, so the driver does
what their browsers do: each conversation loads the patient page (``GET /``: the signed
``chat_id`` cookie and the CSRF cookie), then posts every message to ``POST /chat`` with the
CSRF header; the web app checks the cookie, the CSRF token, the message and its rate limit, and
forwards the message to Rasa's REST channel over its one shared client (bot/web/rasa_client.py,
a pool of 100 connections, 30 s timeout: a reply Rasa does not give in time comes back as HTTP
503). Every simulated patient has the address 127.0.0.1, so the per-address chat limit
(`WEB_CHAT_RATE_LIMIT`, 30 a minute in production) would be one budget for all of them: the
benchmark stack raises it (bench.stack.BENCH_CHAT_RATE_LIMIT) to measure the bot, not the
limiter. Each conversation has its own cookies and the driver's connections are one pool
(`--max-connections`, default one per user, as browsers each hold their own). The page load is
not timed as a turn; a failed one counts as an error like a failed message. (A first run with a
connection per user straight to Rasa had 854 ConnectTimeouts: a server listens with a bounded
backlog — SANIC_BACKLOG for Rasa — and the kernel dropped connection attempts beyond it; the
machine-wide ListenOverflows counter is reported per phase.)

**Pacing.** People read a question and type an answer, so each user pauses before every answer:
`--think-s` on average, uniformly 0.5–1.5 × (default 10 s: 5–15 s — reading a one- or
two-sentence question takes ~3 s, typing a few words on a phone at ~30 words a minute ~5–8 s;
real patients who look up a lab value take longer, so 10 s is on the heavy side). Users start at
random moments over the first `--ramp-s` seconds (default 60 s), so they do not arrive in step
and the costly first turns of 200 new conversations are not all in one think time; a new patient
arrives after one think time when a conversation ends. The table also gives the turns sent after
the ramp (every user started: the steady state). The offered load is about N ÷ think time
messages a second (200 ÷ 10 s ≈ 20/s): above what two cores serve back to back (~12 turns/s,
bench.latency), so at the default settings the stack is expected to saturate — queueing shows up
in the latency, and the question is whether anything fails or is lost. Afterwards, unless
`--capacity-s 0`, a short back-to-back phase (`--capacity-users`, no think time) measures the
throughput the same stack sustains when saturated.

**Reported.** Per phase: conversations started / finished (the bot asked nothing more) / cut at
the deadline / broken by an error; turns (patient messages answered); errors by kind — HTTP
status errors (the web app's 503 when Rasa fails or is too slow included), timeouts, connection
errors, unreadable replies, empty replies (the web app's NO_REPLY: the bot said nothing), and
replies saying the answer was not saved or to try again (the catalog's dialogue.not_saved /
dialogue.not_available); p50 / p95 / p99 / max of the per-turn wall time (POST → reply, the
wait for a free connection included, of every answered message, error replies included; failed
requests are counted as errors, not as samples) and turns/s over the phase; the same per 30 s
window; messages in flight (at most, and at the deadline); the driver's own CPU time (it shares
the two cores with the stack). A conversation with an error is abandoned and its user starts a
new one.

**Stored exactly once.** After the run (once the user events stored have stopped changing, if
the driver gave up on a request Rasa may still be working on), the database is read with
bot.store's tables: for every conversation, Rasa's user events must be exactly the
messages sent, once each, in order (a message whose request failed may be present once or not
at all), and every fact the bot accepted (it moved on to another question or finished) must
have exactly one answer row — none lost, none duplicated or superseded — and a conversation
never has more than one screening. Answers stored for facts the bot did not ask (a patient's
answer mentioning another fact) are reported separately, not as errors.

Targets: errors 0 and storage exact (asserted by the smoke test, reported here); p95 is reported
as measured (compare the one-conversation level of bench.latency in the same `make bench` run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from itsdangerous import BadSignature, Signer

from bench.agreement import reply, stop_reason
from bench.asked import asked_fact
from bench.common import markdown_table, publish, summarize_ms
from bench.phrasing import OPENINGS_GUARDIAN, OPENINGS_SELF
from bench.population import DEFAULT_SEED, Profile, generate
from bench.stack import BENCH_CHAT_RATE_LIMIT, BenchStack, load_average
from bench.truth import ASKABLE
from bot.i18n import t
from bot.web.patient import COOKIE, COOKIE_SALT, NO_REPLY, clean

NAME = "load"
DEFAULT_USERS = 200
DEFAULT_DURATION_S = 180.0
DEFAULT_THINK_S = 10.0
DEFAULT_RAMP_S = 60.0
DEFAULT_CAPACITY_USERS = 20
DEFAULT_CAPACITY_S = 30.0
WINDOW_S = 30.0
ERROR_KINDS = (
    "http_status",
    "timeout",
    "connection",
    "unreadable_reply",
    "empty_reply",
    "not_saved",
    "try_again",
)
#: starlette-csrf's double-submit cookie and header (bot/web/app.py; chat.js sends the header).
CSRF_COOKIE = "csrftoken"
CSRF_HEADER = "x-csrftoken"
_TRY_AGAIN = re.compile(r"\btry again\b", re.IGNORECASE)


#: Longer than the web app's own wait for Rasa (30 s, bot.web.rasa_client.TIMEOUT), so that a
#: slow reply shows as the web app's 503, as a patient would see it; `pool` bounds the wait for
#: a free connection of the driver's own pool.
REQUEST_TIMEOUT = httpx.Timeout(60.0, connect=10.0, pool=10.0)


# --- one conversation -------------------------------------------------------------------------
@dataclass
class Chat:
    """One conversation as the driver saw it."""

    #: the driver's name for it (error examples)
    label: str
    profile: Profile
    phase: str
    #: the conversation id the web app issued (its signed ``chat_id`` cookie); "" until then.
    sender: str = ""
    #: messages that got an HTTP 2xx reply, in order.
    sent: list[str] = field(default_factory=list)
    #: a message whose request failed (it may or may not have been stored).
    uncertain: str | None = None
    #: fact → times the patient answered it; facts the bot accepted (moved on from).
    answered: Counter[str] = field(default_factory=Counter)
    settled: set[str] = field(default_factory=set)
    ended: str = "running"  # finished | cut | turn limit | error
    error_kind: str | None = None
    error: str | None = None


@dataclass
class Phase:
    name: str
    users: int
    think_s: float
    duration_s: float
    #: users start at random moments spread over the first `ramp_s` seconds.
    ramp_s: float = 0.0
    chats: list[Chat] = field(default_factory=list)
    #: (seconds since the phase started when sent, wall time in ns) of every answered message.
    turns: list[tuple[float, int]] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    #: (seconds since the phase started when sent, kind) of every error.
    error_times: list[tuple[float, str]] = field(default_factory=list)
    timeouts: Counter[str] = field(default_factory=Counter)
    error_examples: list[dict[str, Any]] = field(default_factory=list)
    wall_s: float = 0.0
    driver_cpu_s: float = 0.0
    in_flight_at_deadline: int = 0
    peak_in_flight: int = 0
    listen_overflows: int | None = None


def classify_reply(status: int, body: str) -> tuple[list[dict[str, Any]] | None, str | None]:
    """(bot messages, None) for a good ``POST /chat`` reply, or (messages or None, error kind)."""
    if not 200 <= status < 300:
        return None, "http_status"
    try:
        payload = json.loads(body)
    except ValueError:
        return None, "unreadable_reply"
    messages = payload.get("messages") if isinstance(payload, dict) else None
    if not isinstance(messages, list):
        return None, "unreadable_reply"
    text = " ".join(str(m.get("text") or "") for m in messages if isinstance(m, dict))
    if not text.strip() or t(NO_REPLY) in text:  # the web app says so when the bot is silent
        return messages, "empty_reply"
    if t("dialogue.not_saved", "en") in text:
        return messages, "not_saved"
    if t("dialogue.not_available", "en") in text or _TRY_AGAIN.search(text):
        return messages, "try_again"
    return messages, None


async def _request(
    client: httpx.AsyncClient, method: str, path: str, **kwargs: Any
) -> tuple[httpx.Response | None, str | None, str | None, int]:
    """(response, None, None, wall ns), or (None, "timeout" | "connection", detail, wall ns)."""
    started = time.perf_counter_ns()
    try:
        response = await client.request(method, path, **kwargs)
    except httpx.TimeoutException as exc:  # ConnectTimeout, ReadTimeout, WriteTimeout, PoolTimeout
        return None, "timeout", exc.__class__.__name__, time.perf_counter_ns() - started
    except httpx.HTTPError as exc:
        detail = f"{exc.__class__.__name__}: {exc}"[:300]
        return None, "connection", detail, time.perf_counter_ns() - started
    return response, None, None, time.perf_counter_ns() - started


async def open_page(
    client: httpx.AsyncClient, signer: Signer
) -> tuple[str, str | None, str | None]:
    """Load the patient page as a browser does: (conversation id, error kind, detail); the
    client keeps the page's cookies (``chat_id``, ``csrftoken``)."""
    response, kind, detail, _ns = await _request(client, "GET", "/")
    if response is None:
        return "", kind, detail
    if response.status_code != 200:
        return "", "http_status", f"GET / HTTP {response.status_code}"
    try:
        return signer.unsign(client.cookies.get(COOKIE, "")).decode("ascii"), None, None
    except BadSignature:
        return "", "unreadable_reply", "GET /: no signed chat_id cookie"


async def _post(
    client: httpx.AsyncClient, text: str
) -> tuple[list[dict[str, Any]] | None, str | None, str | None, int]:
    """(messages, error kind, detail, wall ns) for one patient message to ``POST /chat``."""
    headers = {CSRF_HEADER: client.cookies.get(CSRF_COOKIE, "")}
    response, kind, detail, elapsed = await _request(
        client, "POST", "/chat", json={"message": text}, headers=headers
    )
    if response is None:
        return None, kind, detail, elapsed
    messages, kind = classify_reply(response.status_code, response.text)
    detail = None
    if kind == "http_status":
        detail = f"HTTP {response.status_code}: {response.text[:200]}"
    elif kind is not None:
        detail = response.text[:300]
    return messages, kind, detail, elapsed


class Driver:
    """N closed-loop users against the web app; each user one conversation at a time, each
    conversation a browser of its own (cookies) over the driver's one connection pool."""

    def __init__(
        self,
        url: str,
        secret_key: str,
        profiles: Sequence[Profile],
        seed: int,
        run_id: str,
        transport: httpx.AsyncBaseTransport,
    ) -> None:
        from bot.criteria import get_trial

        self.url = url
        self.signer = Signer(secret_key, salt=COOKIE_SALT)
        self.transport = transport
        self.profiles = profiles
        self.seed = seed
        self.run_id = run_id
        self.trial = get_trial()
        self.next_profile = 0

    def _profile(self) -> Profile:
        profile = self.profiles[self.next_profile % len(self.profiles)]
        self.next_profile += 1
        return profile

    def browser(self) -> httpx.AsyncClient:
        """A client with cookies of its own on the shared pool (never closed: that would
        close the pool; `_drive` closes the transport at the end)."""
        return httpx.AsyncClient(
            base_url=self.url, transport=self.transport, timeout=REQUEST_TIMEOUT
        )

    async def run_phase(self, phase: Phase) -> Phase:
        started = time.monotonic()
        cpu = time.process_time()
        deadline = started + phase.duration_s
        in_flight = 0
        in_flight_at_deadline: list[int] = []

        async def pause(seconds: float) -> bool:
            """Sleep up to the deadline; False when the deadline has come."""
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            await asyncio.sleep(min(seconds, remaining))
            return time.monotonic() < deadline

        def failed(chat: Chat, sent_at: float, kind: str, detail: str | None, typed: str) -> None:
            phase.errors[kind] += 1
            phase.error_times.append((sent_at, kind))
            if kind == "timeout" and detail:
                phase.timeouts[detail] += 1
            chat.ended, chat.error_kind, chat.error = "error", kind, detail
            if len(phase.error_examples) < 10:
                phase.error_examples.append(
                    {"sender": chat.label, "kind": kind, "typed": typed, "detail": detail}
                )

        async def send(
            chat: Chat, client: httpx.AsyncClient, text: str
        ) -> list[dict[str, Any]] | None:
            nonlocal in_flight
            sent_at = time.monotonic() - started
            in_flight += 1
            phase.peak_in_flight = max(phase.peak_in_flight, in_flight)
            try:
                messages, kind, detail, ns = await _post(client, text)
            finally:
                in_flight -= 1
            if messages is not None:  # answered (a 2xx reply), possibly with an error message
                chat.sent.append(clean(text))  # as the web app forwards it
                phase.turns.append((sent_at, ns))
            else:
                chat.uncertain = clean(text)
            if kind is not None:
                failed(chat, sent_at, kind, detail, text)
                return None
            return messages

        async def converse(chat: Chat, rng: random.Random) -> None:
            client = self.browser()
            sender, kind, detail = await open_page(client, self.signer)
            if kind is not None:
                failed(chat, time.monotonic() - started, kind, detail, "(page load)")
                return
            chat.sender = sender
            profile = chat.profile
            openings = OPENINGS_GUARDIAN if profile.respondent == "guardian" else OPENINGS_SELF
            messages = await send(chat, client, rng.choice(openings))
            attempts: Counter[str] = Counter()
            while messages is not None:
                asked = asked_fact(self.trial, messages)
                stop = stop_reason(asked, len(chat.sent))
                if stop is not None or asked is None:
                    chat.ended = stop or "finished"
                    return
                if phase.think_s and not await pause(phase.think_s * (0.5 + rng.random())):
                    chat.ended = "cut"
                    return
                if time.monotonic() >= deadline:
                    chat.ended = "cut"
                    return
                attempts[asked] += 1
                text = reply(profile, asked, attempts[asked], rng).text
                if asked in ASKABLE:
                    chat.answered[asked] += 1
                messages = await send(chat, client, text)
                accepted = messages is not None and asked_fact(self.trial, messages) != asked
                if accepted and asked in ASKABLE:
                    chat.settled.add(asked)

        async def user(index: int) -> None:
            rng = random.Random(f"{self.seed}:{self.run_id}:{phase.name}:{index}")
            start = phase.ramp_s or phase.think_s
            if start and not await pause(start * rng.random()):
                return  # a random start, so that users do not arrive in step
            n = 0
            while time.monotonic() < deadline:
                profile = self._profile()
                label = f"load-{self.run_id}-{phase.name}-{index:03d}-{n}"
                chat = Chat(label, profile, phase.name)
                phase.chats.append(chat)
                n += 1
                await converse(chat, rng)
                if phase.think_s and not await pause(phase.think_s * (0.5 + rng.random())):
                    return  # the next patient arrives after a while

        async def watch_deadline() -> None:
            await asyncio.sleep(max(0.0, deadline - time.monotonic()))
            in_flight_at_deadline.append(in_flight)

        overflows = listen_overflows()
        watcher = asyncio.create_task(watch_deadline())
        await asyncio.gather(*(user(i) for i in range(phase.users)))
        watcher.cancel()
        after = listen_overflows()
        if overflows is not None and after is not None:
            phase.listen_overflows = after - overflows
        phase.wall_s = time.monotonic() - started
        phase.driver_cpu_s = time.process_time() - cpu
        phase.in_flight_at_deadline = in_flight_at_deadline[0] if in_flight_at_deadline else 0
        return phase


def listen_overflows() -> int | None:
    """The kernel's count of connections dropped because a listen queue was full (TcpExt
    ListenOverflows, whole machine): a server that does not accept() fast enough."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            value = table.get("ListenOverflows")
            return int(value) if value is not None else None
    return None


def phase_summary(phase: Phase) -> dict[str, Any]:
    ended = Counter(chat.ended for chat in phase.chats)
    samples = [ns for _t, ns in phase.turns]
    window = min(phase.duration_s, phase.wall_s) or phase.wall_s
    out: dict[str, Any] = {
        "phase": phase.name,
        "users": phase.users,
        "think_s_mean": phase.think_s,
        "think_s_range": [phase.think_s * 0.5, phase.think_s * 1.5] if phase.think_s else [0, 0],
        "duration_s": phase.duration_s,
        "wall_s": phase.wall_s,
        "offered_turns_per_s": phase.users / phase.think_s if phase.think_s else None,
        "conversations_started": len(phase.chats),
        "conversations_finished": ended.get("finished", 0),
        "conversations_cut_at_deadline": ended.get("cut", 0) + ended.get("running", 0),
        "conversations_turn_limit": ended.get("turn limit", 0),
        "conversations_with_error": ended.get("error", 0),
        "turns": len(samples),
        # turns sent before the deadline over the phase's duration (the steady rate)
        "turns_per_s": sum(1 for t, _ns in phase.turns if t < window) / window if window else None,
        "errors": sum(phase.errors.values()),
        "errors_by_kind": {kind: phase.errors.get(kind, 0) for kind in ERROR_KINDS},
        "error_examples": phase.error_examples,
        "timeouts_by_type": dict(phase.timeouts),
        "in_flight_at_deadline": phase.in_flight_at_deadline,
        "peak_in_flight": phase.peak_in_flight,
        "listen_overflows_machine_wide": phase.listen_overflows,
        "driver_cpu_s": phase.driver_cpu_s,
        "ramp_s": phase.ramp_s,
    }
    if samples:
        out.update(summarize_ms(samples))
    if phase.ramp_s and window > phase.ramp_s:
        # the steady state: every user has started (all turns sent after the ramp)
        after_ramp = [ns for t, ns in phase.turns if t >= phase.ramp_s]
        in_window = sum(1 for t, _ns in phase.turns if phase.ramp_s <= t < window)
        out["after_ramp"] = {
            "from_s": phase.ramp_s,
            "turns": len(after_ramp),
            "turns_per_s": in_window / (window - phase.ramp_s),
            "errors": sum(1 for t, _kind in phase.error_times if t >= phase.ramp_s),
            **(summarize_ms(after_ramp) if after_ramp else {}),
        }
    windows: dict[int, list[int]] = defaultdict(list)
    errors: Counter[int] = Counter(int(t // WINDOW_S) for t, _kind in phase.error_times)
    for sent_at, ns in phase.turns:
        windows[int(sent_at // WINDOW_S)].append(ns)
    out["windows"] = [
        {
            "from_s": index * WINDOW_S,
            "turns": len(windows[index]),
            "turns_per_s": len(windows[index])
            / max(1e-9, min(WINDOW_S, window - index * WINDOW_S)),
            "errors": errors[index],
            **(
                {k: v for k, v in summarize_ms(windows[index]).items() if k in ("p50_ms", "p95_ms")}
                if windows[index]
                else {}
            ),
        }
        for index in sorted(set(windows) | set(errors))
    ]
    return out


# --- stored exactly once ----------------------------------------------------------------------
def check_storage(database_url: str, chats: Sequence[Chat]) -> dict[str, Any]:
    """What the database holds for every conversation, against what its patient sent."""
    from sqlalchemy import func, select

    from bot.store.db import session_scope
    from bot.store.models import Answer, Screening
    from bot.store.transcripts import EVENTS

    chats = [chat for chat in chats if chat.sender]  # a page that did not load: nothing sent
    senders = [chat.sender for chat in chats]
    user_texts: dict[str, list[str]] = defaultdict(list)
    answer_rows: dict[str, Counter[str]] = defaultdict(Counter)
    same_message: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    superseded: dict[str, Counter[str]] = defaultdict(Counter)
    screenings: Counter[str] = Counter()
    with session_scope(database_url) as session:
        for start in range(0, len(senders), 500):
            chunk = senders[start : start + 500]
            rows = session.execute(
                select(EVENTS.c.sender_id, EVENTS.c.data)
                .where(EVENTS.c.sender_id.in_(chunk), EVENTS.c.type_name == "user")
                .order_by(EVENTS.c.id)
            )
            for sender, data in rows:
                try:
                    text = json.loads(data).get("text") if data else None
                except (ValueError, AttributeError):
                    text = None
                user_texts[sender].append(str(text))
            for sender, count in session.execute(
                select(Screening.conversation_id, func.count())
                .where(Screening.conversation_id.in_(chunk))
                .group_by(Screening.conversation_id)
            ):
                screenings[sender] = int(count)
            for sender, fact, superseded_at, raw_text in session.execute(
                select(
                    Screening.conversation_id, Answer.fact, Answer.superseded_at, Answer.raw_text
                )
                .join(Answer, Answer.screening_id == Screening.id)
                .where(Screening.conversation_id.in_(chunk))
            ):
                answer_rows[sender][fact] += 1
                # a later message may update a fact (a correction, or "my lupus flared" after
                # "don't know", read back and confirmed); one message stored twice may not
                same_message[sender][(fact, raw_text)] += 1
                if superseded_at is not None:
                    superseded[sender][fact] += 1

    counts: Counter[str] = Counter()
    problems: list[str] = []
    informational: list[str] = []
    for chat in chats:
        stored = user_texts.get(chat.sender, [])
        allowed = [chat.sent, [*chat.sent, chat.uncertain]] if chat.uncertain else [chat.sent]
        if stored not in allowed:
            lost = sum((Counter(chat.sent) - Counter(stored)).values())
            extra = Counter(stored) - Counter(chat.sent)
            if chat.uncertain and extra[chat.uncertain]:
                extra[chat.uncertain] -= 1
            duplicated = sum(extra.values())
            counts["user_events_lost"] += lost
            counts["user_events_duplicated"] += duplicated
            if not lost and not duplicated:
                counts["user_events_out_of_order"] += 1
            problems.append(
                f"{chat.sender}: user events {stored[-4:]} (…{len(stored)}) vs sent "
                f"{chat.sent[-4:]} (…{len(chat.sent)})"
            )
        if screenings.get(chat.sender, 0) > 1:
            counts["extra_screenings"] += screenings[chat.sender] - 1
            problems.append(f"{chat.sender}: {screenings[chat.sender]} screenings")
        rows = answer_rows.get(chat.sender, Counter())
        for fact in sorted(chat.settled):
            if rows[fact] == 0:
                counts["answers_lost"] += 1
                problems.append(f"{chat.sender}: accepted answer to {fact} not stored")
        for (fact, _text), n in sorted(same_message.get(chat.sender, Counter()).items()):
            if n > 1:
                counts["answers_duplicated"] += n - 1
                problems.append(f"{chat.sender}: {n} answer rows for {fact} from one message")
        replaced = superseded.get(chat.sender, Counter())
        for fact, n in sorted(rows.items()):
            if replaced[fact] >= n:  # every answer to it superseded: none is current
                counts["answers_superseded"] += 1
                problems.append(f"{chat.sender}: no current answer to {fact} (all superseded)")
            if fact not in chat.settled:
                kind = "stored_not_asked" if fact not in chat.answered else "stored_but_reasked"
                counts[kind] += 1
                if len(informational) < 20:
                    informational.append(f"{chat.sender}: {fact} ({kind})")
    failures = sum(
        counts[k]
        for k in (
            "user_events_lost",
            "user_events_duplicated",
            "user_events_out_of_order",
            "extra_screenings",
            "answers_lost",
            "answers_duplicated",
            "answers_superseded",
        )
    )
    return {
        "conversations_checked": len(chats),
        "messages_sent": sum(len(c.sent) for c in chats),
        "user_events_stored": sum(len(v) for v in user_texts.values()),
        "answers_accepted": sum(len(c.settled) for c in chats),
        "answer_rows": sum(sum(c.values()) for c in answer_rows.values()),
        "counts": dict(counts),
        "failures": failures,
        "exactly_once": failures == 0,
        "problems": problems[:40],
        "informational": informational,
    }


def wait_until_settled(database_url: str, senders: Sequence[str], limit_s: float = 60.0) -> float:
    """Wait until the user events stored for `senders` stop changing (Rasa may still be
    working on requests the driver gave up on); returns the seconds waited."""
    from sqlalchemy import func, select

    from bot.store.db import session_scope
    from bot.store.transcripts import EVENTS

    def count() -> int:
        total = 0
        with session_scope(database_url) as session:
            for start in range(0, len(senders), 500):
                total += session.execute(
                    select(func.count())
                    .select_from(EVENTS)
                    .where(
                        EVENTS.c.sender_id.in_(senders[start : start + 500]),
                        EVENTS.c.type_name == "user",
                    )
                ).scalar_one()
        return total

    started = time.monotonic()
    last, still = count(), 0
    while still < 2 and time.monotonic() - started < limit_s:
        time.sleep(2)
        now = count()
        still = still + 1 if now == last else 0
        last = now
    return time.monotonic() - started


# --- the run ----------------------------------------------------------------------------------
async def _drive(
    stack: BenchStack,
    profiles: Sequence[Profile],
    seed: int,
    phases: Sequence[Phase],
    max_connections: int,
) -> list[Phase]:
    run_id = f"{time.time_ns() % 16**8:08x}"
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    async with httpx.AsyncHTTPTransport(limits=limits) as transport:
        driver = Driver(stack.web_url, stack.secret_key, profiles, seed, run_id, transport)
        for phase in phases:
            await driver.run_phase(phase)
    return list(phases)


def run(
    *,
    users: int = DEFAULT_USERS,
    duration_s: float = DEFAULT_DURATION_S,
    think_s: float = DEFAULT_THINK_S,
    ramp_s: float = DEFAULT_RAMP_S,
    capacity_users: int = DEFAULT_CAPACITY_USERS,
    capacity_s: float = DEFAULT_CAPACITY_S,
    seed: int = DEFAULT_SEED,
    stack: BenchStack | None = None,
    check: bool = True,
    max_connections: int | None = None,
) -> dict[str, Any]:
    """The paced load phase, then (capacity_s > 0) a back-to-back phase; then the storage check.
    `max_connections`: the driver's pool (default: one per user)."""
    profiles = generate(max(users, 186), seed)
    phases = [Phase("paced", users, think_s, duration_s, ramp_s=min(ramp_s, duration_s))]
    if capacity_s > 0 and capacity_users > 0:
        phases.append(Phase("back_to_back", capacity_users, 0.0, capacity_s))
    max_connections = max_connections or max(phase.users for phase in phases)
    own = stack is None
    if stack is None:
        stack = BenchStack().start()
    try:
        load_before = load_average()
        asyncio.run(_drive(stack, profiles, seed, phases, max_connections))
        load_after = load_average()
        memory = stack.memory()
        chats = [chat for phase in phases for chat in phase.chats]
        started = time.monotonic()
        storage = None
        if check:
            if any(chat.uncertain for chat in chats):
                wait_until_settled(stack.database_url, [chat.sender for chat in chats])
            storage = check_storage(stack.database_url, chats)
        check_s = time.monotonic() - started
        startup_s = stack.startup_s
    finally:
        if own:
            stack.stop()
    summaries = [phase_summary(p) for p in phases]
    paced = summaries[0]
    errors = sum(s["errors"] for s in summaries)
    result: dict[str, Any] = {
        "endpoint": "the web app's POST /chat (page load for the cookies, CSRF header; "
        f"WEB_CHAT_RATE_LIMIT={BENCH_CHAT_RATE_LIMIT}: every simulated patient is 127.0.0.1)",
        "seed": seed,
        "request_timeout_s": REQUEST_TIMEOUT.read,
        "connect_timeout_s": REQUEST_TIMEOUT.connect,
        "max_connections": max_connections,
        "phases": summaries,
        "storage": storage,
        "storage_check_s": check_s,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "memory_after_kib": memory,
        "stack_startup_s": startup_s,
        "targets": {
            "errors": {"target": 0, "value": errors, "met": errors == 0},
            "stored_exactly_once": {
                "target": 0,
                "value": storage["failures"] if storage else None,
                "met": bool(storage and storage["exactly_once"]),
            },
            "p95_ms_paced": {
                "target": None,
                "value": paced.get("p95_ms"),
                "met": None,
                "note": "reported, not a target",
            },
        },
    }
    return result


def _ms(summary: dict[str, Any], key: str) -> str:
    value = summary.get(key)
    return "-" if value is None else f"{value:,.0f}"


def _row(label: str, s: dict[str, Any], think: str, conversations: str) -> list[Any]:
    return [
        label,
        s.get("users", ""),
        think,
        conversations,
        s["turns"],
        f"{s['turns_per_s']:.1f}" if s.get("turns_per_s") is not None else "-",
        _ms(s, "p50_ms"),
        _ms(s, "p95_ms"),
        _ms(s, "p99_ms"),
        _ms(s, "max_ms"),
        s["errors"],
    ]


def report(result: dict[str, Any]) -> str:
    rows = []
    for s in result["phases"]:
        think = (
            f"{s['think_s_mean']:g} s ({s['think_s_range'][0]:g}–{s['think_s_range'][1]:g})"
            if s["think_s_mean"]
            else "none (back to back)"
        )
        conversations = (
            f"{s['conversations_started']} / {s['conversations_finished']} / "
            f"{s['conversations_cut_at_deadline']} / {s['conversations_with_error']}"
        )
        rows.append(_row(f"{s['phase']}, {s['duration_s']:.0f} s", s, think, conversations))
        if "after_ramp" in s:
            steady = {**s["after_ramp"], "users": s["users"]}
            rows.append(
                _row(f"↳ sent after {steady['from_s']:.0f} s (all started)", steady, think, "")
            )
    table = markdown_table(
        [
            "phase",
            "users",
            "think time",
            "conversations started / finished / cut / error",
            "turns",
            "turns/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
            "errors",
        ],
        rows,
    )
    paced = result["phases"][0]
    lines = [
        f"Load — {paced['users']} concurrent simulated patients (free text) chatting through "
        f"the web app's /chat on 127.0.0.1 as their browsers do (cookies, CSRF; pool of "
        f"{result.get('max_connections')} connections, timeout "
        f"{result['request_timeout_s']:g} s, connect {result.get('connect_timeout_s', 5):g} s); "
        f"real stack (web app + Rasa + action server, SQLite); users start over the first "
        f"{paced.get('ramp_s') or paced['think_s_mean']:g} s; load average before "
        f"{result['load_average_before']}, after {result['load_average_after']}",
        "",
        table,
        "",
    ]
    for s in result["phases"]:
        kinds = ", ".join(f"{k} {v}" for k, v in s["errors_by_kind"].items() if v) or "none"
        timeouts = s.get("timeouts_by_type") or {}
        lines.append(
            f"- {s['phase']}: errors by kind — {kinds}"
            + (f" ({', '.join(f'{k} {v}' for k, v in timeouts.items())})" if timeouts else "")
            + f"; messages in flight at the deadline {s['in_flight_at_deadline']}, at most "
            f"{s.get('peak_in_flight', '?')} (beyond the pool's size they wait for a connection)"
            f"; driver CPU "
            f"{s['driver_cpu_s']:.1f} s"
            + (
                f"; offered ≈ {s['offered_turns_per_s']:.1f} messages/s"
                if s["offered_turns_per_s"]
                else ""
            )
            + (
                f"; listen-queue overflows (whole machine) {s['listen_overflows_machine_wide']}"
                if s.get("listen_overflows_machine_wide") is not None
                else ""
            )
        )
        if s["error_examples"]:
            ex = s["error_examples"][0]
            lines.append(f"  first error: {ex['kind']} after {ex['typed']!r}: {ex['detail']}")
    windows = paced.get("windows") or []
    if windows:
        lines.append(
            f"- {paced['phase']} per {WINDOW_S:.0f} s (by time sent): "
            + "; ".join(
                f"{w['from_s']:.0f} s: {w['turns_per_s']:.1f}/s, p95 "
                + (f"{w['p95_ms']:,.0f} ms" if "p95_ms" in w else "-")
                + f", {w['errors']} errors"
                for w in windows
            )
        )
    storage = result.get("storage")
    if storage:
        counts = storage["counts"]
        lines.append(
            f"- stored exactly once: {storage['conversations_checked']} conversations, "
            f"{storage['messages_sent']} messages answered → {storage['user_events_stored']} "
            f"user events; {storage['answers_accepted']} answers accepted → "
            f"{storage['answer_rows']} answer rows; lost user events "
            f"{counts.get('user_events_lost', 0)}, duplicated "
            f"{counts.get('user_events_duplicated', 0)}; answers lost "
            f"{counts.get('answers_lost', 0)}, duplicated {counts.get('answers_duplicated', 0)}"
            f"; stored for a fact not asked {counts.get('stored_not_asked', 0)}"
        )
        for problem in storage["problems"][:5]:
            lines.append(f"  - {problem}")
    targets = result["targets"]
    lines += [
        "",
        f"{'PASS' if targets['errors']['met'] else 'FAIL'}: errors "
        f"{targets['errors']['value']} (target 0)",
        f"{'PASS' if targets['stored_exactly_once']['met'] else 'FAIL'}: every message and "
        f"accepted answer stored exactly once ({targets['stored_exactly_once']['value']} "
        "failures, target 0)",
        f"p95 per turn at {paced['users']} users with think time: "
        f"{_ms(paced, 'p95_ms')} ms (reported, not a target)",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--smoke", action="store_true", help="5 users, 15 s, 1 s think time")
    parser.add_argument("--users", type=int, default=None, help=f"default {DEFAULT_USERS}")
    parser.add_argument(
        "--duration-s", type=float, default=None, help=f"default {DEFAULT_DURATION_S:g}"
    )
    parser.add_argument(
        "--think-s",
        type=float,
        default=None,
        help=f"mean pause before each message, 0.5–1.5 × (default {DEFAULT_THINK_S:g})",
    )
    parser.add_argument(
        "--ramp-s",
        type=float,
        default=None,
        help=f"users start at random moments over this many seconds (default {DEFAULT_RAMP_S:g})",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=None,
        help="the driver's connection pool (default: one per user, as browsers)",
    )
    parser.add_argument("--capacity-users", type=int, default=DEFAULT_CAPACITY_USERS)
    parser.add_argument(
        "--capacity-s",
        type=float,
        default=None,
        help=f"back-to-back phase (default {DEFAULT_CAPACITY_S:g}; 0: skip)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--results-dir", type=Path, default=None, help="default bench/results/")
    args = parser.parse_args(argv)
    smoke = args.smoke
    result = run(
        users=args.users or (5 if smoke else DEFAULT_USERS),
        duration_s=args.duration_s or (15.0 if smoke else DEFAULT_DURATION_S),
        think_s=args.think_s if args.think_s is not None else (1.0 if smoke else DEFAULT_THINK_S),
        ramp_s=args.ramp_s if args.ramp_s is not None else (2.0 if smoke else DEFAULT_RAMP_S),
        max_connections=args.max_connections,
        capacity_users=args.capacity_users if not smoke else 2,
        capacity_s=args.capacity_s
        if args.capacity_s is not None
        else (5.0 if smoke else DEFAULT_CAPACITY_S),
        seed=args.seed,
    )
    publish(NAME, result, report, args.results_dir, smoke=smoke)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
