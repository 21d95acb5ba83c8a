"""Recalled messages leave unread counts: a partial index of them, which the inbox query's
count of recalled messages after a member's position reads.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECALLED_MESSAGE = sa.text("recalled AND kind = 'message'")


def upgrade() -> None:
    op.create_index(
        "ix_messages_recalled",
        "messages",
        ["conversation_id", "seq"],
        sqlite_where=RECALLED_MESSAGE,
        postgresql_where=RECALLED_MESSAGE,
    )


def downgrade() -> None:
    op.drop_index("ix_messages_recalled", table_name="messages")
