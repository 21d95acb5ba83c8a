"""Sequence allocators: where a conversation's next seq comes from.

The transactional allocator is the default everywhere. It increments `conversations.last_seq`
in the same transaction that inserts the messages, so the row lock it takes is held until
commit: the next seq of a conversation cannot be handed out before the previous one is visible,
which is exactly "assigned in commit order, no gaps".

The design document asks for Redis INCR (`seq:{conversation_id}`). INCR on its own cannot meet
those invariants: the number is taken outside the database transaction, so a transaction that
fails leaves a gap, and two senders can commit seq 6 before seq 5 (a reader that syncs "after 5"
in between skips 5 forever). `RedisSequenceAllocator` therefore uses INCR as a prediction and
confirms it with a compare-and-set on the conversation row in the message's transaction; when
the prediction is wrong (a lost Redis, an aborted transaction, a concurrent node) it takes the
database's number and re-seeds Redis. It meets every invariant, but it still takes the same row
lock and adds a Redis round trip, so it cannot be faster; docs/architecture.md has the numbers.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Protocol

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import BigInteger, Column, Select, Update, case, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from openchat.server.observability.metrics import Metrics
from openchat.server.storage.key_batches import KeyBatch
from openchat.server.storage.tables import conversations

_log = structlog.get_logger(__name__)


class SequenceAllocator(Protocol):
    """Hands out per-conversation sequence numbers inside the transaction that stores messages.

    Whatever the implementation, the numbers of a conversation start at 1, increase by one with
    no gaps, and become visible in order: they are only final when `connection`'s transaction
    commits, and a conversation's next number can only be handed out after the previous
    holder's transaction has ended.
    """

    async def allocate(
        self, connection: AsyncConnection, counts: Mapping[str, int]
    ) -> dict[str, int]:
        """Reserve `counts[c]` consecutive numbers for each conversation `c`.

        Returns the last number reserved per conversation (the first is last - count + 1).
        Conversations that do not exist are missing from the result.
        """
        ...


@functools.cache
def _locks(dialect: str) -> tuple[KeyBatch, Select[Any]]:
    """Locks the given conversations' rows, in id order."""
    batch = KeyBatch(dialect, "locked", [conversations.c.conversation_id])
    query = (
        select(conversations.c.conversation_id)
        .where(conversations.c.conversation_id.in_(select(batch.table.c.conversation_id)))
        .order_by(conversations.c.conversation_id)
        .with_for_update()
    )
    return batch, query


@functools.cache
def _increments(dialect: str) -> tuple[KeyBatch, Update]:
    """Adds `added` to the last_seq of each given conversation, returning the new values."""
    added = Column("added", BigInteger())
    batch = KeyBatch(dialect, "increments", [conversations.c.conversation_id, added])
    statement = (
        update(conversations)
        .where(conversations.c.conversation_id == batch.table.c.conversation_id)
        .values(last_seq=conversations.c.last_seq + batch.table.c.added)
        .returning(conversations.c.conversation_id, conversations.c.last_seq)
    )
    return batch, statement


async def _lock_in_order(connection: AsyncConnection, conversation_ids: list[str]) -> None:
    """Lock the conversation rows in id order, so that concurrent batches touching several
    conversations (on this node or another) cannot deadlock. SQLite locks the whole database
    for a write transaction and needs no row locks."""
    if connection.dialect.name == "postgresql" and len(conversation_ids) > 1:
        batch, query = _locks(connection.dialect.name)
        await connection.execute(query, batch.params((c,) for c in conversation_ids))


async def _increment(connection: AsyncConnection, counts: Mapping[str, int]) -> dict[str, int]:
    """Add counts[c] to each conversation's last_seq in one statement; returns the new values."""
    batch, statement = _increments(connection.dialect.name)
    rows = await connection.execute(statement, batch.params(sorted(counts.items())))
    return {conversation_id: last_seq for conversation_id, last_seq in rows}


class TransactionalSequenceAllocator:
    """Sequence numbers from the conversation row, in the caller's transaction (the default)."""

    async def allocate(
        self, connection: AsyncConnection, counts: Mapping[str, int]
    ) -> dict[str, int]:
        if not counts:
            return {}
        await _lock_in_order(connection, sorted(counts))
        return await _increment(connection, counts)


class RedisSequenceAllocator:
    """Redis INCR (`seq:{conversation_id}`) confirmed by a compare-and-set on the database row."""

    def __init__(self, redis: Redis, *, key_prefix: str = "seq:", metrics: Metrics) -> None:
        self._redis = redis
        self._key_prefix = key_prefix
        self._metrics = metrics

    async def allocate(
        self, connection: AsyncConnection, counts: Mapping[str, int]
    ) -> dict[str, int]:
        if not counts:
            return {}
        ids = sorted(counts)
        predicted = await self._predict(ids, counts)
        await _lock_in_order(connection, ids)
        confirmed: dict[str, int] = {}
        if predicted:
            rows = await connection.execute(
                update(conversations)
                .where(
                    conversations.c.conversation_id.in_(ids),
                    conversations.c.last_seq
                    == case(
                        {c: predicted[c] - counts[c] for c in ids},
                        value=conversations.c.conversation_id,
                    ),
                )
                .values(last_seq=case(predicted, value=conversations.c.conversation_id))
                .returning(conversations.c.conversation_id, conversations.c.last_seq)
            )
            confirmed = {conversation_id: last_seq for conversation_id, last_seq in rows}
        mispredicted = {c: counts[c] for c in ids if c not in confirmed}
        if mispredicted:
            from_database = await _increment(connection, mispredicted)
            await self._reseed(from_database)
            confirmed.update(from_database)
        return confirmed

    async def _predict(self, ids: list[str], counts: Mapping[str, int]) -> dict[str, int]:
        """INCRBY every counter in one round trip; {} when Redis is unreachable, in which case
        the database alone allocates (it is the authority either way)."""
        try:
            with self._metrics.redis_timer("sequence_predict"):
                async with self._redis.pipeline(transaction=False) as pipe:
                    for conversation_id in ids:
                        pipe.incrby(self._key(conversation_id), counts[conversation_id])
                    return dict(zip(ids, await pipe.execute(), strict=True))
        except RedisError as error:
            _log.warning("sequence_prediction_failed", error=str(error))
            return {}

    async def _reseed(self, last_seqs: Mapping[str, int]) -> None:
        """Set counters to the database's numbers, lowering counters that ran ahead (after
        aborted transactions) as well as raising lost ones. A stale re-seed racing another
        node's only costs one more fallback: the compare-and-set keeps every number right."""
        try:
            with self._metrics.redis_timer("sequence_reseed"):
                async with self._redis.pipeline(transaction=False) as pipe:
                    for conversation_id, last in last_seqs.items():
                        pipe.set(self._key(conversation_id), last)
                    await pipe.execute()
        except RedisError as error:
            _log.warning("sequence_reseed_failed", error=str(error))

    def _key(self, conversation_id: str) -> str:
        return f"{self._key_prefix}{conversation_id}"
