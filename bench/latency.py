"""Latency and throughput over REST: our bot vs the stock `rasa init` bot, same machine and run.

    python -m bench.latency                   # levels 1, 10, 50 concurrent conversations
    python -m bench.latency --smoke           # levels 1 and 2, a few turns
    python -m bench.latency --breakdown 3     # also: where a turn's time goes (see below)

Every simulated user holds one conversation at a time and sends its next message as soon as the
previous reply arrives (a closed loop). Per level: p50 / p95 / p99 of the per-turn wall time
(POST → reply) and turns per second (all turns ÷ the level's wall time). All traffic goes to
127.0.0.1; every loop is bounded by a number of turns and a time budget per level.

Our bot: the real stack (bench.stack.BenchStack: action server + Rasa, SQLite tracker
store), each user a simulated patient (bench.population) answering in free text; conversations
are cut after `--turns` patient messages so that every level measures the same part of a
conversation. The stock bot (bench.stock_bot): the same REST channel, its own small talk.

Levels send messages back to back (no pause: the users saturate the server, so this measures
capacity; by Little's law p50 ≈ users ÷ turns per second). In the same run each bot is also
measured with 10 conversations whose patients pause before each message (`paced`: 2 s on
average, 1–3 s at random, and a random start — people reading and typing, not in step), the
load "10 concurrent conversations" means in practice.

Targets (reported, not asserted): our p95 ≤ 1.5 × the stock bot's p95, and ≤ 150 ms, at 10
concurrent conversations — judged both back to back and paced.

`--breakdown N` runs N single conversations through a timing proxy between Rasa and the action
server: per turn, the time spent in the action server (all calls) vs. the rest (Rasa core:
NLU, policies, tracker store, and its validation of action responses), and the size of the
tracker Rasa posts to the action server. It also times Rasa's own check of one action response
(`RemoteAction._validate_action_result`) against a prebuilt jsonschema validator.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from bench import stock_bot
from bench.agreement import converse, post
from bench.common import markdown_table, publish, summarize_ms
from bench.population import DEFAULT_SEED, generate
from bench.stack import BenchStack, load_average, rss_kib

NAME = "latency"
LEVELS = (1, 10, 50)
TARGET_P95_MS = 150.0
TARGET_RATIO = 1.5
TARGET_LEVEL = 10


@dataclasses.dataclass
class LevelResult:
    users: int
    samples_ns: list[int]
    wall_s: float
    errors: int
    conversations: int
    truncated: bool

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "concurrent": self.users,
            "turns": len(self.samples_ns),
            "conversations": self.conversations,
            "wall_s": self.wall_s,
            "turns_per_s": len(self.samples_ns) / self.wall_s if self.wall_s else None,
            "errors": self.errors,
            "budget_reached": self.truncated,
        }
        if self.samples_ns:
            out.update(summarize_ms(self.samples_ns))
        return out


async def _level(
    users: int,
    conversations_per_user: int,
    one_conversation: Callable[[httpx.AsyncClient, str, float], Any],
    budget_s: float,
) -> LevelResult:
    """`users` closed-loop users, each running conversations back to back."""
    samples: list[int] = []
    errors = 0
    count = 0
    truncated = False
    started = time.monotonic()
    deadline = started + budget_s
    limits = httpx.Limits(max_connections=users + 2, max_keepalive_connections=users + 2)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:

        async def user(index: int) -> None:
            nonlocal errors, count, truncated
            for n in range(conversations_per_user):
                if time.monotonic() > deadline:
                    truncated = True
                    return
                sender = f"lat-{users}-{index}-{n}-{time.time_ns() % 10**9}"
                try:
                    turn_ns = await one_conversation(client, sender, deadline)
                    samples.extend(turn_ns)
                    count += 1
                except (httpx.HTTPError, ValueError):
                    errors += 1

        await asyncio.gather(*(user(i) for i in range(users)))
    return LevelResult(users, samples, time.monotonic() - started, errors, count, truncated)


def _our_conversation(
    stack: BenchStack, turns: int, seed: int, think_s: float = 0.0
) -> Callable[..., Any]:
    from bot.criteria import get_trial

    trial = get_trial()
    # patients who pass what the chat can ask: the longest conversations, cut at `turns`.
    patients = [p for p in generate(186, seed) if p.scenario.startswith("pass_chat")]
    counter = iter(range(10**9))

    async def one(client: httpx.AsyncClient, sender: str, deadline: float) -> list[int]:
        profile = patients[next(counter) % len(patients)]
        chat = await converse(
            client,
            stack.webhook,
            trial,
            profile,
            sender,
            seed,
            max_turns=turns,
            deadline=deadline,
            think_s=think_s,
        )
        if chat.error:
            raise ValueError(chat.error)
        return [int(t.ms * 1e6) for t in chat.turns]

    return one


def _stock_conversation(
    server: stock_bot.StockServer, turns: int, think_s: float = 0.0
) -> Callable[..., Any]:
    async def one(client: httpx.AsyncClient, sender: str, deadline: float) -> list[int]:
        samples = []
        jitter = random.Random(sender)
        if think_s:  # a random start, like bench.agreement.converse
            await asyncio.sleep(think_s * jitter.random())
        for i in range(turns):
            if time.monotonic() > deadline:
                break
            if think_s and i:
                await asyncio.sleep(think_s * (0.5 + jitter.random()))
            _messages, ns = await post(
                client, server.webhook, sender, stock_bot.SCRIPT[i % len(stock_bot.SCRIPT)]
            )
            samples.append(ns)
        return samples

    return one


def _plan(levels: Sequence[int], smoke: bool) -> dict[int, int]:
    """Conversations per user at each level (more at low concurrency, for enough samples)."""
    if smoke:
        return {level: 1 for level in levels}
    return {level: (5 if level == 1 else 2 if level <= 10 else 1) for level in levels}


def measure(
    one: Callable[..., Any],
    levels: Sequence[int],
    per_user: dict[int, int],
    budget_s: float,
    warmup: int = 1,
) -> list[LevelResult]:
    results = []
    if warmup:
        asyncio.run(_level(1, warmup, one, budget_s))
    for level in levels:
        results.append(asyncio.run(_level(level, per_user[level], one, budget_s)))
    return results


def run_ours(
    stack: BenchStack,
    levels: Sequence[int],
    turns: int,
    budget_s: float,
    seed: int,
    smoke: bool,
    think_s: float = 0.0,
    paced: tuple[int, float] | None = None,
) -> dict[str, Any]:
    one = _our_conversation(stack, turns, seed, think_s)
    results = measure(one, levels, _plan(levels, smoke), budget_s)
    out: dict[str, Any] = {"levels": [r.as_dict() for r in results]}
    if paced is not None:
        users, pause = paced
        slow = _our_conversation(stack, turns, seed, pause)
        out["paced"] = {"think_s": pause, **asyncio.run(_level(users, 1, slow, budget_s)).as_dict()}
    return {
        **out,
        "memory_after_kib": stack.memory(),
        "processes": "Rasa server + action server (SQLite tracker store and application DB)",
    }


def run_stock(
    workdir: Path,
    levels: Sequence[int],
    turns: int,
    budget_s: float,
    smoke: bool,
    think_s: float = 0.0,
    paced: tuple[int, float] | None = None,
) -> dict[str, Any]:
    from bot.stack import free_port

    project = stock_bot.prepare(workdir)
    with stock_bot.StockServer(project, free_port()) as server:
        one = _stock_conversation(server, turns, think_s)
        results = measure(one, levels, _plan(levels, smoke), budget_s)
        extra: dict[str, Any] = {}
        if paced is not None:
            users, pause = paced
            slow = _stock_conversation(server, turns, pause)
            level = asyncio.run(_level(users, 1, slow, budget_s))
            extra["paced"] = {"think_s": pause, **level.as_dict()}
        assert server.process is not None
        memory = {"rasa_server": rss_kib(server.process.pid)}
        startup = server.startup_s
    return {
        "levels": [r.as_dict() for r in results],
        **extra,
        "memory_after_kib": memory,
        "startup_s": startup,
        **stock_bot.info(project),
    }


# --- where the time goes ----------------------------------------------------------------------
class TimingProxy:
    """Forwards Rasa's action calls to the action server and times each one (own thread)."""

    def __init__(self, port: int, upstream: str) -> None:
        self.port = port
        self.upstream = upstream
        self.calls: list[dict[str, Any]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> TimingProxy:
        from aiohttp import ClientSession, web

        async def handler(request: web.Request) -> web.Response:
            body = await request.read()
            started = time.perf_counter_ns()
            async with (
                ClientSession() as session,
                session.post(
                    self.upstream, data=body, headers={"Content-Type": "application/json"}
                ) as upstream,
            ):
                data = await upstream.read()
                status = upstream.status
            elapsed = time.perf_counter_ns() - started
            try:
                payload = json.loads(body)
                action = payload.get("next_action")
                sender = (payload.get("tracker") or {}).get("sender_id")
            except ValueError:
                action, sender = None, None
            self.calls.append(
                {
                    "at": started,
                    "ns": elapsed,
                    "action": action,
                    "sender": sender,
                    "request_bytes": len(body),
                    "response_bytes": len(data),
                }
            )
            return web.Response(body=data, status=status, content_type="application/json")

        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            app = web.Application(client_max_size=64 * 1024 * 1024)
            app.router.add_post("/webhook", handler)
            runner = web.AppRunner(app)
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        ready.wait(30)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)


