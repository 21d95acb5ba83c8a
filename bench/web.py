"""The web benchmark (`make bench-web`): what the web listener (Connect, gRPC-Web) costs the
server per unary call and per delivered message, as a ratio to the native gRPC path measured in
the same run against the same server process.

- unary: `--callers` closed-loop callers each call PresenceService.GetPresence (authenticated,
  no database) `--calls` times over gRPC (grpc.aio), Connect (binary) and gRPC-Web (binary);
- delivered message: `--pairs` pairs, each a sender calling SendMessage over gRPC and a recipient
  holding a session that acknowledges every delivery: a gRPC Connect stream (the ack a
  delivery_ack frame on it) or a browser session (OpenSession over Connect, the ack a
  SendSessionFrames call); each sender waits for its message to be delivered before the next.

It prints the server's CPU per call and per delivered message for each path and the ratios. The
clients run in this process; only the server process's CPU is counted.

    python -m bench.web [--quick] [--calls N] [--callers N] [--messages N] [--pairs N]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import grpc
from connectrpc.protocol import ProtocolType

from bench.environment import (
    ServerProcess,
    cpu_seconds,
    cpu_snapshot,
    free_port,
    running_server,
    temporary_database,
)
from openchat.server.auth.tokens import issue_token
from openchat.v1 import (
    conversation_service_pb2,
    conversation_service_pb2_grpc,
    message_pb2,
    messaging_service_pb2,
    messaging_service_pb2_grpc,
    presence_service_connect,
    presence_service_pb2,
    presence_service_pb2_grpc,
)

Timed = Callable[[], Awaitable[None]]
# Untimed calls and messages per path before measuring: connections, caches, the first pages.
WARMUP_CALLS = 200
WARMUP_MESSAGES = 20


def _auth(secret: str, user_id: str) -> dict[str, str]:
    return {"authorization": f"Bearer {issue_token(secret, user_id, ttl_seconds=3600)}"}


async def _server_cpu(server: ServerProcess, work: Timed) -> float:
    before = cpu_snapshot([server.pid])
    await work()
    return cpu_seconds(before, cpu_snapshot([server.pid]), [server.pid])


async def unary_costs(
    server: ServerProcess, web_url: str, secret: str, calls: int, callers: int
) -> dict[str, float]:
    """Server CPU seconds per GetPresence call, per path."""
    headers = _auth(secret, "bench-caller")
    request = presence_service_pb2.GetPresenceRequest(user_ids=["someone"])
    channel = grpc.aio.insecure_channel(server.target)
    stub = presence_service_pb2_grpc.PresenceServiceStub(channel)
    metadata = tuple(headers.items())

    def web_call(protocol: ProtocolType) -> Callable[[], Awaitable[object]]:
        client = presence_service_connect.PresenceServiceClient(web_url, protocol=protocol)
        return lambda: client.get_presence(request, headers=headers)

    paths: dict[str, Callable[[], Awaitable[object]]] = {
        "grpc": lambda: stub.GetPresence(request, metadata=metadata),
        "connect": web_call(ProtocolType.CONNECT),
        "grpc-web": web_call(ProtocolType.GRPC_WEB),
    }
    costs = {}
    for name, call in paths.items():
        for _ in range(WARMUP_CALLS):
            await call()

        async def caller(call: Callable[[], Awaitable[object]] = call) -> None:
            for _ in range(calls // callers):
                await call()

        async def run() -> None:
            await asyncio.gather(*(caller() for _ in range(callers)))

        costs[name] = await _server_cpu(server, run) / (calls // callers * callers)
    await channel.close(grace=None)
    return costs


async def _grpc_recipient(
    channel: grpc.aio.Channel, headers: dict[str, str], device: str
) -> tuple[AsyncIterator[presence_service_pb2.ServerFrame], Callable[[str, int], Awaitable[None]]]:
    stub = presence_service_pb2_grpc.PresenceServiceStub(channel)
    call = stub.Connect(metadata=tuple(headers.items()))  # type: ignore[call-arg]
    hello = presence_service_pb2.Hello(device_id=device)
    await call.write(presence_service_pb2.ClientFrame(hello=hello))

    async def ack(conversation_id: str, seq: int) -> None:
        delivery = presence_service_pb2.DeliveryAck(conversation_id=conversation_id, seq=seq)
        await call.write(presence_service_pb2.ClientFrame(delivery_ack=delivery))

    return aiter(call), ack


async def _web_recipient(
    web_url: str, headers: dict[str, str], device: str
) -> tuple[AsyncIterator[presence_service_pb2.ServerFrame], Callable[[str, int], Awaitable[None]]]:
    client = presence_service_connect.PresenceServiceClient(web_url)
    hello = presence_service_pb2.Hello(device_id=device)
    responses = client.open_session(
        presence_service_pb2.OpenSessionRequest(hello=hello), headers=headers
    )
    session_id = ""

    async def frames() -> AsyncIterator[presence_service_pb2.ServerFrame]:
        nonlocal session_id
        async for response in responses:
            if response.frame.WhichOneof("frame") == "welcome":
                session_id = response.frame.welcome.session_id
            yield response.frame

    async def ack(conversation_id: str, seq: int) -> None:
        delivery = presence_service_pb2.DeliveryAck(conversation_id=conversation_id, seq=seq)
        await client.send_session_frames(
            presence_service_pb2.SendSessionFramesRequest(
                session_id=session_id,
                frames=[presence_service_pb2.ClientFrame(delivery_ack=delivery)],
            ),
            headers=headers,
        )

    return frames(), ack


async def delivery_costs(
    server: ServerProcess, web_url: str, secret: str, messages: int, pairs: int
) -> dict[str, float]:
    """Server CPU seconds per message sent over gRPC and delivered to an acknowledging
    recipient, per recipient path."""
    channel = grpc.aio.insecure_channel(server.target)
    conversations = conversation_service_pb2_grpc.ConversationServiceStub(channel)
    messaging = messaging_service_pb2_grpc.MessagingServiceStub(channel)
    costs = {}
    for path in ("grpc", "web"):

        async def pair(index: int, path: str = path) -> Timed:
            sender, recipient = f"s-{uuid.uuid4().hex[:8]}", f"r-{uuid.uuid4().hex[:8]}"
            sender_auth = tuple(_auth(secret, sender).items())
            group = await conversations.CreateGroup(
                conversation_service_pb2.CreateGroupRequest(title="bench", member_ids=[recipient]),
                metadata=sender_auth,
            )
            conversation_id = group.conversation.conversation_id
            headers = _auth(secret, recipient)
            if path == "grpc":
                frames, ack = await _grpc_recipient(channel, headers, f"d{index}")
            else:
                frames, ack = await _web_recipient(web_url, headers, f"d{index}")
            assert (await anext(frames)).WhichOneof("frame") == "welcome"

            async def exchange(count: int, prefix: str) -> None:
                for n in range(count):
                    await messaging.SendMessage(
                        messaging_service_pb2.SendMessageRequest(
                            conversation_id=conversation_id,
                            client_msg_id=f"{prefix}{n}",
                            content=message_pb2.Content(text=f"message {n}"),
                        ),
                        metadata=sender_auth,
                    )
                    while (frame := await anext(frames)).WhichOneof("frame") != "message":
                        pass
                    await ack(conversation_id, frame.message.seq)

            await exchange(WARMUP_MESSAGES, "warmup-")
            return lambda: exchange(messages // pairs, "m")

        runs = [await pair(index) for index in range(pairs)]

        async def all_pairs(runs: list[Timed] = runs) -> None:
            await asyncio.gather(*(run() for run in runs))

        costs[path] = await _server_cpu(server, all_pairs) / (messages // pairs * pairs)
    await channel.close(grace=None)
    return costs


def _report(title: str, costs: dict[str, float], unit: str) -> None:
    base = costs["grpc"]
    print(f"{title}")
    for name, cost in costs.items():
        print(f"  {name:<10} {cost * 1e6:8.1f} µs server CPU per {unit}   ratio {cost / base:5.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts, for CI")
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--callers", type=int, default=8)
    parser.add_argument("--messages", type=int, default=4_000)
    parser.add_argument("--pairs", type=int, default=8)
    args = parser.parse_args()
    if args.quick:
        args.calls, args.messages = 2_000, 400
    secret = secrets.token_urlsafe(32)
    with (
        tempfile.TemporaryDirectory() as workdir,
        temporary_database("sqlite", Path(workdir), "") as database,
    ):
        web_listen = f"127.0.0.1:{free_port()}"
        with running_server(
            database, secret, Path(workdir) / "server.log", {"OPENCHAT_WEB_LISTEN": web_listen}
        ) as server:
            web_url = f"http://{web_listen}"
            unary = asyncio.run(unary_costs(server, web_url, secret, args.calls, args.callers))
            delivered = asyncio.run(
                delivery_costs(server, web_url, secret, args.messages, args.pairs)
            )
    _report(f"unary GetPresence, {args.calls} calls, {args.callers} callers", unary, "call")
    _report(
        f"delivered message (SendMessage over gRPC, recipient acks), {args.messages} messages, "
        f"{args.pairs} pairs",
        delivered,
        "message",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
