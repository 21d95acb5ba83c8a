"""The PresenceRegistry contract, for the in-process registry and the Redis one.

The Redis registry runs on the shared Redis under a key prefix of its own per test (removed
afterwards); the tests that need time to pass (expiry) use a short TTL and poll with a deadline.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from openchat.server.domain.model import PresenceState, SessionKey
from openchat.server.observability.metrics import Metrics
from openchat.server.ports import PresenceRegistry
from openchat.server.presence.in_process import InProcessPresenceRegistry
from openchat.server.presence.redis import RedisPresenceRegistry
from tests.support.waiting import until

# Long enough that nothing expires during a test that does not wait for it.
LONG_TTL = 60.0
# Short enough that the expiry tests wait well under a second per entry.
SHORT_TTL = 0.3

# Makes a registry (of a given entry TTL) sharing state with the others the factory made, as
# the nodes of one cluster do.
RegistryFactory = Callable[[float], PresenceRegistry]


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def redis_prefix(redis_client: Redis) -> AsyncIterator[str]:
    """A fresh key prefix on the shared Redis; its keys are removed afterwards."""
    prefix = f"test:{uuid.uuid4().hex}:"
    yield prefix
    await delete_keys(redis_client, prefix)


@pytest.fixture
def redis_registries(redis_client: Redis, redis_prefix: str) -> RegistryFactory:
    """Registries of several nodes sharing one fresh key prefix on the shared Redis."""

    def make(ttl_seconds: float) -> PresenceRegistry:
        return RedisPresenceRegistry(
            redis_client,
            node_id=uuid.uuid4().hex,
            ttl_seconds=ttl_seconds,
            key_prefix=redis_prefix,
            metrics=Metrics(),
        )

    return make


async def delete_keys(redis_client: Redis, prefix: str) -> None:
    keys = [key async for key in redis_client.scan_iter(match=f"{prefix}*", count=1000)]
    if keys:
        await redis_client.delete(*keys)


@pytest.fixture(params=["in_process", "redis"])
def registries(request: pytest.FixtureRequest) -> RegistryFactory:
    """Every implementation: an in-process registry is a single node, so it is its own peer."""
    if request.param == "redis":
        factory: RegistryFactory = request.getfixturevalue("redis_registries")
        return factory
    registry = InProcessPresenceRegistry()
    return lambda ttl_seconds: registry


def session(user_id: str, device_id: str = "phone") -> SessionKey:
    return SessionKey(user_id=user_id, device_id=device_id, session_id=uuid.uuid4().hex)


def new_user() -> str:
    return f"user-{uuid.uuid4().hex[:10]}"


async def lookup_one(registry: PresenceRegistry, user_id: str) -> PresenceState:
    (state,) = await registry.lookup([user_id])
    return state


async def test_device_counts_follow_connects_and_disconnects(registries: RegistryFactory) -> None:
    registry = registries(LONG_TTL)
    alice = new_user()
    phone, laptop = session(alice, "phone"), session(alice, "laptop")

    first = await registry.connect(phone)
    assert (first.user_id, first.online, first.device_count, first.last_seen) == (
        alice,
        True,
        1,
        None,
    )
    second = await registry.connect(laptop)
    assert (second.online, second.device_count) == (True, 2)

    after_phone = await registry.disconnect(phone)
    assert after_phone is not None
    assert (after_phone.online, after_phone.device_count, after_phone.last_seen) == (True, 1, None)
    current = await lookup_one(registry, alice)
    assert (current.online, current.device_count) == (True, 1)


async def test_last_seen_is_set_when_the_last_device_leaves(registries: RegistryFactory) -> None:
    registry = registries(LONG_TTL)
    alice = new_user()
    phone = session(alice)
    await registry.connect(phone)
    before = datetime.now(UTC)

    gone = await registry.disconnect(phone)

    assert gone is not None
    assert (gone.online, gone.device_count) == (False, 0)
    assert gone.last_seen is not None
    # Redis stamps with its own clock, in milliseconds: allow for both.
    assert before - timedelta(seconds=1) <= gone.last_seen <= datetime.now(UTC) + timedelta(1)
    looked_up = await lookup_one(registry, alice)
    assert looked_up == gone


async def test_generations_strictly_increase_per_user(registries: RegistryFactory) -> None:
    registry = registries(LONG_TTL)
    alice, bob = new_user(), new_user()
    phone, laptop = session(alice, "phone"), session(alice, "laptop")
    generations = [(await registry.connect(phone)).generation]
    await registry.connect(session(bob))  # another user's changes do not matter
    generations.append((await registry.connect(laptop)).generation)
    for change in (await registry.disconnect(laptop), await registry.disconnect(phone)):
        assert change is not None
        generations.append(change.generation)
    generations.append((await registry.connect(session(alice, "phone"))).generation)

    assert generations == sorted(set(generations)), generations
    assert (await lookup_one(registry, alice)).generation == generations[-1]


async def test_a_late_disconnect_of_a_replaced_session_changes_nothing(
    registries: RegistryFactory,
) -> None:
    node_a, node_b = registries(LONG_TTL), registries(LONG_TTL)
    alice = new_user()
    old, new = session(alice, "phone"), session(alice, "phone")
    await node_a.connect(old)
    # The device reconnected (to another node) before its old session was cleaned up.
    replaced = await node_b.connect(new)
    assert (replaced.online, replaced.device_count) == (True, 1)

    assert await node_a.disconnect(old) is None

    after = await lookup_one(node_b, alice)
    assert (after.online, after.device_count, after.generation) == (True, 1, replaced.generation)
    gone = await node_b.disconnect(new)
    assert gone is not None
    assert not gone.online


async def test_disconnect_of_an_unknown_session_is_none(registries: RegistryFactory) -> None:
    assert await registries(LONG_TTL).disconnect(session(new_user())) is None


async def test_lookup_answers_in_order_and_unknown_users_are_offline(
    registries: RegistryFactory,
) -> None:
    registry = registries(LONG_TTL)
    online, unknown = new_user(), new_user()
    await registry.connect(session(online))

    states = await registry.lookup([unknown, online])

    assert [(s.user_id, s.online, s.device_count) for s in states] == [
        (unknown, False, 0),
        (online, True, 1),
    ]
    assert (states[0].last_seen, states[0].generation) == (None, 0)
    assert await registry.lookup([]) == []


# Redis only: entries of dead nodes expire.


async def test_an_entry_that_is_not_refreshed_expires(
    redis_registries: RegistryFactory,
) -> None:
    registry = redis_registries(SHORT_TTL)
    alice = new_user()
    connected = await registry.connect(session(alice))
    assert connected.online

    async def offline() -> bool:
        return not (await lookup_one(registry, alice)).online

    await until(offline)
    (change,) = await registry.reap_expired()
    assert (change.user_id, change.online, change.device_count) == (alice, False, 0)
    assert change.generation > connected.generation
    assert change.last_seen is not None
    assert await registry.reap_expired() == []
    assert await lookup_one(registry, alice) == change


async def test_lookup_never_counts_expired_entries(redis_registries: RegistryFactory) -> None:
    """Before any reaping, an expired device no longer counts, and a live one still does."""
    long_lived, short_lived = redis_registries(LONG_TTL), redis_registries(SHORT_TTL)
    alice = new_user()
    await long_lived.connect(session(alice, "laptop"))
    await short_lived.connect(session(alice, "phone"))
    assert (await lookup_one(long_lived, alice)).device_count == 2

    async def one_device() -> bool:
        return (await lookup_one(long_lived, alice)).device_count == 1

    await until(one_device)
    state = await lookup_one(long_lived, alice)
    assert (state.online, state.device_count) == (True, 1)
    (change,) = await short_lived.reap_expired()
    assert (change.online, change.device_count) == (True, 1)


async def test_refresh_keeps_entries_alive(redis_registries: RegistryFactory) -> None:
    registry = redis_registries(SHORT_TTL)
    alice, bob = new_user(), new_user()
    kept, dropped = session(alice), session(bob)
    await registry.connect(kept)
    await registry.connect(dropped)

    async def bob_offline() -> bool:
        # The heartbeat: refresh one of the two sessions, several times per TTL.
        await registry.refresh([kept])
        return not (await lookup_one(registry, bob)).online

    await until(bob_offline)
    # Keep heartbeating for more than a whole TTL past bob's expiry.
    loop = asyncio.get_running_loop()
    end = loop.time() + 2 * SHORT_TTL
    while loop.time() < end:
        await registry.refresh([kept])
        assert (await lookup_one(registry, alice)).online
        await asyncio.sleep(SHORT_TTL / 6)  # the heartbeat's pace, not a wait for an event

    changes = await registry.reap_expired()
    assert [(c.user_id, c.online) for c in changes] == [(bob, False)]
    assert (await lookup_one(registry, alice)).online


async def test_concurrent_reapers_report_each_change_once(
    redis_registries: RegistryFactory,
) -> None:
    """Nodes reap at the same time; every expired entry is reported by exactly one of them."""
    nodes = [redis_registries(SHORT_TTL) for _ in range(3)]
    users = [new_user() for _ in range(30)]
    connected: dict[str, int] = {}
    for index, user in enumerate(users):
        node = nodes[index % len(nodes)]
        await node.connect(session(user, "phone"))
        connected[user] = (await node.connect(session(user, "laptop"))).generation

    async def all_offline() -> bool:
        return not any(state.online for state in await nodes[0].lookup(users))

    await until(all_offline)
    results = await asyncio.gather(*(node.reap_expired() for node in nodes))
    changes = [change for result in results for change in result]
    assert not await nodes[0].reap_expired()

    # Two expired devices per user: two changes each (one per entry), with distinct, increasing
    # generations; neither counts the other, already expired, device as online.
    by_user: dict[str, list[PresenceState]] = {}
    for change in changes:
        by_user.setdefault(change.user_id, []).append(change)
    assert sorted(by_user) == sorted(users)
    for user, user_changes in by_user.items():
        user_changes.sort(key=lambda change: change.generation)
        generations = [change.generation for change in user_changes]
        assert len(generations) == 2, user_changes
        assert connected[user] < generations[0] < generations[1]
        assert [(c.online, c.device_count) for c in user_changes] == [(False, 0)] * 2
        assert all(change.last_seen is not None for change in user_changes)


async def test_refresh_recreates_entries_redis_lost(
    redis_registries: RegistryFactory, redis_client: Redis, redis_prefix: str
) -> None:
    """After Redis loses its data (FLUSHALL, a restart without persistence), the next refresh
    of the node holding the sessions makes them online again, with generations above every
    one handed out before, so watchers take the new state instead of dropping it as stale."""
    registry = redis_registries(LONG_TTL)
    alice, bob = new_user(), new_user()
    phone, laptop, newer = session(alice, "phone"), session(alice, "laptop"), session(bob)
    await registry.connect(phone)
    before = (await registry.connect(laptop)).generation
    await registry.connect(newer)
    await delete_keys(redis_client, redis_prefix)  # this test's share of a FLUSHALL
    assert not (await lookup_one(registry, alice)).online

    recreated = await registry.refresh([phone, laptop])

    assert [(s.user_id, s.online) for s in recreated] == [(alice, True), (alice, True)]
    assert before < recreated[0].generation < recreated[1].generation
    assert recreated[1].device_count == 2
    state = await lookup_one(registry, alice)
    assert (state.online, state.device_count, state.generation) == (
        True,
        2,
        recreated[1].generation,
    )
    assert await registry.refresh([phone, laptop]) == [], "entries that exist are only extended"
    # A newer session of a device owns its entry: an older session's refresh leaves it alone.
    await registry.connect(session(bob, newer.device_id))
    assert await registry.refresh([newer]) == []
