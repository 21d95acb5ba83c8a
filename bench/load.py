"""The load process of the send benchmark: `python -m bench.load`, started by bench.send_bench.

It runs in a process of its own, so that it competes with the server for the CPU the way a real
client on the same machine would, and its CPU can be told apart from the server's. It creates
the groups (every sender is a member of every group), runs `--senders` closed-loop senders
(each awaits its ack before sending again) for a warm-up and then for the measured window. It
prints `measuring` when the window opens (the parent starts its CPU accounting) and `measured`
when it closes, and writes the acks and latencies of the window and the errors of the whole run
as JSON to the --result file (a file, not stdout: the parent reads stdout only for those two
lines, and a pipe it does not drain must not be what a 100 KB result waits on).

A send belongs to the window when its ack arrives inside it. Any error fails the run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import grpc
import uvloop

from openchat.server.auth.tokens import issue_token
from openchat.v1 import (
    conversation_service_pb2,
    conversation_service_pb2_grpc,
    message_pb2,
    messaging_service_pb2,
    messaging_service_pb2_grpc,
)

if TYPE_CHECKING:  # the async stub type exists only in the generated .pyi
    from openchat.v1.messaging_service_pb2_grpc import MessagingServiceAsyncStub

SECRET_ENV = "OPENCHAT_JWT_SECRET"  # noqa: S105 - the variable's name, not a secret
# Groups are created with this many CreateGroup calls in flight.
SETUP_CONCURRENCY = 16
RPC_TIMEOUT_SECONDS = 30.0


@dataclass
class LoadResult:
    """What one run measured: acks and their latencies in the window, errors in the whole run."""

    window_seconds: float
    acked: int
    latencies_ms: list[float]
    errors: dict[str, int]
    setup_seconds: float


@dataclass
class _Workload:
    """What every sender shares: where to send, what, and where to count."""

    conversation_ids: list[str]
    content: message_pb2.Content
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    window_open: bool = False
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--target", required=True, help="HOST:PORT of the server")
    parser.add_argument("--senders", type=int, default=32)
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--text-bytes", type=int, default=200)
    parser.add_argument("--channels", type=int, default=1, help="gRPC channels (connections)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before the window")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds measured")
    parser.add_argument("--result", type=Path, required=True, help="where to write the JSON")
    return parser.parse_args(argv)


async def _create_groups(
    channel: grpc.aio.Channel, senders: list[str], tokens: dict[str, str], count: int
) -> list[str]:
    stub = conversation_service_pb2_grpc.ConversationServiceStub(channel)
    owner, *others = senders
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)

    async def create(index: int) -> str:
        async with gate:
            response = await stub.CreateGroup(
                conversation_service_pb2.CreateGroupRequest(
                    title=f"bench group {index}", member_ids=others
                ),
                metadata=bearer(tokens[owner]),
                timeout=RPC_TIMEOUT_SECONDS,
            )
        return response.conversation.conversation_id

    return list(await asyncio.gather(*(create(index) for index in range(count))))


def bearer(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


async def _send_loop(
    workload: _Workload, stub: MessagingServiceAsyncStub, sender: str, token: str
) -> None:
    metadata = bearer(token)
    choose = random.Random(sender).choice  # noqa: S311 - spreading load, not security
    sent = 0
    while not workload.stop.is_set():
        sent += 1
        request = messaging_service_pb2.SendMessageRequest(
            conversation_id=choose(workload.conversation_ids),
            client_msg_id=f"{sender}-{sent}",
            content=workload.content,
        )
        started = time.perf_counter()
        try:
            await stub.SendMessage(request, metadata=metadata, timeout=RPC_TIMEOUT_SECONDS)
        except grpc.aio.AioRpcError as error:
            workload.errors[error.code().name] += 1
            continue
        if workload.window_open:
            workload.latencies.append((time.perf_counter() - started) * 1000)


async def run_load(args: argparse.Namespace, secret: str) -> LoadResult:
    run_id = uuid.uuid4().hex[:8]
    senders = [f"bench-{run_id}-{index}" for index in range(args.senders)]
    tokens = {sender: issue_token(secret, sender, ttl_seconds=24 * 3600) for sender in senders}
    # Each channel its own TCP connection: channels of one process with the same arguments
    # otherwise share one (grpc's global subchannel pool), and `--channels` would change nothing.
    channels = [
        grpc.aio.insecure_channel(args.target, options=[("grpc.use_local_subchannel_pool", 1)])
        for _ in range(args.channels)
    ]
    stubs = [messaging_service_pb2_grpc.MessagingServiceStub(channel) for channel in channels]
    try:
        setup_started = time.perf_counter()
        conversation_ids = await _create_groups(channels[0], senders, tokens, args.conversations)
        setup_seconds = time.perf_counter() - setup_started
        workload = _Workload(conversation_ids, message_pb2.Content(text="x" * args.text_bytes))
        tasks = [
            asyncio.create_task(
                _send_loop(workload, stubs[index % len(stubs)], sender, tokens[sender])
            )
            for index, sender in enumerate(senders)
        ]
        # The windows are timed by the clock; sleeping is how a load generator keeps time.
        await asyncio.sleep(args.warmup)
        print("measuring", flush=True)
        workload.window_open = True
        opened = time.perf_counter()
        await asyncio.sleep(args.duration)
        workload.window_open = False
        window_seconds = time.perf_counter() - opened
        print("measured", flush=True)
        workload.stop.set()
        await asyncio.gather(*tasks)
    finally:
        for channel in channels:
            await channel.close(grace=None)
    return LoadResult(
        window_seconds=window_seconds,
        acked=len(workload.latencies),
        latencies_ms=workload.latencies,
        errors=dict(workload.errors),
        setup_seconds=setup_seconds,
    )


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    secret = os.environ.get(SECRET_ENV)
    if not secret:
        print(f"bench.load: {SECRET_ENV} must hold the server's secret", file=sys.stderr)
        return 2
    result = uvloop.run(run_load(args, secret))
    args.result.write_text(json.dumps(asdict(result)))
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
