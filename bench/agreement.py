"""Agreement of the full stack with the ground truth: simulated patients typing free text.

    python -m bench.agreement                 # 500 patients, 8 conversations at a time
    python -m bench.agreement --smoke         # 5 patients
    python -m bench.agreement --size 100 --concurrency 4
    python -m bench.agreement --kind one_by_one   # every patient answers one fact at a time

Starts the real stack (bench.stack.BenchStack: action server + Rasa server, a temporary SQLite
database, free loopback ports; the model from bot.stack.train_if_needed), then lets every
simulated patient (bench.population) chat over Rasa's REST channel. After every bot turn the
patient reads what is pending from Rasa's tracker (issue 11 §7: `requested_slot`,
`pending_facts`, `proposed_facts`; the text, bench.asked, only when the tracker cannot be read)
and answers from their profile. Three kinds of patient (bench.talkers), round-robin per
scenario: one-by-one answerers (bench.phrasing's varied free text), storytellers (their first
message after consent and the respondent question tells 3–10 true facts) and report-pasters
(they paste their labs when invited). Everyone answers a grouped question from the truth ("none
of these", "just the heart problem", "not sure about …"), and a read-back by checking every
value against what they said: "yes", or "no" with the correction in words — a wrong read-back
is counted (the parser misread something). A patient who is not understood rephrases once,
then answers as plainly as possible. The stored result is read with `prescreen export
--conversation` (run in-process by default — the same code as the console script, without
starting 500 Python processes; `--export subprocess` runs the real command).

Reported: agreement of the outcome and of the follow-up flags with bench.truth's ground truth
(target ≥ 99.5 %); **wrongly excluded** patients (truth not ineligible, bot ineligible), target
0; patient messages from the consent answer to the result by outcome and kind (targets: median
≤ 14 for needs_review / likely_eligible, mean ≤ 8 for ineligible; before issue 11: 30 and
18.7); read-backs and wrong read-backs; messages the bot did not answer; every disagreement
with the question, the text typed, the value understood (from the export's facts) and the value
meant; every answer that was misread, re-asked, or stored differently.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.asked import asked_fact
from bench.common import markdown_table, publish, summarize_ms
from bench.phrasing import (
    CONSENT_YES,
    CONTACT_NO,
    OPENINGS_GUARDIAN,
    OPENINGS_SELF,
    Phrase,
    phrase,
    plain,
    respondent_text,
    same_side,
)
from bench.population import DEFAULT_SEED, DEFAULT_SIZE, Profile, generate
from bench.questions import CONDITIONAL
from bench.stack import BenchStack, load_average
from bench.talkers import (
    CONFIRM,
    KINDS,
    LAB_KEYS,
    LAB_RESULTS,
    Said,
    add_values,
    group_answer,
    lab_paste,
    lab_prose,
    readback_answer,
    story,
)
from bench.truth import ASKABLE, Expected, chat_facts, expected_after_chat, expected_from_facts

NAME = "agreement"
#: issue 11's targets: outcome + flags agreement, patient messages from the consent answer to
#: the result (median for those who reach needs_review / likely_eligible, mean for ineligible)
TARGET_AGREEMENT = 0.995
TARGET_MEDIAN_REACHED_END = 14
TARGET_MEAN_INELIGIBLE = 8.0
#: the figures before issue 11 (the issue: a 40-patient full-stack run; the last session's
#: 500 one-by-one patients over the full stack)
TODAY = {
    "median_reached_end": 30,
    "mean_ineligible": 18.7,
    "total_messages_500_one_by_one": 13829,
}
#: bench.stack.BenchStack's Rasa API token (the tracker is read with it)
BENCH_TOKEN = "bench-token"
MAX_TURNS = 90
DIALOGUE_SLOTS = (
    "consent_prescreen",
    "respondent",
    "contact_consent",
    "contact_name",
    "contact_details",
    "confirm_facts",
)


async def post(
    client: httpx.AsyncClient, url: str, sender: str, text: str
) -> tuple[list[dict[str, Any]], int]:
    """One patient message over REST; (bot messages, wall time in ns)."""
    messages, elapsed, _sent = await post_timed(client, url, sender, text)
    return messages, elapsed


async def post_timed(
    client: httpx.AsyncClient, url: str, sender: str, text: str
) -> tuple[list[dict[str, Any]], int, int]:
    """One patient message; (bot messages, wall time in ns, perf_counter_ns when sent)."""
    started = time.perf_counter_ns()
    response = await client.post(url, json={"sender": sender, "message": text})
    elapsed = time.perf_counter_ns() - started
    response.raise_for_status()
    messages: list[dict[str, Any]] = response.json()
    return messages, elapsed, started


# --- one simulated patient --------------------------------------------------------------------
@dataclass
class Typed:
    """One message: the question (fact, group, lab invitation or dialogue slot), what was
    typed, what it means (`value` for a single fact; `values` every fact it conveys)."""

    asked: str
    text: str
    value: Any = None
    attempt: int = 1
    style: str = ""
    ms: float = 0.0
    sent_ns: int = 0
    values: dict[str, Any] = field(default_factory=dict)
    #: the tracker's `pending_facts` when this was typed (empty when read from the text)
    pending: tuple[str, ...] = ()
    #: how many messages the bot replied with (0: the patient got no answer)
    replies: int = -1


@dataclass
class Readback:
    """A read-back the patient answered: what it proposed, what was wrong, the text it came
    from (the message before it)."""

    turn: int
    proposed: dict[str, Any]
    wrong: dict[str, tuple[Any, Any]]
    source_text: str


@dataclass
class Conversation:
    profile: Profile
    sender: str
    turns: list[Typed] = field(default_factory=list)
    ended: str = "no question recognised"
    last_bot: str = ""
    error: str | None = None
    #: how the patient talked (the profile's kind, or the run's override)
    kind: str = "one_by_one"
    readbacks: list[Readback] = field(default_factory=list)
    #: index in `turns` of the message after which the result was shown (None: never)
    result_turn: int | None = None
    #: where the pending question was read from: "tracker" or "text"
    source: str = "tracker"

    def typed_facts(self) -> dict[str, Typed]:
        """The last message that conveyed each fact."""
        last: dict[str, Typed] = {}
        for turn in self.turns:
            for key in turn.values:
                if key in ASKABLE:
                    last[key] = turn
        return last

    def conveyed(self) -> dict[str, Any]:
        """{fact: the value the patient's last message about it meant}."""
        return {key: turn.values[key] for key, turn in self.typed_facts().items()}

    def messages_to_result(self) -> int | None:
        """Patient messages from the consent answer (inclusive) to the one the result answered
        (inclusive); None when no result was shown."""
        if self.result_turn is None:
            return None
        consent = next(
            (i for i, t in enumerate(self.turns) if t.asked == "consent_prescreen"), None
        )
        if consent is None:
            return None
        return self.result_turn - consent + 1


def _answer(profile: Profile, key: str, attempt: int, rng: random.Random) -> Phrase:
    value = profile.chat_value(key)
    if attempt >= 3:
        return plain(key, value, profile.respondent)
    for _ in range(8):
        said = phrase(
            key,
            value,
            rng,
            respondent=profile.respondent,
            sex=profile.facts.get("sex"),
            context=profile.facts,
        )
        # "my lupus flared again" from someone who does not know they have lupus is
        # inconsistent: the bot rightly reads back a lupus diagnosis they would deny
        if key == "sle_diagnosed" or "lupus" not in said.text.lower() or _has_lupus(profile):
            return said
    return plain(key, value, profile.respondent)


def _has_lupus(profile: Profile) -> bool:
    return profile.chat_value("sle_diagnosed") is True


def _dialogue_answer(profile: Profile, slot: str, attempt: int, rng: random.Random) -> str:
    sex = profile.facts.get("sex")
    if slot == "consent_prescreen":
        return "yes" if attempt >= 3 else rng.choice(CONSENT_YES)
    if slot == "respondent":
        if attempt >= 3:
            return "for myself" if profile.respondent == "self" else "I'm the parent"
        return respondent_text(rng, profile.respondent, sex)
    if slot == "contact_consent":
        return "no" if attempt >= 3 else rng.choice(CONTACT_NO)
    if slot == "confirm_facts":  # read from the text only: the values are not known here
        return "yes"
    if slot == "contact_name":
        return "Alex Kim"
    return "alex.kim@example.com"


def _group_truth(profile: Profile, members: Sequence[str]) -> dict[str, bool | None]:
    return {m: profile.chat_value(m) for m in members}


def _labels(trial: Any, members: Sequence[str]) -> dict[str, str]:
    """Each member's quick-reply label in the trial's group (its fact label otherwise)."""
    labels: dict[str, str] = {}
    for key in members:
        group = trial.group_of(key) if hasattr(trial, "group_of") else None
        label = group.item_labels.get(key) if group is not None else None
        labels[key] = label or trial.facts[key].label
    return labels


def reply(
    profile: Profile,
    asked: str,
    attempt: int,
    rng: random.Random,
    *,
    trial: Any = None,
    pending: Sequence[str] = (),
) -> Phrase:
    """The patient's answer to what the bot asks, one at a time: a fact through the phrasing
    layer (plainly from the third attempt on), a group of facts (`pending`, or the trial's
    group `asked`) from the truth, the lab invitation with the values known, a dialogue
    question (consent, respondent, contact) in words. (bench.load answers with this; the
    agreement benchmark's patients of other kinds go through `say`.)"""
    if asked in ASKABLE:
        return _answer(profile, asked, attempt, rng)
    if trial is None and asked not in DIALOGUE_SLOTS:  # a group or the lab invitation
        from bot.criteria import get_trial

        trial = get_trial()
    members = list(pending)
    if not members and trial is not None and asked in getattr(trial, "groups", {}):
        members = list(trial.groups[asked].members)
    if asked == LAB_RESULTS:
        keys = members or list(LAB_KEYS)
        said = lab_prose(keys, profile.facts, profile.knows, profile.respondent, rng)
        return Phrase(said.text, None, said.style)
    if members and trial is not None:
        said = group_answer(members, _group_truth(profile, members), _labels(trial, members), rng)
        return Phrase(said.text, None, said.style)
    return Phrase(_dialogue_answer(profile, asked, attempt, rng), None, "")


@dataclass
class Pending:
    """What the bot waits for after a turn, from Rasa's tracker (or, failing that, the text)."""

    asked: str | None
    facts: tuple[str, ...] = ()
    proposed: dict[str, Any] = field(default_factory=dict)
    outcome: str | None = None
    #: lab values the bot still lacks, asked with the read-back of a pasted report
    missing: tuple[str, ...] = ()


def pending_from_slots(slots: dict[str, Any]) -> Pending:
    """The tracker's `requested_slot`, `pending_facts`, `proposed_facts`, `screening_outcome`."""
    return Pending(
        slots.get("requested_slot"),
        tuple(slots.get("pending_facts") or ()),
        dict(slots.get("proposed_facts") or {}),
        slots.get("screening_outcome"),
        tuple(slots.get("lab_missing") or ()) if slots.get("requested_slot") == CONFIRM else (),
    )


def say(
    profile: Profile,
    kind: str,
    pending: Pending,
    attempt: int,
    rng: random.Random,
    trial: Any,
    chat: Conversation,
) -> Typed:
    """What a patient of `kind` types for the pending question (not yet sent)."""
    asked = pending.asked or ""
    facts, sex, who = profile.facts, profile.facts.get("sex"), profile.respondent
    if asked == CONFIRM:
        meant = _meant(profile, chat, pending.proposed)
        said, wrong = readback_answer(pending.proposed, meant, who, sex, rng)
        added = [k for k in pending.missing if k in ASKABLE and profile.knows(k)]
        if added and attempt < 3:  # "I don't have these yet: …": the values they know
            said = add_values(said, added, facts, rng)
        if attempt >= 3 and not wrong:
            said = Said("yes", said.values)
        elif attempt >= 3:
            said = Said("no", {})
        source = chat.turns[-1].text if chat.turns else ""
        chat.readbacks.append(Readback(len(chat.turns), dict(pending.proposed), wrong, source))
        return Typed(
            asked, said.text, None, attempt, said.style or "readback:yes", values=dict(said.values)
        )
    told = any(t.style.startswith("story") for t in chat.turns)
    if (
        kind == "storyteller"
        and not told
        and asked in ASKABLE
        and any(t.asked == "respondent" for t in chat.turns)
    ):
        known = {k for k in ASKABLE if profile.knows(k)}
        said = story(facts, known, who, rng)
        return Typed(
            asked, said.text, said.values.get(asked), attempt, said.style, values=dict(said.values)
        )
    if asked == LAB_RESULTS or (asked not in ASKABLE and _not_yes_no(trial, pending.facts)):
        keys = list(pending.facts) or list(LAB_KEYS)
        if attempt >= 3:
            said = Said("I don't know", {})
        elif kind == "paster" and attempt == 1:
            said = lab_paste(keys, facts, profile.knows, rng)
        else:
            said = lab_prose(keys, facts, profile.knows, who, rng)
        values = {k: profile.chat_value(k) for k in keys} | dict(said.values)
        return Typed(LAB_RESULTS, said.text, None, attempt, said.style, values=values)
    if asked not in ASKABLE and len(pending.facts) > 1:  # a grouped question
        members = list(pending.facts)
        said = group_answer(members, _group_truth(profile, members), _labels(trial, members), rng)
        return Typed(asked, said.text, None, attempt, said.style, values=dict(said.values))
    if asked not in ASKABLE and len(pending.facts) == 1 and pending.facts[0] in ASKABLE:
        asked = pending.facts[0]
    answer = reply(profile, asked, attempt, rng, trial=trial, pending=pending.facts)
    values = {asked: answer.value} if asked in ASKABLE else {}
    return Typed(asked, answer.text, answer.value, attempt, answer.style, values=values)


def _not_yes_no(trial: Any, keys: Sequence[str]) -> bool:
    """Several pending facts, not all yes/no: the invitation to type or paste lab values."""
    facts = getattr(trial, "facts", {})
    return len(keys) > 1 and any(k in facts and facts[k].type != "boolean" for k in keys)


def _meant(profile: Profile, chat: Conversation, proposed: dict[str, Any]) -> dict[str, Any]:
    """What the patient means for each fact read back: what they said about it, else what
    they know (facts they do not know are absent: any value read back for them is wrong)."""
    said = chat.conveyed()
    meant: dict[str, Any] = {}
    for key in proposed:
        if key in said and said[key] is not None:
            meant[key] = said[key]
        elif key in ASKABLE and profile.knows(key):
            meant[key] = profile.facts[key]
    return meant


def stop_reason(asked: str | None, turns: int, max_turns: int = MAX_TURNS) -> str | None:
    """Why a simulated conversation ends here: "finished" (the bot asks nothing more), "turn
    limit" (`turns` messages sent already), or None (it goes on)."""
    if asked is None:
        return "finished"
    if turns >= max_turns:
        return "turn limit"
    return None


def tracker_url(webhook: str, sender: str) -> str:
    """Rasa's tracker of `sender`, from the REST channel's URL."""
    base = webhook.split("/webhooks/", 1)[0]
    return f"{base}/conversations/{sender}/tracker"


async def read_pending(client: httpx.AsyncClient, webhook: str, sender: str, token: str) -> Pending:
    """The pending question from Rasa's tracker (issue 11 §7: `requested_slot`,
    `pending_facts`, `proposed_facts`)."""
    response = await client.get(tracker_url(webhook, sender), params={"token": token})
    response.raise_for_status()
    return pending_from_slots(dict(response.json().get("slots") or {}))


async def converse(
    client: httpx.AsyncClient,
    url: str,
    trial: Any,
    profile: Profile,
    sender: str,
    seed: int,
    *,
    max_turns: int = MAX_TURNS,
    deadline: float | None = None,
    think_s: float = 0.0,
    kind: str | None = None,
    token: str | None = BENCH_TOKEN,
) -> Conversation:
    """Chat until the bot asks nothing more, or `max_turns` messages, or time.monotonic() ≥
    `deadline`; `think_s`: a pause before each answer (not part of the measured turn).

    After every bot turn the pending question is read from Rasa's tracker with `token`
    (requested_slot, pending_facts, proposed_facts); without a token, or when the tracker
    cannot be read, from the bot's text (bench.asked; read-backs are then answered "yes").
    `kind`: how the patient talks (default: the profile's)."""
    rng = random.Random(f"{seed}:{profile.id}")
    chat = Conversation(profile, sender, kind=kind or profile.kind)
    openings = OPENINGS_GUARDIAN if profile.respondent == "guardian" else OPENINGS_SELF
    opening = rng.choice(openings)
    use_tracker = token is not None
    try:
        if think_s:  # users who pause do not arrive in step: a random start, jittered pauses
            await asyncio.sleep(think_s * random.Random(sender).random())
        messages, ns, sent = await post_timed(client, url, sender, opening)
        chat.turns.append(Typed("opening", opening, ms=ns / 1e6, sent_ns=sent))
        attempts: Counter[str] = Counter()
        while True:
            pending = Pending(None)
            if use_tracker:
                try:
                    pending = await read_pending(client, url, sender, str(token))
                except (httpx.HTTPError, ValueError):
                    use_tracker = False
                    chat.source = "text"
            if not use_tracker:
                pending = Pending(asked_fact(trial, messages))
            shown = pending.outcome is not None or any(_shows_result(m) for m in messages)
            if shown and chat.result_turn is None:
                chat.result_turn = len(chat.turns) - 1
            asked = pending.asked
            stop = stop_reason(asked, len(chat.turns), max_turns)
            if stop is not None or asked is None:
                chat.ended = stop or "finished"
                break
            if deadline is not None and time.monotonic() >= deadline:
                chat.ended = "time limit"
                break
            question = f"{asked}:{','.join(pending.facts)}:{sorted(pending.proposed.items())!r}"
            attempts[question] += 1
            if think_s:  # the patient reads and types (not timed), 0.5–1.5 × think_s
                await asyncio.sleep(think_s * (0.5 + rng.random()))
            typed = say(profile, chat.kind, pending, attempts[question], rng, trial, chat)
            typed.pending = pending.facts
            messages, ns, sent = await post_timed(client, url, sender, typed.text)
            typed.ms, typed.sent_ns, typed.replies = ns / 1e6, sent, len(messages)
            chat.turns.append(typed)
        chat.last_bot = " ".join(m.get("text", "") for m in messages)[-400:]
    except (httpx.HTTPError, ValueError) as exc:
        chat.error = f"{exc.__class__.__name__}: {exc}"
    return chat


def _shows_result(message: dict[str, Any]) -> bool:
    custom = message.get("custom")
    return isinstance(custom, dict) and custom.get("outcome") is not None


# --- comparing with the ground truth ----------------------------------------------------------
def close(key: str, a: Any, b: Any) -> bool:
    """Values equal up to the precision a patient's text carries."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, str) or isinstance(b, str):
        return bool(a == b)
    tolerance = 0.15 if key == "biopsy_months_ago" else 0.005 * max(1.0, abs(float(b)))
    return abs(float(a) - float(b)) <= tolerance


def _jsonable(value: Any) -> Any:
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


@dataclass
class Verdict:
    """One patient: what was expected, what the stack stored, and why they differ."""

    profile: Profile
    conversation: Conversation
    expected: Expected
    expected_unphrased: Expected
    outcome: str | None
    flags: set[tuple[str, str]]
    facts: dict[str, Any]
    export_error: str | None = None

    @property
    def outcome_agrees(self) -> bool:
        return self.outcome == self.expected.outcome

    @property
    def flags_agree(self) -> bool:
        return self.flags == set(self.expected.flags)

    @property
    def wrongly_excluded(self) -> bool:
        return self.expected.outcome != "ineligible" and self.outcome == "ineligible"

    @property
    def wrongly_kept(self) -> bool:
        return self.expected.outcome == "ineligible" and self.outcome != "ineligible"

    def value_problems(self) -> list[dict[str, Any]]:
        """Every typed answer the stack stored as something else than the text meant."""
        problems = []
        for key, typed in self.conversation.typed_facts().items():
            meant = typed.values[key]
            missing = key not in self.facts
            understood = self.facts.get(key)
            if not missing and close(key, understood, meant):
                continue
            if missing and meant is None and typed.asked not in ASKABLE:
                continue  # a lab or group item the patient does not know: absent is unknown
            if missing and typed.asked != key and key not in typed.pending:
                kind = "said unasked, not stored (never needed, or asked and dropped)"
            elif missing:
                kind = "not stored"
            elif understood is None:
                kind = "value typed, stored as unknown"
            elif meant is None:
                kind = "'don't know' typed, stored as a value"
            elif (
                isinstance(meant, (int, float))
                and not isinstance(meant, bool)
                and (isinstance(understood, (int, float)) and not isinstance(understood, bool))
                and same_side(key, float(meant), float(understood), self.profile.facts)
            ):
                kind = "imprecise (same side of every threshold)"
            else:
                kind = "misread"
            attempts = [t.text for t in self.conversation.turns if key in t.values]
            problems.append(
                {
                    "fact": key,
                    "kind": kind,
                    "typed": attempts,
                    "understood": _jsonable(understood) if not missing else "(absent)",
                    "meant": _jsonable(meant),
                }
            )
        return problems

    def as_row(self) -> dict[str, Any]:
        return {
            "patient": self.profile.id,
            "scenario": self.profile.scenario,
            "kind": self.conversation.kind,
            "respondent": self.profile.respondent,
            "conversation": self.conversation.sender,
            "expected_outcome": self.expected.outcome,
            "stack_outcome": self.outcome,
            "flags_missing": sorted(map(list, set(self.expected.flags) - self.flags)),
            "flags_extra": sorted(map(list, self.flags - set(self.expected.flags))),
            "value_problems": self.value_problems(),
            "ended": self.conversation.ended,
            "error": self.conversation.error or self.export_error,
            "last_bot_message": self.conversation.last_bot,
        }


def judge(chat: Conversation, export: dict[str, Any] | None, export_error: str | None) -> Verdict:
    profile = chat.profile
    conveyed = chat_facts(profile.facts, profile.unknown)
    conveyed.update(chat.conveyed())
    expected = expected_from_facts(conveyed)
    unphrased = expected_after_chat(profile.facts, profile.unknown)
    if export is None:
        return Verdict(profile, chat, expected, unphrased, None, set(), {}, export_error)
    flags = {(f["fact"], f["kind"]) for f in export.get("follow_up", [])}
    return Verdict(
        profile,
        chat,
        expected,
        unphrased,
        export.get("outcome"),
        flags,
        dict(export.get("facts") or {}),
        export_error,
    )


# --- the run ----------------------------------------------------------------------------------
async def _run_all(
    stack: BenchStack,
    profiles: Sequence[Profile],
    seed: int,
    concurrency: int,
    budget_s: float | None,
    kind: str | None = None,
) -> tuple[list[Conversation], float]:
    from bot.criteria import get_trial

    trial = get_trial()
    run_id = f"{int(time.time()):x}"
    semaphore = asyncio.Semaphore(concurrency)
    started = time.monotonic()
    limits = httpx.Limits(max_connections=concurrency + 2, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(timeout=180, limits=limits) as client:

        async def one(profile: Profile) -> Conversation | None:
            async with semaphore:
                if budget_s is not None and time.monotonic() - started > budget_s:
                    return None
                sender = f"bench-{run_id}-{profile.id}"
                token = str(stack.stack.settings.rasa_token)
                return await converse(
                    client, stack.webhook, trial, profile, sender, seed, kind=kind, token=token
                )

        done = await asyncio.gather(*(one(p) for p in profiles))
    return [c for c in done if c is not None], time.monotonic() - started


def run(
    size: int,
    seed: int,
    concurrency: int,
    *,
    stack: BenchStack | None = None,
    export_mode: str = "inprocess",
    budget_s: float | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    """`kind`: every patient talks this way (bench.talkers.KINDS) instead of the population's
    round-robin mix (e.g. "one_by_one" to compare with the figures before issue 11)."""
    profiles = generate(size, seed)
    own = stack is None
    if stack is None:
        stack = BenchStack().start()
    try:
        load_before = load_average()
        conversations, wall = asyncio.run(
            _run_all(stack, profiles, seed, concurrency, budget_s, kind)
        )
        load_after = load_average()
        export_started = time.monotonic()
        verdicts = []
        for chat in conversations:
            try:
                export, error = stack.export(chat.sender, export_mode), None
            except (RuntimeError, AssertionError, json.JSONDecodeError) as exc:
                export, error = None, str(exc)[:500]
            verdicts.append(judge(chat, export, error))
        export_s = time.monotonic() - export_started
        memory = stack.memory()
        startup_s = stack.startup_s
    finally:
        if own:
            stack.stop()
    return summarise(
        verdicts,
        conversations,
        size,
        seed,
        concurrency,
        wall,
        export_s,
        export_mode,
        memory,
        startup_s,
        load_before,
        load_after,
    )


def _example(problem: dict[str, Any], patient: str) -> dict[str, Any]:
    return {"patient": patient, **problem}


def summarise(
    verdicts: list[Verdict],
    conversations: list[Conversation],
    size: int,
    seed: int,
    concurrency: int,
    wall: float,
    export_s: float,
    export_mode: str,
    memory: dict[str, Any],
    startup_s: float | None,
    load_before: list[float],
    load_after: list[float],
) -> dict[str, Any]:
    n = len(verdicts)
    outcome_ok = sum(v.outcome_agrees for v in verdicts)
    both_ok = sum(v.outcome_agrees and v.flags_agree for v in verdicts)
    wrongly_excluded = [v for v in verdicts if v.wrongly_excluded]
    wrongly_kept = [v for v in verdicts if v.wrongly_kept]
    confusion: Counter[str] = Counter(f"{v.expected.outcome} → {v.outcome}" for v in verdicts)
    problems_by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    problem_examples: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for v in verdicts:
        for problem in v.value_problems():
            problems_by_kind[problem["kind"]][problem["fact"]] += 1
            key = f"{problem['kind']}: {problem['fact']}"
            if len(problem_examples[key]) < 5:
                problem_examples[key].append(_example(problem, v.profile.id))
    reasked: Counter[str] = Counter()
    reask_examples: dict[str, list[str]] = defaultdict(list)
    not_applicable: Counter[str] = Counter()
    styles: Counter[str] = Counter()
    turn_ns: list[int] = []
    for chat in conversations:
        turn_ns += [int(t.ms * 1e6) for t in chat.turns]
        for i, turn in enumerate(chat.turns):
            styles[turn.style or "dialogue"] += 1
            if turn.attempt == 2:
                reasked[turn.asked] += 1
                first = next(
                    (t.text for t in chat.turns[:i] if t.asked == turn.asked and t.attempt == 1),
                    "?",
                )
                if len(reask_examples[turn.asked]) < 5 and first not in reask_examples[turn.asked]:
                    reask_examples[turn.asked].append(first)
        for key in {t.asked for t in chat.turns}:
            condition = CONDITIONAL.get(key)
            if condition and chat.profile.chat_value(condition[0]) != condition[1]:
                not_applicable[key] += 1
    disagreements = [v.as_row() for v in verdicts if not (v.outcome_agrees and v.flags_agree)]
    phrasing_shifted = sum(v.expected.outcome != v.expected_unphrased.outcome for v in verdicts)
    turns = sum(len(c.turns) for c in conversations)
    result: dict[str, Any] = {
        "population": size,
        "patients_run": n,
        "seed": seed,
        "concurrency": concurrency,
        "export_mode": export_mode,
        "wall_s": wall,
        "export_s": export_s,
        "stack_startup_s": startup_s,
        "turns": turns,
        "turns_per_s": turns / wall if wall else None,
        "turn_latency": summarize_ms(turn_ns) if turn_ns else {},
        "load_average_before": load_before,
        "load_average_after": load_after,
        "memory_after_kib": memory,
        "outcome_agreement": {"agree": outcome_ok, "rate": outcome_ok / n if n else None},
        "outcome_and_flags_agreement": {"agree": both_ok, "rate": both_ok / n if n else None},
        "wrongly_excluded": {
            "count": len(wrongly_excluded),
            "patients": [v.profile.id for v in wrongly_excluded],
        },
        "wrongly_kept_in": {
            "count": len(wrongly_kept),
            "patients": [v.profile.id for v in wrongly_kept],
        },
        "confusion": dict(confusion),
        "expected_outcomes": dict(Counter(v.expected.outcome for v in verdicts)),
        "phrasing_changed_expected_outcome": phrasing_shifted,
        "value_problems": {kind: dict(c) for kind, c in problems_by_kind.items()},
        "value_problem_examples": dict(problem_examples),
        "reasked_facts": dict(reasked),
        "reask_first_texts": dict(reask_examples),
        "questions_that_did_not_apply": dict(not_applicable),
        "conversations_not_finished": [
            {"patient": c.profile.id, "ended": c.ended, "error": c.error, "last": c.last_bot}
            for c in conversations
            if c.ended != "finished" or c.error
        ],
        "answer_styles": dict(styles),
        "disagreements": disagreements,
    }
    result.update(talk_summary(verdicts, conversations))
    counts = result["messages_to_result"]["by_outcome"]
    reached = counts.get("needs_review+likely_eligible", {})
    ineligible = counts.get("ineligible", {})
    result["targets"] = {
        "outcome_and_flags_agreement": {
            "target": TARGET_AGREEMENT,
            "value": both_ok / n if n else None,
            "met": bool(n) and both_ok / n >= TARGET_AGREEMENT,
        },
        "wrongly_excluded": {
            "target": 0,
            "value": len(wrongly_excluded),
            "met": not wrongly_excluded,
        },
        "median_messages_needs_review_or_likely_eligible": {
            "target": TARGET_MEDIAN_REACHED_END,
            "today": TODAY["median_reached_end"],
            "value": reached.get("median"),
            "met": reached.get("median") is not None
            and reached["median"] <= TARGET_MEDIAN_REACHED_END,
        },
        "mean_messages_ineligible": {
            "target": TARGET_MEAN_INELIGIBLE,
            "today": TODAY["mean_ineligible"],
            "value": ineligible.get("mean"),
            "met": ineligible.get("mean") is not None
            and ineligible["mean"] <= TARGET_MEAN_INELIGIBLE,
        },
    }
    return result


def _stats(values: Sequence[int]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "median": None, "mean": None, "max": None}
    return {
        "n": len(values),
        "median": statistics.median(values),
        "mean": round(statistics.fmean(values), 2),
        "max": max(values),
    }


def _outcome_bucket(outcome: str | None) -> str:
    if outcome in ("needs_review", "likely_eligible"):
        return "needs_review+likely_eligible"
    return outcome or "no result"


def talk_summary(
    verdicts: Sequence[Verdict], conversations: Sequence[Conversation]
) -> dict[str, Any]:
    """Issue 11's measures: patient messages from the consent answer to the result by the
    outcome reached (the stack's) and by kind of patient; messages in all; read-backs, and
    those whose values were not what the patient said (a misreading by the parser)."""
    cells: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for v in verdicts:
        count = v.conversation.messages_to_result()
        if count is None:
            continue
        kind = v.conversation.kind
        for bucket in {_outcome_bucket(v.outcome), v.outcome or "no result"}:
            cells[bucket][kind].append(count)
            cells[bucket]["all"].append(count)
    by_outcome = {bucket: _stats(kinds["all"]) for bucket, kinds in cells.items()}
    by_outcome_kind = {
        bucket: {kind: _stats(values) for kind, values in sorted(kinds.items())}
        for bucket, kinds in cells.items()
    }
    total: Counter[str] = Counter()
    patients: Counter[str] = Counter()
    readbacks: Counter[str] = Counter()
    wrong_readbacks: Counter[str] = Counter()
    wrong_facts: Counter[str] = Counter()
    examples: list[dict[str, Any]] = []
    styles: Counter[str] = Counter()
    sources: Counter[str] = Counter(c.source for c in conversations)
    silent: list[dict[str, Any]] = []
    for chat in conversations:
        for turn in chat.turns:
            if turn.replies == 0:
                silent.append({"patient": chat.profile.id, "asked": turn.asked, "text": turn.text})
        total[chat.kind] += len(chat.turns)
        patients[chat.kind] += 1
        for turn in chat.turns:
            kind_style = turn.style.split(":")[0] if ":" in turn.style else ""
            if kind_style:
                styles[turn.style] += 1
        for rb in chat.readbacks:
            readbacks[chat.kind] += 1
            if rb.wrong:
                wrong_readbacks[chat.kind] += 1
                for key in rb.wrong:
                    wrong_facts[key] += 1
                if len(examples) < 40:
                    examples.append(
                        {
                            "patient": chat.profile.id,
                            "kind": chat.kind,
                            "text": rb.source_text,
                            "wrong": {
                                k: {"read_back": _jsonable(a), "meant": _jsonable(b)}
                                for k, (a, b) in rb.wrong.items()
                            },
                        }
                    )
    by_kind: dict[str, dict[str, int]] = defaultdict(
        lambda: {"patients": 0, "outcome_and_flags_agree": 0, "wrongly_excluded": 0}
    )
    for v in verdicts:
        row = by_kind[v.conversation.kind]
        row["patients"] += 1
        row["outcome_and_flags_agree"] += int(v.outcome_agrees and v.flags_agree)
        row["wrongly_excluded"] += int(v.wrongly_excluded)
    return {
        "kinds": dict(patients),
        "agreement_by_kind": {k: dict(row) for k, row in by_kind.items()},
        "pending_question_source": dict(sources),
        "messages_to_result": {
            "counted": "patient messages from the consent answer (inclusive) to the one the "
            "result answered (inclusive)",
            "by_outcome": by_outcome,
            "by_outcome_and_kind": by_outcome_kind,
            "today": TODAY,
        },
        "messages_total": {
            "all": sum(total.values()),
            "by_kind": dict(total),
            "per_patient_by_kind": {
                k: round(total[k] / patients[k], 2) for k in patients if patients[k]
            },
        },
        "readbacks": {
            "answered": sum(readbacks.values()),
            "wrong": sum(wrong_readbacks.values()),
            "by_kind": dict(readbacks),
            "wrong_by_kind": dict(wrong_readbacks),
            "wrong_by_fact": dict(wrong_facts),
            "wrong_examples": examples,
        },
        "talk_styles": dict(styles),
        "turns_without_reply": {"count": len(silent), "examples": silent[:20]},
    }


def report(result: dict[str, Any]) -> str:
    n = result["patients_run"]

    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{100 * x:.1f} %"

    rows = [
        ["patients (conversations)", n],
        ["turns (patient messages)", result["turns"]],
        [
            "outcome agrees with the ground truth",
            f"{result['outcome_agreement']['agree']} ({pct(result['outcome_agreement']['rate'])})",
        ],
        [
            "outcome and follow-up flags agree",
            f"{result['outcome_and_flags_agreement']['agree']} "
            f"({pct(result['outcome_and_flags_agreement']['rate'])})",
        ],
        [
            "wrongly excluded (truth not ineligible, bot ineligible)",
            result["wrongly_excluded"]["count"],
        ],
        ["wrongly kept in (truth ineligible, bot not)", result["wrongly_kept_in"]["count"]],
        [
            "questions re-asked (not understood the first time)",
            sum(result["reasked_facts"].values()),
        ],
        [
            "questions asked that did not apply",
            sum(result["questions_that_did_not_apply"].values()),
        ],
        [
            "wall time (s)",
            f"{result['wall_s']:.0f} at {result['concurrency']} conversations at a "
            f"time; {result['turns_per_s']:.1f} turns/s",
        ],
    ]
    lines = [
        f"Agreement — full stack over REST, free-text answers, {n} of {result['population']} "
        f"patients (seed {result['seed']})",
        "",
        markdown_table(["measure", "value"], rows),
        "",
        "Expected → stack outcome: "
        + ", ".join(f"{k}: {v}" for k, v in sorted(result["confusion"].items())),
    ]
    if result["turn_latency"]:
        lat = result["turn_latency"]
        lines.append(
            f"Turn latency at {result['concurrency']} concurrent: p50 {lat['p50_ms']:.0f} ms, "
            f"p95 {lat['p95_ms']:.0f} ms, p99 {lat['p99_ms']:.0f} ms"
        )
    if result["value_problems"]:
        lines += ["", "Answers stored differently from what the text meant:"]
        for kind, facts in result["value_problems"].items():
            lines.append(f"- {kind}: " + ", ".join(f"{k} ×{c}" for k, c in sorted(facts.items())))
        lines.append("")
        for key, examples in sorted(result["value_problem_examples"].items()):
            for ex in examples[:3]:
                lines.append(
                    f"  - {key} ({ex['patient']}): typed {ex['typed']!r} → understood "
                    f"{ex['understood']!r}, meant {ex['meant']!r}"
                )
    if result["reasked_facts"]:
        lines += ["", "Re-asked (first text not understood):"]
        for key, count in sorted(result["reasked_facts"].items(), key=lambda kv: -kv[1]):
            lines.append(f"- {key} ×{count}: {result['reask_first_texts'].get(key, [])[:4]}")
    if result["questions_that_did_not_apply"]:
        lines.append(f"Questions that did not apply: {result['questions_that_did_not_apply']}")
    if result["disagreements"]:
        lines += ["", "Disagreements:"]
        for d in result["disagreements"]:
            causes = (
                "; ".join(
                    f"{p['fact']} typed {p['typed'][-1]!r} → {p['understood']!r} (meant "
                    f"{p['meant']!r}, {p['kind']})"
                    for p in d["value_problems"]
                )
                or "no answer misread"
            )
            lines.append(
                f"- {d['patient']} ({d['scenario']}): expected {d['expected_outcome']}, stack "
                f"{d['stack_outcome']}; flags missing {d['flags_missing']} extra "
                f"{d['flags_extra']}; {causes}" + (f"; error {d['error']}" if d["error"] else "")
            )
    if result["conversations_not_finished"]:
        lines.append(
            f"Conversations that did not finish: {result['conversations_not_finished'][:5]}"
        )
    lines += ["", *talk_report(result)]
    t = result["targets"]

    def verdict(name: str) -> str:
        return "PASS" if t[name]["met"] else "FAIL"

    reached = t["median_messages_needs_review_or_likely_eligible"]
    inel = t["mean_messages_ineligible"]
    lines += [
        "",
        f"{verdict('outcome_and_flags_agreement')}: outcome and flags agreement "
        f"{pct(t['outcome_and_flags_agreement']['value'])} (target ≥ "
        f"{100 * TARGET_AGREEMENT:.1f} %)",
        f"{verdict('wrongly_excluded')}: wrongly excluded "
        f"{t['wrongly_excluded']['value']} (target 0)",
        f"{verdict('median_messages_needs_review_or_likely_eligible')}: median messages, "
        f"needs_review/likely_eligible {reached['value']} (target ≤ {reached['target']}, "
        f"today {reached['today']})",
        f"{verdict('mean_messages_ineligible')}: mean messages, ineligible {inel['value']} "
        f"(target ≤ {inel['target']:g}, today {inel['today']})",
    ]
    return "\n".join(lines)


def talk_report(result: dict[str, Any]) -> list[str]:
    """The messages table (outcome × kind, median / mean) and the read-back counts."""
    m = result["messages_to_result"]
    kinds = [k for k in KINDS if k in result["kinds"]]
    order = ["needs_review+likely_eligible", "needs_review", "likely_eligible", "ineligible"]
    present = m["by_outcome_and_kind"]
    if not ("needs_review" in present and "likely_eligible" in present):
        order = [order[0], order[3]]  # one of the two only: the combined row says it
    buckets = [b for b in order if b in present] + sorted(
        b for b in present if b not in order and b not in ("needs_review", "likely_eligible")
    )

    def cell(stats: dict[str, Any] | None) -> str:
        if not stats or not stats["n"]:
            return "–"
        return f"{stats['median']:g} / {stats['mean']:.1f} (n={stats['n']})"

    today = {"needs_review+likely_eligible": "median 30", "ineligible": "mean 18.7"}
    rows = []
    for b in buckets:
        by_kind = m["by_outcome_and_kind"][b]
        rows.append([b, *(cell(by_kind.get(k)) for k in [*kinds, "all"]), today.get(b, "")])
    total = result["messages_total"]
    rb = result["readbacks"]
    lines = [
        "Patient messages from the consent answer to the result — median / mean (n), by the "
        "outcome reached and the kind of patient:",
        "",
        markdown_table(["outcome", *kinds, "all kinds", "today (issue 11)"], rows),
        "",
        "Messages in all (opening to the last answer): "
        + ", ".join(
            f"{k} {total['by_kind'].get(k, 0)} ({total['per_patient_by_kind'].get(k, 0):g} "
            "per patient)"
            for k in kinds
        )
        + f"; all {total['all']} (the last session: {TODAY['total_messages_500_one_by_one']:,} "
        "for 500 one-by-one patients)",
        f"Read-backs answered: {rb['answered']}; wrong (a value read back that the patient did "
        f"not say): {rb['wrong']}" + (f" — by fact {rb['wrong_by_fact']}" if rb["wrong"] else ""),
        "Outcome and flags agree, by kind: "
        + ", ".join(
            f"{k} {row['outcome_and_flags_agree']}/{row['patients']} (wrongly excluded "
            f"{row['wrongly_excluded']})"
            for k, row in sorted(result.get("agreement_by_kind", {}).items())
        ),
        f"Pending question read from: {result['pending_question_source']}",
    ]
    silent = result.get("turns_without_reply", {"count": 0, "examples": []})
    if silent["count"]:
        lines.append(
            f"Patient messages the bot did not answer at all: {silent['count']}, e.g. "
            + "; ".join(
                f"{e['patient']} {e['asked']}: {e['text']!r}" for e in silent["examples"][:5]
            )
        )
    for ex in rb["wrong_examples"][:8]:
        lines.append(f"  - {ex['patient']} ({ex['kind']}): {ex['text']!r} → {ex['wrong']}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.agreement", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="5 patients")
    parser.add_argument("--size", type=int, default=None, help=f"default {DEFAULT_SIZE}")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--export", choices=("inprocess", "subprocess"), default="inprocess")
    parser.add_argument(
        "--budget-s",
        type=float,
        default=None,
        help="start no new conversation after this many seconds",
    )
    parser.add_argument(
        "--kind",
        choices=KINDS,
        default=None,
        help="every patient talks this way (default: the population's mix, round-robin)",
    )
    parser.add_argument("--results-dir", type=Path, default=None, help="default bench/results/")
    args = parser.parse_args(argv)
    size = args.size or (5 if args.smoke else DEFAULT_SIZE)
    result = run(
        size,
        args.seed,
        args.concurrency,
        export_mode=args.export,
        budget_s=args.budget_s,
        kind=args.kind,
    )
    result["kind_override"] = args.kind
    publish(NAME, result, report, args.results_dir, smoke=args.smoke)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main())
