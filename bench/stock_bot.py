"""The reference bot for latency: the stock project of `rasa init`, trained once and cached.

    python -m bench.stock_bot        # make sure the cached model exists, print where

The first run creates the project with `rasa init --no-prompt --init-dir <tmp>` — which also
trains it (the stock config: an empty pipeline/policies section, i.e. Rasa's default DIET +
TED + memoization + rules) — and keeps the trained model in
`bench/results/stock-model/rasa-<version>/stock.tar.gz`. Later runs copy the same scaffold (the
files `rasa init` copies, from rasa/cli/initial_project) and reuse the cached model, so they
do not retrain.

The stock bot needs no action server: its stories and rules use only `utter_*` responses and
its endpoints.yml leaves `action_endpoint` commented out. It is started with
`rasa run --enable-api -i 127.0.0.1 -p <free port>` and the REST channel only (the scaffold's
credentials.yml also configures the `rasa` channel, which would try to reach localhost:5002;
everything here stays on 127.0.0.1). Its tracker store is Rasa's default, in memory.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import RESULTS_DIR
from bot.stack import base_env

STARTUP_TIMEOUT = 240
TRAIN_TIMEOUT = 1800
#: a stock conversation: greet, mood, affirm/deny, bot challenge, goodbye (intents of the scaffold).
SCRIPT = (
    "hi",
    "I'm sad",
    "yes",
    "hello there",
    "I feel very unhappy",
    "no",
    "are you a bot?",
    "I am great",
    "good morning",
    "so sad",
    "yes it did",
    "bye",
)


def rasa_version() -> str:
    return importlib.metadata.version("rasa")


def cache_dir() -> Path:
    return RESULTS_DIR / "stock-model" / f"rasa-{rasa_version()}"


def cached_model() -> Path:
    return cache_dir() / "stock.tar.gz"


def scaffold_path() -> Path:
    """rasa/cli/initial_project: the files `rasa init` copies (found without importing rasa)."""
    spec = importlib.util.find_spec("rasa")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "cli" / "initial_project"


def _env(project: Path) -> dict[str, str]:
    return base_env(SANIC_HOST="127.0.0.1", RASA_CACHE_DIRECTORY=str(project / ".rasa" / "cache"))


@dataclass
class StockProject:
    """A stock project directory and its trained model."""

    path: Path
    model: Path
    trained_now: bool
    train_s: float | None


def prepare(workdir: Path) -> StockProject:
    """Create the stock project under `workdir`; train it only if no cached model exists."""
    project = workdir / "stock-bot"
    model = cached_model()
    if model.exists():
        shutil.copytree(scaffold_path(), project, dirs_exist_ok=True)
        return StockProject(project, model, trained_now=False, train_s=None)
    project.mkdir(parents=True, exist_ok=True)  # `rasa init --no-prompt` needs it to exist
    log = workdir / "rasa-init.log"
    started = time.monotonic()
    with log.open("wb") as out:
        done = subprocess.run(
            [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(project)],
            cwd=workdir,
            env=_env(project),
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=TRAIN_TIMEOUT,
        )
    train_s = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"`rasa init` failed:\n{log.read_text(errors='replace')[-3000:]}")
    trained = sorted((project / "models").glob("*.tar.gz"))
    if not trained:
        raise RuntimeError(f"`rasa init` trained no model in {project / 'models'}")
    model.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(trained[-1], model)
    (model.parent / "train_s.txt").write_text(f"{train_s:.1f}\n")
    return StockProject(project, model, trained_now=True, train_s=train_s)


def cached_train_s() -> float | None:
    path = cache_dir() / "train_s.txt"
    try:
        return float(path.read_text())
    except (OSError, ValueError):
        return None


@dataclass
class StockServer:
    """`rasa run` of the stock model on a free loopback port."""

    project: StockProject
    port: int
    process: subprocess.Popen[bytes] | None = None
    startup_s: float | None = None
    log: Path = field(default_factory=Path)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhook(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    def start(self) -> StockServer:
        credentials = self.project.path / "credentials-rest.yml"
        credentials.write_text("rest:\n")
        self.log = self.project.path / "rasa.log"
        started = time.monotonic()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rasa",
                "run",
                "--enable-api",
                "-i",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-m",
                str(self.project.model),
                "--credentials",
                str(credentials),
            ],
            cwd=self.project.path,
            env=_env(self.project.path),
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"stock rasa exited:\n{self.log.read_text()[-3000:]}")
            try:
                status = httpx.get(f"{self.url}/status", timeout=2)
                if status.status_code == 200 and status.json().get("model_file"):
                    self.startup_s = time.monotonic() - started
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"stock rasa did not come up:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> StockServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def info(project: StockProject) -> dict[str, Any]:
    return {
        "rasa_version": rasa_version(),
        "model": str(project.model),
        "trained_now": project.trained_now,
        "train_s": project.train_s if project.trained_now else cached_train_s(),
        "tracker_store": "in memory (Rasa default)",
        "action_server": "none (stock stories use utter_ responses only)",
    }


def main() -> int:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="stock-bot-") as tmp:
        project = prepare(Path(tmp))
        print(info(project))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
