"""Engines, units of work and schema migration.

Nothing here connects at import time: `get_engine` builds (and caches) one engine per URL on
first use. SQLite engines are tuned so the Rasa server, the action server and the web app can
share one database file: WAL journal, a busy timeout, foreign keys on, connections usable
across threads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from bot.store.config import database_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: How long a SQLite connection waits for another process's write lock (env override, ms).
SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "30000"))
#: Any constant: the PostgreSQL advisory lock that serialises concurrent `migrate()` calls.
_MIGRATION_LOCK_KEY = 0x70726573  # "pres"

_built: list[Engine] = []
_built_lock = threading.Lock()


def _on_sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    """Per-connection SQLite settings (journal mode WAL persists in the file itself)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS:d}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


@cache
def _engine_for(url: str) -> Engine:
    kwargs: dict[str, Any] = {"future": True}
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        kwargs["connect_args"] = {
            "check_same_thread": False,
            # the driver's own lock wait, in seconds, matching busy_timeout
            "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
        }
        if make_url(url).database not in (None, "", ":memory:"):
            # A file database keeps its connections: SQLAlchemy 1.4's default for SQLite
            # (NullPool) opens, sets up and closes one per unit of work (closing alone was
            # ~9 % of the action server's busy time in a profile). pysqlcipher's default
            # pool (one connection per thread, at most 5) crashed under the web app's thread
            # pool; QueuePool does not.
            kwargs["poolclass"] = QueuePool
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if backend == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
    with _built_lock:
        _built.append(engine)
    return engine


def get_engine(url: str | None = None) -> Engine:
    """The (cached) engine for `url`, default `database_url()`; built on first use."""
    return _engine_for(url or database_url())


def dispose_engines() -> None:
    """Close every cached engine's pooled connections and forget them (tests, after fork)."""
    with _built_lock:
        engines = list(_built)
        _built.clear()
    _engine_for.cache_clear()
    for engine in engines:
        engine.dispose()


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """One session per unit of work: commit on success, roll back on error, always close."""
    session = Session(bind=get_engine(url), future=True, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str | None = None) -> Config:
    """An alembic Config built in code (no alembic.ini needed), pointing at our migrations."""
    from alembic.config import Config  # imported on use: alembic is slow to import

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolates '%': escape it (URL-encoded passwords contain it).
    config.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    return config


def migrate(url: str | None = None, revision: str = "head") -> None:
    """Upgrade the database at `url` (default `database_url()`) to `revision`.

    Safe to call from several processes at start-up: the upgrade runs under a write lock
    (SQLite ``BEGIN IMMEDIATE``, PostgreSQL advisory transaction lock). On SQLite foreign
    keys are off while migrating (batch-mode table rebuilds need that) and checked after.
    """
    from alembic import command

    url = url or database_url()
    engine = get_engine(url)
    config = alembic_config(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # a no-op inside a transaction: set it before pysqlite's lazy BEGIN
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            # take the write lock before alembic reads the current version
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.begin()
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK_KEY})")
        config.attributes["connection"] = connection
        try:
            command.upgrade(config, revision)
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"migration left dangling foreign keys: {broken[:5]}")
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys = ON")
                connection.commit()
