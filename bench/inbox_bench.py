"""The inbox benchmark (`make bench-inbox`): ListConversations latency, with unread and mention
counts and last messages, for a user in many conversations.

It starts `openchat-server serve` on a fresh database (as `make bench` does), makes one user a
member of `--conversations` groups, each with a few messages of another member (some mentioning
the user, some read), then calls ListConversations (first page, `--page-size`) `--calls` times
one after the other and prints the latency percentiles, beside those of as many empty grpc.aio
calls (bench/empty_server.py) made the same way in the same run, and the p99 as a multiple of
the empty call's p50. Issue 13's target: p99 <= 20 ms on PostgreSQL for 1,000 conversations.

    python -m bench.inbox_bench [--backend sqlite|postgresql|both] [--conversations 1000] ...
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import grpc

from bench.chat import empty_rpc_server
from bench.empty_server import METHOD as EMPTY_METHOD
from bench.environment import DEFAULT_POSTGRES_URL, running_server, temporary_database
from openchat.server.auth.tokens import issue_token
from openchat.v1 import (
    conversation_service_pb2,
    conversation_service_pb2_grpc,
    message_pb2,
    messaging_service_pb2,
    messaging_service_pb2_grpc,
)

READER = "reader"
WRITER = "writer"
# Concurrent calls while the conversations are filled (setup only, not measured).
SETUP_CONCURRENCY = 16
SETUP_ATTEMPTS = 5


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--conversations", type=int, default=1000, help="groups (1000)")
    parser.add_argument("--messages", type=int, default=3, help="messages per group (3)")
    parser.add_argument("--calls", type=int, default=300, help="measured calls (300)")
    parser.add_argument("--page-size", type=int, default=50, help="conversations per page (50)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    return parser.parse_args(argv)


def bearer(secret: str, user_id: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {issue_token(secret, user_id, ttl_seconds=3600)}"),)


async def _fill(channel: grpc.aio.Channel, secret: str, args: argparse.Namespace) -> None:
    """The reader in `conversations` groups, each with `messages` messages of the writer; every
    third group mentions the reader, every fifth is read up to its first message."""
    conversations = conversation_service_pb2_grpc.ConversationServiceStub(channel)
    messaging = messaging_service_pb2_grpc.MessagingServiceStub(channel)
    writer, reader = bearer(secret, WRITER), bearer(secret, READER)
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)

    async def one(number: int) -> None:
        async with gate:
            group = await conversations.CreateGroup(
                conversation_service_pb2.CreateGroupRequest(
                    title=f"g{number}", member_ids=[READER], request_id=f"g{number}"
                ),
                metadata=writer,
            )
            conversation_id = group.conversation.conversation_id
            for index in range(args.messages):
                mentions = [READER] if number % 3 == 0 and index == 0 else []
                send = messaging_service_pb2.SendMessageRequest(
                    conversation_id=conversation_id,
                    client_msg_id=uuid.uuid4().hex,
                    content=message_pb2.Content(text=f"message {index}", mention_user_ids=mentions),
                )
                # UNAVAILABLE is safe to retry with the same client_msg_id (a busy machine).
                for attempt in range(SETUP_ATTEMPTS):
                    try:
                        await messaging.SendMessage(send, metadata=writer)
                        break
                    except grpc.aio.AioRpcError as error:
                        if (
                            error.code() != grpc.StatusCode.UNAVAILABLE
                            or attempt == SETUP_ATTEMPTS - 1
                        ):
                            raise
            if number % 5 == 0:
                await messaging.MarkRead(
                    messaging_service_pb2.MarkReadRequest(conversation_id=conversation_id, seq=1),
                    metadata=reader,
                )

    await asyncio.gather(*(one(number) for number in range(args.conversations)))


async def _measure(channel: grpc.aio.Channel, secret: str, args: argparse.Namespace) -> list[float]:
    conversations = conversation_service_pb2_grpc.ConversationServiceStub(channel)
    reader = bearer(secret, READER)
    request = conversation_service_pb2.ListConversationsRequest(page_size=args.page_size)
    latencies = []
    for _ in range(args.calls):
        started = time.perf_counter()
        response = await conversations.ListConversations(request, metadata=reader)
        latencies.append(time.perf_counter() - started)
        assert len(response.conversations) == min(args.page_size, args.conversations)
        assert all(c.unread_count >= 0 for c in response.conversations)
    return latencies


async def _empty_calls(target: str, calls: int) -> list[float]:
    """Latencies of empty calls, one after the other, on one channel (as _measure calls)."""
    async with grpc.aio.insecure_channel(target) as channel:
        empty = channel.unary_unary(
            EMPTY_METHOD, request_serializer=bytes, response_deserializer=bytes
        )
        for _ in range(20):
            await empty(b"")
        latencies = []
        for _ in range(calls):
            started = time.perf_counter()
            await empty(b"")
            latencies.append(time.perf_counter() - started)
        return latencies


def _percentiles(latencies: list[float]) -> tuple[float, float, float, float]:
    """p50, p90, p99 and max in milliseconds."""
    cuts = statistics.quantiles([1000 * s for s in latencies], n=100)
    return cuts[49], cuts[89], cuts[98], 1000 * max(latencies)


async def _run(target: str, secret: str, args: argparse.Namespace) -> list[float]:
    async with grpc.aio.insecure_channel(target) as channel:
        await _fill(channel, secret, args)
        await _measure(channel, secret, argparse.Namespace(**{**vars(args), "calls": 20}))
        return await _measure(channel, secret, args)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(
        f"ListConversations, first page of {args.page_size}, for a user in "
        f"{args.conversations} conversations ({args.messages} messages each), {args.calls} calls"
    )
    header = ("backend", "p50 ms", "p90 ms", "p99 ms", "max ms", "p99 x empty p50")
    print(f"{header[0]:<19} " + " ".join(f"{name:>7}" for name in header[1:]))
    with empty_rpc_server() as (_, target):
        floor = _percentiles(asyncio.run(_empty_calls(target, args.calls)))
    print(f"{'empty grpc.aio RPC':<19} " + " ".join(f"{value:7.2f}" for value in floor))
    with tempfile.TemporaryDirectory(prefix="openchat-inbox-bench-") as directory:
        workdir = Path(directory)
        for backend in backends:
            secret = secrets.token_urlsafe(32)
            with (
                temporary_database(backend, workdir, args.postgres_url) as database,
                running_server(database, secret, workdir / f"server-{backend}.log", {}) as server,
            ):
                p50, p90, p99, worst = _percentiles(asyncio.run(_run(server.target, secret, args)))
            print(
                f"{backend:<19} {p50:7.1f} {p90:7.1f} {p99:7.1f} {worst:7.1f} "
                f"{p99 / floor[0]:14.0f}x"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
