"""Deletion feeds: every message a member deleted for themselves gets a position in that user's
feed (1, 2, 3, ... per user, in commit order), and each user a row holding the newest, so that a
device that was offline learns of the deletions after its cursor when it reconnects.

Deletions stored before this revision get the positions 1..n of their user in (conversation,
seq) order: a device that sends a deletion cursor for the first time (0) is told of them all.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: nodes of the previous version, still running during a rolling upgrade, store
    # rows without a position (outside the feed) instead of failing on the unique constraint.
    op.add_column("hidden_messages", sa.Column("position", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE hidden_messages SET position = (SELECT count(*) FROM hidden_messages AS earlier"
        " WHERE earlier.user_id = hidden_messages.user_id"
        " AND (earlier.conversation_id < hidden_messages.conversation_id"
        " OR (earlier.conversation_id = hidden_messages.conversation_id"
        " AND earlier.seq <= hidden_messages.seq)))"
    )
    # (Recreates the table on SQLite, which cannot add a constraint otherwise.)
    with op.batch_alter_table("hidden_messages") as batch:
        batch.create_unique_constraint(
            op.f("uq_hidden_messages_user_id_position"), ["user_id", "position"]
        )
    op.create_table(
        "deletion_feeds",
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("last_position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_deletion_feeds")),
    )
    op.execute(
        "INSERT INTO deletion_feeds (user_id, last_position)"
        " SELECT user_id, count(*) FROM hidden_messages GROUP BY user_id"
    )


def downgrade() -> None:
    op.drop_table("deletion_feeds")
    with op.batch_alter_table("hidden_messages") as batch:
        batch.drop_constraint(op.f("uq_hidden_messages_user_id_position"), type_="unique")
        batch.drop_column("position")
