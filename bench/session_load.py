"""The load processes of the session benchmark: `python -m bench.session_load ROLE ...`, started
by bench.sessions, each in a process of its own so that the server's CPU and memory can be told
apart from the clients'.

Roles:
- `hold`: opens sessions (one per user, `--per-connection` sessions per TCP connection), each a
  member of one group of `--group-size`, heartbeats every `--interval` seconds spread evenly,
  and prints `ready SECONDS`. Then it obeys stdin: `storm` drops every connection at once, sends
  one message to every group while its members are away, reconnects every session with the
  SDK's backoff (full jitter) and resume cursors, on channels made before the drop as an app's
  are, and prints `storm BACK SYNCED ATTEMPTS` (seconds until every session had its welcome,
  and had the missed message). `stop` ends the process.
- `latency`: pairs of users with a direct conversation; the senders send at `--rate` messages
  per second in all (open loop, unary SendMessage), the recipients' sessions (pinging every
  `--interval` seconds) time the arrival.
- `fanout`: opens sessions for some members of a group (made later, by the parent), prints
  `ready`, and records when each of `--messages` messages reached each session.
- `fanout-floor`: the same on bench.empty_server: `--count` Relay streams over one connection,
  as `fanout` opens its sessions, record when each broadcast frame reached each stream.
- `churn`: `--cycles` session streams, `--concurrency` at a time: hello, welcome, then end, the
  odd ones by cancelling the call and the even ones by half-closing; prints `cycles N` every
  `--checkpoint` cycles.

Every role writes what it measured as JSON to `--result`. Any error fails the role (exit 1).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import grpc
import uvloop

from bench.empty_server import RELAY_METHOD
from bench.load import RPC_TIMEOUT_SECONDS, SECRET_ENV, bearer
from openchat.client import Backoff, ReconnectPolicy
from openchat.server.auth.tokens import issue_token
from openchat.v1 import (
    conversation_service_pb2,
    conversation_service_pb2_grpc,
    message_pb2,
    messaging_service_pb2,
    messaging_service_pb2_grpc,
    presence_service_pb2,
    presence_service_pb2_grpc,
    sync_service_pb2,
)

if TYPE_CHECKING:  # the async stub types exist only in the generated .pyi
    from openchat.v1.messaging_service_pb2_grpc import MessagingServiceAsyncStub
    from openchat.v1.presence_service_pb2_grpc import PresenceServiceAsyncStub

# What the SDK waits for a welcome before it counts the attempt failed.
CONNECT_TIMEOUT_SECONDS = ReconnectPolicy().connect_timeout
# Every connection its own TCP connection: grpc shares one between channels with equal
# arguments unless each channel has its own subchannel pool.
OWN_CONNECTION = (("grpc.use_local_subchannel_pool", 1),)
TOKEN_TTL_SECONDS = 24 * 3600

SessionCall = grpc.aio.StreamStreamCall[
    presence_service_pb2.ClientFrame, presence_service_pb2.ServerFrame
]
T = TypeVar("T")
R = TypeVar("R")
OnMessage = Callable[[message_pb2.Message, int], None]


def _channel(target: str) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(target, options=OWN_CONNECTION)


def _say(*words: object) -> None:
    print(*words, flush=True)


@dataclass(eq=False)
class Device:
    """One device of one user, and what it has seen of its conversation."""

    user_id: str
    token: str
    conversation_id: str = ""
    last_seq: int = 0
    connects: int = 0
    attempts: int = 0
    call: SessionCall | None = None
    # The retry_after of the server's pushback (a reconnect frame instead of the welcome).
    pushed_back: float | None = None
    welcomed: asyncio.Event = field(default_factory=asyncio.Event)
    caught_up: asyncio.Event = field(default_factory=asyncio.Event)
    seq_advanced: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def device_id(self) -> str:
        return f"{self.user_id}-phone"

    async def reached(self, seq: int) -> None:
        """Returns once the device has every message of its conversation up to `seq`."""
        while self.last_seq < seq:
            self.seq_advanced.clear()
            await self.seq_advanced.wait()

    def hello(self) -> presence_service_pb2.ClientFrame:
        cursors = (
            [
                sync_service_pb2.SyncCursor(
                    conversation_id=self.conversation_id, after_seq=self.last_seq
                )
            ]
            if self.conversation_id
            else []
        )
        return presence_service_pb2.ClientFrame(
            hello=presence_service_pb2.Hello(device_id=self.device_id, resume_cursors=cursors)
        )


def _connect(stub: PresenceServiceAsyncStub, token: str) -> SessionCall:
    # grpc-stubs predate request-less stream calls (write() instead of an iterator).
    return stub.Connect(metadata=bearer(token))  # type: ignore[call-arg]


class PushedBack(Exception):
    """The server was too busy to open the session (a reconnect frame instead of the welcome):
    come back after `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"pushed back for {retry_after:.2f} s")
        self.retry_after = retry_after


async def open_session(
    stub: PresenceServiceAsyncStub,
    device: Device,
    on_message: OnMessage | None = None,
) -> asyncio.Task[grpc.StatusCode]:
    """Opens the device's stream and waits for the welcome (and for the catch-up when the device
    resumes a conversation); the returned task reads the stream until it ends. A pushback is
    obeyed as the SDK does: after its retry_after plus the backoff's jitter."""
    pushbacks = 0
    while True:
        try:
            return await _open_once(stub, device, on_message)
        except PushedBack as pushback:
            pushbacks += 1
            await asyncio.sleep(pushback.retry_after + _JITTER.delay(pushbacks, _RNG))


async def heartbeat(devices: Sequence[Device], interval: float) -> None:
    """Pings every device's session once per interval, spread evenly over the interval, as
    10,000 phones whose clocks are independent would: a session that sends nothing for the
    server's heartbeat timeout (60 s) is closed as dead."""
    spacing = interval / max(1, len(devices))
    while True:
        for device in devices:
            await asyncio.sleep(spacing)
            if device.call is not None and device.welcomed.is_set():
                with contextlib.suppress(grpc.aio.AioRpcError, asyncio.InvalidStateError):
                    await device.call.write(
                        presence_service_pb2.ClientFrame(
                            ping=presence_service_pb2.Ping(nonce=device.connects)
                        )
                    )


_JITTER = Backoff()
_RNG = random.Random()  # noqa: S311 - jitter, not security


async def _open_once(
    stub: PresenceServiceAsyncStub, device: Device, on_message: OnMessage | None
) -> asyncio.Task[grpc.StatusCode]:
    device.welcomed.clear()
    device.caught_up.clear()
    device.pushed_back = None
    device.attempts += 1
    device.call = call = _connect(stub, device.token)
    reader = asyncio.create_task(_read(device, call, on_message))
    try:
        await call.write(device.hello())
        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
            await device.welcomed.wait()
            if device.pushed_back is not None:
                raise PushedBack(device.pushed_back)
            if device.conversation_id:
                await device.caught_up.wait()
    except BaseException:
        call.cancel()
        reader.cancel()
        raise
    device.connects += 1
    return reader


async def _read(device: Device, call: SessionCall, on_message: OnMessage | None) -> grpc.StatusCode:
    """Reads the stream until it ends; returns the status it ended with."""
    with contextlib.suppress(grpc.aio.AioRpcError):
        async for frame in call:
            kind = frame.WhichOneof("frame")
            if kind == "message":
                device.last_seq = max(device.last_seq, frame.message.seq)
                device.seq_advanced.set()
                if on_message is not None:
                    on_message(frame.message, time.time_ns())
            elif kind == "welcome":
                device.welcomed.set()
            elif kind == "caught_up":
                device.caught_up.set()
            elif kind == "reconnect" and not device.welcomed.is_set():
                # Pushback: wakes open_session, which sees it (the stream ends next).
                device.pushed_back = frame.reconnect.retry_after.ToNanoseconds() / 1e9
                device.welcomed.set()
    device.welcomed.clear()
    return await call.code()


async def _map_limited(
    function: Callable[[T], Awaitable[R]], items: Iterable[T], limit: int
) -> list[R]:
    """`function` over `items`, at most `limit` at a time, results in order."""
    gate = asyncio.Semaphore(limit)

    async def run(item: T) -> R:
        async with gate:
            return await function(item)

    return list(await asyncio.gather(*(run(item) for item in items)))


async def create_group(
    channel: grpc.aio.Channel, owner: Device, member_ids: list[str], title: str
) -> str:
    """A group of `owner` and `member_ids`; its conversation id."""
    stub = conversation_service_pb2_grpc.ConversationServiceStub(channel)
    response = await stub.CreateGroup(
        conversation_service_pb2.CreateGroupRequest(title=title, member_ids=member_ids),
        metadata=bearer(owner.token),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return str(response.conversation.conversation_id)


async def send_text(
    stub: MessagingServiceAsyncStub,
    sender: Device,
    conversation_id: str,
    client_msg_id: str,
    text: str,
) -> messaging_service_pb2.SendMessageResponse:
    return await stub.SendMessage(
        messaging_service_pb2.SendMessageRequest(
            conversation_id=conversation_id,
            client_msg_id=client_msg_id,
            content=message_pb2.Content(text=text),
        ),
        metadata=bearer(sender.token),
        timeout=RPC_TIMEOUT_SECONDS,
    )


def _devices(secret: str, prefix: str, first: int, count: int) -> list[Device]:
    return [
        Device(
            f"{prefix}-{index}",
            issue_token(secret, f"{prefix}-{index}", ttl_seconds=TOKEN_TTL_SECONDS),
        )
        for index in range(first, first + count)
    ]


# --- hold ---------------------------------------------------------------------------------------


class Holder:
    """Sessions held open, heartbeating, reconnecting after a drop like the SDK does."""

    def __init__(self, args: argparse.Namespace, devices: list[Device]) -> None:
        self._args = args
        self._devices = devices
        self._rng = random.Random(args.first)  # noqa: S311 - jitter, not security
        self._backoff = Backoff()
        # Connection number -> its channel, made when a session first needs it, as each phone
        # makes its connection when it (re)connects.
        self._channels: dict[int, grpc.aio.Channel] = {}
        self._stubs: dict[int, PresenceServiceAsyncStub] = {}
        self._tasks: set[asyncio.Task[grpc.StatusCode]] = set()
        self._groups: dict[str, Device] = {}  # conversation -> the member who sends to it
        self._ends_expected = False
        # Failed connection attempts, retried (a storm expects some); streams the server ended
        # on its own are errors.
        self.retries: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()

    def _stub_for(self, index: int) -> PresenceServiceAsyncStub:
        per_connection: int = self._args.per_connection
        connection = index // per_connection
        stub = self._stubs.get(connection)
        if stub is None:
            channel = self._channels[connection] = _channel(self._args.target)
            stub = self._stubs[connection] = presence_service_pb2_grpc.PresenceServiceStub(channel)
        return stub

    async def create_groups(self) -> None:
        size = self._args.group_size
        async with _channel(self._args.target) as channel:
            groups = [
                self._devices[start : start + size] for start in range(0, len(self._devices), size)
            ]
            ids = await _map_limited(
                lambda group: create_group(
                    channel, group[0], [member.user_id for member in group[1:]], "bench"
                ),
                groups,
                limit=16,
            )
        for group, conversation_id in zip(groups, ids, strict=True):
            self._groups[conversation_id] = group[0]
            for device in group:
                device.conversation_id = conversation_id

    async def connect(self) -> None:
        await _map_limited(
            functools.partial(self._keep, initial=True),
            range(len(self._devices)),
            limit=self._args.connect_concurrency,
        )

    async def _keep(self, index: int, *, initial: bool) -> None:
        """Connects the device, retrying with backoff, and leaves a task reading its stream."""
        device = self._devices[index]
        failures = 0 if initial else 1
        while True:
            if failures:
                await asyncio.sleep(self._backoff.delay(failures, self._rng))
            try:
                reader = await open_session(self._stub_for(index), device)
            except (grpc.aio.AioRpcError, TimeoutError) as error:
                code = error.code().name if isinstance(error, grpc.aio.AioRpcError) else "TIMEOUT"
                self.retries[code] += 1
                failures += 1
                continue
            self._tasks.add(reader)
            reader.add_done_callback(self._tasks.discard)
            reader.add_done_callback(self._stream_ended)
            return

    def _stream_ended(self, reader: asyncio.Task[grpc.StatusCode]) -> None:
        if not self._ends_expected and not reader.cancelled():
            self.errors[f"stream ended: {reader.result().name}"] += 1

    async def heartbeat(self) -> None:
        await heartbeat(self._devices, self._args.interval)

    async def storm(self) -> tuple[float, float, int]:
        """Drops every connection, sends to every group, waits until all are back and synced.

        The devices' next channels are made before the clock starts. An app keeps one channel
        for its lifetime and grpc reconnects it when the connection drops, so making a channel
        is no part of reconnecting; here the old channels are closed only because that is how
        one process cuts thousands of connections at once. Made inside the storm, 2,500 channels
        and stubs per process took a core for ~25 s at 10,000 sessions, while the server idled.
        """
        self._ends_expected = True
        old_channels = list(self._channels.values())
        self._channels.clear()
        self._stubs.clear()
        for index in range(0, len(self._devices), self._args.per_connection):
            self._stub_for(index)  # a channel connects on its first call, not before
        started = time.perf_counter()
        readers = list(self._tasks)
        attempts_before = sum(device.attempts for device in self._devices)
        for device in self._devices:
            device.welcomed.clear()
        await asyncio.gather(*(channel.close(grace=None) for channel in old_channels))
        await asyncio.gather(*readers, return_exceptions=True)
        missed = await self._send_to_every_group()
        keepers = [
            asyncio.create_task(self._keep(index, initial=False))
            for index in range(len(self._devices))
        ]
        await asyncio.gather(*keepers)
        back = time.perf_counter() - started
        for device in self._devices:
            await device.reached(missed[device.conversation_id])
        synced = time.perf_counter() - started
        self._ends_expected = False
        attempts = sum(device.attempts for device in self._devices) - attempts_before
        return back, synced, attempts

    async def _send_to_every_group(self) -> dict[str, int]:
        async with _channel(self._args.target) as channel:
            stub = messaging_service_pb2_grpc.MessagingServiceStub(channel)
            responses = await _map_limited(
                lambda group: send_text(stub, group[1], group[0], f"storm-{group[0]}", "missed"),
                self._groups.items(),
                limit=16,
            )
        return {response.ack.conversation_id: response.ack.seq for response in responses}

    def stopping(self) -> None:
        self._ends_expected = True  # the ends that follow are ours

    async def close(self) -> None:
        await asyncio.gather(*(channel.close(grace=None) for channel in self._channels.values()))


async def _read_commands() -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


async def run_hold(args: argparse.Namespace, secret: str) -> dict[str, Any]:
    holder = Holder(args, _devices(secret, args.prefix, args.first, args.count))
    started = time.perf_counter()
    await holder.create_groups()
    await holder.connect()
    _say("ready", round(time.perf_counter() - started, 3))
    pinging = asyncio.create_task(holder.heartbeat())
    commands = await _read_commands()
    result: dict[str, Any] = {}
    try:
        while line := (await commands.readline()).decode().strip():
            if line == "storm":
                back, synced, attempts = await holder.storm()
                result["storm"] = {"back": back, "synced": synced, "attempts": attempts}
                _say("storm", round(back, 3), round(synced, 3), attempts)
            elif line == "stop":
                break
    finally:
        pinging.cancel()
        holder.stopping()
        await holder.close()
    result["retries"] = dict(holder.retries)
    result["errors"] = dict(holder.errors)
    return result


# --- latency ------------------------------------------------------------------------------------


async def run_latency(args: argparse.Namespace, secret: str) -> dict[str, Any]:
    senders = _devices(secret, f"{args.prefix}-s", 0, args.pairs)
    recipients = _devices(secret, f"{args.prefix}-r", 0, args.pairs)
    latencies: list[float] = []
    received = 0
    expected = sys.maxsize  # known once every send has its answer
    all_received = asyncio.Event()
    measured_from = 0
    errors: Counter[str] = Counter()

    def arrived(message: message_pb2.Message, now_ns: int) -> None:
        nonlocal received
        received += 1
        if received >= expected:
            all_received.set()
        sent_ns = int(message.content.text)
        if sent_ns >= measured_from:
            latencies.append((now_ns - sent_ns) / 1e6)

    async with _channel(args.target) as unary, _channel(args.target) as streams:
        conversations = conversation_service_pb2_grpc.ConversationServiceStub(unary)
        for sender, recipient in zip(senders, recipients, strict=True):
            response = await conversations.GetOrCreateDirect(
                conversation_service_pb2.GetOrCreateDirectRequest(peer_id=recipient.user_id),
                metadata=bearer(sender.token),
                timeout=RPC_TIMEOUT_SECONDS,
            )
            sender.conversation_id = response.conversation.conversation_id
        presence = presence_service_pb2_grpc.PresenceServiceStub(streams)
        readers = [await open_session(presence, recipient, arrived) for recipient in recipients]
        # Runs longer than the server's heartbeat timeout lost their recipients without it.
        pinging = asyncio.create_task(heartbeat(recipients, args.interval))
        messaging = messaging_service_pb2_grpc.MessagingServiceStub(unary)
        total = round(args.rate * (args.warmup + args.duration))
        measured_from = time.time_ns() + int(args.warmup * 1e9)
        sends: list[asyncio.Task[None]] = []

        async def send(number: int) -> None:
            sender = senders[number % len(senders)]
            try:
                await send_text(
                    messaging, sender, sender.conversation_id, f"lat-{number}", str(time.time_ns())
                )
            except grpc.aio.AioRpcError as error:
                errors[error.code().name] += 1

        started = time.perf_counter()
        for number in range(total):
            # An open loop: sends leave on the clock, whether or not earlier ones are acked.
            await asyncio.sleep(max(0.0, started + number / args.rate - time.perf_counter()))
            sends.append(asyncio.create_task(send(number)))
        await asyncio.gather(*sends)
        expected = total - sum(errors.values())
        if received >= expected:
            all_received.set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(RPC_TIMEOUT_SECONDS):
                await all_received.wait()
        pinging.cancel()
        for reader in readers:
            reader.cancel()
    lost = total - sum(errors.values()) - received
    if lost:
        errors["not delivered"] += lost
    return {"sent": total, "received": received, "latencies_ms": latencies, "errors": dict(errors)}


# --- fanout -------------------------------------------------------------------------------------


class Arrivals:
    """When each message (by its text) reached each receiver, until all `expected` have."""

    def __init__(self, expected: int) -> None:
        self.times: dict[str, list[int]] = {}
        self._expected = expected
        self._seen = 0
        self._complete = asyncio.Event()

    def arrived(self, message: message_pb2.Message, now_ns: int) -> None:
        self.times.setdefault(message.content.text, []).append(now_ns)
        self._seen += 1
        if self._seen == self._expected:
            self._complete.set()

    async def outcome(self, deadline: float) -> dict[str, Any]:
        """Once every message has arrived everywhere, or at the deadline, what arrived when."""
        errors: dict[str, int] = {}
        try:
            async with asyncio.timeout(deadline):
                await self._complete.wait()
        except TimeoutError:
            errors["not delivered"] = self._expected - self._seen
        return {"arrivals": self.times, "errors": errors}


async def run_fanout(args: argparse.Namespace, secret: str) -> dict[str, Any]:
    members = _devices(secret, args.prefix, args.first, args.count)
    arrivals = Arrivals(args.count * args.messages)
    async with _channel(args.target) as channel:
        presence = presence_service_pb2_grpc.PresenceServiceStub(channel)
        readers = await _map_limited(
            lambda member: open_session(presence, member, arrivals.arrived), members, limit=100
        )
        _say("ready")
        outcome = await arrivals.outcome(args.deadline)
        for reader in readers:
            reader.cancel()
    return outcome


async def run_fanout_floor(args: argparse.Namespace, _secret: str) -> dict[str, Any]:
    names = [
        f"{args.prefix}-{index}".encode() for index in range(args.first, args.first + args.count)
    ]
    arrivals = Arrivals(args.count * args.messages)
    async with _channel(args.target) as channel:
        relay = channel.stream_stream(
            RELAY_METHOD,
            request_serializer=bytes,
            response_deserializer=presence_service_pb2.ServerFrame.FromString,
        )

        async def receive(name: bytes) -> asyncio.Task[None]:
            # A write-driven call: the stubs' types require an iterator, grpc.aio does not.
            call = relay()  # type: ignore[call-arg]
            await call.write(name)
            await call.read()  # the welcome: broadcasts reach this stream from now on

            async def read() -> None:
                # read(), not `async for`: grpc.aio refuses to mix the two on one call.
                while isinstance(frame := await call.read(), presence_service_pb2.ServerFrame):
                    arrivals.arrived(frame.message, time.time_ns())

            return asyncio.create_task(read())

        readers = await _map_limited(receive, names, limit=100)
        _say("ready")
        outcome = await arrivals.outcome(args.deadline)
        for reader in readers:
            reader.cancel()
    return outcome


# --- churn --------------------------------------------------------------------------------------


async def run_churn(args: argparse.Namespace, secret: str) -> dict[str, Any]:
    users = _devices(secret, args.prefix, 0, min(args.cycles, 1000))
    errors: Counter[str] = Counter()
    cycles = iter(range(args.cycles))
    done = 0

    async def cycle(presence: PresenceServiceAsyncStub, number: int) -> None:
        user = users[number % len(users)]
        call = _connect(presence, user.token)
        await call.write(
            presence_service_pb2.ClientFrame(
                hello=presence_service_pb2.Hello(device_id=f"churn-{number}")
            )
        )
        async for frame in call:
            if frame.WhichOneof("frame") == "welcome":
                break
        if number % 2:
            call.cancel()
        else:
            await call.done_writing()
            async for _ in call:
                pass

    async def worker(presence: PresenceServiceAsyncStub) -> None:
        nonlocal done
        for number in cycles:
            try:
                await cycle(presence, number)
            except grpc.aio.AioRpcError as error:
                errors[error.code().name] += 1
            done += 1
            if done % args.checkpoint == 0:
                _say("cycles", done)

    started = time.perf_counter()
    async with _channel(args.target) as channel:
        presence = presence_service_pb2_grpc.PresenceServiceStub(channel)
        await asyncio.gather(*(worker(presence) for _ in range(args.concurrency)))
    return {"cycles": done, "seconds": time.perf_counter() - started, "errors": dict(errors)}


# --- command line -------------------------------------------------------------------------------

ROLES = {
    "hold": run_hold,
    "latency": run_latency,
    "fanout": run_fanout,
    "fanout-floor": run_fanout_floor,
    "churn": run_churn,
}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.session_load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("role", choices=sorted(ROLES))
    parser.add_argument("--target", required=True, help="HOST:PORT of the server")
    parser.add_argument("--result", type=Path, required=True, help="where to write the JSON")
    parser.add_argument("--prefix", required=True, help="user ids are PREFIX-N")
    parser.add_argument("--first", type=int, default=0, help="hold, fanout*: first user number")
    parser.add_argument("--count", type=int, default=1000, help="hold, fanout*: users")
    parser.add_argument("--group-size", type=int, default=100, help="hold: users per group")
    parser.add_argument("--per-connection", type=int, default=1, help="hold: sessions per TCP")
    parser.add_argument(
        "--connect-concurrency",
        type=int,
        default=100,
        help="hold: sessions connecting at once at the start",
    )
    parser.add_argument(
        "--interval", type=float, default=30.0, help="hold, latency: heartbeat seconds"
    )
    parser.add_argument("--pairs", type=int, default=50, help="latency: sender-recipient pairs")
    parser.add_argument("--rate", type=float, default=500.0, help="latency: messages per second")
    parser.add_argument("--warmup", type=float, default=3.0, help="latency: unmeasured seconds")
    parser.add_argument("--duration", type=float, default=20.0, help="latency: measured seconds")
    parser.add_argument("--messages", type=int, default=20, help="fanout*: messages expected")
    parser.add_argument("--deadline", type=float, default=120.0, help="fanout*: seconds to wait")
    parser.add_argument("--cycles", type=int, default=100_000, help="churn: streams in all")
    parser.add_argument("--concurrency", type=int, default=32, help="churn: streams at once")
    parser.add_argument("--checkpoint", type=int, default=10_000, help="churn: report every N")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    secret = os.environ.get(SECRET_ENV)
    if not secret:
        print(f"bench.session_load: {SECRET_ENV} must hold the server's secret", file=sys.stderr)
        return 2
    result = uvloop.run(ROLES[args.role](args, secret))
    args.result.write_text(json.dumps(result))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
