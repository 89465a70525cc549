"""Fixtures for the store tests: a real, migrated database per test.

Every database test runs on a temporary SQLite file and, when PostgreSQL server binaries
(``initdb``/``pg_ctl``) are on the machine, again on a throw-away PostgreSQL cluster started
for the session (one fresh database per test). Set ``TEST_POSTGRES_URL`` to use an existing
server instead (databases are created and dropped in it), or ``PRESCREEN_TEST_POSTGRES=0``
to skip the PostgreSQL variant.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.criteria import get_trial
from bot.criteria.model import Trial
from bot.store.db import dispose_engines, get_engine, migrate
from bot.store.models import metadata
from tests.patients import NEEDS_REVIEW_FACTS

#: Rasa 3.6 SQLTrackerStore.SQLEvent, column for column (rasa/core/tracker_store.py).
RASA_METADATA = sa.MetaData()
RASA_EVENTS = sa.Table(
    "events",
    RASA_METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return None


class _PostgresCluster:
    """A private PostgreSQL cluster on a Unix socket in a temp dir (trust auth)."""

    def __init__(self, initdb: str, pg_ctl: str) -> None:
        self.initdb = initdb
        self.pg_ctl = pg_ctl
        self.root = Path(tempfile.mkdtemp(prefix="prescreen-pg-"))
        self.data = self.root / "data"
        # initdb refuses to run as root: run the server as the `postgres` account then.
        self.run_as: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                raise RuntimeError("running as root and `runuser` is missing")
            shutil.chown(self.root, user="postgres")
            self.run_as = [runuser, "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [*self.run_as, *args], capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr.strip()[-500:]}")

    def start(self) -> str:
        self._run(
            self.initdb,
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = (
            f"-k {self.root} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            self.pg_ctl,
            "-D",
            str(self.data),
            "-l",
            str(self.root / "log"),
            "-w",
            "-o",
            options,
            "start",
        )
        return f"postgresql+psycopg2://postgres@/postgres?host={self.root}"

    def stop(self) -> None:
        try:
            self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[sa.engine.URL]:
    """The URL of an admin database on a PostgreSQL server, or skip with the reason."""
    if os.environ.get("PRESCREEN_TEST_POSTGRES") == "0":
        pytest.skip("PostgreSQL variant disabled by PRESCREEN_TEST_POSTGRES=0")
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        pytest.skip("PostgreSQL variant skipped: the psycopg2 driver is not installed")
    given = os.environ.get("TEST_POSTGRES_URL")
    if given:
        yield sa.engine.make_url(given)
        return
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip(
            "PostgreSQL variant skipped: no initdb/pg_ctl on this machine "
            "(install the postgresql server package or set TEST_POSTGRES_URL)"
        )
    try:
        cluster = _PostgresCluster(initdb, pg_ctl)
        url = cluster.start()
    except (RuntimeError, OSError, KeyError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"PostgreSQL variant skipped: could not start a test cluster: {exc}")
    try:
        yield sa.engine.make_url(url)
    finally:
        cluster.stop()


def _admin(url: sa.engine.URL, sql: str) -> None:
    engine = sa.create_engine(url, future=True, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    """A migrated SQLite file of its own."""
    url = f"sqlite:///{tmp_path / 'prescreen.db'}"
    migrate(url)
    yield url
    dispose_engines()


@pytest.fixture(scope="session")
def postgres_db(postgres_server: sa.engine.URL) -> Iterator[str]:
    """One migrated PostgreSQL database for the session (CREATE DATABASE is slow)."""
    name = f"prescreen_test_{uuid.uuid4().hex[:12]}"
    _admin(postgres_server, f'CREATE DATABASE "{name}"')
    try:
        yield postgres_server.set(database=name).render_as_string(hide_password=False)
    finally:
        dispose_engines()
        _admin(postgres_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _empty_postgres(url: str) -> None:
    """Back to an empty, migrated schema: drop Rasa's table, truncate ours."""
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS events")
        tables = ", ".join(t.name for t in metadata.sorted_tables)
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A freshly migrated, empty database: SQLite, then PostgreSQL when available."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
        return
    url: str = request.getfixturevalue("postgres_db")
    migrate(url)
    _empty_postgres(url)
    try:
        yield url
    finally:
        dispose_engines()


@pytest.fixture
def is_postgres(db_url: str) -> bool:
    return db_url.startswith("postgresql")


@pytest.fixture
def trial() -> Trial:
    return get_trial()


EventAdder = Callable[..., None]


@pytest.fixture
def rasa_events_table() -> sa.Table:
    """The test copy of Rasa's ``events`` table (not yet created anywhere)."""
    return RASA_EVENTS


@pytest.fixture
def rasa_events(db_url: str) -> EventAdder:
    """Create Rasa's ``events`` table and return ``add(sender, type_name, text=..., at=...)``."""
    engine = get_engine(db_url)
    RASA_METADATA.create_all(engine)

    def add(
        sender: str,
        type_name: str,
        text: str | None = None,
        at: datetime | float | None = None,
        **extra: Any,
    ) -> None:
        if isinstance(at, datetime):
            stamp = at.timestamp()
        elif at is None:
            stamp = time.time()
        else:
            stamp = float(at)
        data: dict[str, Any] = {"event": type_name, "timestamp": stamp, **extra}
        if text is not None:
            data["text"] = text
        with engine.begin() as conn:
            conn.execute(
                RASA_EVENTS.insert().values(
                    sender_id=sender,
                    type_name=type_name,
                    timestamp=stamp,
                    intent_name=None,
                    action_name=extra.get("name"),
                    data=json.dumps(data),
                )
            )

    return add


@pytest.fixture
def needs_review_facts() -> dict[str, Any]:
    return dict(NEEDS_REVIEW_FACTS)
