"""SIGTERM under load keeps the contract: unary calls in flight finish or end UNAVAILABLE (never
CANCELLED or INTERNAL), session streams are asked to reconnect (DRAINING) and every send they
made on the stream is answered, with an ack or a send_failed, before the stream ends."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest

from openchat.client import Unavailable
from openchat.client._exceptions import from_rpc_error
from openchat.v1 import message_pb2, messaging_service_pb2, presence_service_pb2
from tests.support.api import Api
from tests.support.processes import free_port, serve, server_environment
from tests.support.streams import StreamClient, open_call
from tests.support.waiting import until

pytestmark = pytest.mark.slow

UNARY_LANES = 16
STREAMS = 4
# Sends a stream client keeps unanswered at once (the server allows 64).
STREAM_WINDOW = 32


@dataclass
class StreamSender:
    """A session that sends on the stream as fast as answers come back, until the server asks
    it to reconnect; then it half-closes and reads the stream to its end."""

    call: grpc.aio.StreamStreamCall  # type: ignore[type-arg]
    conversation_id: str
    written: set[str] = field(default_factory=set)
    answered: dict[str, str] = field(default_factory=dict)
    reconnect: presence_service_pb2.Reconnect | None = None
    status: grpc.StatusCode | None = None
    room: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(STREAM_WINDOW))

    async def run(self) -> None:
        writer = asyncio.create_task(self._write())
        try:
            await self._read()
        finally:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer

    async def _write(self) -> None:
        for n in itertools.count():
            await self.room.acquire()
            if self.reconnect is not None:
                return
            client_msg_id = uuid.uuid4().hex
            request = messaging_service_pb2.SendMessageRequest(
                conversation_id=self.conversation_id,
                client_msg_id=client_msg_id,
                content=message_pb2.Content(text=f"stream #{n}"),
            )
            await self.call.write(presence_service_pb2.ClientFrame(send=request))
            self.written.add(client_msg_id)

    async def _read(self) -> None:
        try:
            async for frame in self.call:
                match frame.WhichOneof("frame"):
                    case "ack":
                        self.answered[frame.ack.client_msg_id] = "ack"
                        self.room.release()
                    case "send_failed":
                        failure = frame.send_failed
                        self.answered[failure.client_msg_id] = _code_name(failure.code)
                        self.room.release()
                    case "reconnect":
                        self.reconnect = frame.reconnect
                        self.room.release()  # wake the writer, which stops
                        await self.call.done_writing()
            self.status = grpc.StatusCode.OK
        except grpc.aio.AioRpcError as error:
            self.status = error.code()


def _code_name(number: int) -> str:
    return next(code.name for code in grpc.StatusCode if code.value[0] == number)


async def test_sigterm_under_load_answers_every_call_and_stream_send(
    scratch_database_url: str, tmp_path: Path
) -> None:
    env = server_environment(scratch_database_url, free_port())
    async with serve(env, tmp_path / "server.log") as server:
        api = Api(server.channel)
        senders = [f"sender-{n}" for n in range(STREAMS)]
        group = (await api.create_group("reader", senders)).conversation_id
        unary: collections.Counter[str] = collections.Counter()
        acked = asyncio.Event()

        async def lane(sender: str) -> None:
            while True:
                try:
                    await api.send(sender, group, "unary")
                except grpc.aio.AioRpcError as error:
                    unary[error.code().name] += 1
                    return
                unary["OK"] += 1
                if unary["OK"] >= 100:
                    acked.set()

        streams = [StreamSender(open_call(server.channel, sender), group) for sender in senders]
        for stream in streams:
            hello = presence_service_pb2.Hello(device_id="stream")
            await stream.call.write(presence_service_pb2.ClientFrame(hello=hello))
        tasks = [asyncio.create_task(lane(senders[n % STREAMS])) for n in range(UNARY_LANES)]
        tasks += [asyncio.create_task(stream.run()) for stream in streams]
        await asyncio.wait_for(acked.wait(), timeout=30)
        await until(lambda: all(stream.answered for stream in streams), what="stream acks")

        in_flight = sum(len(stream.written) - len(stream.answered) for stream in streams)
        assert await server.terminate() == 0, server.log()[-3000:]
        async with asyncio.timeout(30):
            await asyncio.gather(*tasks)

    assert in_flight > 0, "the SIGTERM came while no stream send was in flight"
    assert set(unary) <= {"OK", "UNAVAILABLE"}, unary
    for stream in streams:
        assert stream.reconnect is not None, "no Reconnect before the stream ended"
        assert stream.reconnect.cause == presence_service_pb2.RECONNECT_CAUSE_DRAINING
        assert stream.status == grpc.StatusCode.OK, stream.status
        unanswered = stream.written - set(stream.answered)
        assert not unanswered, f"{len(unanswered)} of {len(stream.written)} sends unanswered"
        outcomes = collections.Counter(stream.answered.values())
        assert set(outcomes) <= {"ack", "UNAVAILABLE"}, outcomes


async def test_sigterm_with_a_client_that_ignores_reconnect_fails_no_call_for_good(
    scratch_database_url: str, tmp_path: Path
) -> None:
    """A session whose client never closes its side after the Reconnect frame (an old SDK, a
    stuck device) holds the drain to the end of the grace; the server closes it then (OK), and
    exits 0. Callers that retry at once keep calling through the whole drain: every failure
    they see is one the SDK retries. Besides UNAVAILABLE that is CANCELLED without an OpenChat
    ErrorInfo, which grpc answers to calls that reach it after its stop began
    (grpc/grpc#41785)."""
    env = server_environment(scratch_database_url, free_port(), OPENCHAT_SHUTDOWN_GRACE="1")
    async with serve(env, tmp_path / "server.log") as server:
        api = Api(server.channel)
        group = (await api.create_group("stubborn", ["caller"])).conversation_id
        answered = 0
        failures: list[grpc.aio.AioRpcError] = []
        stopped = asyncio.Event()

        async def lane() -> None:
            nonlocal answered
            while not stopped.is_set():
                try:
                    await api.send("caller", group, "through the drain")
                    answered += 1
                except grpc.aio.AioRpcError as error:
                    failures.append(error)

        stubborn = StreamClient(open_call(server.channel, "stubborn"))
        hello = presence_service_pb2.Hello(device_id="old")
        await stubborn.send(presence_service_pb2.ClientFrame(hello=hello))
        await stubborn.next("welcome")
        lanes = [asyncio.create_task(lane()) for _ in range(UNARY_LANES)]
        await until(lambda: answered >= 50, what="calls answered before the SIGTERM")
        assert await server.terminate() == 0, server.log()[-3000:]
        stopped.set()
        await asyncio.gather(*lanes)

    reconnect = await stubborn.next("reconnect", skip=("pong", "presence", "message"))
    assert reconnect.reconnect.cause == presence_service_pb2.RECONNECT_CAUSE_DRAINING
    assert await stubborn.status() == grpc.StatusCode.OK
    assert failures, "no call came while the server stopped"
    not_retried = [f"{e.code().name}: {e.details()}" for e in failures if not _retried(e)]
    assert not not_retried, not_retried


def _retried(error: grpc.aio.AioRpcError) -> bool:
    """Whether the client SDK retries a call that failed so."""
    return isinstance(from_rpc_error(error), Unavailable)
