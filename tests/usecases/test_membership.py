"""The membership cache over the SQL conversation store: it answers from memory until an entry
is invalidated, expires or is evicted; concurrent misses share one lookup; a lookup that raced
an invalidation is not kept; a failed lookup fails its waiters and is tried again later.

The store under the cache is the real one, counting its lookups (and able to hold one after it
has read, to race it, or to fail one); time is a clock the test moves."""

from __future__ import annotations

import asyncio
import math

import pytest

from openchat.server.directory.members import MembershipCache
from openchat.server.storage.conversation_store import SqlConversationStore
from openchat.server.storage.database import Database
from tests.support.databases import MAX_MEMBERS, new_group
from tests.support.waiting import until

TTL = 30.0


class ObservedStore(SqlConversationStore):
    """The SQL store, counting lookups; `failure` makes lookups raise once they have read (as a
    connection lost mid-query does), and `hold` keeps them from returning what they read until
    released."""

    def __init__(self, database: Database) -> None:
        super().__init__(database, max_members=MAX_MEMBERS)
        self.lookups = 0
        self.hold: asyncio.Event | None = None
        self.holding = asyncio.Event()
        self.failure: Exception | None = None

    async def member_ids(self, conversation_id: str) -> frozenset[str]:
        self.lookups += 1
        members = await super().member_ids(conversation_id)
        if self.failure is not None:
            raise self.failure
        if self.hold is not None:
            self.holding.set()
            await self.hold.wait()
        return members


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(database: Database) -> ObservedStore:
    return ObservedStore(database)


@pytest.fixture
def changes(database: Database) -> SqlConversationStore:
    """Another store on the same database: member changes the cache does not see."""
    return SqlConversationStore(database, max_members=MAX_MEMBERS)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(store: ObservedStore, clock: Clock) -> MembershipCache:
    return MembershipCache(store, ttl_seconds=TTL, clock=clock)


async def test_members_are_looked_up_once_and_then_served_from_memory(
    cache: MembershipCache,
    store: ObservedStore,
    changes: SqlConversationStore,
    database: Database,
    members: list[str],
) -> None:
    alice, bob, carol, _ = members
    conversation = await new_group(database, [alice, bob])

    assert await cache.members(conversation) == {alice, bob}
    await changes.add_members(conversation, [carol])
    assert await cache.members(conversation) == {alice, bob}, "served from memory"
    assert store.lookups == 1


async def test_an_invalidated_entry_is_looked_up_again(
    cache: MembershipCache,
    store: ObservedStore,
    changes: SqlConversationStore,
    database: Database,
    members: list[str],
) -> None:
    alice, bob, carol, _ = members
    conversation = await new_group(database, [alice, bob])
    await cache.members(conversation)
    await changes.add_members(conversation, [carol])

    cache.invalidate(conversation)
    assert await cache.members(conversation) == {alice, bob, carol}
    assert store.lookups == 2
    cache.invalidate("never-cached")  # harmless


async def test_an_entry_expires_after_the_ttl(
    cache: MembershipCache,
    store: ObservedStore,
    changes: SqlConversationStore,
    clock: Clock,
    members: list[str],
) -> None:
    """In case a MembershipChanged event was lost."""
    alice, bob, carol, _ = members
    conversation = (await changes.create_group(alice, "g", [bob], "")).conversation_id
    await cache.members(conversation)
    await changes.remove_members(conversation, [bob])

    clock.now += TTL - 1
    assert await cache.members(conversation) == {alice, bob}
    clock.now += 1
    assert await cache.members(conversation) == {alice}
    assert store.lookups == 2
    await changes.add_members(conversation, [carol])
    assert await cache.members(conversation) == {alice}, "the new entry lives a full TTL"


async def test_without_expiry_an_entry_lives_until_invalidated(
    store: ObservedStore, changes: SqlConversationStore, clock: Clock, members: list[str]
) -> None:
    """One node (implementations.member_lists): its bus cannot lose an invalidation."""
    cache = MembershipCache(store, ttl_seconds=math.inf, clock=clock)
    alice, bob, _, _ = members
    conversation = (await changes.create_group(alice, "g", [bob], "")).conversation_id
    await cache.members(conversation)
    await changes.remove_members(conversation, [bob])

    clock.now += 365 * 24 * 3600.0
    assert await cache.members(conversation) == {alice, bob}, "served from memory a year on"
    assert store.lookups == 1
    cache.invalidate(conversation)
    assert await cache.members(conversation) == {alice}
    assert store.lookups == 2


async def test_a_missing_conversation_has_no_members(
    cache: MembershipCache, store: ObservedStore
) -> None:
    assert await cache.members("no-such-conversation") == frozenset()
    assert await cache.members("no-such-conversation") == frozenset()
    assert store.lookups == 1


async def test_concurrent_misses_share_one_lookup(
    cache: MembershipCache, store: ObservedStore, database: Database, members: list[str]
) -> None:
    conversation = await new_group(database, members)
    answers = await asyncio.gather(*(cache.members(conversation) for _ in range(20)))
    assert answers == [frozenset(members)] * 20
    assert store.lookups == 1


async def test_a_lookup_that_raced_an_invalidation_is_not_kept(
    cache: MembershipCache,
    store: ObservedStore,
    changes: SqlConversationStore,
    database: Database,
    members: list[str],
) -> None:
    alice, bob, carol, _ = members
    conversation = await new_group(database, [alice, bob])
    store.hold = asyncio.Event()
    stale = asyncio.create_task(cache.members(conversation))
    await until(store.holding.is_set, what="the lookup has read the members")

    await changes.add_members(conversation, [carol])
    cache.invalidate(conversation)
    store.hold.set()
    assert await stale == {alice, bob}, "what it read before the change"
    assert await cache.members(conversation) == {alice, bob, carol}
    assert store.lookups == 2


async def test_the_least_recently_used_entry_is_evicted_past_the_maximum(
    store: ObservedStore, clock: Clock, database: Database, members: list[str]
) -> None:
    cache = MembershipCache(store, ttl_seconds=TTL, max_entries=2, clock=clock)
    first, second, third = [await new_group(database, members) for _ in range(3)]
    await cache.members(first)
    await cache.members(second)
    await cache.members(first)  # now the most recently used
    await cache.members(third)  # evicts `second`
    assert store.lookups == 3

    await cache.members(first)
    await cache.members(third)
    assert store.lookups == 3
    await cache.members(second)
    assert store.lookups == 4


async def test_a_failed_lookup_fails_its_waiters_and_is_tried_again(
    cache: MembershipCache, store: ObservedStore, database: Database, members: list[str]
) -> None:
    conversation = await new_group(database, members)
    store.failure = ConnectionError("database restarting")
    outcomes = await asyncio.gather(
        *(cache.members(conversation) for _ in range(5)), return_exceptions=True
    )
    assert all(isinstance(outcome, ConnectionError) for outcome in outcomes), outcomes
    assert store.lookups == 1, "the waiters shared the failed lookup"

    store.failure = None
    assert await cache.members(conversation) == frozenset(members)
    assert store.lookups == 2
