"""The reads benchmark (`make bench-reads`): what MarkRead over a long backlog, a 500-conversation
Sync and a 50-message ListMessages page cost in the server on a large PostgreSQL database, as
ratios to the same reads on a small one and to an empty grpc.aio RPC, all in one run.

Each database is built with bulk SQL (generate_series), not through the API, in a temporary
PostgreSQL database that a server migrated first:

- one conversation of `--backlog` messages (1,000,000 by default; 1,000 for the small
  database), of 10 senders and `--markers` members who never read it: each MarkRead marks one
  of them read up to the head, over the whole backlog;
- 500 conversations of `--per-conversation` messages (100; 2 small), all of one reader, who
  syncs with no cursors: the messages of a large database fill the 3 MiB response budget;
- a page of the 50 newest messages of the long conversation, read `--pages` times.

Calls are made one at a time from this process, so a call's server CPU (the server process's
user + system time over the calls, divided by their count) is not blurred by concurrency;
PostgreSQL's own time is left out (it is the same query at either size: the point is the
server's cost and whether it grows with the data).

    python -m bench.reads [--scale 1.0] [--markers 20] [--pages 200] [--syncs 10]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import grpc
import psutil

from bench.chat import empty_rpc_server
from bench.empty_server import METHOD as EMPTY_METHOD
from bench.environment import DEFAULT_POSTGRES_URL, running_server, temporary_database
from openchat.server.auth.tokens import issue_token
from openchat.v1 import (
    messaging_service_pb2,
    messaging_service_pb2_grpc,
    sync_service_pb2,
    sync_service_pb2_grpc,
)

SENDERS = 10
CONVERSATIONS = 500
PAGE = 50
TEXT = "x" * 200
LONG = "long"
READER = "reader"


@dataclass(frozen=True)
class Cost:
    """What one kind of call cost, per call."""

    name: str
    wall_ms: float
    server_ms: float


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.reads", description=__doc__)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--backlog", type=int, default=1_000_000, help="long conversation")
    parser.add_argument("--per-conversation", type=int, default=100, help="per synced one")
    parser.add_argument("--scale", type=float, default=1.0, help="shrink the large database")
    parser.add_argument("--markers", type=int, default=20, help="MarkRead calls")
    parser.add_argument("--syncs", type=int, default=10, help="Sync calls")
    parser.add_argument("--pages", type=int, default=200, help="ListMessages calls")
    parser.add_argument("--empty-calls", type=int, default=2000, help="empty RPCs")
    return parser.parse_args(argv)


async def build(url: str, backlog: int, per_conversation: int, markers: int) -> None:
    """The database's contents, in a few statements."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        conversations = [LONG] + [f"c{n:03}" for n in range(CONVERSATIONS)]
        lengths = [backlog] + [per_conversation] * CONVERSATIONS
        await connection.executemany(
            "INSERT INTO conversations (conversation_id, kind, title, creator_id, created_at, "
            "last_seq) VALUES ($1, 'group', $1, 's0', now(), $2)",
            list(zip(conversations, lengths, strict=True)),
        )
        long_members = [f"s{n}" for n in range(SENDERS)] + [f"m{n}" for n in range(markers)]
        await connection.executemany(
            "INSERT INTO members (conversation_id, user_id, joined_at, read_seq) "
            "VALUES ($1, $2, now(), 0)",
            [(LONG, user) for user in long_members]
            + [(c, user) for c in conversations[1:] for user in (READER, "s0")],
        )
        for conversation, length in zip(conversations, lengths, strict=True):
            await connection.execute(
                "INSERT INTO messages (conversation_id, seq, message_id, sender_id, "
                "client_msg_id, created_at, text, mime_type) "
                "SELECT $1::text, g, md5($1::text || g)::uuid::text, 's' || (g % $3::int), "
                "$1::text || '-' || g, now(), $4::text, 'text/plain' "
                "FROM generate_series(1, $2::bigint) g",
                conversation,
                length,
                SENDERS,
                TEXT,
            )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


