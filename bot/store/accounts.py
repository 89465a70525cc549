"""Staff accounts (the web app hashes and checks the passwords)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import ROLES, StaffUser, utcnow


def create_staff_user(session: Session, username: str, password_hash: str, role: str) -> int:
    """Create a staff account (the caller hashes the password); returns its id."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")
    if not username or not password_hash:
        raise ValueError("username and password_hash are required")
    if get_staff_user(session, username) is not None:
        raise ValueError(f"staff user {username!r} exists already")
    user = StaffUser(username=username, password_hash=password_hash, role=role, created_at=utcnow())
    session.add(user)
    session.flush()
    return int(user.id)


def get_staff_user(session: Session, username: str) -> dict[str, Any] | None:
    """The account as a dict (id, username, password_hash, role, created_at, active)."""
    user = session.execute(
        select(StaffUser).where(StaffUser.username == username)
    ).scalar_one_or_none()
    if user is None:
        return None
    return {
        "id": int(user.id),
        "username": user.username,
        "password_hash": user.password_hash,
        "role": user.role,
        "created_at": user.created_at,
        "active": bool(user.active),
    }
