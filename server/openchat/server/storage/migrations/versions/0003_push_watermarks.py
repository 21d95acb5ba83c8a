"""Push watermarks: what push notifications are settled up to, per conversation and per member,
replacing a push job per message in the route outbox.

Push jobs still pending at the upgrade are handed over: each conversation's push work restarts
at its oldest pending push job (the sweeper owns it now), everything else stored before is
settled, and the push jobs are deleted (delivery timelines lose the push outcomes of messages
stored before the upgrade; pushes are recorded as delivery events from now on).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUSH_DUE = sa.text("last_seq > push_seq")


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("push_seq", sa.BigInteger(), server_default="0", nullable=False))
        batch.add_column(sa.Column("push_lease_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("members") as batch:
        batch.add_column(
            sa.Column("pushed_seq", sa.BigInteger(), server_default="0", nullable=False)
        )
    op.execute(
        "UPDATE conversations SET push_seq = COALESCE((SELECT MIN(j.seq) - 1 FROM route_jobs j "
        "WHERE j.route = 'push' AND j.status = 'pending' "
        "AND j.conversation_id = conversations.conversation_id), last_seq)"
    )
    op.execute("DELETE FROM route_jobs WHERE route = 'push'")
    op.create_index(
        "ix_conversations_push_due",
        "conversations",
        ["conversation_id"],
        postgresql_where=PUSH_DUE,
        sqlite_where=PUSH_DUE,
    )


def downgrade() -> None:
    op.drop_index("ix_conversations_push_due", table_name="conversations")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("pushed_seq")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("push_lease_until")
        batch.drop_column("push_seq")
