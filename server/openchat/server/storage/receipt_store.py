"""Receipts in SQL: device cursors (how far each device received) and the delivery events
that delivery timelines are read from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, insert, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from openchat.server.domain.delivery import ReceiptAdvance, ReceiptKind
from openchat.server.domain.model import MessageKind
from openchat.server.storage.database import Database, delete_in_slices
from openchat.server.storage.message_queries import ranges_query
from openchat.server.storage.tables import (
    conversations,
    delivery_events,
    device_cursors,
    members,
    messages,
)

# What a receipt's audience is read from: the authors of the messages of a range.
SENDER_COLUMNS = (messages.c.conversation_id, messages.c.sender_id, messages.c.kind)

AckKey = tuple[str, str, str]


class SqlReceiptStore:
    """ReceiptStore on SQLite or PostgreSQL."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def advance_delivered(self, acks: Mapping[AckKey, int]) -> list[ReceiptAdvance]:
        if not acks:
            return []
        now = datetime.now(UTC)
        async with self._database.writer.begin() as connection:
            last_seqs = await _last_seq_of_members(connection, {(c, u) for c, u, _ in acks})
            current = await _cursors(connection, list(acks))
            advances = []
            for (conversation_id, user_id, device_id), seq in acks.items():
                last_seq = last_seqs.get((conversation_id, user_id))
                if last_seq is None:
                    continue  # not a member (any more)
                before = current.get((conversation_id, user_id, device_id), 0)
                after = min(seq, last_seq)
                if after > before:
                    advances.append(
                        ReceiptAdvance(
                            conversation_id,
                            user_id,
                            device_id,
                            ReceiptKind.DELIVERED,
                            before,
                            after,
                            now,
                        )
                    )
            if advances:
                await _upsert_cursors(connection, advances)
                await connection.execute(insert(delivery_events), [event_row(a) for a in advances])
        return advances

    async def record(self, advance: ReceiptAdvance) -> None:
        async with self._database.writer.begin() as connection:
            await connection.execute(insert(delivery_events), [event_row(advance)])

    async def senders_in_ranges(
        self, ranges: Sequence[tuple[str, int, int]]
    ) -> dict[tuple[str, int, int], set[str]]:
        found: dict[tuple[str, int, int], set[str]] = {key: set() for key in ranges}
        if not ranges:
            return found
        async with self._database.reader.connect() as connection:
            rows = await connection.execute(
                *ranges_query(connection.dialect.name, ranges, SENDER_COLUMNS)
            )
            for row in rows:
                # A change's author (a reaction, an edit) is not an audience of receipts.
                if row.kind == MessageKind.MESSAGE.value:
                    found[(row.conversation_id, row.range_after, row.range_until)].add(
                        row.sender_id
                    )
        return found

    async def purge(self, *, before: datetime) -> int:
        return await delete_in_slices(
            self._database,
            delivery_events,
            delivery_events.c.event_id,
            delivery_events.c.at < before,
        )

    async def covering(self, conversation_id: str, seq: int) -> list[ReceiptAdvance]:
        async with self._database.reader.connect() as connection:
            rows = await connection.execute(
                select(delivery_events)
                .where(
                    delivery_events.c.conversation_id == conversation_id,
                    delivery_events.c.to_seq >= seq,
                    delivery_events.c.from_seq < seq,
                )
                .order_by(delivery_events.c.at, delivery_events.c.event_id)
            )
            return [
                ReceiptAdvance(
                    row.conversation_id,
                    row.user_id,
                    row.device_id,
                    ReceiptKind(row.state),
                    row.from_seq,
                    row.to_seq,
                    row.at,
                )
                for row in rows
            ]


async def _last_seq_of_members(
    connection: AsyncConnection, pairs: set[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    rows = await connection.execute(
        select(members.c.conversation_id, members.c.user_id, conversations.c.last_seq)
        .join(conversations, conversations.c.conversation_id == members.c.conversation_id)
        .where(tuple_(members.c.conversation_id, members.c.user_id).in_(list(pairs)))
    )
    return {(c, u): last_seq for c, u, last_seq in rows}


async def _cursors(connection: AsyncConnection, keys: list[AckKey]) -> dict[AckKey, int]:
    rows = await connection.execute(
        select(
            device_cursors.c.conversation_id,
            device_cursors.c.user_id,
            device_cursors.c.device_id,
            device_cursors.c.delivered_seq,
        ).where(
            tuple_(
                device_cursors.c.conversation_id,
                device_cursors.c.user_id,
                device_cursors.c.device_id,
            ).in_(keys)
        )
    )
    return {(c, u, d): seq for c, u, d, seq in rows}


async def _upsert_cursors(connection: AsyncConnection, advances: list[ReceiptAdvance]) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement: Any = dialect.insert(device_cursors).values(
        [
            {
                "conversation_id": a.conversation_id,
                "user_id": a.user_id,
                "device_id": a.device_id,
                "delivered_seq": a.to_seq,
                "updated_at": a.at,
            }
            for a in advances
        ]
    )
    proposed = statement.excluded
    # Never backwards, even if another node advanced the same device meanwhile.
    await connection.execute(
        statement.on_conflict_do_update(
            index_elements=["conversation_id", "user_id", "device_id"],
            set_={
                "delivered_seq": case(
                    (
                        proposed.delivered_seq > device_cursors.c.delivered_seq,
                        proposed.delivered_seq,
                    ),
                    else_=device_cursors.c.delivered_seq,
                ),
                "updated_at": proposed.updated_at,
            },
        )
    )


def event_row(advance: ReceiptAdvance) -> dict[str, Any]:
    return {
        "conversation_id": advance.conversation_id,
        "user_id": advance.user_id,
        "device_id": advance.device_id,
        "state": advance.kind.value,
        "from_seq": advance.from_seq,
        "to_seq": advance.to_seq,
        "at": advance.at,
    }