def metadata(secret: str, user_id: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {issue_token(secret, user_id, ttl_seconds=3600)}"),)


async def timed(name: str, pid: int, calls: list[Callable[[], Awaitable[object]]]) -> Cost:
    """Runs the calls one after another; their wall time and the server's CPU, per call."""
    process = psutil.Process(pid)
    cpu = process.cpu_times()
    started = time.perf_counter()
    for call in calls:
        await call()
    wall = time.perf_counter() - started
    after = process.cpu_times()
    used = (after.user - cpu.user) + (after.system - cpu.system)
    return Cost(name, wall / len(calls) * 1000, used / len(calls) * 1000)


async def reads(args: argparse.Namespace, target: str, pid: int, secret: str) -> list[Cost]:
    async with grpc.aio.insecure_channel(target) as channel:
        messaging = messaging_service_pb2_grpc.MessagingServiceStub(channel)
        sync = sync_service_pb2_grpc.SyncServiceStub(channel)
        head = (
            (
                await messaging.ListMessages(
                    messaging_service_pb2.ListMessagesRequest(conversation_id=LONG, page_size=1),
                    metadata=metadata(secret, "s0"),
                )
            )
            .messages[0]
            .seq
        )

        def mark(user: str) -> Callable[[], Awaitable[object]]:
            request = messaging_service_pb2.MarkReadRequest(conversation_id=LONG, seq=head)
            return lambda: messaging.MarkRead(request, metadata=metadata(secret, user))

        reader = metadata(secret, READER)
        page = messaging_service_pb2.ListMessagesRequest(conversation_id=LONG, page_size=PAGE)
        sync_request = sync_service_pb2.SyncRequest(limit=100)
        return [
            await timed(
                f"MarkRead over {head:,} messages",
                pid,
                [mark(f"m{n}") for n in range(args.markers)],
            ),
            await timed(
                "Sync of 500 conversations",
                pid,
                [lambda: sync.Sync(sync_request, metadata=reader)] * args.syncs,
            ),
            await timed(
                f"ListMessages, {PAGE} newest",
                pid,
                [lambda: messaging.ListMessages(page, metadata=metadata(secret, "s0"))]
                * args.pages,
            ),
        ]


def measure_database(args: argparse.Namespace, workdir: Path, backlog: int, per: int) -> list[Cost]:
    secret = secrets.token_urlsafe(32)
    with (
        temporary_database("postgresql", workdir, args.postgres_url) as database,
        running_server(
            database, secret, workdir / f"server-{backlog}.log",
            {"OPENCHAT_PUSH_PROVIDER": "none", "OPENCHAT_LOG_LEVEL": "warning"},
        ) as server,
    ):  # fmt: skip
        asyncio.run(build(database.url, backlog, per, args.markers))
        return asyncio.run(reads(args, server.target, server.pid, secret))


async def empty_calls(target: str, pid: int, count: int) -> Cost:
    async with grpc.aio.insecure_channel(target) as channel:
        empty = channel.unary_unary(
            EMPTY_METHOD, request_serializer=bytes, response_deserializer=bytes
        )
        return await timed("empty grpc.aio RPC", pid, [lambda: empty(b"")] * count)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    backlog = max(1_000, int(args.backlog * args.scale))
    per = max(2, int(args.per_conversation * min(1.0, args.scale * 10)))
    with tempfile.TemporaryDirectory(prefix="openchat-reads-") as directory:
        workdir = Path(directory)
        with empty_rpc_server() as (server, target):
            floor = asyncio.run(empty_calls(target, server.pid, args.empty_calls))
        small = measure_database(args, workdir, 1_000, 2)
        large = measure_database(args, workdir, backlog, per)
    print(f"empty grpc.aio RPC, one caller: server CPU {floor.server_ms:.3f} ms per call")
    print(
        f"{'read':34} {'small ms':>9} {'large ms':>9} {'server ms':>10} "
        f"{'x small':>8} {'x empty RPC':>12}"
    )
    for little, big in zip(small, large, strict=True):
        print(
            f"{big.name:34} {little.wall_ms:9.2f} {big.wall_ms:9.2f} {big.server_ms:10.3f} "
            f"{big.server_ms / little.server_ms:7.1f}x {big.server_ms / floor.server_ms:11.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
