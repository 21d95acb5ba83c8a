"""The load process of the chat benchmark: `python -m bench.chat_load ROLE ...`, started by
bench.chat in a process of its own, so that its CPU is told apart from the server's.

Roles:
- `chat`: `--pairs` pairs of users, each pair a direct conversation. The recipient of every pair
  holds a session stream on a TCP connection of its own and acknowledges each message it
  receives (`DeliveryAck`), as a phone does; the sender sends closed loop (awaits each ack
  before its next SendMessage). It times each ack (send → ack) and each delivery (send → the
  recipient's frame), and after the window checks that every acked message reached its
  recipient.
- `calibrate`: `--callers` closed-loop callers of bench.empty_server's empty method over one
  channel: the floor under every RPC on this machine today.
- `relay`: the chat's shape on bench.empty_server's relay, bytes only: `--pairs` recipients
  each hold a Relay stream on a connection of its own and write an ack frame per payload;
  `--pairs` senders forward to them closed loop over one channel. What grpc.aio alone costs a
  chat message.

Both print `measuring` when the window opens and `measured` when it closes (the parent does its
CPU accounting between the two), and write what they measured as JSON to `--result`. Any error
fails the role (exit 1).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import grpc
import uvloop

from bench.empty_server import FORWARD_METHOD, NAME_END, RELAY_METHOD
from bench.empty_server import METHOD as EMPTY_METHOD
from bench.load import RPC_TIMEOUT_SECONDS, SECRET_ENV, bearer
from bench.session_load import TOKEN_TTL_SECONDS, Device, open_session
from openchat.server.auth.tokens import issue_token
from openchat.v1 import (
    conversation_service_pb2,
    conversation_service_pb2_grpc,
    message_pb2,
    messaging_service_pb2,
    messaging_service_pb2_grpc,
    presence_service_pb2,
    presence_service_pb2_grpc,
)

if TYPE_CHECKING:  # the async stub type exists only in the generated .pyi
    from openchat.v1.messaging_service_pb2_grpc import MessagingServiceAsyncStub

# Every recipient its own TCP connection, as every phone has (grpc would share one otherwise).
OWN_CONNECTION = (("grpc.use_local_subchannel_pool", 1),)
# How long the recipients may take, after the window, to receive what was acked in it.
DRAIN_SECONDS = 30.0


@dataclass
class Window:
    """The measured window and what happened in it; errors count over the whole run."""

    open: bool = False
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    calls: int = 0
    call_ms: list[float] = field(default_factory=list)
    deliver_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def record_call(self, started_ns: int) -> None:
        if self.open:
            self.calls += 1
            self.call_ms.append((time.perf_counter_ns() - started_ns) / 1e6)

    def outcome(self, seconds: float) -> dict[str, object]:
        """What the parent reads from --result."""
        return {
            "window_seconds": seconds,
            "calls": self.calls,
            "call_ms": self.call_ms,
            "deliver_ms": self.deliver_ms,
            "errors": dict(self.errors),
        }


async def measure(
    window: Window, workers: list[Awaitable[None]], warmup: float, duration: float
) -> float:
    """Runs the workers through a warm-up and the window; returns the window's length."""
    tasks = [asyncio.ensure_future(worker) for worker in workers]
    # The window is timed by the clock: sleeping is how a load generator keeps time.
    await asyncio.sleep(warmup)
    print("measuring", flush=True)
    window.open = True
    opened = time.perf_counter()
    await asyncio.sleep(duration)
    window.open = False
    seconds = time.perf_counter() - opened
    print("measured", flush=True)
    window.stop.set()
    await asyncio.gather(*tasks)
    return seconds


async def closed_loop(window: Window, call: Callable[[], Awaitable[object]]) -> None:
    """Calls `call` again as soon as it returns, until the window's run stops."""
    while not window.stop.is_set():
        started = time.perf_counter_ns()
        try:
            await call()
        except grpc.aio.AioRpcError as error:
            window.errors[error.code().name] += 1
            continue
        window.record_call(started)


# --- calibrate ------------------------------------------------------------------------------------


