"""Alembic environment for the pre-screen store.

Used two ways: programmatically by `bot.store.db.migrate()` (which passes an open connection in
``config.attributes["connection"]``), and by the ``alembic`` command with the repo's
``alembic.ini`` (URL: ``sqlalchemy.url`` if set, else ``bot.store.config.database_url()``).
Only our own tables are compared by autogenerate: Rasa's tracker-store table ``events`` may
live in the same database and must never be touched.
"""

from __future__ import annotations

from typing import Any

from alembic import context

from bot.store.config import database_url
from bot.store.db import get_engine
from bot.store.models import metadata

config = context.config
target_metadata = metadata


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Autogenerate sees only the tables our models define."""
    if type_ == "table":
        return name in target_metadata.tables
    return True


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or database_url()


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        include_name=include_name,
        compare_type=True,
        render_as_batch=True,  # SQLite needs batch mode for ALTERs in later revisions
        **kwargs,
    )


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``alembic upgrade head --sql``)."""
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against a live connection: the one `migrate()` passed in, or a new engine."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    with get_engine(_url()).connect() as conn:
        _configure(connection=conn)
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
