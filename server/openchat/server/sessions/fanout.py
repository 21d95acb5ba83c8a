"""Fan-out from the cluster bus to this node's sessions.

Every node subscribes to the cluster topics (in-process for one node, Redis pub/sub for many)
and delivers each event to its own sessions: messages to the members' devices (except the
sending device), receipts to the senders, typing to the other members, presence to watchers,
messages a user deleted for themselves to that user's devices; a session replaced by a newer
one of its device on another node is closed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime

from openchat.server.domain.events import (
    DELIVER_HIDDEN,
    DELIVER_MESSAGE,
    DELIVER_RECEIPT,
    DELIVER_TYPING,
    PRESENCE_CHANGED,
    SESSION_REPLACED,
    HiddenDelivery,
    MessagePersisted,
    PresenceChanged,
    ReceiptDelivery,
    SessionReplaced,
    TypingDelivery,
)
from openchat.server.domain.frames import Outbound
from openchat.server.observability.metrics import Metrics
from openchat.server.ports import EventBus, MemberDirectory
from openchat.server.sessions.registry import REPLACED, SessionRegistry
from openchat.server.sessions.session import Session
from openchat.server.sessions.watching import PresenceWatch

# A push wakes the session's writer, which encodes and writes its frame in the loop's next
# iteration (~60-100 us). A 1,000-member group's message woke them all for one iteration, and
# everything else on the loop (other sends, heartbeats, timers) waited ~100 ms behind it. The
# fan-out yields after every slice of this many pushes, so other work runs between slices.
FANOUT_SLICE = 64


class ClusterFanout:
    """The cluster bus's subscriber on behalf of this node's sessions."""

    def __init__(
        self,
        *,
        cluster: EventBus,
        registry: SessionRegistry,
        watch: PresenceWatch,
        members: MemberDirectory,
        metrics: Metrics,
        clock: Callable[[], datetime],
    ) -> None:
        self._cluster = cluster
        self._registry = registry
        self._watch = watch
        self._members = members
        self._metrics = metrics
        self._clock = clock
        self._unsubscribe: list[Callable[[], None]] = []

    def start(self) -> None:
        self._unsubscribe = [
            self._cluster.subscribe(DELIVER_MESSAGE, self._on_message),
            self._cluster.subscribe(DELIVER_RECEIPT, self._on_receipt),
            self._cluster.subscribe(DELIVER_TYPING, self._on_typing),
            self._cluster.subscribe(DELIVER_HIDDEN, self._on_hidden),
            self._cluster.subscribe(PRESENCE_CHANGED, self._on_presence),
            self._cluster.subscribe(SESSION_REPLACED, self._on_replaced),
        ]

    def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()

    async def _on_message(self, event: MessagePersisted) -> None:
        message = event.message
        recipients = [
            session
            for session in await self._member_sessions(message.conversation_id)
            if session.user_id != message.sender_id or session.device_id != event.origin_device_id
        ]
        await push_in_slices(recipients, message)
        if recipients:
            self._metrics.messages_delivered.inc(len(recipients))
            latency = (self._clock() - message.server_time).total_seconds()
            self._metrics.deliver_latency.observe(max(latency, 0.0))

    async def _on_receipt(self, event: ReceiptDelivery) -> None:
        for session in self._registry.sessions_of(event.recipient_ids):
            session.push(event.receipt)

    async def _on_typing(self, event: TypingDelivery) -> None:
        typing = event.typing
        others = [
            session
            for session in await self._member_sessions(typing.conversation_id)
            if session.user_id != typing.user_id
        ]
        await push_in_slices(others, typing)

    async def _on_hidden(self, event: HiddenDelivery) -> None:
        for session in self._registry.sessions_of((event.user_id,)):
            session.push(event.deleted)

    async def _on_presence(self, event: PresenceChanged) -> None:
        self._watch.offer(event.state)

    async def _on_replaced(self, event: SessionReplaced) -> None:
        for session in self._registry.sessions_of((event.user_id,)):
            if session.device_id == event.device_id and session.key.session_id != event.session_id:
                await self._registry.close(session, farewell=REPLACED)

    async def _member_sessions(self, conversation_id: str) -> list[Session]:
        return self._registry.sessions_of(await self._members.members(conversation_id))


async def push_in_slices(sessions: Sequence[Session], frame: Outbound) -> None:
    """Push `frame` to every session, yielding to the event loop after every FANOUT_SLICE
    pushes. A session that closes meanwhile ignores its push; one that opens meanwhile reads a
    message from the store in its catch-up, as it would if it had opened just after the
    fan-out."""
    for start in range(0, len(sessions), FANOUT_SLICE):
        if start:
            await asyncio.sleep(0)
        for session in sessions[start : start + FANOUT_SLICE]:
            session.push(frame)
