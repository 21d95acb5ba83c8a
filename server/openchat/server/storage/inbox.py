"""The counters behind unread and mention counts and the inbox order, kept in the transaction
that stores messages, so that reading them never counts messages.

- `conversations.message_count` counts the messages (not the changes) of a conversation; each
  entry stores the count reached at its seq as its `ordinal`.
- A member's counted position (`members.counted_seq`, `counted_ordinal`) is the higher of their
  read position and their own newest message: unread = message_count - counted_ordinal, minus
  the messages after the position they deleted for themselves (a short range of that key).
- Mentions are rows of their own; a member's mention count is the range after the position.

The conversation rows are locked by the sequence allocator when these statements run, so the
ordinals follow the seqs; positions only move forwards (a guarded UPDATE), so a send and a
MarkRead racing on one member both land on the higher position.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import BigInteger, BindParameter, Column, Update, bindparam, case, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from openchat.server.domain.model import Message, MessageKind
from openchat.server.storage.key_batches import KeyBatch
from openchat.server.storage.tables import conversations, members, mentions


async def count_messages(
    connection: AsyncConnection, added: Iterable[tuple[str, int, int]], now: datetime
) -> dict[str, int]:
    """For each (conversation_id, messages added, seq of the newest of them or 0), add to its
    message count (and move its last message and activity when messages were added); returns
    the new counts."""
    batch, statement = _count_statement(connection.dialect.name)
    rows = await connection.execute(statement, {**batch.params(sorted(added)), "now": now})
    return {conversation_id: count for conversation_id, count in rows}


async def advance_counted(
    connection: AsyncConnection, positions: Iterable[tuple[str, str, int, int]]
) -> None:
    """Move each (conversation_id, user_id)'s counted position to (seq, ordinal) when it is
    further than where it is."""
    rows = sorted(positions)
    if rows:
        batch, statement = _advance_statement(connection.dialect.name)
        await connection.execute(statement, batch.params(rows))


async def record_mentions(
    connection: AsyncConnection, found: Iterable[tuple[str, str, int]]
) -> None:
    """Store (user_id, conversation_id, seq) mentions."""
    rows = [{"user_id": u, "conversation_id": c, "seq": s} for u, c, s in found]
    if rows:
        await connection.execute(insert(mentions), rows)


@functools.cache
def _count_statement(dialect: str) -> tuple[KeyBatch, Update]:
    added = Column("added", BigInteger())
    newest = Column("newest", BigInteger())
    batch = KeyBatch(dialect, "counts", [conversations.c.conversation_id, added, newest])
    wanted = batch.table.c
    grew = wanted.added > 0
    statement = (
        update(conversations)
        .where(conversations.c.conversation_id == wanted.conversation_id)
        .values(
            message_count=conversations.c.message_count + wanted.added,
            last_message_seq=case((grew, wanted.newest), else_=conversations.c.last_message_seq),
            last_activity_at=case((grew, _now()), else_=conversations.c.last_activity_at),
        )
        .returning(conversations.c.conversation_id, conversations.c.message_count)
    )
    return batch, statement


def _now() -> BindParameter[datetime]:
    return bindparam("now", type_=conversations.c.last_activity_at.type)


@functools.cache
def _advance_statement(dialect: str) -> tuple[KeyBatch, Update]:
    seq = Column("seq", BigInteger())
    ordinal = Column("ordinal", BigInteger())
    batch = KeyBatch(
        dialect, "positions", [members.c.conversation_id, members.c.user_id, seq, ordinal]
    )
    wanted = batch.table.c
    statement = (
        update(members)
        .where(
            members.c.conversation_id == wanted.conversation_id,
            members.c.user_id == wanted.user_id,
            members.c.counted_seq < wanted.seq,
        )
        .values(counted_seq=wanted.seq, counted_ordinal=wanted.ordinal)
    )
    return batch, statement


async def count_stored(
    connection: AsyncConnection, stored: list[Message], now: datetime
) -> dict[str, int]:
    """Keep the inbox counters for the stored entries, in seq order per
    conversation; returns each entry's ordinal by message id."""
    added: dict[str, int] = {}
    newest: dict[str, int] = {}
    for message in stored:
        added.setdefault(message.conversation_id, 0)
        if message.kind is MessageKind.MESSAGE:
            added[message.conversation_id] += 1
            newest[message.conversation_id] = message.seq
    totals = await count_messages(
        connection, ((c, n, newest.get(c, 0)) for c, n in added.items()), now
    )
    running = {c: totals[c] - n for c, n in added.items()}
    ordinals: dict[str, int] = {}
    positions: dict[tuple[str, str], tuple[int, int]] = {}
    found_mentions: list[tuple[str, str, int]] = []
    for message in stored:
        conversation_id = message.conversation_id
        if message.kind is MessageKind.MESSAGE:
            running[conversation_id] += 1
            # Sending counts as having read what came before.
            positions[(conversation_id, message.sender_id)] = (
                message.seq,
                running[conversation_id],
            )
            found_mentions.extend(
                (user_id, conversation_id, message.seq)
                for user_id in set(message.content.mention_user_ids) - {message.sender_id}
            )
        ordinals[message.message_id] = running[conversation_id]
    await advance_counted(connection, ((c, u, s, o) for (c, u), (s, o) in positions.items()))
    await record_mentions(connection, found_mentions)
    return ordinals
