"""Message lifecycle and inbox: change entries (edits, recalls, reactions) in the messages
table, the current reactions, messages deleted for one member, mentions, and the counters and
settings behind unread counts, inbox order, mute and pin.

Every entry stored before this revision is a message and seqs have no gaps, so the counters
start as: ordinal = seq, message_count = last_message_seq = last_seq, and the members' counted
position is their read position.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)
CHANGES_ONLY = sa.text("target_message_id IS NOT NULL")
EPOCH = "1970-01-01 00:00:00"


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), server_default="message", nullable=False))
        batch.add_column(sa.Column("target_message_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("emoji", sa.String(64), nullable=True))
        batch.add_column(sa.Column("edit_count", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("edited_at", TIME, nullable=True))
        batch.add_column(
            sa.Column("recalled", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("ordinal", sa.BigInteger(), server_default="0", nullable=False))
    with op.batch_alter_table("conversations") as batch:
        for name in ("message_count", "last_message_seq"):
            batch.add_column(sa.Column(name, sa.BigInteger(), server_default="0", nullable=False))
        # NOT NULL from the start, through a constant default (the UPDATE below sets every
        # row): making it NOT NULL afterwards would recreate the table on SQLite, and dropping
        # `conversations` while members and messages refer to it fails on a database with rows.
        batch.add_column(sa.Column("last_activity_at", TIME, server_default=EPOCH, nullable=False))
    with op.batch_alter_table("members") as batch:
        for name in ("counted_seq", "counted_ordinal"):
            batch.add_column(sa.Column(name, sa.BigInteger(), server_default="0", nullable=False))
        batch.add_column(sa.Column("muted_until", TIME, nullable=True))
        batch.add_column(
            sa.Column("pinned", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute("UPDATE messages SET ordinal = seq")
    op.execute(
        "UPDATE conversations SET message_count = last_seq, last_message_seq = last_seq, "
        "last_activity_at = COALESCE((SELECT m.created_at FROM messages m WHERE "
        "m.conversation_id = conversations.conversation_id AND m.seq = conversations.last_seq), "
        "created_at)"
    )
    op.execute("UPDATE members SET counted_seq = read_seq, counted_ordinal = read_seq")
    op.create_index(
        op.f("ix_messages_target_message_id"),
        "messages",
        ["target_message_id"],
        sqlite_where=CHANGES_ONLY,
        postgresql_where=CHANGES_ONLY,
    )
    op.create_table(
        "reactions",
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("emoji", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("message_id", "emoji", "user_id", name=op.f("pk_reactions")),
    )
    op.create_table(
        "mentions",
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("conversation_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "conversation_id", "seq", name=op.f("pk_mentions")),
    )
    op.create_table(
        "hidden_messages",
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("conversation_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "user_id", "conversation_id", "seq", name=op.f("pk_hidden_messages")
        ),
    )


def downgrade() -> None:
    op.drop_table("hidden_messages")
    op.drop_table("mentions")
    with op.batch_alter_table("members") as batch:
        for column in ("pinned", "muted_until", "counted_ordinal", "counted_seq"):
            batch.drop_column(column)
    with op.batch_alter_table("conversations") as batch:
        for column in ("last_activity_at", "last_message_seq", "message_count"):
            batch.drop_column(column)
    op.drop_table("reactions")
    op.drop_index(op.f("ix_messages_target_message_id"), table_name="messages")
    with op.batch_alter_table("messages") as batch:
        for column in (
            "ordinal",
            "recalled",
            "edited_at",
            "edit_count",
            "emoji",
            "target_message_id",
            "kind",
        ):
            batch.drop_column(column)