class ProxiedStack(BenchStack):
    """BenchStack whose Rasa server reaches the action server through a TimingProxy (no web
    app: nothing here goes through it)."""

    web = False

    def __init__(self) -> None:
        super().__init__()
        self.proxy: TimingProxy | None = None

    def _start_servers(self) -> None:
        from bot.stack import free_port

        # Rasa's endpoints.yml points at settings.action_port: the proxy listens there, the
        # action server behind it on a port of its own.
        upstream = free_port()
        port = self.stack.settings.action_port
        self.proxy = TimingProxy(port, f"http://127.0.0.1:{upstream}/webhook").start()
        self.stack.start(self.model, action_port=upstream)

    def stop(self) -> None:
        super().stop()
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None


def validation_cost(repeats: int = 20) -> dict[str, float]:
    """Rasa's check of one action-server response vs. the same check with a reused validator."""
    import jsonschema
    from rasa.core.actions.action import RemoteAction

    response = {
        "events": [
            {"event": "slot", "name": "age_years", "value": 34, "timestamp": None},
            {"event": "slot", "name": "requested_slot", "value": "sex", "timestamp": None},
        ],
        "responses": [{"text": "What is your sex?", "buttons": [], "custom": {}}],
    }
    action = RemoteAction("validate_prescreen_form", None)
    for _ in range(2):
        action._validate_action_result(response)
    started = time.perf_counter_ns()
    for _ in range(repeats):
        action._validate_action_result(response)
    rasa_ms = (time.perf_counter_ns() - started) / repeats / 1e6
    schema = RemoteAction.action_response_format_spec()
    validator = jsonschema.validators.validator_for(schema)(schema)
    started = time.perf_counter_ns()
    for _ in range(repeats):
        validator.validate(response)
    reused_ms = (time.perf_counter_ns() - started) / repeats / 1e6
    return {"rasa_validate_action_result_ms": rasa_ms, "prebuilt_validator_ms": reused_ms}


