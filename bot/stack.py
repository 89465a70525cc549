"""`make run`: train when the Rasa data changed, then run the action server, Rasa and the web app.

All bind 127.0.0.1. Ctrl-C stops everything. `--train-only` trains and exits.

Rasa's API token reaches Rasa in its environment (RASA_TOKEN), never on a command line
(bot/rasa_plugins/server.py); the action server does not get it. In production
(PRESCREEN_ENV=production, see docs/security.md) the stack refuses to start with the
development token, a short one or no WEB_SECRET_KEY.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy.engine import make_url

from bot.settings import ROOT, InsecureConfiguration, Settings, check_deployment, load_settings

MODEL_NAME = "prescreen"
#: Rasa's SQL tracker store, made to honour deletions (bot/rasa_plugins/tracker_store.py).
TRACKER_STORE = "bot.rasa_plugins.tracker_store.PrivacySQLTrackerStore"
TRAINING_INPUTS = ("config.yml", "domain.yml", "data")


def training_fingerprint(root: Path = ROOT) -> str:
    """A hash of everything `rasa train` reads; a new one means the model is stale."""
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = root / name
        files = sorted(path.rglob("*.yml")) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def model_path(settings: Settings) -> Path:
    return settings.models_dir / f"{MODEL_NAME}.tar.gz"


def train_if_needed(settings: Settings, *, force: bool = False) -> Path:
    """Train a model unless one exists for the current data (deterministic seeds in config)."""
    model = model_path(settings)
    stamp = settings.models_dir / f"{MODEL_NAME}.fingerprint"
    fingerprint = training_fingerprint()
    if not force and model.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        print(f"model up to date: {model}")
        return model
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    print("training the Rasa model (data changed) …", flush=True)
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "train",
            "--fixed-model-name",
            MODEL_NAME,
            "--out",
            str(settings.models_dir),
            "--quiet",
        ],
        cwd=ROOT,
        check=True,
        env=base_env(),
    )
    stamp.write_text(fingerprint)
    print(f"trained in {time.monotonic() - started:.0f} s: {model}")
    return model


def tracker_store_config(database_url: str) -> dict[str, object]:
    """Rasa's SQLTrackerStore settings for the application database URL.

    ``sqlite+pysqlcipher://:PASSPHRASE@//abs/path.db`` (SQLCipher, the `sqlcipher` extra) keeps
    the driver and passes the passphrase on, so Rasa's events are encrypted like our tables.
    """
    url = make_url(database_url)
    config: dict[str, object] = {"type": TRACKER_STORE, "dialect": url.drivername.split("+")[0]}
    if url.drivername.startswith("sqlite"):
        config["db"] = url.database
        if url.get_driver_name() == "pysqlcipher":
            config["dialect"] = url.drivername
            config["password"] = url.password or ""
            if url.query:
                config["query"] = dict(url.query)  # cipher pragmas (kdf_iter, cipher, …)
        return config
    # A custom store receives the host as `url` (Rasa passes it on as `host`).
    config.update({"db": url.database, "url": url.host, "port": url.port})
    if url.username:
        config["username"] = url.username
    if url.password:
        config["password"] = url.password
    if url.query:
        config["query"] = dict(url.query)  # e.g. sslmode / sslrootcert for the driver
    return config


def write_endpoints(settings: Settings, database_url: str) -> Path:
    """var/endpoints.yml for this run: our action server and the shared database."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    path = settings.var_dir / "endpoints.yml"
    endpoints = {
        "action_endpoint": {"url": settings.action_url},
        "tracker_store": tracker_store_config(database_url),
        "lock_store": {"type": "in_memory"},
    }
    # owner-only before anything is written: it may hold a database password or key
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False))
    return path


def base_env(**extra: str) -> dict[str, str]:
    """This process's environment for a Rasa command or server: no telemetry, quiet
    TensorFlow (unless set otherwise), plus `extra`."""
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.update(extra)
    return env


def action_server_command(settings: Settings) -> list[str]:
    return [
        sys.executable,
        "-m",
        "rasa_sdk",
        "--actions",
        "actions",
        "-p",
        str(settings.action_port),
    ]


