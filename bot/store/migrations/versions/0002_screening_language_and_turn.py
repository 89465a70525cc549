"""The screening's language and the key of the last patient message applied to it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 20:45:00

Both columns are nullable: screenings stored before this revision have neither.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("screening") as batch:
        batch.add_column(sa.Column("language", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("last_turn", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("screening") as batch:
        batch.drop_column("last_turn")
        batch.drop_column("language")
