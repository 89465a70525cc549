"""The pre-screen schema: screenings, answers, criterion results, flags, contacts, audit, staff.

Enumerated columns are plain strings guarded by CHECK constraints (portable to SQLite and
PostgreSQL); JSON values are stored as JSON text. Every timestamp is timezone-aware UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    true,
)
from sqlalchemy.orm import declarative_base

#: Stable constraint names, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

OUTCOMES = ("ineligible", "likely_eligible", "needs_review", "incomplete")
RESPONDENTS = ("self", "guardian")
SOURCES = ("patient", "staff")
STATUSES = ("met", "not_met", "unknown")
CRITERION_KINDS = ("inclusion", "exclusion")
FLAG_KINDS = ("lab", "clinician")
FLAG_STATUSES = ("open", "resolved")
ROLES = ("coordinator", "investigator", "admin")

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def _unique_where(name: str, columns: tuple[str, str], where: Any) -> Index:
    """A unique index over `columns` among the rows matching `where` (partial, on SQLite and
    PostgreSQL alike): e.g. one current answer per fact and screening."""
    return Index(name, *columns, unique=True, sqlite_where=where, postgresql_where=where)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL for ``column IN (...)`` over fixed string literals (for a CHECK constraint)."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UTCDateTime(TypeDecorator):  # type: ignore[misc]
    """A timezone-aware UTC datetime on every backend (SQLite stores naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware UTC datetimes")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


if TYPE_CHECKING:

    class Base:
        """Typing stand-in for the declarative base (SQLAlchemy 1.4 ships no type hints)."""

        metadata: Any
        __table__: Any

        def __init__(self, **kwargs: Any) -> None: ...

else:
    Base = declarative_base(metadata=metadata)


class Screening(Base):
    """One pre-screen run in one conversation (a restart starts a new screening)."""

    __tablename__ = "screening"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    trial_id = Column(String(64), nullable=False)
    criteria_version = Column(String(32), nullable=False)
    respondent = Column(String(16), nullable=True)
    consent = Column(Boolean, nullable=True)
    started_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    ended_at = Column(UTCDateTime, nullable=True)
    outcome = Column(String(20), nullable=False, default="incomplete", server_default="incomplete")
    deleted_at = Column(UTCDateTime, nullable=True)
    #: the conversation's language ("en"); None for screenings stored before it was recorded.
    language = Column(String(16), nullable=True)
    #: the key of the latest patient message applied to this screening, so that a retry of the
    #: same message (after Rasa failed to save its tracker) is applied only once.
    last_turn = Column(String(64), nullable=True)

    __table_args__ = (
        CheckConstraint(_one_of("respondent", RESPONDENTS), name="respondent"),
        CheckConstraint(_one_of("outcome", OUTCOMES), name="outcome"),
    )


class Answer(Base):
    """One answer to one fact; a correction supersedes the previous row, never overwrites it."""

    __tablename__ = "answer"

    id = Column(Integer, primary_key=True)
    screening_id = Column(Integer, ForeignKey("screening.id"), nullable=False, index=True)
    fact = Column(String(100), nullable=False)
    #: JSON text of the normalised value; ``null`` = asked, and unknown.
    value_json = Column(Text, nullable=False)
    unit = Column(String(32), nullable=True)
    #: the patient's own words, or a staff member's note for staff entries.
    raw_text = Column(Text, nullable=True)
    source = Column(String(16), nullable=False, default="patient")
    entered_by = Column(String(150), nullable=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow)
    superseded_at = Column(UTCDateTime, nullable=True)

    __table_args__ = (
        CheckConstraint(_one_of("source", SOURCES), name="source"),
        CheckConstraint(
            "(source = 'patient' AND entered_by IS NULL)"
            " OR (source = 'staff' AND entered_by IS NOT NULL)",
            name="entered_by",
        ),
        # At most one current answer per fact and screening.
        _unique_where("ix_answer_one_current", ("screening_id", "fact"), superseded_at.is_(None)),
    )


class CriterionResult(Base):
    """One criterion's status in one evaluation; the latest set is ``current``."""

    __tablename__ = "criterion_result"

    id = Column(Integer, primary_key=True)
    screening_id = Column(Integer, ForeignKey("screening.id"), nullable=False, index=True)
    criterion_id = Column(String(32), nullable=False)
    kind = Column(String(16), nullable=False)
    status = Column(String(16), nullable=False)
    #: JSON list of fact keys.
    decided_by = Column(Text, nullable=False, default="[]")
    evaluated_at = Column(UTCDateTime, nullable=False, default=utcnow)
    current = Column(Boolean, nullable=False, default=True, server_default=true())

    __table_args__ = (
        CheckConstraint(_one_of("kind", CRITERION_KINDS), name="kind"),
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        _unique_where(
            "ix_criterion_result_one_current", ("screening_id", "criterion_id"), current == true()
        ),
    )


class FollowUpFlag(Base):
    """An unknown fact site staff must obtain (spec §4)."""

    __tablename__ = "follow_up_flag"

    id = Column(Integer, primary_key=True)
    screening_id = Column(Integer, ForeignKey("screening.id"), nullable=False, index=True)
    fact = Column(String(100), nullable=False)
    kind = Column(String(16), nullable=False)
    #: JSON list of criterion ids.
    criteria = Column(Text, nullable=False, default="[]")
    status = Column(String(16), nullable=False, default="open", server_default="open")
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    resolved_at = Column(UTCDateTime, nullable=True)
    #: a staff username, or "system" when a re-evaluation made the flag unnecessary.
    resolved_by = Column(String(150), nullable=True)
    #: "value entered", "not obtainable" or "no longer needed".
    resolution = Column(String(64), nullable=True)
    #: the staff member's note when resolving.
    note = Column(Text, nullable=True)

    __table_args__ = (
        CheckConstraint(_one_of("kind", FLAG_KINDS), name="kind"),
        CheckConstraint(_one_of("status", FLAG_STATUSES), name="status"),
        CheckConstraint(
            "(status = 'open' AND resolved_at IS NULL)"
            " OR (status = 'resolved' AND resolved_at IS NOT NULL)",
            name="resolved_at",
        ),
        # At most one open flag per fact and screening.
        _unique_where("ix_follow_up_flag_one_open", ("screening_id", "fact"), status == "open"),
    )


class Contact(Base):
    """Contact details a patient consented to leave (the row exists only with consent)."""

    __tablename__ = "contact"

    id = Column(Integer, primary_key=True)
    screening_id = Column(Integer, ForeignKey("screening.id"), nullable=False, unique=True)
    name = Column(String(200), nullable=False)
    phone = Column(String(64), nullable=True)
    email = Column(String(254), nullable=True)
    consented_at = Column(UTCDateTime, nullable=False, default=utcnow)


class AuditEvent(Base):
    """Append-only access log; never holds health data. No FK: it outlives deleted screenings."""

    __tablename__ = "audit_event"

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    #: a staff username, "patient" or "system".
    actor = Column(String(150), nullable=False)
    #: e.g. view, resolve_flag, export, delete, purge.
    action = Column(String(32), nullable=False)
    screening_id = Column(Integer, nullable=True, index=True)
    conversation_id = Column(String(255), nullable=True)
    detail = Column(String(500), nullable=False, default="", server_default="")
    remote_addr = Column(String(64), nullable=True)


class StaffUser(Base):
    """A site staff account for the web app."""

    __tablename__ = "staff_user"

    id = Column(Integer, primary_key=True)
    username = Column(String(150), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)
    role = Column(String(16), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    active = Column(Boolean, nullable=False, default=True, server_default=true())

    __table_args__ = (CheckConstraint(_one_of("role", ROLES), name="role"),)
