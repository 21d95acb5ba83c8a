"""Receipts (device cursors, delivery events), bots, and the route outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite only autoincrements an INTEGER PRIMARY KEY.
AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "bots",
        sa.Column("bot_id", sa.String(128), nullable=False),
        sa.Column("webhook_url", sa.String(2048), nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("bot_id", name=op.f("pk_bots")),
    )
    op.create_table(
        "delivery_events",
        sa.Column("event_id", AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("device_id", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("from_seq", sa.BigInteger(), nullable=False),
        sa.Column("to_seq", sa.BigInteger(), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_delivery_events")),
    )
    op.create_index(
        op.f("ix_delivery_events_conversation_id_to_seq"),
        "delivery_events",
        ["conversation_id", "to_seq"],
    )
    op.create_table(
        "route_jobs",
        sa.Column("job_id", AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("route", sa.String(64), nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("conversation_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("target", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIME, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_route_jobs")),
    )
    op.create_index(op.f("ix_route_jobs_message_id"), "route_jobs", ["message_id"])
    op.create_index(
        op.f("ix_route_jobs_route_status_next_attempt_at"),
        "route_jobs",
        ["route", "status", "next_attempt_at"],
    )
    op.create_index(op.f("ix_route_jobs_status_updated_at"), "route_jobs", ["status", "updated_at"])
    op.create_table(
        "device_cursors",
        sa.Column("conversation_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("device_id", sa.String(128), nullable=False),
        sa.Column("delivered_seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.conversation_id"],
            name=op.f("fk_device_cursors_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint(
            "conversation_id", "user_id", "device_id", name=op.f("pk_device_cursors")
        ),
    )


def downgrade() -> None:
    op.drop_table("device_cursors")
    op.drop_table("route_jobs")
    op.drop_table("delivery_events")
    op.drop_table("bots")
