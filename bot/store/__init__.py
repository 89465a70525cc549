"""Persistence for pre-screenings: SQLAlchemy models, alembic migrations, and one module per job.

- `bot.store.screenings`: a screening as the conversation fills it (start, consent, respondent,
  answers, assessments, contact details, current facts);
- `bot.store.review`: what staff review (screening list and summary, flags and their resolution);
- `bot.store.transcripts`: the conversation's messages from Rasa's ``events`` table;
- `bot.store.retention`: erasure ("delete my answers") and the purge of old screenings;
- `bot.store.exports`: JSON exports and the screening-log CSV;
- `bot.store.audit` (the audit trail) and `bot.store.accounts` (staff accounts);
- `bot.store.common`: the store's errors and shared helpers.

Typical use (actions, CLI, web app)::

    from bot.store import screenings, session_scope

    with session_scope() as session:
        sid = screenings.current_screening_id(session, conversation_id)
        screenings.record_answer(session, sid, "age_years", 34, "years", "I'm 34")

Call `migrate()` once at start-up (it is safe to call from several processes).
"""

from bot.store.config import database_url
from bot.store.db import dispose_engines, get_engine, migrate, session_scope

__all__ = ["database_url", "dispose_engines", "get_engine", "migrate", "session_scope"]
