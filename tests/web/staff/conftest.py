"""Staff-app fixtures: accounts of every role and a client on the real app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.criteria import get_trial
from bot.criteria.model import Trial
from bot.web.staff import auth, create_user
from tests.web.conftest import AppFactory
from tests.web.staff.support import PASSWORD, USERS


@pytest.fixture(scope="session")
def trial() -> Trial:
    return get_trial()


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2id, with tiny costs: the production profile takes ~0.4 s per hash here."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(auth, "hasher", cheap)
    monkeypatch.setattr(auth, "_DUMMY_HASH", cheap.hash("not a real password"))


@pytest.fixture
def staff_users(web_db_url: str) -> dict[str, str]:
    """username → role, one account per role, all with `PASSWORD`."""
    for username, role in USERS.items():
        create_user(username, PASSWORD, role, url=web_db_url)
    return dict(USERS)


@pytest.fixture
def app(make_app: AppFactory, staff_users: dict[str, str]) -> FastAPI:
    return make_app()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as client:
        yield client
