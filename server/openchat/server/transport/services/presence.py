"""PresenceService: the session stream (Connect) and presence queries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
import structlog

from openchat.server.domain.errors import (
    OpenChatError,
    StreamProtocolViolation,
    Unavailable,
)
from openchat.server.domain.frames import SendRejected
from openchat.server.failures import is_transient
from openchat.server.sessions.hub import Session, SessionHub
from openchat.server.settings import SessionSettings
from openchat.server.transport.context import current_user_id
from openchat.server.transport.converters import presence_to_pb, server_frame
from openchat.server.transport.services.sending import MessageSender
from openchat.server.transport.services.sync import cursors_from_pb
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
# The answer to a send that arrives after the client was asked to reconnect.
DRAINING = Unavailable("the server is shutting down; send it again after reconnecting")


class PresenceServicer(presence_service_pb2_grpc.PresenceServiceServicer):
    def __init__(
        self,
        hub: SessionHub,
        messaging: Messaging,
        sender: MessageSender,
        receipts: Receipts,
        *,
        sessions: SessionSettings,
    ) -> None:
        self._hub = hub
        self._messaging = messaging
        self._sender = sender
        self._receipts = receipts
        self._sessions = sessions

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
        device_id = require_id("hello.device_id", hello.device_id)
        cursors = cursors_from_pb(hello.resume_cursors, "hello.resume_cursors")
        session = await self._hub.open(user_id, device_id)
        reader = asyncio.create_task(self._read(session, requests), name="session-reader")
        try:
            frames = self._hub.frames(session, cursors=cursors, resume_all=hello.resume_all)
            async for frame in frames:
                yield server_frame(frame)
        finally:
            reader.cancel()
            await self._hub.close(session)

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

    async def _read(self, session: Session, requests: AsyncIterator[pb.ClientFrame]) -> None:
        """Handle the client's frames until it half-closes or goes away."""
        sends = asyncio.Semaphore(MAX_SENDS_IN_FLIGHT)
        in_flight: set[asyncio.Task[None]] = set()
        try:
            async for frame in requests:
                session.touch()
                kind = frame.WhichOneof("frame")
                if kind == "send" and session.draining:
                    session.push(
                        SendRejected(frame.send.client_msg_id, frame.send.conversation_id, DRAINING)
                    )
                elif kind == "send":
                    await sends.acquire()
                    task = asyncio.create_task(self._send(session, frame.send))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                    task.add_done_callback(lambda _: sends.release())
                else:
                    await self._handle(session, kind, frame)
            # The client closed its side: every send it made gets its answer, then the end.
            await asyncio.gather(*in_flight)
            await self._hub.close(session)
        except OpenChatError as error:
            await self._hub.close(session, error)
        except Exception as error:  # noqa: BLE001 - report, close the session, keep serving
            _log.exception("session_reader_failed")
            await self._hub.close(
                session, Unavailable(f"the session failed: {type(error).__name__}")
            )

    async def _handle(self, session: Session, kind: str | None, frame: pb.ClientFrame) -> None:
        """One non-send frame. Unknown frames (from newer clients) are ignored."""
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
                    self._receipts.acknowledge(session.key, conversation_id, seq)
                case "watch_presence":
                    user_ids = require_ids(
                        "watch_presence.user_ids", frame.watch_presence.user_ids, allow_empty=True
                    )
                    await self._hub.watch(session, user_ids)
                case "typing":
                    typing = frame.typing
                    conversation_id = require_id("typing.conversation_id", typing.conversation_id)
                    await self._hub.typing(session, conversation_id, typing.typing)
                case "read":
                    await self._read_marker(session, frame.read)
                case "hello":
                    raise StreamProtocolViolation("hello may only be the first frame")
        except Exception as error:
            if not is_transient(error):
                raise
            # A dependency hiccup must not end the session; the client repeats pings and acks.
            _log.warning("session_frame_failed", frame=kind, error=repr(error))

    async def _read_marker(self, session: Session, read: pb.ReadUpdate) -> None:
        conversation_id = require_id("read.conversation_id", read.conversation_id)
        seq = require_seq("read.seq", read.seq)
        try:
            await self._messaging.mark_read(session.user_id, conversation_id, seq)
        except OpenChatError as error:
            # A read marker is advisory on the stream; MarkRead reports such errors.
            _log.info("stream_read_ignored", error=str(error))

    async def _send(self, session: Session, request: Any) -> None:
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
