"""Encryption at rest for SQLite: DATABASE_URL=sqlite+pysqlcipher://:PASSPHRASE@//path (the
`sqlcipher` extra, sqlcipher3-binary). Our tables (bot.store, migrated by alembic) and Rasa's
events (PrivacySQLTrackerStore from bot.stack.tracker_store_config) land in one file that
neither plain SQLite nor a wrong key can read."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from bot.stack import tracker_store_config
from bot.store.db import dispose_engines, get_engine, migrate

pytest.importorskip("sqlcipher3", reason="the sqlcipher extra (sqlcipher3-binary) is not installed")

PASSPHRASE = "0123456789abcdef" * 4  # hex: nothing to escape in a URL or in PRAGMA key
SECRET_ANSWER = "my lupus was diagnosed in 2019 (a secret answer)"


def cipher_url(path: Path, passphrase: str) -> str:
    url = URL.create("sqlite+pysqlcipher", username="", password=passphrase, database=str(path))
    return url.render_as_string(hide_password=False)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "prescreen.db"
    dispose_engines()


def test_tracker_store_config_keeps_the_cipher_and_the_key(tmp_path: Path) -> None:
    url = cipher_url(tmp_path / "x.db", PASSPHRASE) + "?kdf_iter=256000"
    config = tracker_store_config(url)
    assert config["dialect"] == "sqlite+pysqlcipher"
    assert config["db"] == str(tmp_path / "x.db")
    assert config["password"] == PASSPHRASE
    assert config["query"] == {"kdf_iter": "256000"}
    plain = tracker_store_config(f"sqlite:///{tmp_path / 'y.db'}")
    assert plain["dialect"] == "sqlite" and "password" not in plain


def test_database_is_unreadable_without_the_key(database: Path) -> None:
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.rasa_plugins.tracker_store import PrivacySQLTrackerStore

    url = cipher_url(database, PASSPHRASE)
    migrate(url)  # our schema, through our engine (bot.store.db)
    config = tracker_store_config(url)
    del config["type"]
    store = PrivacySQLTrackerStore(**config)  # Rasa's tracker store, as endpoints.yml says
    tracker = DialogueStateTracker.from_events("patient-1", [UserUttered(SECRET_ANSWER)])
    asyncio.run(store.save(tracker))
    store.engine.dispose()
    dispose_engines()  # checkpoint and close: everything is in the files now

    # nothing readable in the file or its journal: no SQLite header, no table names, no answer
    files = sorted(database.parent.glob(database.name + "*"))
    assert database in files
    for file in files:
        data = file.read_bytes()
        for plain in (b"SQLite format 3", b"alembic_version", b"screening", SECRET_ANSWER.encode()):
            assert plain not in data, f"{plain!r} readable in {file.name}"

    with sqlite3.connect(database) as plain_sqlite, pytest.raises(sqlite3.DatabaseError):
        plain_sqlite.execute("SELECT name FROM sqlite_master").fetchall()
    wrong = sa.create_engine(cipher_url(database, "f" * 64))
    with (
        pytest.raises(sa.exc.DatabaseError, match="file is not a database"),
        wrong.connect() as connection,
    ):
        connection.exec_driver_sql("SELECT name FROM sqlite_master").all()
    wrong.dispose()

    # with the key: our tables and Rasa's events, answer included
    with get_engine(url).connect() as connection:
        tables = {row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master")}
        assert {"alembic_version", "events"} <= tables
    reopened = PrivacySQLTrackerStore(**config)
    retrieved = asyncio.run(reopened.retrieve("patient-1"))
    reopened.engine.dispose()
    assert retrieved is not None
    assert [e.text for e in retrieved.events if isinstance(e, UserUttered)] == [SECRET_ANSWER]
