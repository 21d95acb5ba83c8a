"""The EventBus contract, for the in-process bus (one node) and Redis pub/sub (two nodes, on
the shared Redis under a channel prefix of their own per test)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from redis.asyncio import Redis

from openchat.server.domain.delivery import Receipt, ReceiptKind, Typing
from openchat.server.domain.events import (
    BOTS_CHANGED,
    DELIVER_HIDDEN,
    DELIVER_MESSAGE,
    DELIVER_RECEIPT,
    DELIVER_TYPING,
    MEMBERSHIP_CHANGED,
    PRESENCE_CHANGED,
    SESSION_REPLACED,
    BotsChanged,
    HiddenDelivery,
    MembershipChanged,
    MessagePersisted,
    PresenceChanged,
    ReceiptDelivery,
    SessionReplaced,
    Topic,
    TypingDelivery,
)
from openchat.server.domain.model import (
    Attachment,
    Content,
    Message,
    MessagesDeleted,
    PresenceState,
)
from openchat.server.events.cluster import CLUSTER_TOPICS, ClusterCodec
from openchat.server.events.in_process import InProcessEventBus
from openchat.server.events.redis_bus import RedisEventBus
from tests.support.waiting import Arrivals

DEADLINE = 10.0
AT = datetime(2026, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)

Bus = InProcessEventBus | RedisEventBus
Event = TypeVar("Event")


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


class Recorder(Arrivals[Event]):
    """A subscriber that keeps what it receives."""

    @property
    def received(self) -> list[Event]:
        return self.items

    async def handle(self, event: Event) -> None:
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


async def publish_all(bus: Bus, topic: Topic[Event], events: Sequence[Event]) -> None:
    for event in events:
        await bus.publish(topic, event)


async def test_every_subscriber_on_every_node_gets_every_event_in_order(
    nodes: list[Bus],
) -> None:
    recorders = [Recorder[MessagePersisted]() for _ in range(2 * len(nodes))]
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
            from_publisher = [event for event in received if event.origin_device_id == publisher]
            # In publication order, with every field (bytes, unicode, times) intact.
            assert from_publisher == events


async def test_subscribers_get_only_their_topic(nodes: list[Bus]) -> None:
    messages, presence = Recorder[MessagePersisted](), Recorder[PresenceChanged]()
    nodes[-1].subscribe(DELIVER_MESSAGE, messages.handle)
    nodes[-1].subscribe(PRESENCE_CHANGED, presence.handle)
    state = PresenceState("bob", False, 0, AT, 42)

    await nodes[0].publish(PRESENCE_CHANGED, PresenceChanged(state))
    await nodes[0].publish(DELIVER_MESSAGE, message_event("node-0", 1))

    assert await presence.wait_for_count(1) == [PresenceChanged(state)]
    assert await messages.wait_for_count(1) == [message_event("node-0", 1)]


async def test_a_failing_or_stuck_handler_does_not_affect_the_others(nodes: list[Bus]) -> None:
    failures = 0
    failed_everywhere = asyncio.Event()
    stuck_entered = asyncio.Event()
    release = asyncio.Event()

    async def failing(event: MessagePersisted) -> None:
        nonlocal failures
        failures += 1
        if failures == len(events) * len(nodes):
            failed_everywhere.set()
        raise RuntimeError("this subscriber is broken")

    async def stuck(event: MessagePersisted) -> None:
        stuck_entered.set()
        await release.wait()

    healthy = [Recorder[MessagePersisted]() for _ in nodes]
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
    leaving, staying = Recorder[MessagePersisted](), Recorder[MessagePersisted]()
    unsubscribe = nodes[-1].subscribe(DELIVER_MESSAGE, leaving.handle)
    nodes[-1].subscribe(DELIVER_MESSAGE, staying.handle)
    await nodes[0].publish(DELIVER_MESSAGE, message_event("node-0", 1))
    await leaving.wait_for_count(1)

    unsubscribe()
    await publish_all(nodes[0], DELIVER_MESSAGE, [message_event("node-0", s) for s in (2, 3)])

    # Events arrive in order, so once the last one is in, nothing else is on its way.
    await staying.wait_for_count(3)
    assert leaving.received == [message_event("node-0", 1)]


async def test_every_cluster_topic_carries_its_own_event_type(nodes: list[Bus]) -> None:
    samples: dict[Topic[Any], object] = {
        DELIVER_MESSAGE: message_event("node-0", 1),
        DELIVER_RECEIPT: ReceiptDelivery(
            Receipt("c-1", "bob", ReceiptKind.DELIVERED, 7, AT, device_id="phone"), ("alice",)
        ),
        DELIVER_TYPING: TypingDelivery(Typing("c-1", "bob", typing=True)),
        DELIVER_HIDDEN: HiddenDelivery("bob", MessagesDeleted("c-1", ("m-3", "m-9"), (3, 9), 1, 4)),
        PRESENCE_CHANGED: PresenceChanged(PresenceState("bob", True, 2, AT, 3)),
        MEMBERSHIP_CHANGED: MembershipChanged("c-1"),
        SESSION_REPLACED: SessionReplaced("bob", "phone", "s-2"),
        BOTS_CHANGED: BotsChanged("bot-1"),
    }
    assert set(samples) == set(CLUSTER_TOPICS), "a sample event for every cluster topic"
    recorders = {topic: Recorder[object]() for topic in samples}
    for topic, recorder in recorders.items():
        nodes[-1].subscribe(topic, recorder.handle)

    for topic, event in samples.items():
        await nodes[0].publish(topic, event)

    for topic, recorder in recorders.items():
        # Another node decodes each event as its topic's type, with every field intact.
        assert await recorder.wait_for_count(1) == [samples[topic]], topic.name
        assert type(recorder.received[0]) is topic.event_type


# What a node sends for PresenceChanged(PresenceState("bob", False, 0, AT, 42)), written down
# from the bus as it was before topics were typed: nodes of one cluster must understand each
# other, so the channel names and the payloads stay as they were.
PRESENCE_WIRE = (
    b'{"event":{"state":{"user_id":"bob","online":false,"device_count":0,'
    b'"last_seen":"2026-05-06T07:08:09.123000Z","generation":42}}}'
)
# What a node sends for the HiddenDelivery below, written down when the deletion feed added
# deletions_position to it.
HIDDEN_WIRE = (
    b'{"event":{"user_id":"bob","deleted":{"conversation_id":"c-1",'
    b'"message_ids":["m-3","m-9"],"seqs":[3,9],"newly_hidden":1,"deletions_position":4}}}'
)
# What nodes sent before that, when the topic was added.
HIDDEN_WIRE_BEFORE_THE_FEED = (
    b'{"event":{"user_id":"bob","deleted":{"conversation_id":"c-1",'
    b'"message_ids":["m-3","m-9"],"seqs":[3,9],"newly_hidden":1}}}'
)


def test_nodes_of_both_versions_understand_each_others_deletions() -> None:
    """During a rolling upgrade: an event of an older node arrives without a position (the
    sessions pass it on as it is), and an older node ignores the field it does not know."""
    codec = ClusterCodec()
    older = codec.decode(DELIVER_HIDDEN, HIDDEN_WIRE_BEFORE_THE_FEED)
    assert older == HiddenDelivery("bob", MessagesDeleted("c-1", ("m-3", "m-9"), (3, 9), 1))
    assert older.deleted.deletions_position == 0
    # As this version ignores a field of a newer one (pydantic's default), older nodes ignore
    # deletions_position.
    newer = HIDDEN_WIRE.replace(b'"newly_hidden"', b'"from_a_newer_node":true,"newly_hidden"')
    assert codec.decode(DELIVER_HIDDEN, newer).deleted.deletions_position == 4


@pytest.mark.parametrize(
    ("topic", "event", "payload"),
    [
        pytest.param(
            PRESENCE_CHANGED,
            PresenceChanged(PresenceState("bob", False, 0, AT, 42)),
            PRESENCE_WIRE,
            id=PRESENCE_CHANGED.name,
        ),
        pytest.param(
            DELIVER_HIDDEN,
            HiddenDelivery("bob", MessagesDeleted("c-1", ("m-3", "m-9"), (3, 9), 1, 4)),
            HIDDEN_WIRE,
            id=DELIVER_HIDDEN.name,
        ),
    ],
)
async def test_redis_channels_and_payloads_keep_their_wire_format(
    redis_url: str, topic: Topic[Any], event: object, payload: bytes
) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    observer, client = Redis.from_url(redis_url), Redis.from_url(redis_url)
    bus = RedisEventBus(client, ClusterCodec(), channel_prefix=prefix)
    wire = observer.pubsub(ignore_subscribe_messages=True)
    received = Recorder[object]()
    try:
        await wire.subscribe(prefix + topic.name)
        await bus.start()
        bus.subscribe(topic, received.handle)

        await bus.publish(topic, event)
        async with asyncio.timeout(DEADLINE):
            sent = await anext(aiter(wire.listen()))
        assert json.loads(sent["data"]) == json.loads(payload)

        # What another node sends in that format reaches this node's subscribers.
        await observer.publish(prefix + topic.name, payload)
        assert await received.wait_for_count(2) == [event, event]
    finally:
        await bus.close()
        await wire.aclose()  # type: ignore[no-untyped-call]  # redis-py lacks a hint
        await observer.aclose()
        await client.aclose()
