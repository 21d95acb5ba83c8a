"""Two nodes while their Redis fails: it loses its data, or goes away for a moment.

Each test runs a throwaway Redis of its own (the shared one must never be flushed or stopped)
and two servers in this process on one database.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator

import grpc
import pytest

from openchat.server.sessions.stream import CATCH_UP_PAGE
from openchat.v1 import message_pb2, presence_service_pb2, presence_service_pb2_grpc
from tests.support.api import Api
from tests.support.presence import keep_pinging, presence_until, watch
from tests.support.redis_server import RedisServer, throwaway_redis
from tests.support.servers import RunningServer, bearer, start_app
from tests.support.settings import settings_for
from tests.support.streams import StreamClient, connect
from tests.support.waiting import until

pytestmark = pytest.mark.slow

# Nodes refresh their presence entries every heartbeat_interval / 2 = 1 s.
REFRESH_INTERVAL = 1.0
SESSIONS = {"heartbeat_interval": 2 * REFRESH_INTERVAL, "heartbeat_timeout": 6.0}


@contextlib.asynccontextmanager
async def two_nodes(
    database_url: str, redis: RedisServer
) -> AsyncIterator[tuple[RunningServer, RunningServer]]:
    settings = settings_for(
        database_url,
        sessions=SESSIONS,
        redis={"url": redis.url, "key_prefix": f"faults-{uuid.uuid4().hex[:8]}:"},
    )
    async with start_app(settings) as node_a, start_app(settings) as node_b:
        yield node_a, node_b


@pytest.fixture
async def redis() -> AsyncIterator[RedisServer]:
    async with throwaway_redis() as server:
        yield server


async def test_presence_heals_within_a_refresh_after_redis_loses_its_data(
    database_url: str, redis: RedisServer, user_ids: Iterator[str]
) -> None:
    bob, carol = next(user_ids), next(user_ids)
    async with (
        two_nodes(database_url, redis) as (node_a, node_b),
        connect(node_a.channel, bob, "phone") as bob_on_a,
        connect(node_b.channel, carol) as watcher,
    ):
        pinger = asyncio.create_task(keep_pinging(bob_on_a))  # bob stays a live client
        try:
            stub = presence_service_pb2_grpc.PresenceServiceStub(node_b.channel)
            request = presence_service_pb2.GetPresenceRequest(user_ids=[bob])

            async def bob_online() -> bool:
                response = await stub.GetPresence(request, metadata=bearer(carol))
                return response.presences[0].online

            assert await bob_online()
            client = redis.client()
            await client.flushall()
            await client.aclose()
            # A watcher that looks now may see bob offline; it must then be told he is online,
            # within one refresh (and a margin for a loaded machine).
            (snapshot,) = await watch(watcher, bob)
            if not snapshot.online:
                await presence_until(watcher, bob, online=True, within=3 * REFRESH_INTERVAL)
            await until(bob_online, within=3 * REFRESH_INTERVAL, what="bob online again")
        finally:
            pinger.cancel()


async def test_a_member_removed_during_a_redis_blip_stops_receiving(
    database_url: str, redis: RedisServer, user_ids: Iterator[str]
) -> None:
    """The removal's invalidation is published while Redis is down, so node B never gets it;
    node B must still stop delivering to the removed member (docs/architecture.md: at once
    when its subscription comes back, within the member cache's 5 s life otherwise)."""
    alice, bob, carol = next(user_ids), next(user_ids), next(user_ids)
    async with (
        two_nodes(database_url, redis) as (node_a, node_b),
        connect(node_b.channel, bob, "phone") as bob_on_b,
        connect(node_b.channel, carol, "phone") as carol_on_b,
    ):
        api = Api(node_a.channel)
        group = await api.create_group(alice, [bob, carol])
        direct = (await api.get_or_create_direct(alice, bob)).conversation
        await api.send(alice, group.conversation_id, "before")
        assert len(await bob_on_b.messages(1)) == len(await carol_on_b.messages(1)) == 1

        await redis.stop()
        await api.remove_members(alice, group.conversation_id, [bob])
        await redis.start()

        # Node B delivers again once its subscription is back: send until carol gets one.
        async def carol_received() -> bool:
            await api.send(alice, group.conversation_id, "after")
            return await _received(carol_on_b)

        await until(carol_received, what="node B delivering again")
        # Delivery on node B keeps order, so once bob has the direct message sent last, he has
        # every group message node B would have given him.
        await api.send(alice, direct.conversation_id, "sentinel")
        received = await _messages_until(bob_on_b, direct.conversation_id)
        assert [m.content.text for m in received] == [], "bob received after his removal"


async def test_a_session_gets_what_the_bus_lost_while_redis_was_down_in_order(
    database_url: str, redis: RedisServer, user_ids: Iterator[str]
) -> None:
    """Messages sent through node A while Redis is down never reach node B's bus; the first one
    that does afterwards reveals the hole, which node B fills from the database, a page at a
    time and whatever its size: bob's stream on node B has every seq, once, in order."""
    alice, bob = next(user_ids), next(user_ids)
    async with (
        two_nodes(database_url, redis) as (node_a, node_b),
        connect(node_b.channel, bob, "phone") as bob_on_b,
    ):
        # bob stays a live client: on a loaded machine the test outlasts the heartbeat timeout.
        pinger = asyncio.create_task(keep_pinging(bob_on_b))
        try:
            api = Api(node_a.channel)
            group = (await api.create_group(alice, [bob])).conversation_id
            await api.send(alice, group, "before")
            assert [m.seq for m in await bob_on_b.messages(1)] == [1]

            await redis.stop()
            lost = 3 * CATCH_UP_PAGE + 50  # a hole of more than three pages
            for start in range(0, lost, 50):
                await asyncio.gather(
                    *(api.send(alice, group, f"lost {n}") for n in range(start, start + 50))
                )
            await redis.start()

            arrived: list[int] = []  # the seqs bob receives from now on

            async def bob_receiving() -> bool:
                await api.send(alice, group, "after")
                with contextlib.suppress(TimeoutError):
                    arrived.append((await bob_on_b.next("message", within=0.2)).message.seq)
                return bool(arrived)

            await until(bob_receiving, what="node B delivering again")
            last = (await api.send(alice, group, "sentinel")).seq
            received = [1, *arrived]
            while received[-1] < last:
                received.append((await bob_on_b.next("message")).message.seq)
            assert received == list(range(1, last + 1)), "every seq, once, in order"
        finally:
            pinger.cancel()


async def _received(stream: StreamClient) -> bool:
    try:
        await stream.next("message", within=0.2)
    except TimeoutError:
        return False
    return True


async def _messages_until(stream: StreamClient, conversation_id: str) -> list[message_pb2.Message]:
    """The messages that arrive before the first one of `conversation_id`."""
    before = []
    while (message := (await stream.next("message")).message).conversation_id != conversation_id:
        before.append(message)
    return before


async def test_a_session_refused_while_redis_is_down_leaves_nothing_behind(
    database_url: str, redis: RedisServer, user_ids: Iterator[str]
) -> None:
    """The session cannot be registered in presence: the client hears UNAVAILABLE, and the
    node keeps nothing of it (which the presence refresh would bring back online)."""
    bob = next(user_ids)
    async with two_nodes(database_url, redis) as (node_a, _):
        await redis.stop()
        async with connect(node_a.channel, bob, expect_welcome=False) as stream:
            assert await stream.status() == grpc.StatusCode.UNAVAILABLE
        assert [s for s in node_a.app.hub.sessions() if s.user_id == bob] == []
