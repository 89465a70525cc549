"""Real-browser fixtures: the real stack (Rasa + action server + SQLite), the web app served by
uvicorn in a background thread, and headless Debian Chromium driven by Selenium.

Screenshots go to ``test-artifacts/`` at the repository root (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from bot.settings import ROOT
from bot.web.config import WebSettings
from tests.stack.harness import Stack, free_port, running_stack

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = ROOT / "test-artifacts"
SECRET = "browser-test-secret-key"


@pytest.fixture(scope="module")
def stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The real Rasa + action servers on free ports with their own SQLite database."""
    with running_stack(trained_model, tmp_path_factory.mktemp("browser-stack")) as running:
        yield running


@dataclass
class Web:
    url: str
    settings: WebSettings
    stack: Stack


@pytest.fixture(scope="module")
def web(stack: Stack) -> Iterator[Web]:
    """The web app (create_app) on a free port, talking to the stack's Rasa and database."""
    from bot.store.db import dispose_engines
    from bot.web.app import create_app

    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = stack.database_url  # the store the web app reads
    settings = WebSettings(
        rasa_url=stack.settings.rasa_url,
        rasa_token=stack.settings.rasa_token,
        secret_key=SECRET,
        trial_id=stack.settings.trial_id,
        secure_cookies=False,
        chat_rate_limit="300/minute",  # one test client types fast
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ws="none",  # Rasa pins an old `websockets`; uvicorn's auto-detection fails on it
        )
    )
    thread = threading.Thread(target=server.run, name="web-app", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web app did not start")
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    assert httpx.get(url + "/", timeout=10).status_code == 200
    try:
        yield Web(url, settings, stack)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        dispose_engines()
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    """A fresh headless Chromium (own profile: no cookies carried between tests)."""
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip(f"needs {CHROMIUM} and {CHROMEDRIVER} (Debian chromium, chromium-driver)")
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = Options()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1280,900",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # CSP reports, JS errors
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
