"""`make run`: train when the Rasa data changed, then run the action server, Rasa and the web app.

All bind 127.0.0.1. Ctrl-C stops everything. `--train-only` trains and exits.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

from bot.settings import ROOT, Settings, load_settings

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
        env=_env(),
    )
    stamp.write_text(fingerprint)
    print(f"trained in {time.monotonic() - started:.0f} s: {model}")
    return model


def tracker_store_config(database_url: str) -> dict[str, object]:
    """Rasa's SQLTrackerStore settings for the application database URL."""
    url = make_url(database_url)
    config: dict[str, object] = {"type": TRACKER_STORE, "dialect": url.drivername.split("+")[0]}
    if url.drivername.startswith("sqlite"):
        config["db"] = url.database
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
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False))
    return path


def _env(**extra: str) -> dict[str, str]:
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
    return [
        sys.executable,
        "-m",
        "bot.rasa_plugins.server",  # Rasa's CLI with a measured fix (see that module)
        "run",
        "--enable-api",
        "--auth-token",
        settings.rasa_token,
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


def web_server_command(settings: Settings) -> list[str]:
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
    ]


def start_services(settings: Settings, model: Path) -> list[subprocess.Popen[bytes]]:
    """Migrate the database, then start the action server, the Rasa server and the web app."""
    from bot.store.config import database_url
    from bot.store.db import migrate

    url = database_url()
    migrate(url)
    endpoints = write_endpoints(settings, url)
    env = _env(SANIC_HOST="127.0.0.1", DATABASE_URL=url)
    return [
        subprocess.Popen(action_server_command(settings), cwd=ROOT, env=env),
        subprocess.Popen(rasa_server_command(settings, model, endpoints), cwd=ROOT, env=env),
        subprocess.Popen(web_server_command(settings), cwd=ROOT, env=env),
    ]


def stop_services(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.stack", description=__doc__)
    parser.add_argument("--train-only", action="store_true", help="train if needed, then exit")
    parser.add_argument("--force-train", action="store_true", help="train even if up to date")
    args = parser.parse_args(argv)
    settings = load_settings()
    model = train_if_needed(settings, force=args.force_train)
    if args.train_only:
        return 0
    processes = start_services(settings, model)
    print(
        f"patient page: http://127.0.0.1:{settings.web_port}/   staff app: "
        f"http://127.0.0.1:{settings.web_port}/staff   (Rasa {settings.rasa_url}, actions "
        f"{settings.action_url}; Ctrl-C stops everything)",
        flush=True,
    )
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        print("a service stopped; shutting down", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop_services(processes)


if __name__ == "__main__":
    sys.exit(main())