async def run_calibrate(args: argparse.Namespace) -> dict[str, object]:
    window = Window()
    async with grpc.aio.insecure_channel(args.target) as channel:
        empty = channel.unary_unary(
            EMPTY_METHOD, request_serializer=bytes, response_deserializer=bytes
        )

        async def call() -> object:
            return await empty(b"", timeout=RPC_TIMEOUT_SECONDS)

        seconds = await measure(
            window,
            [closed_loop(window, call) for _ in range(args.callers)],
            args.warmup,
            args.duration,
        )
    return window.outcome(seconds)


# --- relay ----------------------------------------------------------------------------------------


async def run_relay(args: argparse.Namespace) -> dict[str, object]:
    window = Window()
    padding = b"x" * max(0, args.text_bytes - 20)
    names = [str(index).encode() for index in range(args.pairs)]
    recipients = [grpc.aio.insecure_channel(args.target, options=OWN_CONNECTION) for _ in names]
    try:
        # A write-driven call: the stubs' types require an iterator, grpc.aio does not.
        streams = [
            channel.stream_stream(  # type: ignore[call-arg]
                RELAY_METHOD, request_serializer=bytes, response_deserializer=bytes
            )()
            for channel in recipients
        ]
        for name, stream in zip(names, streams, strict=True):
            await stream.write(name)
            await stream.read()  # the welcome

        async def receive(stream: grpc.aio.StreamStreamCall[bytes, bytes]) -> None:
            while isinstance(payload := await stream.read(), bytes):  # not EOF
                sent_ns = int(payload.split(NAME_END, 1)[0])
                if window.open:
                    window.deliver_ms.append((time.perf_counter_ns() - sent_ns) / 1e6)
                await stream.write(b"ack")

        receivers = [asyncio.create_task(receive(stream)) for stream in streams]
        async with grpc.aio.insecure_channel(args.target) as channel:
            forward = channel.unary_unary(
                FORWARD_METHOD, request_serializer=bytes, response_deserializer=bytes
            )

            def sender(name: bytes) -> Callable[[], Awaitable[object]]:
                async def call() -> object:
                    payload = b"%s|%d|%s" % (name, time.perf_counter_ns(), padding)
                    return await forward(payload, timeout=RPC_TIMEOUT_SECONDS)

                return call

            seconds = await measure(
                window,
                [closed_loop(window, sender(name)) for name in names],
                args.warmup,
                args.duration,
            )
        for stream in streams:
            stream.cancel()
        await asyncio.gather(*receivers, return_exceptions=True)
    finally:
        for channel in recipients:
            await channel.close(grace=None)
    return window.outcome(seconds)


# --- chat -----------------------------------------------------------------------------------------


class Recipient:
    """A phone: a session stream on its own connection that acknowledges every message."""

    def __init__(self, device: Device, target: str, window: Window) -> None:
        self.device = device
        self._window = window
        self._channel = grpc.aio.insecure_channel(target, options=OWN_CONNECTION)
        self._stub = presence_service_pb2_grpc.PresenceServiceStub(self._channel)
        self._acks: asyncio.Queue[presence_service_pb2.ClientFrame] = asyncio.Queue()
        self._tasks: list[asyncio.Task[object]] = []

    async def connect(self) -> None:
        reader = await open_session(self._stub, self.device, self._received)
        self._tasks = [reader, asyncio.create_task(self._send_acks())]

    def _received(self, message: message_pb2.Message, arrived_ns: int) -> None:
        sent_ns = int(message.content.text.split("|", 1)[0])
        if self._window.open:
            self._window.deliver_ms.append((time.perf_counter_ns() - sent_ns) / 1e6)
        ack = presence_service_pb2.DeliveryAck(
            conversation_id=message.conversation_id, seq=message.seq
        )
        self._acks.put_nowait(presence_service_pb2.ClientFrame(delivery_ack=ack))

    async def _send_acks(self) -> None:
        # One write at a time: a grpc.aio stream takes no concurrent writes.
        call = self.device.call
        assert call is not None
        while True:
            await call.write(await self._acks.get())

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._channel.close(grace=None)


