"""SessionRegistry over the in-process presence registry and event bus: opening announces the
session, a newer session of a device replaces the older one (and only that one), closing is
idempotent and runs the close hooks once, a slow consumer is closed, and draining refuses new
sessions and says farewell to the open ones."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from openchat.server.domain.delivery import Typing
from openchat.server.domain.errors import HeartbeatTimeout, SlowConsumer, Unavailable
from openchat.server.domain.events import (
    PRESENCE_CHANGED,
    SESSION_REPLACED,
    PresenceChanged,
    SessionReplaced,
)
from openchat.server.domain.frames import ReconnectRequest
from openchat.server.events.in_process import InProcessEventBus
from openchat.server.observability.metrics import Metrics
from openchat.server.presence.in_process import InProcessPresenceRegistry
from openchat.server.sessions.registry import REPLACED, SessionRegistry
from openchat.server.sessions.session import Session
from tests.support.waiting import DEFAULT_WAIT, Arrivals, until

CAPACITY = 16
DRAINING = ReconnectRequest("the server is shutting down", 1.0)


@dataclass
class Node:
    registry: SessionRegistry
    presence: InProcessPresenceRegistry
    metrics: Metrics
    closed: list[Session]
    replaced: Arrivals[SessionReplaced]
    presence_changes: Arrivals[PresenceChanged]

    def disconnects(self, reason: str) -> float:
        value = self.metrics.registry.get_sample_value(
            "openchat_session_disconnects_total", {"reason": reason}
        )
        return value or 0.0


@pytest.fixture
async def node() -> AsyncIterator[Node]:
    cluster = InProcessEventBus()
    presence = InProcessPresenceRegistry()
    metrics = Metrics()
    closed: list[Session] = []
    registry = SessionRegistry(
        queue_capacity=CAPACITY,
        presence=presence,
        cluster=cluster,
        metrics=metrics,
        close_hooks=[closed.append],
    )
    replaced = Arrivals[SessionReplaced]()
    presence_changes = Arrivals[PresenceChanged]()

    async def on_replaced(event: SessionReplaced) -> None:
        replaced.add(event)

    async def on_presence(event: PresenceChanged) -> None:
        presence_changes.add(event)

    cluster.subscribe(SESSION_REPLACED, on_replaced)
    cluster.subscribe(PRESENCE_CHANGED, on_presence)
    yield Node(registry, presence, metrics, closed, replaced, presence_changes)
    await cluster.close()


async def remaining_frames(session: Session) -> list[object]:
    """What the session's writer would still send: it ends when the session is closed."""
    frames: list[object] = []
    async with asyncio.timeout(DEFAULT_WAIT):
        while (frame := await session.next_frame()) is not None:
            frames.append(frame)
    return frames


async def test_open_registers_the_session_and_tells_the_cluster(node: Node) -> None:
    session = await node.registry.open("alice", "phone")

    assert node.registry.sessions() == [session]
    assert (session.user_id, session.device_id) == ("alice", "phone")
    # Other nodes close their older sessions of the device, and watchers see alice online.
    assert await node.replaced.wait_for_count(1) == [
        SessionReplaced("alice", "phone", session.key.session_id)
    ]
    [online] = await node.presence_changes.wait_for_count(1)
    assert (online.state.user_id, online.state.online, online.state.device_count) == (
        "alice",
        True,
        1,
    )


async def test_a_newer_session_of_a_device_replaces_only_the_older_one(node: Node) -> None:
    old_phone = await node.registry.open("alice", "phone")
    laptop = await node.registry.open("alice", "laptop")

    new_phone = await node.registry.open("alice", "phone")

    assert sorted(node.registry.sessions(), key=id) == sorted([laptop, new_phone], key=id)
    assert (node.registry.open_count, node.registry.closed) == (2, 1)
    assert await remaining_frames(old_phone) == [REPLACED]
    assert not laptop.closed
    assert not new_phone.closed
    assert node.closed == [old_phone]
    assert node.disconnects("replaced") == 1
    [state] = await node.presence.lookup(["alice"])
    assert (state.online, state.device_count) == (True, 2)


async def test_close_is_idempotent_runs_the_hooks_once_and_releases_presence(
    node: Node,
) -> None:
    session = await node.registry.open("bob", "phone")

    await node.registry.close(session, HeartbeatTimeout(60.0))
    await node.registry.close(session)

    assert node.registry.sessions() == []
    assert (node.registry.open_count, node.registry.closed) == (0, 1)
    assert node.closed == [session]
    assert isinstance(session.close_error, HeartbeatTimeout)
    assert node.disconnects("heartbeat_timeout") == 1
    assert node.disconnects("client") == 0
    changes = await node.presence_changes.wait_for_count(2)
    assert [(c.state.online, c.state.device_count) for c in changes] == [(True, 1), (False, 0)]


async def test_a_client_too_far_behind_is_closed_as_a_slow_consumer(node: Node) -> None:
    session = await node.registry.open("carol", "phone")
    other = await node.registry.open("carol", "laptop")

    for _ in range(CAPACITY + 1):
        session.push(Typing("c-1", "dave", typing=True))

    await until(lambda: node.registry.sessions() == [other], what="the slow session closed")
    assert isinstance(session.close_error, SlowConsumer)
    assert node.disconnects("slow_consumer") == 1


async def test_sessions_of_finds_the_same_sessions_from_either_side(node: Node) -> None:
    alice = await node.registry.open("alice", "phone")
    bob = [await node.registry.open("bob", device) for device in ("phone", "laptop")]
    await node.registry.open("carol", "phone")

    # Fewer users asked for than have sessions here, and more (a large group).
    assert node.registry.sessions_of(("alice", "nobody")) == [alice]
    many = frozenset({"alice", "bob", *(f"user-{n}" for n in range(100))})
    assert sorted(node.registry.sessions_of(many), key=id) == sorted([alice, *bob], key=id)


async def test_draining_refuses_new_sessions_and_says_farewell_to_open_ones(node: Node) -> None:
    session = await node.registry.open("erin", "phone")

    assert node.registry.drain()
    assert not node.registry.drain(), "already draining"
    with pytest.raises(Unavailable):
        await node.registry.open("erin", "laptop")
    # Its client never closes its side: the session is closed when the grace is over.
    await node.registry.close_all(DRAINING, grace=0)

    assert await remaining_frames(session) == [DRAINING]
    assert node.registry.sessions() == []
    assert node.disconnects("draining") == 1
