"""A session-stream client for tests: opens PresenceService.Connect, says hello, and collects
the server's frames so tests can wait for the one they expect (with a deadline)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

import grpc

from openchat.v1 import (
    message_pb2,
    messaging_service_pb2,
    presence_service_pb2,
    presence_service_pb2_grpc,
    sync_service_pb2,
)
from tests.support.servers import bearer

DEFAULT_WAIT = 10.0


class StreamClient:
    """One device's session stream."""

    def __init__(self, call: grpc.aio.StreamStreamCall) -> None:  # type: ignore[type-arg]
        self.call = call
        self.frames: asyncio.Queue[presence_service_pb2.ServerFrame] = asyncio.Queue()
        self.ended = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for frame in self.call:
                await self.frames.put(frame)
        except grpc.aio.AioRpcError:
            pass
        finally:
            self.ended.set()

    async def send(self, frame: presence_service_pb2.ClientFrame) -> None:
        await self.call.write(frame)

    async def next(
        self, kind: str, within: float = DEFAULT_WAIT, skip: Sequence[str] = ("pong", "presence")
    ) -> presence_service_pb2.ServerFrame:
        """The next frame of `kind`, skipping frames of the kinds in `skip`; fails on any other
        frame, or when none arrives in time."""
        async with asyncio.timeout(within):
            while True:
                frame = await self.frames.get()
                got = frame.WhichOneof("frame")
                if got == kind:
                    return frame
                assert got in skip, f"expected a {kind} frame, got {frame}"

    async def messages(self, count: int, within: float = DEFAULT_WAIT) -> list[message_pb2.Message]:
        return [(await self.next("message", within)).message for _ in range(count)]

    async def send_message(self, conversation_id: str, client_msg_id: str, text: str) -> None:
        await self.send(
            presence_service_pb2.ClientFrame(
                send=messaging_service_pb2.SendMessageRequest(
                    conversation_id=conversation_id,
                    client_msg_id=client_msg_id,
                    content=message_pb2.Content(text=text),
                )
            )
        )

    async def ping(self, nonce: int) -> presence_service_pb2.Pong:
        await self.send(
            presence_service_pb2.ClientFrame(ping=presence_service_pb2.Ping(nonce=nonce))
        )
        return (await self.next("pong", skip=("presence", "message", "receipt", "typing"))).pong

    async def status(self, within: float = DEFAULT_WAIT) -> grpc.StatusCode:
        async with asyncio.timeout(within):
            await self.ended.wait()
            return await self.call.code()

    async def close(self) -> None:
        with contextlib.suppress(grpc.aio.AioRpcError, grpc.aio.UsageError):
            await self.call.done_writing()
        self.call.cancel()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


async def read_to_end(
    call: grpc.aio.StreamStreamCall,  # type: ignore[type-arg]
    within: float = DEFAULT_WAIT,
) -> tuple[list[presence_service_pb2.ServerFrame], grpc.aio.AioRpcError | None]:
    """Every remaining frame of a call, and the error status that ended it (None for OK)."""
    frames: list[presence_service_pb2.ServerFrame] = []
    async with asyncio.timeout(within):
        try:
            async for frame in call:
                frames.append(frame)
        except grpc.aio.AioRpcError as error:
            return frames, error
    return frames, None


def open_call(channel: grpc.aio.Channel, user_id: str) -> grpc.aio.StreamStreamCall:  # type: ignore[type-arg]
    """A Connect call authenticated as `user_id`, to write frames to."""
    stub = presence_service_pb2_grpc.PresenceServiceStub(channel)
    # grpc-stubs predate request-less stream calls (write() instead of an iterator).
    return stub.Connect(metadata=bearer(user_id))  # type: ignore[call-arg]


def hello_frame(
    device_id: str,
    resume: dict[str, int] | None,
    resume_all: bool,
    deletions_after: int | None = None,
) -> presence_service_pb2.Hello:
    """A hello resuming after `resume`'s cursors (conversation id -> seq), and after the
    deletion cursor when one is given."""
    return presence_service_pb2.Hello(
        device_id=device_id,
        resume_cursors=[
            sync_service_pb2.SyncCursor(conversation_id=c, after_seq=s)
            for c, s in (resume or {}).items()
        ],
        resume_all=resume_all,
        deletions_after=deletions_after,
    )


@contextlib.asynccontextmanager
async def connect(
    channel: grpc.aio.Channel,
    user_id: str,
    device_id: str = "device-1",
    *,
    resume: dict[str, int] | None = None,
    resume_all: bool = False,
    deletions_after: int | None = None,
    expect_welcome: bool = True,
) -> AsyncIterator[StreamClient]:
    """An open session of `user_id`'s device, closed on exit."""
    call = open_call(channel, user_id)
    client = StreamClient(call)
    hello = hello_frame(device_id, resume, resume_all, deletions_after)
    await client.send(presence_service_pb2.ClientFrame(hello=hello))
    try:
        if expect_welcome:
            await client.next("welcome")
        yield client
    finally:
        await client.close()
