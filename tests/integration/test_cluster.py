"""Two server processes sharing PostgreSQL and Redis behave as one service."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.api import Api
from tests.support.presence import keep_pinging, presence_until, watch
from tests.support.processes import ServerProcess, free_port, serve, server_environment
from tests.support.streams import connect

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
async def nodes(
    fresh_postgres_url: str, redis_url: str, tmp_path: Path
) -> AsyncIterator[tuple[ServerProcess, ServerProcess]]:
    """Two nodes on one PostgreSQL database and one Redis (with keys of this test only)."""
    shared = {
        "OPENCHAT_REDIS_URL": redis_url,
        "OPENCHAT_REDIS_PREFIX": f"test-{uuid.uuid4().hex[:8]}:",
        "OPENCHAT_HEARTBEAT_INTERVAL": "0.5",
        "OPENCHAT_HEARTBEAT_TIMEOUT": "1.5",
        "OPENCHAT_PRESENCE_COALESCE": "0.2",
    }
    async with (
        serve(
            server_environment(fresh_postgres_url, free_port(), **shared), tmp_path / "a.log"
        ) as first,
        serve(
            server_environment(fresh_postgres_url, free_port(), **shared), tmp_path / "b.log"
        ) as second,
    ):
        yield first, second


async def test_nodes_deliver_to_each_others_clients(
    nodes: tuple[ServerProcess, ServerProcess], user_ids: Iterator[str]
) -> None:
    node_a, node_b = nodes
    alice, bob = next(user_ids), next(user_ids)
    group = await Api(node_a.channel).create_group(alice, [bob])
    async with (
        connect(node_a.channel, alice, "phone") as alice_on_a,
        connect(node_b.channel, bob, "phone") as bob_on_b,
    ):
        (alice_presence,) = await watch(bob_on_b, alice)
        assert alice_presence.online, "presence is cluster-wide"
        await alice_on_a.send_message(group.conversation_id, "m1", "across nodes")
        assert (await alice_on_a.next("ack")).ack.seq == 1
        (message,) = await bob_on_b.messages(1)
        assert (message.seq, message.content.text) == (1, "across nodes")
        # And back, through the unary RPC on the other node.
        await Api(node_b.channel).send(bob, group.conversation_id, "and back")
        (reply,) = await alice_on_a.messages(1)
        assert (reply.seq, reply.content.text) == (2, "and back")
        # A deletion for oneself on one node reaches the user's session on the other.
        await Api(node_a.channel).delete_for_me(bob, group.conversation_id, [message.message_id])
        deleted = await bob_on_b.next("messages_deleted", skip=("pong", "presence", "message"))
        assert list(deleted.messages_deleted.message_ids) == [message.message_id]
    # A device of Bob's that was offline learns of it from the feed, on either node.
    held = {group.conversation_id: 2}
    for node in nodes:
        async with connect(node.channel, bob, "laptop", resume=held, deletions_after=0) as laptop:
            caught = (await laptop.next("messages_deleted")).messages_deleted
            assert (list(caught.message_ids), caught.deletions_position) == (
                [message.message_id],
                1,
            )
            assert (await laptop.next("caught_up")).caught_up.message_count == 0


async def test_a_killed_node_leaves_no_ghost_presence(
    nodes: tuple[ServerProcess, ServerProcess], user_ids: Iterator[str]
) -> None:
    node_a, node_b = nodes
    carol, bob = next(user_ids), next(user_ids)
    async with (
        connect(node_b.channel, carol) as watcher,
        connect(node_a.channel, bob, "phone"),
    ):
        (bob_presence,) = await watch(watcher, bob)
        assert bob_presence.online
        pinger = asyncio.create_task(keep_pinging(watcher))
        try:
            node_a.kill()
            # The entry expires after the heartbeat timeout (1.5 s); node B reaps it and
            # tells watchers once.
            offline = await presence_until(watcher, bob, online=False, within=10)
            assert offline.HasField("last_seen")
        finally:
            pinger.cancel()
