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
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

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
        env=_env(),
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


def start_services(settings: Settings, model: Path) -> list[subprocess.Popen[bytes]]:
    """Migrate the database, then start the action server, the Rasa server and the web app."""
    from bot.store.config import database_url
    from bot.store.db import migrate

    url = database_url()
    migrate(url)
    endpoints = write_endpoints(settings, url)
    env = _env(SANIC_HOST="127.0.0.1", DATABASE_URL=url)
    env.pop("RASA_TOKEN", None)  # the action server never needs it
    with_token = rasa_server_env(settings, env)
    return [
        subprocess.Popen(action_server_command(settings), cwd=ROOT, env=env),
        subprocess.Popen(rasa_server_command(settings, model, endpoints), cwd=ROOT, env=with_token),
        subprocess.Popen(web_server_command(settings), cwd=ROOT, env=with_token),
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
