"""The SequenceAllocator contract: the same invariants for the transactional allocator and the
Redis one, each on SQLite and on PostgreSQL, driven through the real SqlMessageStore.

Per conversation, seqs start at 1 and increase by one with no gaps and no reuse, also under many
concurrent transactions; they become visible in order (a reader that keeps reading "after N"
while writers append never skips one); an aborted transaction leaves no gap. The Redis
allocator keeps all of that when Redis loses its data or cannot be reached (a throwaway
redis-server of the test's own is flushed, restarted and stopped; the shared one never is).
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import pytest
import redis.asyncio as aioredis
from sqlalchemy import event

from openchat.server.domain.errors import OpenChatError
from openchat.server.domain.model import Appended
from openchat.server.observability.metrics import Metrics
from openchat.server.storage.database import Database
from openchat.server.storage.message_store import SqlMessageStore
from openchat.server.storage.sequences import (
    RedisSequenceAllocator,
    SequenceAllocator,
    TransactionalSequenceAllocator,
)
from tests.support.databases import draft, new_group, stored_seqs, transaction_log
from tests.support.redis_server import RedisServer, throwaway_redis
from tests.support.waiting import until

WRITERS = 8
APPENDS_PER_WRITER = 12


def seqs_of(outcomes: Sequence[Appended | OpenChatError]) -> list[int]:
    """The seqs of a batch's outcomes, failing on any error."""
    assert all(isinstance(outcome, Appended) for outcome in outcomes), outcomes
    return [outcome.message.seq for outcome in outcomes if isinstance(outcome, Appended)]


@pytest.fixture(params=["transactional", "redis"])
def allocator_redis_url(request: pytest.FixtureRequest) -> str | None:
    """The Redis that the allocator under test uses (the shared one), or None for the
    transactional allocator, which needs no Redis."""
    if request.param == "transactional":
        return None
    url: str = request.getfixturevalue("redis_url")
    return url


@pytest.fixture
async def allocator(allocator_redis_url: str | None) -> AsyncIterator[SequenceAllocator]:
    if allocator_redis_url is None:
        yield TransactionalSequenceAllocator()
        return
    client = aioredis.Redis.from_url(allocator_redis_url)
    # Keys of this test's own on the shared Redis, removed afterwards.
    prefix = f"test-seq-{uuid.uuid4().hex}:"
    try:
        yield RedisSequenceAllocator(client, key_prefix=prefix, metrics=Metrics())
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


async def test_seqs_start_at_one_and_follow_the_batch(
    database: Database, allocator: SequenceAllocator, members: list[str]
) -> None:
    store = SqlMessageStore(database, allocator)
    first, second = await new_group(database, members), await new_group(database, members)
    alice, bob = members[:2]

    batch = await store.append_batch(
        [draft(first, alice), draft(second, bob), draft(first, bob), draft(first, alice)]
    )
    assert seqs_of(batch) == [1, 1, 2, 3]
    assert seqs_of(await store.append_batch([draft(second, alice)])) == [2]
    assert await stored_seqs(database, first) == [1, 2, 3]
    assert await stored_seqs(database, second) == [1, 2]


async def test_allocate_skips_conversations_that_do_not_exist(
    database: Database, allocator: SequenceAllocator, members: list[str]
) -> None:
    conversation = await new_group(database, members)
    async with database.writer.begin() as connection:
        reserved = await allocator.allocate(connection, {conversation: 2, "no-such-id": 1})
    assert reserved == {conversation: 2}