class Sender:
    """A user sending to their recipient, closed loop; remembers the last acked seq."""

    def __init__(self, device: Device, stub: MessagingServiceAsyncStub, padding: str) -> None:
        self.device = device
        self._stub = stub
        self._padding = padding
        self._metadata = bearer(device.token)
        self.sent = 0
        self.last_acked_seq = 0

    async def send(self) -> None:
        self.sent += 1
        response = await self._stub.SendMessage(
            messaging_service_pb2.SendMessageRequest(
                conversation_id=self.device.conversation_id,
                client_msg_id=f"{self.device.user_id}-{self.sent}",
                content=message_pb2.Content(text=f"{time.perf_counter_ns()}|{self._padding}"),
            ),
            metadata=self._metadata,
            timeout=RPC_TIMEOUT_SECONDS,
        )
        self.last_acked_seq = max(self.last_acked_seq, response.ack.seq)


def _device(secret: str, user_id: str) -> Device:
    return Device(user_id, issue_token(secret, user_id, ttl_seconds=TOKEN_TTL_SECONDS))


async def _pair(
    channel: grpc.aio.Channel, secret: str, name: str, args: argparse.Namespace, window: Window
) -> tuple[Sender, Recipient]:
    sender, recipient = _device(secret, f"{name}-s"), _device(secret, f"{name}-r")
    direct = await conversation_service_pb2_grpc.ConversationServiceStub(channel).GetOrCreateDirect(
        conversation_service_pb2.GetOrCreateDirectRequest(peer_id=recipient.user_id),
        metadata=bearer(sender.token),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    sender.conversation_id = recipient.conversation_id = direct.conversation.conversation_id
    stub = messaging_service_pb2_grpc.MessagingServiceStub(channel)
    # The text carries its send time; padding brings it to --text-bytes.
    padding = "x" * max(0, args.text_bytes - 20)
    return Sender(sender, stub, padding), Recipient(recipient, args.target, window)


async def run_chat(args: argparse.Namespace, secret: str) -> dict[str, object]:
    window = Window()
    run_id = uuid.uuid4().hex[:8]
    async with grpc.aio.insecure_channel(args.target) as channel:
        pairs = [
            await _pair(channel, secret, f"chat-{run_id}-{index}", args, window)
            for index in range(args.pairs)
        ]
        recipients = [recipient for _, recipient in pairs]
        try:
            for recipient in recipients:
                await recipient.connect()
            seconds = await measure(
                window,
                [closed_loop(window, sender.send) for sender, _ in pairs],
                args.warmup,
                args.duration,
            )
            await _wait_for_deliveries(pairs, window)
        finally:
            for recipient in recipients:
                await recipient.close()
    return window.outcome(seconds)


async def _wait_for_deliveries(pairs: list[tuple[Sender, Recipient]], window: Window) -> None:
    """Every acked message must reach its online recipient: an undelivered one is an error."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(DRAIN_SECONDS):
            for sender, recipient in pairs:
                await recipient.device.reached(sender.last_acked_seq)
    for sender, recipient in pairs:
        missing = sender.last_acked_seq - recipient.device.last_seq
        if missing > 0:
            window.errors["UNDELIVERED"] += missing


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.chat_load", description=__doc__)
    parser.add_argument("role", choices=["chat", "calibrate", "relay"])
    parser.add_argument("--target", required=True, help="HOST:PORT of the server")
    parser.add_argument("--pairs", type=int, default=20, help="chat: sender/recipient pairs")
    parser.add_argument("--callers", type=int, default=20, help="calibrate: concurrent callers")
    parser.add_argument("--text-bytes", type=int, default=200)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--result", type=Path, required=True, help="where to write the JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if args.role == "calibrate":
        outcome = uvloop.run(run_calibrate(args))
    elif args.role == "relay":
        outcome = uvloop.run(run_relay(args))
    else:
        secret = os.environ.get(SECRET_ENV)
        if not secret:
            print(f"bench.chat_load: {SECRET_ENV} must hold the server's secret", file=sys.stderr)
            return 2
        outcome = uvloop.run(run_chat(args, secret))
    args.result.write_text(json.dumps(outcome))
    return 1 if outcome["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
