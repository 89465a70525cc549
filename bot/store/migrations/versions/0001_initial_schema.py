"""Initial schema: screening, answer, criterion_result, follow_up_flag, contact, audit_event,
staff_user.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00

Hand-reviewed autogenerate output. Types are spelled as plain SQLAlchemy types (the models'
UTCDateTime is DateTime(timezone=True) in DDL) so this revision never depends on app code.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "screening",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("trial_id", sa.String(length=64), nullable=False),
        sa.Column("criteria_version", sa.String(length=32), nullable=False),
        sa.Column("respondent", sa.String(length=16), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=True),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("ended_at", UTC, nullable=True),
        sa.Column("outcome", sa.String(length=20), server_default="incomplete", nullable=False),
        sa.Column("deleted_at", UTC, nullable=True),
        sa.CheckConstraint(
            "respondent IN ('self', 'guardian')", name=op.f("ck_screening_respondent")
        ),
        sa.CheckConstraint(
            "outcome IN ('ineligible', 'likely_eligible', 'needs_review', 'incomplete')",
            name=op.f("ck_screening_outcome"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening")),
    )
    op.create_index(op.f("ix_screening_conversation_id"), "screening", ["conversation_id"])
    op.create_index(op.f("ix_screening_started_at"), "screening", ["started_at"])

    op.create_table(
        "answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("fact", sa.String(length=100), nullable=False),
        sa.Column("value_json", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=True),
        sa.Column("raw_text", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("entered_by", sa.String(length=150), nullable=True),
        sa.Column("at", UTC, nullable=False),
        sa.Column("superseded_at", UTC, nullable=True),
        sa.CheckConstraint("source IN ('patient', 'staff')", name=op.f("ck_answer_source")),
        sa.CheckConstraint(
            "(source = 'patient' AND entered_by IS NULL)"
            " OR (source = 'staff' AND entered_by IS NOT NULL)",
            name=op.f("ck_answer_entered_by"),
        ),
        sa.ForeignKeyConstraint(
            ["screening_id"], ["screening.id"], name=op.f("fk_answer_screening_id_screening")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer")),
    )
    op.create_index(op.f("ix_answer_screening_id"), "answer", ["screening_id"])
    op.create_index(
        "ix_answer_one_current",
        "answer",
        ["screening_id", "fact"],
        unique=True,
        sqlite_where=sa.text("superseded_at IS NULL"),
        postgresql_where=sa.text("superseded_at IS NULL"),
    )

    op.create_table(
        "criterion_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=False),
        sa.Column("evaluated_at", UTC, nullable=False),
        sa.Column("current", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('inclusion', 'exclusion')", name=op.f("ck_criterion_result_kind")
        ),
        sa.CheckConstraint(
            "status IN ('met', 'not_met', 'unknown')", name=op.f("ck_criterion_result_status")
        ),
        sa.ForeignKeyConstraint(
            ["screening_id"],
            ["screening.id"],
            name=op.f("fk_criterion_result_screening_id_screening"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_criterion_result")),
    )
    op.create_index(op.f("ix_criterion_result_screening_id"), "criterion_result", ["screening_id"])
    op.create_index(
        "ix_criterion_result_one_current",
        "criterion_result",
        ["screening_id", "criterion_id"],
        unique=True,
        sqlite_where=sa.text("current = 1"),
        postgresql_where=sa.text("current = true"),
    )

    op.create_table(
        "follow_up_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("fact", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("resolved_at", UTC, nullable=True),
        sa.Column("resolved_by", sa.String(length=150), nullable=True),
        sa.Column("resolution", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('lab', 'clinician')", name=op.f("ck_follow_up_flag_kind")),
        sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f("ck_follow_up_flag_status")),
        sa.CheckConstraint(
            "(status = 'open' AND resolved_at IS NULL)"
            " OR (status = 'resolved' AND resolved_at IS NOT NULL)",
            name=op.f("ck_follow_up_flag_resolved_at"),
        ),
        sa.ForeignKeyConstraint(
            ["screening_id"],
            ["screening.id"],
            name=op.f("fk_follow_up_flag_screening_id_screening"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_flag")),
    )
    op.create_index(op.f("ix_follow_up_flag_screening_id"), "follow_up_flag", ["screening_id"])
    op.create_index(
        "ix_follow_up_flag_one_open",
        "follow_up_flag",
        ["screening_id", "fact"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )

    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("consented_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["screening_id"], ["screening.id"], name=op.f("fk_contact_screening_id_screening")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
        sa.UniqueConstraint("screening_id", name=op.f("uq_contact_screening_id")),
    )

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("actor", sa.String(length=150), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.String(length=255), nullable=True),
        sa.Column("detail", sa.String(length=500), server_default="", nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index(op.f("ix_audit_event_at"), "audit_event", ["at"])
    op.create_index(op.f("ix_audit_event_screening_id"), "audit_event", ["screening_id"])

    op.create_table(
        "staff_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=150), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.CheckConstraint(
            "role IN ('coordinator', 'investigator', 'admin')", name=op.f("ck_staff_user_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_user")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_user_username")),
    )


def downgrade() -> None:
    op.drop_table("staff_user")
    op.drop_index(op.f("ix_audit_event_screening_id"), table_name="audit_event")
    op.drop_index(op.f("ix_audit_event_at"), table_name="audit_event")
    op.drop_table("audit_event")
    op.drop_table("contact")
    op.drop_index("ix_follow_up_flag_one_open", table_name="follow_up_flag")
    op.drop_index(op.f("ix_follow_up_flag_screening_id"), table_name="follow_up_flag")
    op.drop_table("follow_up_flag")
    op.drop_index("ix_criterion_result_one_current", table_name="criterion_result")
    op.drop_index(op.f("ix_criterion_result_screening_id"), table_name="criterion_result")
    op.drop_table("criterion_result")
    op.drop_index("ix_answer_one_current", table_name="answer")
    op.drop_index(op.f("ix_answer_screening_id"), table_name="answer")
    op.drop_table("answer")
    op.drop_index(op.f("ix_screening_started_at"), table_name="screening")
    op.drop_index(op.f("ix_screening_conversation_id"), table_name="screening")
    op.drop_table("screening")