async def test_concurrent_appends_are_gapless_and_unique_per_conversation(
    database: Database, allocator: SequenceAllocator, members: list[str]
) -> None:
    store = SqlMessageStore(database, allocator)
    conversations = [await new_group(database, members) for _ in range(3)]
    rng = random.Random(2)
    # Each writer sends batches that mix conversations, in an order of its own.
    plans = [
        [
            [
                draft(rng.choice(conversations), rng.choice(members))
                for _ in range(rng.randint(1, 4))
            ]
            for _ in range(APPENDS_PER_WRITER // 2)
        ]
        for _ in range(WRITERS)
    ]
    acked: dict[str, list[int]] = defaultdict(list)

    async def write(batches: list[list[Any]]) -> None:
        for batch in batches:
            for outcome in await store.append_batch(batch):
                assert isinstance(outcome, Appended), outcome
                acked[outcome.message.conversation_id].append(outcome.message.seq)

    with transaction_log(database.writer) as transactions:
        async with asyncio.TaskGroup() as writers:
            for plan in plans:
                writers.create_task(write(plan))

    for conversation in conversations:
        count = sum(d.conversation_id == conversation for p in plans for b in p for d in b)
        assert sorted(acked[conversation]) == list(range(1, count + 1)), conversation
        assert await stored_seqs(database, conversation) == list(range(1, count + 1))
    if database.dialect == "postgresql":
        # On PostgreSQL the transactions really ran side by side (SQLite has one writer).
        assert transactions.most_open > 1


async def test_a_reader_following_writers_never_skips_a_seq(
    database: Database, allocator: SequenceAllocator, members: list[str]
) -> None:
    """The classic bug: seq 6 commits before seq 5, a reader syncs "after 6", and 5 is lost."""
    store = SqlMessageStore(database, allocator)
    conversation = await new_group(database, members)
    total = WRITERS * APPENDS_PER_WRITER
    seen: list[int] = []

    async def write(sender: str) -> None:
        for _ in range(APPENDS_PER_WRITER):
            seqs_of(await store.append_batch([draft(conversation, sender)]))

    async def follow() -> None:
        cursor = 0
        while cursor < total:
            wanted = (conversation, cursor, cursor + 25)
            page = (await store.read_ranges([wanted]))[wanted]
            seen.extend(message.seq for message in page)
            if page:
                cursor = page[-1].seq

    async with asyncio.timeout(60), asyncio.TaskGroup() as tasks:
        tasks.create_task(follow())
        for n in range(WRITERS):
            tasks.create_task(write(members[n % len(members)]))

    missing = sorted(set(range(1, total + 1)) - set(seen))
    assert not missing, f"the reader skipped seqs {missing[:20]}"
    assert seen == list(range(1, total + 1))


class Aborted(Exception):
    """Raised inside a transaction to roll it back."""


async def allocate_and_abort(
    database: Database, allocator: SequenceAllocator, counts: dict[str, int]
) -> None:
    """Reserve numbers in a transaction that then fails (after checking what it reserved)."""
    async with database.writer.begin() as connection:
        reserved = await allocator.allocate(connection, counts)
        assert set(reserved) == set(counts)
        raise Aborted


async def test_an_aborted_transaction_leaves_no_gap(
    database: Database, allocator: SequenceAllocator, members: list[str]
) -> None:
    store = SqlMessageStore(database, allocator)
    conversation = await new_group(database, members)
    assert seqs_of(await store.append_batch([draft(conversation, members[0])])) == [1]

    with pytest.raises(Aborted):
        await allocate_and_abort(database, allocator, {conversation: 3})

    assert seqs_of(await store.append_batch([draft(conversation, members[1])])) == [2]
    assert seqs_of(await store.append_batch([draft(conversation, members[0])])) == [3]
    assert await stored_seqs(database, conversation) == [1, 2, 3]


# The Redis allocator when Redis fails (a throwaway redis-server, never the shared one).


@pytest.fixture
async def lossy_redis() -> AsyncIterator[RedisServer]:
    async with throwaway_redis() as server:
        yield server


@pytest.fixture
async def lossy_client(lossy_redis: RedisServer) -> AsyncIterator[aioredis.Redis]:
    client = lossy_redis.client()
    yield client
    await client.aclose()


class SeqUpdates:
    """Counts the UPDATEs of conversations.last_seq: one per conversation and transaction when
    the Redis prediction is confirmed, two when the database had to correct it. (The inbox
    counters' UPDATE of the same row sets other columns and is not counted.)"""

    def __init__(self, database: Database) -> None:
        self.count = 0
        self._engine = database.writer.sync_engine
        event.listen(self._engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE CONVERSATIONS SET LAST_SEQ="):
            self.count += 1

    def close(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._seen)


@pytest.fixture
def seq_updates(database: Database) -> Iterator[SeqUpdates]:
    updates = SeqUpdates(database)
    yield updates
    updates.close()


async def redis_counter(client: aioredis.Redis, conversation: str) -> int | None:
    value = await client.get(f"seq:{conversation}")
    return None if value is None else int(value)


async def test_redis_predictions_are_confirmed_while_redis_keeps_its_data(
    database: Database,
    lossy_client: aioredis.Redis,
    members: list[str],
    seq_updates: SeqUpdates,
) -> None:
    store = SqlMessageStore(database, RedisSequenceAllocator(lossy_client, metrics=Metrics()))
    conversation = await new_group(database, members)
    for expected in range(1, 6):
        assert seqs_of(await store.append_batch([draft(conversation, members[0])])) == [expected]
        assert await redis_counter(lossy_client, conversation) == expected
    # Every allocation was Redis's number, confirmed by one compare-and-set.
    assert seq_updates.count == 5

    await lossy_client.flushall()  # the throwaway server's data, never the shared one's
    seq_updates.count = 0
    assert seqs_of(await store.append_batch([draft(conversation, members[0])])) == [6]
    assert seq_updates.count == 2, "a lost counter is corrected by the database"
    assert await redis_counter(lossy_client, conversation) == 6, "and Redis is re-seeded"
    assert seqs_of(await store.append_batch([draft(conversation, members[0])])) == [7]
    assert seq_updates.count == 3, "after which predictions are confirmed again"


@pytest.mark.parametrize("loss", ["flushall", "restart"])
async def test_redis_losing_its_data_mid_run_causes_no_reuse_and_no_gap(
    database: Database,
    lossy_redis: RedisServer,
    lossy_client: aioredis.Redis,
    members: list[str],
    loss: str,
) -> None:
    store = SqlMessageStore(database, RedisSequenceAllocator(lossy_client, metrics=Metrics()))
    conversations = [await new_group(database, members) for _ in range(2)]
    acked: dict[str, list[int]] = defaultdict(list)
    total = WRITERS * APPENDS_PER_WRITER

    async def write(sender: str) -> None:
        for n in range(APPENDS_PER_WRITER):
            batch = [draft(conversations[n % 2], sender), draft(conversations[0], sender)]
            for outcome in await store.append_batch(batch[: 1 + n % 2]):
                assert isinstance(outcome, Appended), outcome
                acked[outcome.message.conversation_id].append(outcome.message.seq)

    async def lose_data() -> None:
        await until(lambda: sum(map(len, acked.values())) >= total // 2, what="half sent")
        if loss == "flushall":
            await lossy_client.flushall()
        else:
            await lossy_redis.restart()

    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(lose_data())
        for n in range(WRITERS):
            tasks.create_task(write(members[n % len(members)]))

    for conversation in conversations:
        count = len(acked[conversation])
        assert sorted(acked[conversation]) == list(range(1, count + 1))
        assert await stored_seqs(database, conversation) == list(range(1, count + 1))
        # Once quiet, one more append leaves Redis in step with the database.
        assert seqs_of(await store.append_batch([draft(conversation, members[0])])) == [count + 1]
        assert await redis_counter(lossy_client, conversation) == count + 1


async def test_redis_unreachable_allocation_goes_through_the_database(
    database: Database, lossy_redis: RedisServer, lossy_client: aioredis.Redis, members: list[str]
) -> None:
    store = SqlMessageStore(database, RedisSequenceAllocator(lossy_client, metrics=Metrics()))
    conversation = await new_group(database, members)
    for expected in (1, 2):
        assert seqs_of(await store.append_batch([draft(conversation, members[0])])) == [expected]

    await lossy_redis.stop()
    down = await asyncio.gather(
        *(store.append_batch([draft(conversation, member)]) for member in members)
    )
    assert sorted(seq for outcomes in down for seq in seqs_of(outcomes)) == [3, 4, 5, 6]

    await lossy_redis.start()  # back, and empty
    assert seqs_of(await store.append_batch([draft(conversation, members[0])])) == [7]
    assert await redis_counter(lossy_client, conversation) == 7
    assert await stored_seqs(database, conversation) == list(range(1, 8))
