"""The EventBus contract, for the in-process bus (one node) and Redis pub/sub (two nodes, on
the shared Redis under a channel prefix of their own per test)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from openchat.server.domain.events import (
    DELIVER_MESSAGE,
    PRESENCE_CHANGED,
    MessagePersisted,
    PresenceChanged,
)
from openchat.server.domain.model import Attachment, Content, Message, PresenceState
from openchat.server.events.cluster import ClusterCodec
from openchat.server.events.in_process import InProcessEventBus
from openchat.server.events.redis_bus import RedisEventBus
from tests.support.waiting import Arrivals

DEADLINE = 10.0

Bus = InProcessEventBus | RedisEventBus


@pytest.fixture(params=["in_process", "redis"])
def nodes(request: pytest.FixtureRequest) -> list[Bus]:
    """The buses of the nodes of one cluster: one in-process bus, or two Redis buses."""
    buses: list[Bus] = request.getfixturevalue(f"{request.param}_nodes")
    return buses


@pytest.fixture
async def in_process_nodes() -> AsyncIterator[list[Bus]]:
    bus = InProcessEventBus()
    await bus.start()
    yield [bus]
    await bus.close()


@pytest.fixture
async def redis_nodes(redis_url: str) -> AsyncIterator[list[Bus]]:
    # Each node has its own Redis client, as separate processes would.
    clients = [Redis.from_url(redis_url) for _ in range(2)]
    prefix = f"test:{uuid.uuid4().hex}:"
    buses: list[Bus] = [RedisEventBus(c, ClusterCodec(), channel_prefix=prefix) for c in clients]
    for bus in buses:
        await bus.start()
    yield buses
    for bus in buses:
        await bus.close()
    for client in clients:
        await client.aclose()


class Recorder(Arrivals[object]):
    """A subscriber that keeps what it receives."""

    @property
    def received(self) -> list[object]:
        return self.items

    async def handle(self, event: object) -> None:
        self.add(event)


def message_event(publisher: str, seq: int) -> MessagePersisted:
    """A message with every kind of content field, including arbitrary bytes."""
    content = Content(
        text=f"héllo 👋 {seq}",
        mime_type="application/octet-stream",
        data=bytes(range(256)) + b"\x00\xff" * seq,
        attachments=(Attachment(uri=f"s3://bucket/{seq}", mime_type="image/png", size_bytes=7),),
        attributes={"k": "v", "ключ": "значение"},
        mention_user_ids=("bob", "carol"),
        reply_to_message_id="earlier",
    )
    message = Message(
        message_id=f"m-{publisher}-{seq}",
        conversation_id="c-1",
        seq=seq,
        sender_id="alice",
        client_msg_id=f"client-{seq}",
        content=content,
        server_time=datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    )
    return MessagePersisted(message, origin_device_id=publisher)


async def publish_all(bus: Bus, topic: str, events: Sequence[object]) -> None:
    for event in events:
        await bus.publish(topic, event)


async def test_every_subscriber_on_every_node_gets_every_event_in_order(
    nodes: list[Bus],
) -> None:
    recorders = [Recorder() for _ in range(2 * len(nodes))]
    for index, recorder in enumerate(recorders):
        nodes[index % len(nodes)].subscribe(DELIVER_MESSAGE, recorder.handle)
    per_publisher = 50
    published = {
        f"node-{i}": [message_event(f"node-{i}", seq) for seq in range(1, per_publisher + 1)]
        for i in range(len(nodes))
    }

    # Every node publishes at once.
    await asyncio.gather(
        *(
            publish_all(node, DELIVER_MESSAGE, published[f"node-{i}"])
            for i, node in enumerate(nodes)
        )
    )

    total = per_publisher * len(nodes)
    for recorder in recorders:
        received = await recorder.wait_for_count(total)
        assert len(received) == total
        for publisher, events in published.items():
            from_publisher = [
                event
                for event in received
                if isinstance(event, MessagePersisted) and event.origin_device_id == publisher
            ]
            # In publication order, with every field (bytes, unicode, times) intact.
            assert from_publisher == events


async def test_subscribers_get_only_their_topic(nodes: list[Bus]) -> None:
    messages, presence = Recorder(), Recorder()
    nodes[-1].subscribe(DELIVER_MESSAGE, messages.handle)
    nodes[-1].subscribe(PRESENCE_CHANGED, presence.handle)
    state = PresenceState("bob", False, 0, datetime(2026, 5, 6, 7, 8, 9, 123000, tzinfo=UTC), 42)

    await nodes[0].publish(PRESENCE_CHANGED, PresenceChanged(state))
    await nodes[0].publish(DELIVER_MESSAGE, message_event("node-0", 1))

    assert await presence.wait_for_count(1) == [PresenceChanged(state)]
    assert await messages.wait_for_count(1) == [message_event("node-0", 1)]


async def test_a_failing_or_stuck_handler_does_not_affect_the_others(nodes: list[Bus]) -> None:
    failures = 0
    failed_everywhere = asyncio.Event()
    stuck_entered = asyncio.Event()
    release = asyncio.Event()

    async def failing(event: object) -> None:
        nonlocal failures
        failures += 1
        if failures == len(events) * len(nodes):
            failed_everywhere.set()
        raise RuntimeError("this subscriber is broken")

    async def stuck(event: object) -> None:
        stuck_entered.set()
        await release.wait()

    healthy = [Recorder() for _ in nodes]
    for node, recorder in zip(nodes, healthy, strict=True):
        node.subscribe(DELIVER_MESSAGE, failing)
        node.subscribe(DELIVER_MESSAGE, stuck)
        node.subscribe(DELIVER_MESSAGE, recorder.handle)
    events = [message_event("node-0", seq) for seq in range(1, 21)]

    await publish_all(nodes[0], DELIVER_MESSAGE, events)

    try:
        for recorder in healthy:
            assert await recorder.wait_for_count(len(events)) == events
        async with asyncio.timeout(DEADLINE):
            await stuck_entered.wait()
        # The failing handler stays subscribed: it was called for every event, on every node.
        async with asyncio.timeout(DEADLINE):
            await failed_everywhere.wait()
    finally:
        release.set()
    assert failures == len(events) * len(nodes)


async def test_unsubscribed_handlers_get_nothing_more(nodes: list[Bus]) -> None:
    leaving, staying = Recorder(), Recorder()
    unsubscribe = nodes[-1].subscribe(DELIVER_MESSAGE, leaving.handle)
    nodes[-1].subscribe(DELIVER_MESSAGE, staying.handle)
    await nodes[0].publish(DELIVER_MESSAGE, message_event("node-0", 1))
    await leaving.wait_for_count(1)

    unsubscribe()
    await publish_all(nodes[0], DELIVER_MESSAGE, [message_event("node-0", s) for s in (2, 3)])

    # Events arrive in order, so once the last one is in, nothing else is on its way.
    await staying.wait_for_count(3)
    assert leaving.received == [message_event("node-0", 1)]
