"""What runs through the faults: writers that retry every send with its client_msg_id until it is
acknowledged, stream readers that resume from their cursors on another node when theirs fails,
and a Sync reader. Each records what it saw, for the checks.

Statuses: a call may fail only UNAVAILABLE or DEADLINE_EXCEEDED while a node or a dependency is
down (docs/client.md: both are retried, a send with the same client_msg_id); a session may end
only so, or OK after a `reconnect` frame. One exception, grpc's and not ours: a call that reaches
a node after its grpc server began to stop ends CANCELLED (grpc/grpc#41785; the client retries it,
docs/client.md), so CANCELLED from a node draining after SIGTERM is allowed. Anything else
(INTERNAL, CANCELLED elsewhere, UNKNOWN, ...) is a status outside the documented set, and counted.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import grpc

from openchat.v1 import (
    message_pb2,
    messaging_service_pb2,
    messaging_service_pb2_grpc,
    presence_service_pb2,
    presence_service_pb2_grpc,
    sync_service_pb2,
    sync_service_pb2_grpc,
)
from tests.chaos.cluster import HEARTBEAT_INTERVAL, Node
from tests.support.servers import bearer

if TYPE_CHECKING:  # the async stub types exist only in the generated .pyi
    from openchat.v1.messaging_service_pb2_grpc import MessagingServiceAsyncStub
    from openchat.v1.sync_service_pb2_grpc import SyncServiceAsyncStub

SessionCall = grpc.aio.StreamStreamCall[
    presence_service_pb2.ClientFrame, presence_service_pb2.ServerFrame
]

CALL_TIMEOUT = 3.0
# A send still unacknowledged after this long counts as stalled and is given up.
SEND_PATIENCE = 120.0
CALL_STATUSES = {
    grpc.StatusCode.OK,
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
}
RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8)


@dataclass(frozen=True)
class Sent:
    """A message as its writer meant it, and the ack that confirmed it."""

    conversation_id: str
    client_msg_id: str
    seq: int
    message_id: str


@dataclass
class Observed:
    """What one workload party saw: statuses and the per-conversation order of messages."""

    statuses: Counter[str] = field(default_factory=Counter)
    undocumented: Counter[str] = field(default_factory=Counter)
    # conversation -> the seqs received, in arrival order
    received: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    progress: asyncio.Event = field(default_factory=asyncio.Event)

    def receive(self, conversation_id: str, seqs: Iterable[int]) -> None:
        self.received[conversation_id].extend(seqs)
        self.progress.set()

    async def reach(self, heads: dict[str, int]) -> None:
        """Returns once this party holds every conversation up to its head seq."""
        while True:
            self.progress.clear()
            if all(self.last_seq(c) >= seq for c, seq in heads.items()):
                return
            await self.progress.wait()

    def status(self, code: grpc.StatusCode, *, node_terminated: bool = False) -> None:
        """Counts a call's status; `node_terminated`: its node was draining after a SIGTERM
        at some time during the call."""
        self.statuses[code.name] += 1
        grpc_stopping = node_terminated and code == grpc.StatusCode.CANCELLED
        if code not in CALL_STATUSES and not grpc_stopping:
            self.undocumented[code.name] += 1

    def last_seq(self, conversation_id: str) -> int:
        seqs = self.received.get(conversation_id)
        return max(seqs) if seqs else 0


class Writer:
    """Sends to its conversations in turn; retries each send on the next node, with the same
    client_msg_id, until it is acknowledged. Stops between messages, never inside one."""

    def __init__(self, user: str, conversation_ids: Sequence[str], nodes: Sequence[Node]) -> None:
        self.user = user
        self._conversation_ids = conversation_ids
        self._nodes = nodes
        self._stubs: list[MessagingServiceAsyncStub] = [
            messaging_service_pb2_grpc.MessagingServiceStub(n.channel) for n in nodes
        ]
        self._metadata = bearer(user, ttl_seconds=24 * 3600)
        self._rng = random.Random(user)
        self.attempted: set[str] = set()
        self.acked: list[Sent] = []
        self.stalled = 0  # sends given up after SEND_PATIENCE
        self.observed = Observed()
        self.acked_event = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        for number in itertools.count():
            if stop.is_set():
                return
            conversation_id = self._conversation_ids[number % len(self._conversation_ids)]
            client_msg_id = f"{self.user}-{number}"
            await self._send_until_acked(conversation_id, client_msg_id)

    async def _send_until_acked(self, conversation_id: str, client_msg_id: str) -> None:
        request = messaging_service_pb2.SendMessageRequest(
            conversation_id=conversation_id,
            client_msg_id=client_msg_id,
            content=message_pb2.Content(text=f"chaos {client_msg_id}"),
        )
        self.attempted.add(client_msg_id)
        give_up = asyncio.get_running_loop().time() + SEND_PATIENCE
        for attempt in itertools.count():
            if asyncio.get_running_loop().time() > give_up:
                self.stalled += 1
                return
            index = self._rng.randrange(len(self._stubs))
            node, stub = self._nodes[index], self._stubs[index]
            mark = node.stop_mark()
            try:
                response = await stub.SendMessage(
                    request, metadata=self._metadata, timeout=CALL_TIMEOUT
                )
            except grpc.aio.AioRpcError as error:
                self.observed.status(error.code(), node_terminated=node.terminated_since(mark))
                await asyncio.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
                continue
            ack = response.ack
            self.observed.status(grpc.StatusCode.OK)
            self.acked.append(Sent(conversation_id, client_msg_id, ack.seq, ack.message_id))
            self.acked_event.set()
            return


class StreamReader:
    """A session stream on one node; when it ends, the next node, resuming from the seqs held."""

    def __init__(
        self, user: str, conversation_ids: Sequence[str], nodes: Sequence[Node], first: int
    ) -> None:
        self.user = user
        self._conversation_ids = conversation_ids
        self._nodes = nodes
        self._next = first
        self._metadata = bearer(user, ttl_seconds=24 * 3600)
        self.observed = Observed()
        self.connected = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            node = self._nodes[self._next % len(self._nodes)]
            self._next += 1
            mark = node.stop_mark()
            try:
                await self._session(node, mark, stop)
            except grpc.aio.AioRpcError as error:
                self.observed.status(error.code(), node_terminated=node.terminated_since(mark))
            except TimeoutError:
                self.observed.status(grpc.StatusCode.DEADLINE_EXCEEDED)
            self.connected.clear()
            await asyncio.sleep(RETRY_DELAYS[0])

    async def _session(self, node: Node, mark: int, stop: asyncio.Event) -> None:
        stub = presence_service_pb2_grpc.PresenceServiceStub(node.channel)
        call: SessionCall = stub.Connect(metadata=self._metadata)  # type: ignore[call-arg]
        pinging: asyncio.Task[None] | None = None
        try:
            async with asyncio.timeout(CALL_TIMEOUT):  # a frozen node answers nothing
                await call.initial_metadata()
            if not call.done():
                await call.write(presence_service_pb2.ClientFrame(hello=self._hello()))
                pinging = asyncio.create_task(self._ping(call))
            while not stop.is_set():
                try:
                    frame = await asyncio.wait_for(call.read(), 3 * HEARTBEAT_INTERVAL)
                except TimeoutError:
                    return  # the node went silent (frozen): try another
                if not isinstance(frame, presence_service_pb2.ServerFrame):  # the end
                    code = await call.code()
                    self.observed.status(code, node_terminated=node.terminated_since(mark))
                    return
                self._on_frame(frame)
        finally:
            if pinging is not None:
                pinging.cancel()
            call.cancel()

    def _hello(self) -> presence_service_pb2.Hello:
        return presence_service_pb2.Hello(
            device_id=f"{self.user}-device",
            resume_cursors=[
                sync_service_pb2.SyncCursor(conversation_id=c, after_seq=self.observed.last_seq(c))
                for c in self._conversation_ids
            ],
        )

    def _on_frame(self, frame: presence_service_pb2.ServerFrame) -> None:
        kind = frame.WhichOneof("frame")
        if kind == "welcome":
            self.connected.set()
        elif kind == "message":
            self.observed.receive(frame.message.conversation_id, [frame.message.seq])

    async def _ping(self, call: SessionCall) -> None:
        for nonce in itertools.count():
            await asyncio.sleep(HEARTBEAT_INTERVAL / 2)
            ping = presence_service_pb2.Ping(nonce=nonce)
            await call.write(presence_service_pb2.ClientFrame(ping=ping))


class SyncReader:
    """Polls Sync from its cursors on each node in turn, following has_more."""

    def __init__(self, user: str, nodes: Sequence[Node]) -> None:
        self.user = user
        self._nodes = nodes
        self._stubs: list[SyncServiceAsyncStub] = [
            sync_service_pb2_grpc.SyncServiceStub(node.channel) for node in nodes
        ]
        self._metadata = bearer(user, ttl_seconds=24 * 3600)
        self.observed = Observed()

    async def run(self, stop: asyncio.Event) -> None:
        for turn in itertools.count():
            if stop.is_set():
                return
            index = turn % len(self._nodes)
            node, stub = self._nodes[index], self._stubs[index]
            mark = node.stop_mark()
            try:
                await self.sync_once(stub)
            except grpc.aio.AioRpcError as error:
                self.observed.status(error.code(), node_terminated=node.terminated_since(mark))
            await asyncio.sleep(0.2)  # the poll interval of a client without a stream

    async def sync_once(self, stub: SyncServiceAsyncStub) -> None:
        while True:
            cursors = [
                sync_service_pb2.SyncCursor(conversation_id=c, after_seq=self.observed.last_seq(c))
                for c in self.observed.received
            ]
            response = await stub.Sync(
                sync_service_pb2.SyncRequest(cursors=cursors),
                metadata=self._metadata,
                timeout=CALL_TIMEOUT,
            )
            self.observed.status(grpc.StatusCode.OK)
            more = response.has_more_conversations
            for conversation in response.conversations:
                seqs = [message.seq for message in conversation.messages]
                self.observed.receive(conversation.conversation_id, seqs)
                more = more or conversation.has_more
            if not more:
                return
