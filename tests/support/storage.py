"""What a server has stored, read straight from its database: "nothing stored changes" is
checked by comparing snapshots taken before and after a rejected request."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from openchat.server.storage.database import Database
from openchat.server.storage.tables import conversations, members, messages


@dataclass(frozen=True)
class Snapshot:
    """Row counts and counters across every table the RPCs write."""

    conversations: int
    total_last_seq: int
    members: int
    total_read_seq: int
    messages: int


async def snapshot(database: Database) -> Snapshot:
    async with database.reader.connect() as connection:
        conversation_row = (
            await connection.execute(
                select(func.count(), func.coalesce(func.sum(conversations.c.last_seq), 0))
            )
        ).one()
        member_row = (
            await connection.execute(
                select(func.count(), func.coalesce(func.sum(members.c.read_seq), 0))
            )
        ).one()
        message_count = await connection.scalar(select(func.count()).select_from(messages))
    return Snapshot(
        conversations=conversation_row[0],
        total_last_seq=int(conversation_row[1]),
        members=member_row[0],
        total_read_seq=int(member_row[1]),
        messages=message_count or 0,
    )