def rasa_server_command(settings: Settings, model: Path, endpoints: Path) -> list[str]:
    """Rasa's command line; the API token goes in its environment (`rasa_server_env`)."""
    return [
        sys.executable,
        "-m",
        "bot.rasa_plugins.server",  # Rasa's CLI with measured fixes; token from RASA_TOKEN
        "run",
        "--enable-api",
        "-i",
        "127.0.0.1",
        "-p",
        str(settings.rasa_port),
        "-m",
        str(model),
        "--endpoints",
        str(endpoints),
        "--credentials",
        str(ROOT / "credentials.yml"),
    ]


def rasa_server_env(settings: Settings, env: dict[str, str]) -> dict[str, str]:
    """`env` plus the API token, for the Rasa server (and the web app, which calls it)."""
    return {**env, "RASA_TOKEN": settings.rasa_token}


def web_server_command(settings: Settings) -> list[str]:
    """uvicorn for the web app. Proxy headers are ignored unless WEB_FORWARDED_ALLOW_IPS names
    the reverse proxies to believe (uvicorn's own default would trust any loopback client)."""
    if settings.web_forwarded_allow_ips:
        proxy = ["--proxy-headers", "--forwarded-allow-ips", settings.web_forwarded_allow_ips]
    else:
        proxy = ["--no-proxy-headers"]
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "bot.web.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(settings.web_port),
        "--no-server-header",
        "--ws",
        "none",  # Rasa pins an older websockets that uvicorn's websocket support cannot use
        *proxy,
    ]


STARTUP_TIMEOUT = 180


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stack_settings(workdir: Path, *, rasa_token: str, base: Settings | None = None) -> Settings:
    """Settings for a stack of its own (tests, benchmarks): free loopback ports, `rasa_token`,
    var/ files in `workdir`; the rest from `base` (default: the environment)."""
    return replace(
        base or load_settings(),
        rasa_port=free_port(),
        action_port=free_port(),
        web_port=free_port(),
        rasa_token=rasa_token,
        models_dir=ROOT / "models",
        var_dir=workdir,
    )


def service_env(database_url: str) -> dict[str, str]:
    """The servers' environment: ours, plus the database, Sanic on loopback, no telemetry, and
    no RASA_TOKEN (the action server never needs it; see `rasa_server_env`)."""
    env = base_env(SANIC_HOST="127.0.0.1", DATABASE_URL=database_url)
    env.pop("RASA_TOKEN", None)
    return env


def web_server_env(settings: Settings, env: dict[str, str]) -> dict[str, str]:
    """`env` for the web app: the Rasa server it calls (URL and token) and its var/ directory."""
    return {
        **rasa_server_env(settings, env),
        "RASA_URL": settings.rasa_url,
        "VAR_DIR": str(settings.var_dir),
    }


def _wait_for(
    url: str, process: subprocess.Popen[bytes], deadline: float, log: Path | None
) -> None:
    """Until `url` answers below 500; RuntimeError if `process` exits or time runs out."""

    def tail() -> str:
        return log.read_text(errors="replace")[-4000:] if log is not None else "(see its output)"

    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited early:\n{tail()}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up in time:\n{tail()}")


