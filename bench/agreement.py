"""Agreement of the full stack with the ground truth: simulated patients typing free text.

    python -m bench.agreement                 # 500 patients, 8 conversations at a time
    python -m bench.agreement --smoke         # 5 patients
    python -m bench.agreement --size 100 --concurrency 4

Starts the real stack (bench.stack.BenchStack: action server + Rasa server, a temporary SQLite
database, free loopback ports; the model from bot.stack.train_if_needed), then lets every
simulated patient (bench.population) chat over Rasa's REST channel: whatever the bot asks
(recognised from the trial's wording, bench.asked.asked_fact) is answered from the
patient's profile through the phrasing layer (bench.phrasing). A patient who is not understood
rephrases once, then answers as plainly as possible. The stored result is read with
`prescreen export --conversation` (run in-process by default — the same code as the console
script, without starting 500 Python processes; `--export subprocess` runs the real command).

Reported: agreement of the outcome (and of the follow-up flags) with bench.truth's ground truth,
target ≥ 98 %; **wrongly excluded** patients (truth not ineligible, bot ineligible), target 0;
every disagreement with the question, the text typed, the value understood (from the export's
facts) and the value meant; every answer that was misread, re-asked, or stored differently.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
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
from bench.truth import ASKABLE, Expected, chat_facts, expected_after_chat, expected_from_facts

NAME = "agreement"
TARGET_AGREEMENT = 0.98
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
    """One answer: the question (fact or dialogue slot), what was typed, what it means."""

    asked: str
    text: str
    value: Any = None
    attempt: int = 1
    style: str = ""
    ms: float = 0.0
    sent_ns: int = 0


@dataclass
class Conversation:
    profile: Profile
    sender: str
    turns: list[Typed] = field(default_factory=list)
    ended: str = "no question recognised"
    last_bot: str = ""
    error: str | None = None

    def typed_facts(self) -> dict[str, Typed]:
        """The last answer typed for each fact."""
        last: dict[str, Typed] = {}
        for turn in self.turns:
            if turn.asked in ASKABLE:
                last[turn.asked] = turn
        return last


def _answer(profile: Profile, key: str, attempt: int, rng: random.Random) -> Phrase:
    value = profile.chat_value(key)
    if attempt >= 3:
        return plain(key, value, profile.respondent)
    return phrase(
        key,
        value,
        rng,
        respondent=profile.respondent,
        sex=profile.facts.get("sex"),
        context=profile.facts,
    )


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
    if slot == "confirm_facts":  # the bot read back what the patient said (truthfully)
        return "yes"
    if slot == "contact_name":
        return "Alex Kim"
    return "alex.kim@example.com"


def reply(profile: Profile, asked: str, attempt: int, rng: random.Random) -> Phrase:
    """The patient's answer to what the bot asks: a fact through the phrasing layer (plainly
    from the third attempt on), a dialogue question (consent, respondent, contact) in words."""
    if asked in ASKABLE:
        return _answer(profile, asked, attempt, rng)
    return Phrase(_dialogue_answer(profile, asked, attempt, rng), None, "")


def stop_reason(asked: str | None, turns: int, max_turns: int = MAX_TURNS) -> str | None:
    """Why a simulated conversation ends here: "finished" (the bot asks nothing more), "turn
    limit" (`turns` messages sent already), or None (it goes on)."""
    if asked is None:
        return "finished"
    if turns >= max_turns:
        return "turn limit"
    return None


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
) -> Conversation:
    """Chat until the bot asks nothing more, or `max_turns` messages, or time.monotonic() ≥
    `deadline`; `think_s`: a pause before each answer (not part of the measured turn)."""
    rng = random.Random(f"{seed}:{profile.id}")
    chat = Conversation(profile, sender)
    openings = OPENINGS_GUARDIAN if profile.respondent == "guardian" else OPENINGS_SELF
    opening = rng.choice(openings)
    try:
        if think_s:  # users who pause do not arrive in step: a random start, jittered pauses
            await asyncio.sleep(think_s * random.Random(sender).random())
        messages, ns, sent = await post_timed(client, url, sender, opening)
        chat.turns.append(Typed("opening", opening, ms=ns / 1e6, sent_ns=sent))
        attempts: Counter[str] = Counter()
        while True:
            asked = asked_fact(trial, messages)
            stop = stop_reason(asked, len(chat.turns), max_turns)
            if stop is not None or asked is None:
                chat.ended = stop or "finished"
                break
            if deadline is not None and time.monotonic() >= deadline:
                chat.ended = "time limit"
                break
            attempts[asked] += 1
            if think_s:  # the patient reads and types (not timed), 0.5–1.5 × think_s
                await asyncio.sleep(think_s * (0.5 + rng.random()))
            answer = reply(profile, asked, attempts[asked], rng)
            text, value, style = answer.text, answer.value, answer.style
            messages, ns, sent = await post_timed(client, url, sender, text)
            chat.turns.append(Typed(asked, text, value, attempts[asked], style, ns / 1e6, sent))
        chat.last_bot = " ".join(m.get("text", "") for m in messages)[-400:]
    except (httpx.HTTPError, ValueError) as exc:
        chat.error = f"{exc.__class__.__name__}: {exc}"
    return chat


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
            missing = key not in self.facts
            understood = self.facts.get(key)
            if not missing and close(key, understood, typed.value):
                continue
            if missing:
                kind = "not stored"
            elif understood is None:
                kind = "value typed, stored as unknown"
            elif typed.value is None:
                kind = "'don't know' typed, stored as a value"
            elif (
                isinstance(typed.value, (int, float))
                and not isinstance(typed.value, bool)
                and (isinstance(understood, (int, float)) and not isinstance(understood, bool))
                and same_side(key, float(typed.value), float(understood), self.profile.facts)
            ):
                kind = "imprecise (same side of every threshold)"
            else:
                kind = "misread"
            attempts = [t.text for t in self.conversation.turns if t.asked == key]
            problems.append(
                {
                    "fact": key,
                    "kind": kind,
                    "typed": attempts,
                    "understood": _jsonable(understood) if not missing else "(absent)",
                    "meant": _jsonable(typed.value),
                }
            )
        return problems

    def as_row(self) -> dict[str, Any]:
        return {
            "patient": self.profile.id,
            "scenario": self.profile.scenario,
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
    for key, typed in chat.typed_facts().items():
        conveyed[key] = typed.value
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
                return await converse(client, stack.webhook, trial, profile, sender, seed)

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
) -> dict[str, Any]:
    profiles = generate(size, seed)
    own = stack is None
    if stack is None:
        stack = BenchStack().start()
    try:
        load_before = load_average()
        conversations, wall = asyncio.run(_run_all(stack, profiles, seed, concurrency, budget_s))
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
        "targets": {
            "outcome_agreement": {
                "target": TARGET_AGREEMENT,
                "value": outcome_ok / n if n else None,
                "met": bool(n) and outcome_ok / n >= TARGET_AGREEMENT,
            },
            "wrongly_excluded": {
                "target": 0,
                "value": len(wrongly_excluded),
                "met": not wrongly_excluded,
            },
        },
    }
    return result


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
    t = result["targets"]
    lines += [
        "",
        f"{'PASS' if t['outcome_agreement']['met'] else 'FAIL'}: outcome agreement "
        f"{pct(t['outcome_agreement']['value'])} (target ≥ {100 * TARGET_AGREEMENT:.0f} %)",
        f"{'PASS' if t['wrongly_excluded']['met'] else 'FAIL'}: wrongly excluded "
        f"{t['wrongly_excluded']['value']} (target 0)",
    ]
    return "\n".join(lines)


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
    parser.add_argument("--results-dir", type=Path, default=None, help="default bench/results/")
    args = parser.parse_args(argv)
    size = args.size or (5 if args.smoke else DEFAULT_SIZE)
    result = run(size, args.seed, args.concurrency, export_mode=args.export, budget_s=args.budget_s)
    publish(NAME, result, report, args.results_dir, smoke=args.smoke)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main())
