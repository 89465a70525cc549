"""Start the real stack (action server + Rasa server) on free loopback ports, and chat over REST."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from bot.criteria.model import Trial
from bot.settings import ROOT, Settings, load_settings
from bot.stack import action_server_command, rasa_server_command, write_endpoints

STARTUP_TIMEOUT = 180


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited early:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up in time:\n{log.read_text()[-4000:]}")


@dataclass
class Stack:
    """A running action server + Rasa server with their own database."""

    settings: Settings
    database_url: str
    workdir: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.database_url,
            SANIC_HOST="127.0.0.1",
            RASA_TELEMETRY_ENABLED="false",
            TF_CPP_MIN_LOG_LEVEL="2",
        )
        return env

    def start(self, model: Path) -> None:
        from bot.store.db import migrate

        migrate(self.database_url)
        self.start_actions()
        self.start_rasa(model)

    def start_rasa(self, model: Path) -> subprocess.Popen[bytes]:
        """Start (or restart) the Rasa server and wait until the model is loaded."""
        endpoints = write_endpoints(self.settings, self.database_url)
        log = self.workdir / "rasa.log"
        rasa = subprocess.Popen(
            rasa_server_command(self.settings, model, endpoints),
            cwd=ROOT,
            # the API token in the environment, never on the command line (see bot.stack)
            env={**self.env(), "RASA_TOKEN": self.settings.rasa_token},
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        self.processes.append(rasa)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        _wait_for(f"{self.settings.rasa_url}/", rasa, log, deadline)
        # The model is loaded once /status answers with the token.
        while time.monotonic() < deadline:
            status = httpx.get(
                f"{self.settings.rasa_url}/status", params={"token": self.settings.rasa_token}
            )
            if status.status_code == 200 and status.json().get("model_file"):
                return rasa
            time.sleep(0.5)
        raise RuntimeError(f"Rasa did not load the model:\n{log.read_text()[-4000:]}")

    def start_actions(self) -> subprocess.Popen[bytes]:
        log = self.workdir / "actions.log"
        actions = subprocess.Popen(
            action_server_command(self.settings),
            cwd=ROOT,
            env=self.env(),
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        self.processes.append(actions)
        health = f"http://127.0.0.1:{self.settings.action_port}/health"
        _wait_for(health, actions, log, time.monotonic() + STARTUP_TIMEOUT)
        return actions

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    def prescreen(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the `prescreen` CLI against this stack's database."""
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )

    def export(self, conversation_id: str) -> dict[str, Any]:
        result = self.prescreen("export", f"--conversation={conversation_id}")
        assert result.returncode == 0, result.stderr
        data: dict[str, Any] = json.loads(result.stdout)
        return data


@contextmanager
def running_stack(model: Path, workdir: Path, database_url: str | None = None) -> Iterator[Stack]:
    """A started Stack on free ports (its own SQLite file in `workdir` unless `database_url`),
    stopped afterwards."""
    settings = replace(
        load_settings(),
        rasa_port=free_port(),
        action_port=free_port(),
        web_port=free_port(),
        rasa_token="test-token",
        models_dir=ROOT / "models",
        var_dir=workdir,
    )
    running = Stack(settings, database_url or f"sqlite:///{workdir / 'app.db'}", workdir)
    try:
        running.start(model)
        yield running
    finally:
        running.stop()


class Chat:
    """One patient's conversation over Rasa's REST channel."""

    def __init__(self, stack: Stack, sender: str) -> None:
        self.url = f"{stack.settings.rasa_url}/webhooks/rest/webhook"
        self.sender = sender
        self.log: list[tuple[str, str]] = []

    def send(self, text: str) -> list[dict[str, Any]]:
        response = httpx.post(self.url, json={"sender": self.sender, "message": text}, timeout=60)
        response.raise_for_status()
        messages: list[dict[str, Any]] = response.json()
        self.log.append(("patient", text))
        self.log.extend(("bot", m.get("text", "")) for m in messages)
        return messages

    def transcript(self) -> str:
        return "\n".join(f"{who:>7}: {text}" for who, text in self.log)


def asked_fact(trial: Trial, messages: list[dict[str, Any]]) -> str | None:
    """Which fact (or dialogue slot) the bot's last message asks for, from the trial wording."""
    text = " ".join(m.get("text", "") for m in messages[-1:])
    for fact in trial.askable_facts():
        for wording in (fact.question_self, fact.question_guardian):
            if wording and " ".join(wording.split()) in " ".join(text.split()):
                return fact.key
    if "Do you agree to answer some questions" in text:
        return "consent_prescreen"
    if "Are you answering for yourself" in text:
        return "respondent"
    if "Would you like the study team to contact you" in text:
        return "contact_consent"
    if "What name should" in text:
        return "contact_name"
    if "phone number or e-mail" in text:
        return "contact_details"
    return None
