"""What every store module shares: its errors, the flag resolutions, JSON and time helpers.

Every store function takes a `Session` first; the caller owns the unit of work
(``with session_scope() as session: ...``). Plain types go in and out: ints, strings, dicts,
lists and timezone-aware UTC datetimes (exports use ISO-8601 strings instead).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.orm import Session

from bot.store.models import Screening

#: resolved_by for flags closed by a re-evaluation rather than by staff.
SYSTEM_ACTOR = "system"
NO_LONGER_NEEDED = "no longer needed"
VALUE_ENTERED = "value entered"
NOT_OBTAINABLE = "not obtainable"
#: Ids per IN (...) list (SQLite allows 999 parameters in old builds).
CHUNK = 500


class StoreError(Exception):
    """Base class of the store's own errors."""


class ScreeningNotFound(StoreError, LookupError):
    """No such screening, or it was deleted."""


class FlagNotFound(StoreError, LookupError):
    """No such follow-up flag."""


class FlagAlreadyResolved(StoreError, ValueError):
    """The follow-up flag was resolved before (by staff or by a re-evaluation)."""


def dump(value: Any) -> str:
    """Compact JSON text; NaN/Infinity are refused (not JSON)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def load(text: str | None) -> Any:
    """The value of a JSON column (None stays None)."""
    return None if text is None else json.loads(text)


def iso(moment: datetime | None) -> str | None:
    """ISO-8601 UTC with seconds precision, e.g. ``2025-01-31T09:30:00+00:00``."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def aware(moment: datetime) -> datetime:
    """A naive datetime is taken to be UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    """`ids` in slices short enough for one IN (...) list."""
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def live_screening(session: Session, screening_id: int, *, lock: bool = False) -> Any:
    """The screening, or ScreeningNotFound; `lock` = SELECT ... FOR UPDATE (PostgreSQL).

    Writers lock the screening row so concurrent writes to one screening queue up instead of
    racing (SQLite serialises writers anyway and ignores FOR UPDATE).
    """
    screening = session.get(Screening, screening_id, with_for_update=True if lock else None)
    if screening is None or screening.deleted_at is not None:
        raise ScreeningNotFound(f"no screening {screening_id}")
    return screening


def like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere (``escape="\\"``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
