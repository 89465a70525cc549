"""Persistence for pre-screenings: SQLAlchemy models, alembic migrations and one repository.

Typical use (actions, CLI, web app)::

    from bot.store import repository as repo, session_scope

    with session_scope() as session:
        sid = repo.current_screening_id(session, conversation_id)
        repo.record_answer(session, sid, "age_years", 34, "years", "I'm 34")

Call `migrate()` once at start-up (it is safe to call from several processes).
"""

from bot.store.config import database_url
from bot.store.db import dispose_engines, get_engine, migrate, session_scope

__all__ = ["database_url", "dispose_engines", "get_engine", "migrate", "session_scope"]
