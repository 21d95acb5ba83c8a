"""PresenceService: the session stream (Connect, or OpenSession with SendSessionFrames for
clients that cannot stream both ways) and presence queries."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
import structlog

from openchat.server.domain.errors import (
    InvalidArgument,
    NotFound,
    OpenChatError,
    StreamProtocolViolation,
    Unavailable,
)
from openchat.server.domain.frames import Outbound, SendRejected
from openchat.server.failures import is_transient
from openchat.server.limits.token_bucket import TokenBucket
from openchat.server.observability.metrics import Metrics
from openchat.server.ports import UserConversations
from openchat.server.sessions.hub import Session, SessionHub
from openchat.server.settings import LimitsSettings, SessionSettings
from openchat.server.transport.context import current_user_id
from openchat.server.transport.converters import presence_to_pb
from openchat.server.transport.services.sending import MessageSender
from openchat.server.transport.services.sync import cursors_from_pb
from openchat.server.transport.shared_frames import SharedFrames
from openchat.server.transport.validation import require_id, require_ids, require_seq
from openchat.server.usecases.messaging import Messaging
from openchat.server.usecases.receipts import Receipts
from openchat.v1 import presence_service_pb2 as pb
from openchat.v1 import presence_service_pb2_grpc

Context = grpc.aio.ServicerContext[Any, Any]

_log = structlog.get_logger(__name__)

# Sends a session may have waiting for their commit; more wait for a free slot, which stops
# the reading of further frames (backpressure through HTTP/2 flow control).
MAX_SENDS_IN_FLIGHT = 64
# Most client frames in one SendSessionFrames call.
MAX_FRAMES_PER_CALL = 64
# The answer to a send that arrives after the client was asked to reconnect.
DRAINING = Unavailable("the server is shutting down; send it again after reconnecting")
# Frames that cost the server work per frame and that nothing but the client's own good
# manners bounds: each kind has its own token bucket per session (OPENCHAT_SESSION_FRAME_RATE),
# and frames over it are dropped. Sends are limited per user (OPENCHAT_SEND_RATE), pings by
# the heartbeat's linger, read markers are MarkRead's.
RATED_FRAMES = ("typing", "delivery_ack", "watch_presence")


class ClientFrames:
    """What a session does with its client's frames, whichever way they come: read from the
    Connect stream, or handed over by SendSessionFrames calls. Sends run concurrently (up to
    MAX_SENDS_IN_FLIGHT, then the next send waits: backpressure); other frames in order."""

    def __init__(
        self,
        session: Session,
        hub: SessionHub,
        sender: MessageSender,
        messaging: Messaging,
        receipts: Receipts,
        *,
        user_conversations: UserConversations,
        metrics: Metrics,
        limits: LimitsSettings,
    ) -> None:
        self.session = session
        self._hub = hub
        self._sender = sender
        self._messaging = messaging
        self._receipts = receipts
        self._user_conversations = user_conversations
        self._metrics = metrics
        rate, burst, now = limits.session_frame_rate, limits.session_frame_burst, time.monotonic()
        self._buckets = (
            {kind: TokenBucket(rate, burst, now) for kind in RATED_FRAMES} if rate else {}
        )
        self._sends = asyncio.Semaphore(MAX_SENDS_IN_FLIGHT)
        self._in_flight: set[asyncio.Task[None]] = set()

    async def handle(self, frame: pb.ClientFrame) -> None:
        """One frame of the client. Unknown frames (from newer clients) are ignored."""
        self.session.touch()
        kind = frame.WhichOneof("frame")
        bucket = self._buckets.get(kind or "")
        if bucket is not None and bucket.take(time.monotonic()):
            self._metrics.session_frames_dropped.labels(kind, "limit").inc()
            return
        if kind == "send":
            await self._start_send(frame.send)
            return
        session = self.session
        try:
            match kind:
                case "ping":
                    await self._hub.pong(session, frame.ping.nonce)
                case "delivery_ack":
                    ack = frame.delivery_ack
                    conversation_id = require_id(
                        "delivery_ack.conversation_id", ack.conversation_id
                    )
                    seq = require_seq("delivery_ack.seq", ack.seq)
                    if await self._member(kind, conversation_id):
                        self._receipts.acknowledge(session.key, conversation_id, seq)
                case "watch_presence":
                    user_ids = require_ids(
                        "watch_presence.user_ids", frame.watch_presence.user_ids, allow_empty=True
                    )
                    await self._hub.watch(session, user_ids)
                case "typing":
                    typing = frame.typing
                    conversation_id = require_id("typing.conversation_id", typing.conversation_id)
                    if await self._member(kind, conversation_id):
                        await self._hub.typing(session, conversation_id, typing.typing)
                case "read":
                    await self._read_marker(frame.read)
                case "hello":
                    raise StreamProtocolViolation("hello may only be the first frame")
        except Exception as error:
            if not is_transient(error):
                raise
            # A dependency hiccup must not end the session; the client repeats pings and acks.
            _log.warning("session_frame_failed", frame=kind, error=repr(error))

    async def _start_send(self, send: Any) -> None:
        if self.session.draining:
            self.session.push(SendRejected(send.client_msg_id, send.conversation_id, DRAINING))
            return
        await self._sends.acquire()
        task = asyncio.create_task(self._send(send))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        task.add_done_callback(lambda _: self._sends.release())

    async def finish(self) -> None:
        """Waits until every send handed over has its answer queued."""
        await asyncio.gather(*self._in_flight)

    async def _member(self, kind: str, conversation_id: str) -> bool:
        """Whether the frame's conversation is one of the user's (from a cache: typing and
        acks are advisory, and a made-up id must cost no query); counts the frames dropped."""
        if await self._user_conversations.includes(self.session.user_id, conversation_id):
            return True
        self._metrics.session_frames_dropped.labels(kind, "not_member").inc()
        return False

    async def _read_marker(self, read: pb.ReadUpdate) -> None:
        conversation_id = require_id("read.conversation_id", read.conversation_id)
        seq = require_seq("read.seq", read.seq)
        try:
            await self._messaging.mark_read(self.session.user_id, conversation_id, seq)
        except OpenChatError as error:
            # A read marker is advisory on the stream; MarkRead reports such errors.
            _log.info("stream_read_ignored", error=str(error))

    async def _send(self, request: Any) -> None:
        session = self.session
        try:
            appended = await self._sender.send(
                session.user_id, request, device_id=session.device_id, transport="stream"
            )
        except OpenChatError as error:
            session.push(SendRejected(request.client_msg_id, request.conversation_id, error))
        except Exception as error:  # noqa: BLE001 - the sender is told to retry
            _log.warning("stream_send_failed", error=repr(error))
            failure = Unavailable(
                "the message could not be stored; retry with the same client_msg_id"
            )
            session.push(SendRejected(request.client_msg_id, request.conversation_id, failure))
        else:
            session.push(appended)


class PresenceServicer(presence_service_pb2_grpc.PresenceServiceServicer):
    def __init__(
        self,
        hub: SessionHub,
        messaging: Messaging,
        sender: MessageSender,
        receipts: Receipts,
        *,
        user_conversations: UserConversations,
        metrics: Metrics,
        sessions: SessionSettings,
        limits: LimitsSettings,
    ) -> None:
        self._hub = hub
        self._messaging = messaging
        self._sender = sender
        self._receipts = receipts
        self._user_conversations = user_conversations
        self._metrics = metrics
        self._sessions = sessions
        self._limits = limits
        # The sessions opened with OpenSession on this node, by session id: SendSessionFrames
        # hands them their client's frames.
        self._opened: dict[str, ClientFrames] = {}
        self._frames = SharedFrames()

    async def Connect(
        self, request_iterator: AsyncIterator[pb.ClientFrame], context: Context
    ) -> AsyncIterator[pb.ServerFrame]:
        user_id = current_user_id()
        # Headers first, before waiting for the hello: a client that writes only after them
        # never races a refusal (grpc.aio reports such a write as INTERNAL, grpc/grpc#36066).
        await context.send_initial_metadata(())
        requests = aiter(request_iterator)
        hello = await self._hello(requests)
        if hello is None:
            return  # the client closed before saying hello
        pushback = self._hub.pushback()
        if pushback is not None:
            yield self._frames.of(pushback)
            return
        async with self._session(user_id, hello) as (client_frames, frames):
            reader = asyncio.create_task(self._read(client_frames, requests), name="session-reader")
            try:
                async for frame in frames:
                    yield self._frames.of(frame)
            finally:
                reader.cancel()

    async def OpenSession(
        self, request: pb.OpenSessionRequest, context: Context
    ) -> AsyncIterator[pb.OpenSessionResponse]:
        user_id = current_user_id()
        if not request.HasField("hello"):
            raise InvalidArgument("hello", "is required")
        pushback = self._hub.pushback()
        if pushback is not None:
            yield pb.OpenSessionResponse(frame=self._frames.of(pushback))
            return
        async with self._session(user_id, request.hello) as (client_frames, frames):
            session_id = client_frames.session.key.session_id
            self._opened[session_id] = client_frames
            try:
                async for frame in frames:
                    yield pb.OpenSessionResponse(frame=self._frames.of(frame))
            finally:
                self._opened.pop(session_id, None)

    async def SendSessionFrames(
        self, request: pb.SendSessionFramesRequest, context: Context
    ) -> pb.SendSessionFramesResponse:
        user_id = current_user_id()
        session_id = require_id("session_id", request.session_id)
        if not 1 <= len(request.frames) <= MAX_FRAMES_PER_CALL:
            raise InvalidArgument(
                "frames", f"must hold 1 to {MAX_FRAMES_PER_CALL} frames, got {len(request.frames)}"
            )
        client_frames = self._opened.get(session_id)
        if client_frames is None or client_frames.session.user_id != user_id:
            raise NotFound(f"no open session {session_id!r} of the caller on this node")
        try:
            for frame in request.frames:
                await client_frames.handle(frame)
        except OpenChatError as error:
            # As on the Connect stream: a broken frame ends the session with its error.
            await self._hub.close(client_frames.session, error)
            raise
        return pb.SendSessionFramesResponse()

    async def GetPresence(
        self, request: pb.GetPresenceRequest, context: Context
    ) -> pb.GetPresenceResponse:
        current_user_id()
        user_ids = require_ids("user_ids", request.user_ids)
        states = await self._hub.presence(user_ids)
        return pb.GetPresenceResponse(presences=[presence_to_pb(state) for state in states])

    async def _hello(self, requests: AsyncIterator[pb.ClientFrame]) -> pb.Hello | None:
        try:
            async with asyncio.timeout(self._sessions.heartbeat_timeout):
                first = await anext(requests)
        except StopAsyncIteration:
            return None
        except TimeoutError:
            raise StreamProtocolViolation(
                f"no hello within {self._sessions.heartbeat_timeout:g} s"
            ) from None
        if first.WhichOneof("frame") != "hello":
            raise StreamProtocolViolation("the first frame of a session must be hello")
        return first.hello

    @contextlib.asynccontextmanager
    async def _session(
        self, user_id: str, hello: pb.Hello
    ) -> AsyncIterator[tuple[ClientFrames, AsyncIterator[Outbound]]]:
        """Opens the hello's session; yields what handles its client's frames and the frames
        for its client, and closes it on the way out."""
        device_id = require_id("hello.device_id", hello.device_id)
        cursors = cursors_from_pb(hello.resume_cursors, "hello.resume_cursors")
        session = await self._hub.open(user_id, device_id)
        client_frames = ClientFrames(
            session,
            self._hub,
            self._sender,
            self._messaging,
            self._receipts,
            user_conversations=self._user_conversations,
            metrics=self._metrics,
            limits=self._limits,
        )
        try:
            yield (
                client_frames,
                self._hub.frames(
                    session,
                    cursors=cursors,
                    resume_all=hello.resume_all,
                    deletions_after=(
                        hello.deletions_after if hello.HasField("deletions_after") else None
                    ),
                ),
            )
        finally:
            await self._hub.close(session)

    async def _read(
        self, client_frames: ClientFrames, requests: AsyncIterator[pb.ClientFrame]
    ) -> None:
        """Handle the client's frames until it half-closes or goes away."""
        session = client_frames.session
        try:
            async for frame in requests:
                await client_frames.handle(frame)
            # The client closed its side: every send it made gets its answer, then the end.
            await client_frames.finish()
            await self._hub.close(session)
        except OpenChatError as error:
            await self._hub.close(session, error)
        except Exception as error:  # noqa: BLE001 - report, close the session, keep serving
            _log.exception("session_reader_failed")
            await self._hub.close(
                session, Unavailable(f"the session failed: {type(error).__name__}")
            )
