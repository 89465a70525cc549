"""Where the pre-screen database lives: ``DATABASE_URL``, else a SQLite file under ``var/``."""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root: the parent of the ``bot`` package.
REPO_ROOT = Path(__file__).resolve().parent.parent.parent
#: Default home of the SQLite database shared by the Rasa server, action server and web app.
VAR_DIR = REPO_ROOT / "var"
DEFAULT_SQLITE_PATH = VAR_DIR / "prescreen.db"


def database_url() -> str:
    """The SQLAlchemy URL: env ``DATABASE_URL``, else ``sqlite:///<repo>/var/prescreen.db``.

    The ``var/`` directory is created when the default is used. A relative SQLite path in
    ``DATABASE_URL`` is relative to each process's working directory: prefer absolute ones.
    """
    url = os.environ.get("DATABASE_URL", "").strip()
    if url.startswith("postgres://"):  # the Heroku-style scheme SQLAlchemy 1.4 rejects
        url = "postgresql://" + url.removeprefix("postgres://")
    if url:
        return url
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"