@dataclass
class Stack:
    """The action server, the Rasa server and (optionally) the web app of one run, sharing one
    database; `make run`, the stack tests (tests/stack/harness.py) and the benchmarks
    (bench/stack.py) all start it here.

    Each server's output goes to ``<workdir>/<name>.log``, or to this process's when `workdir`
    is None.
    """

    settings: Settings
    database_url: str
    workdir: Path | None = None
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    #: seconds each server took to answer (actions, rasa, web).
    startup_s: dict[str, float] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return service_env(self.database_url)

    def start(
        self,
        model: Path,
        *,
        web: bool = False,
        web_env: Mapping[str, str] | None = None,
        action_port: int | None = None,
    ) -> None:
        """Migrate the database, then start the action server (on `action_port` if given) and
        Rasa, and the web app if `web` (`web_env` added to its environment, e.g.
        WEB_CHAT_RATE_LIMIT); each is waited for until it answers."""
        from bot.store.db import migrate

        migrate(self.database_url)
        self.start_actions(action_port)
        self.start_rasa(model)
        if web:
            self.start_web(**(web_env or {}))

    def _spawn(
        self, name: str, command: list[str], env: dict[str, str]
    ) -> tuple[subprocess.Popen[bytes], Path | None]:
        log = self.workdir / f"{name}.log" if self.workdir is not None else None
        output = log.open("ab") if log is not None else None
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT if log else None
        )
        if output is not None:
            output.close()  # the child has its own copy
        self.processes.append(process)
        return process, log

    def _started(
        self, name: str, url: str, process: subprocess.Popen[bytes], log: Path | None
    ) -> None:
        started = time.monotonic()
        _wait_for(url, process, started + STARTUP_TIMEOUT, log)
        self.startup_s[name] = time.monotonic() - started

    def start_actions(self, port: int | None = None) -> subprocess.Popen[bytes]:
        """Start the action server (on `port` instead of settings.action_port, e.g. behind a
        proxy) and wait for its health check."""
        settings = self.settings if port is None else replace(self.settings, action_port=port)
        process, log = self._spawn("actions", action_server_command(settings), self.env())
        health = f"http://127.0.0.1:{settings.action_port}/health"
        self._started("actions", health, process, log)
        return process

    def start_rasa(self, model: Path) -> subprocess.Popen[bytes]:
        """Start (or restart) the Rasa server and wait until the model is loaded."""
        endpoints = write_endpoints(self.settings, self.database_url)
        command = rasa_server_command(self.settings, model, endpoints)
        # the API token in the environment, never on the command line
        process, log = self._spawn("rasa", command, rasa_server_env(self.settings, self.env()))
        started = time.monotonic()
        deadline = started + STARTUP_TIMEOUT
        _wait_for(f"{self.settings.rasa_url}/", process, deadline, log)
        # The model is loaded once /status answers with the token.
        while time.monotonic() < deadline:
            status = httpx.get(
                f"{self.settings.rasa_url}/status", params={"token": self.settings.rasa_token}
            )
            if status.status_code == 200 and status.json().get("model_file"):
                self.startup_s["rasa"] = time.monotonic() - started
                return process
            time.sleep(0.5)
        tail = log.read_text(errors="replace")[-4000:] if log is not None else ""
        raise RuntimeError(f"Rasa did not load the model:\n{tail}")

    def start_web(self, **extra_env: str) -> subprocess.Popen[bytes]:
        """Start the web app (uvicorn) and wait until the patient page answers."""
        env = {**web_server_env(self.settings, self.env()), **extra_env}
        process, log = self._spawn("web", web_server_command(self.settings), env)
        self._started("web", f"{self.web_url}/", process, log)
        return process

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.web_port}"

    def alive(self) -> bool:
        return all(process.poll() is None for process in self.processes)

    def stop(self) -> None:
        """Stop every server (SIGTERM; killed after 20 s)."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 20
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
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
        """`prescreen export --conversation=ID` (the CLI must succeed)."""
        result = self.prescreen("export", f"--conversation={conversation_id}")
        if result.returncode != 0:
            raise RuntimeError(f"prescreen export {conversation_id}: {result.stderr}")
        data: dict[str, Any] = json.loads(result.stdout)
        return data


def start_services(settings: Settings, model: Path) -> Stack:
    """`make run`: the whole stack on the configured ports, output to this terminal."""
    from bot.store.config import database_url

    stack = Stack(settings, database_url())
    try:
        stack.start(model, web=True)
    except BaseException:
        stack.stop()
        raise
    return stack


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.stack", description=__doc__)
    parser.add_argument("--train-only", action="store_true", help="train if needed, then exit")
    parser.add_argument("--force-train", action="store_true", help="train even if up to date")
    args = parser.parse_args(argv)
    if not args.train_only:
        try:
            check_deployment(rasa_token=True, web_secret=True)
        except InsecureConfiguration as error:
            print(f"prescreen stack: {error}", file=sys.stderr)
            return 2
    settings = load_settings()
    model = train_if_needed(settings, force=args.force_train)
    if args.train_only:
        return 0
    try:
        stack = start_services(settings, model)
    except KeyboardInterrupt:
        return 0
    print(
        f"patient page: {stack.web_url}/   staff app: {stack.web_url}/staff   (Rasa "
        f"{settings.rasa_url}, actions {settings.action_url}; Ctrl-C stops everything)",
        flush=True,
    )
    try:
        while stack.alive():
            time.sleep(0.5)
        print("a service stopped; shutting down", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
