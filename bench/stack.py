"""The running stack the REST benchmarks share (bench.agreement, bench.latency, bench.cost,
bench.load): bot.stack.Stack on free loopback ports with its own SQLite database in a
temporary directory, the model from bot.stack.train_if_needed; and /proc readings of it."""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: The web app's chat rate limit in the benchmarks: every simulated patient comes from
#: 127.0.0.1, so the per-address limit (30 a minute) would otherwise be shared by all of them.
BENCH_CHAT_RATE_LIMIT = "1000000/minute"


def rss_kib(pid: int) -> dict[str, int | None]:
    """Resident memory of a process (VmRSS) and its peak (VmHWM), in KiB, from /proc."""
    out: dict[str, int | None] = {"rss_kib": None, "hwm_kib": None}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                out["rss_kib"] = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                out["hwm_kib"] = int(line.split()[1])
    except OSError:
        pass
    return out


def load_average() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


class BenchStack:
    """The real stack (action server, Rasa and the web app) with its own database.

    The web app serves the patients' path (`/chat`, bench.load) with WEB_CHAT_RATE_LIMIT
    raised to `BENCH_CHAT_RATE_LIMIT`; the other benchmarks talk to Rasa's REST channel.
    """

    #: also start the web app
    web = True

    def __init__(self, workdir: Path | None = None) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="bench-stack-")
            workdir = Path(self._tmp.name)
        self.workdir = workdir
        self.stack: Any = None
        self.model: Path | None = None
        self.startup_s: float | None = None
        #: the web app's WEB_SECRET_KEY (bench.load reads the signed conversation id with it)
        self.secret_key = secrets.token_urlsafe(32)

    def start(self) -> BenchStack:
        from bot.settings import load_settings
        from bot.stack import Stack, stack_settings, train_if_needed

        self.model = train_if_needed(load_settings())
        settings = stack_settings(self.workdir, rasa_token="bench-token")
        self.stack = Stack(settings, f"sqlite:///{self.workdir / 'app.db'}", self.workdir)
        try:
            self._start_servers()
        except BaseException:
            self.stop()
            raise
        # the action server and Rasa (as before the web app was part of the stack)
        self.startup_s = self.stack.startup_s["actions"] + self.stack.startup_s["rasa"]
        return self

    def _start_servers(self) -> None:
        self.stack.start(
            self.model,
            web=self.web,
            web_env={
                "WEB_CHAT_RATE_LIMIT": BENCH_CHAT_RATE_LIMIT,
                "WEB_SECRET_KEY": self.secret_key,
            },
        )

    def stop(self) -> None:
        if self.stack is not None:
            self.stack.stop()
            self.stack = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> BenchStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def webhook(self) -> str:
        """Rasa's REST channel."""
        return f"{self.stack.settings.rasa_url}/webhooks/rest/webhook"

    @property
    def web_url(self) -> str:
        """The web app (the patient page and its `/chat`)."""
        return str(self.stack.web_url)

    @property
    def database_url(self) -> str:
        return str(self.stack.database_url)

    @property
    def pids(self) -> dict[str, int]:
        """Process ids: the action server is started first, then Rasa, then the web app."""
        names = ("action_server", "rasa_server", "web_app")
        return {
            name: process.pid for name, process in zip(names, self.stack.processes, strict=False)
        }

    def memory(self) -> dict[str, dict[str, int | None]]:
        return {name: rss_kib(pid) for name, pid in self.pids.items()}

    def export(self, conversation_id: str, mode: str = "inprocess") -> dict[str, Any]:
        """`prescreen export --conversation ID` against this stack's database."""
        if mode == "subprocess":
            data: dict[str, Any] = self.stack.export(conversation_id)
            return data
        return export_inprocess(self.database_url, conversation_id)


@contextlib.contextmanager
def _database(url: str) -> Iterator[None]:
    old = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = old


def export_inprocess(database_url: str, conversation_id: str) -> dict[str, Any]:
    """The `prescreen` console script's export, run in this process (bot.cli.main)."""
    from bot.cli import main as prescreen

    out, err = io.StringIO(), io.StringIO()
    with _database(database_url), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = prescreen(["export", f"--conversation={conversation_id}"])
    if code != 0:
        raise RuntimeError(f"prescreen export {conversation_id}: exit {code}: {err.getvalue()}")
    data: dict[str, Any] = json.loads(out.getvalue())
    return data