def breakdown(conversations: int, seed: int) -> dict[str, Any]:
    """Per turn: action-server time vs the rest, for `conversations` sequential chats."""
    from bot.criteria import get_trial

    trial = get_trial()
    patients = [p for p in generate(186, seed) if p.scenario.startswith("pass_chat")]
    stack = ProxiedStack().start()
    assert stack.proxy is not None
    turns: list[dict[str, Any]] = []
    try:

        async def drive() -> None:
            async with httpx.AsyncClient(timeout=120) as client:
                for i in range(conversations + 1):  # the first one warms up
                    sender = f"breakdown-{i}"
                    before = len(stack.proxy.calls)  # type: ignore[union-attr]
                    chat = await converse(
                        client, stack.webhook, trial, patients[i % len(patients)], sender, seed
                    )
                    calls = stack.proxy.calls[before:]  # type: ignore[union-attr]
                    if i == 0:
                        continue
                    per_turn = _split_calls(chat, calls)
                    for index, (turn, group) in enumerate(zip(chat.turns, per_turn, strict=True)):
                        action_ns = sum(c["ns"] for c in group)
                        turns.append(
                            {
                                "conversation": i,
                                "index": index,
                                "total_ms": turn.ms,
                                "action_server_ms": action_ns / 1e6,
                                "action_calls": len(group),
                                "tracker_bytes": max(
                                    (c["request_bytes"] for c in group), default=0
                                ),
                            }
                        )

        asyncio.run(drive())
    finally:
        stack.stop()
    total = [t["total_ms"] for t in turns]
    action = [t["action_server_ms"] for t in turns]
    rest = [a - b for a, b in zip(total, action, strict=True)]
    calls = [t["action_calls"] for t in turns]
    first = [t for t in turns if t["index"] < 6]
    last = [t for t in turns if t["index"] >= 20]
    out: dict[str, Any] = {
        "conversations": conversations,
        "turns": len(turns),
        "turn_mean_ms": statistics.fmean(total),
        "action_server_mean_ms": statistics.fmean(action),
        "rasa_core_and_network_mean_ms": statistics.fmean(rest),
        "action_calls_per_turn": statistics.fmean(calls),
        "turns_0_to_5_mean_ms": statistics.fmean(t["total_ms"] for t in first) if first else None,
        "turns_20_plus_mean_ms": statistics.fmean(t["total_ms"] for t in last) if last else None,
        "tracker_bytes_turn_5": next((t["tracker_bytes"] for t in turns if t["index"] == 5), None),
        "tracker_bytes_last": turns[-1]["tracker_bytes"] if turns else None,
        "per_turn": turns,
    }
    try:
        out["action_response_validation"] = validation_cost()
    except Exception as exc:
        out["action_response_validation"] = {"error": str(exc)}
    return out


def _split_calls(chat: Any, calls: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Group the proxy's calls by turn, using the time each turn's request was sent."""
    groups: list[list[dict[str, Any]]] = [[] for _ in chat.turns]
    bounds = [t.sent_ns for t in chat.turns]
    for call in calls:
        index = 0
        for i, sent in enumerate(bounds):
            if sent <= call["at"]:
                index = i
        groups[index].append(call)
    return groups


# --- the command ------------------------------------------------------------------------------
def run(
    *,
    levels: Sequence[int] = LEVELS,
    turns: int = 12,
    budget_s: float = 150.0,
    seed: int = DEFAULT_SEED,
    smoke: bool = False,
    stack: BenchStack | None = None,
    stock: bool = True,
    breakdown_conversations: int = 0,
    think_s: float = 0.0,
    paced: tuple[int, float] | None = (TARGET_LEVEL, 2.0),
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "levels": list(levels),
        "turns_per_conversation": turns,
        "think_s": think_s,
        "budget_s_per_level": budget_s,
        "load_average_before": load_average(),
    }
    own = stack is None
    if stack is None:
        stack = BenchStack().start()
    try:
        result["ours"] = run_ours(stack, levels, turns, budget_s, seed, smoke, think_s, paced)
        result["ours"]["startup_s"] = stack.startup_s
    finally:
        if own:
            stack.stop()
    if stock:
        with tempfile.TemporaryDirectory(prefix="bench-stock-") as tmp:
            result["stock"] = run_stock(Path(tmp), levels, turns, budget_s, smoke, think_s, paced)
    if breakdown_conversations:
        result["breakdown"] = breakdown(breakdown_conversations, seed)
    result["load_average_after"] = load_average()
    result["targets"] = targets(result)
    return result


def _at(block: dict[str, Any], level: int) -> dict[str, Any] | None:
    return next((lv for lv in block["levels"] if lv["concurrent"] == level), None)


def targets(result: dict[str, Any]) -> dict[str, Any]:
    ours = _at(result["ours"], TARGET_LEVEL)
    stock = _at(result["stock"], TARGET_LEVEL) if "stock" in result else None
    out: dict[str, Any] = {}
    paced_ours = result["ours"].get("paced")
    paced_stock = result.get("stock", {}).get("paced")
    if paced_ours and "p95_ms" in paced_ours and paced_ours["concurrent"] == TARGET_LEVEL:
        pause = paced_ours["think_s"]
        out[f"p95_ms_at_10_with_{pause:g}s_pauses"] = {
            "target": TARGET_P95_MS,
            "value": paced_ours["p95_ms"],
            "met": paced_ours["p95_ms"] <= TARGET_P95_MS,
        }
        if paced_stock and "p95_ms" in paced_stock:
            ratio = paced_ours["p95_ms"] / paced_stock["p95_ms"]
            out[f"p95_ratio_to_stock_at_10_with_{pause:g}s_pauses"] = {
                "target": TARGET_RATIO,
                "value": ratio,
                "met": ratio <= TARGET_RATIO,
            }
    if ours and "p95_ms" in ours:
        out["p95_ms_at_10_back_to_back"] = {
            "target": TARGET_P95_MS,
            "value": ours["p95_ms"],
            "met": ours["p95_ms"] <= TARGET_P95_MS,
        }
        if stock and "p95_ms" in stock:
            ratio = ours["p95_ms"] / stock["p95_ms"]
            out["p95_ratio_to_stock_at_10_back_to_back"] = {
                "target": TARGET_RATIO,
                "value": ratio,
                "met": ratio <= TARGET_RATIO,
            }
    return out


def report(result: dict[str, Any]) -> str:
    rows = []
    for name, label in (("ours", "our bot"), ("stock", "stock rasa init")):
        if name not in result:
            continue
        levels = list(result[name]["levels"])
        if "paced" in result[name]:
            levels.append(result[name]["paced"])
        for lv in levels:
            concurrent = str(lv["concurrent"])
            if lv.get("think_s"):
                concurrent += f", {lv['think_s']:g} s pauses"
            if "p50_ms" not in lv:
                rows.append([label, concurrent, lv["turns"], "-", "-", "-", "-", lv["errors"]])
                continue
            rows.append(
                [
                    label,
                    concurrent,
                    lv["turns"],
                    f"{lv['p50_ms']:.0f}",
                    f"{lv['p95_ms']:.0f}",
                    f"{lv['p99_ms']:.0f}",
                    f"{lv['turns_per_s']:.1f}",
                    lv["errors"],
                ]
            )
    table = markdown_table(
        ["bot", "concurrent", "turns", "p50 ms", "p95 ms", "p99 ms", "turns/s", "errors"], rows
    )
    lines = [
        f"Latency over REST — {result['turns_per_conversation']} patient messages per "
        "conversation, "
        + (
            f"{result['think_s']:g} s pause before each message"
            if result.get("think_s")
            else "sent back to back (no pause: the users saturate the server)"
        )
        + f", ≤ {result['budget_s_per_level']:.0f} s per level; load average before "
        f"{result['load_average_before']}, after {result['load_average_after']}",
        "",
        table,
    ]
    memory = []
    for name in ("ours", "stock"):
        for proc, mem in result.get(name, {}).get("memory_after_kib", {}).items():
            if mem.get("rss_kib"):
                memory.append(f"{name} {proc} {mem['rss_kib'] / 1024:.0f} MiB")
    if memory:
        lines += ["", "Resident memory after the run: " + ", ".join(memory)]
    if "breakdown" in result:
        b = result["breakdown"]
        v = b.get("action_response_validation", {})
        lines += [
            "",
            f"Where a turn goes ({b['turns']} turns, 1 conversation at a time): mean "
            f"{b['turn_mean_ms']:.0f} ms = action server {b['action_server_mean_ms']:.0f} ms "
            f"({b['action_calls_per_turn']:.1f} calls/turn) + Rasa core & HTTP "
            f"{b['rasa_core_and_network_mean_ms']:.0f} ms; turns 0–5 "
            f"{b['turns_0_to_5_mean_ms']:.0f} ms vs turns ≥ 20 "
            f"{b['turns_20_plus_mean_ms'] or 0:.0f} ms; tracker posted to the "
            f"action server {b['tracker_bytes_turn_5']} B at turn 5 → {b['tracker_bytes_last']} B "
            "at the last turn",
        ]
        if "rasa_validate_action_result_ms" in v:
            lines.append(
                f"Rasa's jsonschema check of ONE action response: "
                f"{v['rasa_validate_action_result_ms']:.1f} ms (jsonschema.validate re-checks the "
                f"schema every call) vs {v['prebuilt_validator_ms']:.1f} ms with a reused validator"
            )
    for key, t in result["targets"].items():
        lines.append(
            f"{'PASS' if t['met'] else 'FAIL'}: {key} = {t['value']:.2f} (target ≤ {t['target']})"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="levels 1 and 2, 4 turns")
    parser.add_argument("--levels", type=str, default=None, help="e.g. 1,10,50")
    parser.add_argument("--turns", type=int, default=None, help="messages per conversation (12)")
    parser.add_argument("--budget-s", type=float, default=None, help="per level (150)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--no-stock", action="store_true", help="skip the stock bot")
    parser.add_argument(
        "--think-s",
        type=float,
        default=0.0,
        help="pause before each patient message (default 0: back to back, i.e. capacity)",
    )
    parser.add_argument(
        "--breakdown",
        type=int,
        default=0,
        metavar="N",
        help="also time N conversations through an action-server proxy",
    )
    parser.add_argument("--results-dir", type=Path, default=None, help="default bench/results/")
    args = parser.parse_args(argv)
    if args.levels:
        levels = tuple(int(x) for x in args.levels.split(","))
    else:
        levels = (1, 2) if args.smoke else LEVELS
    turns = args.turns or (4 if args.smoke else 12)
    budget = args.budget_s or (30.0 if args.smoke else 150.0)
    result = run(
        levels=levels,
        turns=turns,
        budget_s=budget,
        seed=args.seed,
        smoke=args.smoke,
        stock=not args.no_stock,
        breakdown_conversations=args.breakdown,
        think_s=args.think_s,
        paced=(2, 0.2) if args.smoke else (TARGET_LEVEL, 2.0),
    )
    publish(NAME, result, report, args.results_dir, smoke=args.smoke)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
