"""The fairness benchmark (`make bench-fairness`): how much one flooding user moves the others'
send latency (issue 11: at most 2x at p99).

Per backend, on one database, a fresh server with the default limits and then one with
OPENCHAT_SEND_RATE=0 (to show what the limit buys). On each, `--victims` users send `--rate`
messages per second each (paced, within their send rate) to groups of their own for the whole
run, and their ack latencies are recorded in alternating windows:

- baseline windows: the victims alone;
- flood windows: one more user runs `--callers` concurrent closed-loop SendMessage callers
  that ignore RetryInfo and send again at once when refused (the worst a client can do with
  one token), from a process of its own (started before the window, stopped after it).

Alternating `--rounds` pairs of windows keeps a shared machine's changing load from passing
for the flood's effect. It prints the victims' p50/p99 in each kind of window, what the flooder
got through and was refused, and the ratio of the flood windows' p99 to the baseline windows'.

    python -m bench.fairness [--backend sqlite|postgresql|both] [--quick] [--callers N] ...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import uvloop

from bench.chat import percentile
from bench.environment import DEFAULT_POSTGRES_URL, running_server, temporary_database
from bench.load import RPC_TIMEOUT_SECONDS, bearer
from openchat.server.auth.tokens import issue_token
from openchat.server.settings import LimitsSettings
from openchat.v1 import (
    conversation_service_pb2,
    conversation_service_pb2_grpc,
    message_pb2,
    messaging_service_pb2,
    messaging_service_pb2_grpc,
)

QUICK = {"warmup": 2.0, "window": 4.0, "rounds": 2}
# The flooder's callers start this long before a flood window opens, and the victims' sends
# answered within this long after it closes count for neither kind of window (held refusals
# drain meanwhile).
SETTLE_SECONDS = 1.5
TARGET_RATIO = 2.0
# The server's own defaults, written out so that the report says what was measured.
DEFAULT_LIMITS = {
    "OPENCHAT_SEND_RATE": f"{LimitsSettings.model_fields['send_rate'].default:g}",
    "OPENCHAT_SEND_BURST": f"{LimitsSettings.model_fields['send_burst'].default}",
}
LIMITS_OFF = {"OPENCHAT_SEND_RATE": "0"}
SERVER_ENV = {"OPENCHAT_PUSH_PROVIDER": "none"}


@dataclass
class Outcome:
    """What one server saw: the victims' ack latencies per kind of window, and the flooder's
    results in its windows."""

    name: str
    limits: dict[str, str]
    baseline_ms: list[float] = field(default_factory=list)
    flood_ms: list[float] = field(default_factory=list)
    flood_seconds: float = 0.0
    victim_errors: Counter[str] = field(default_factory=Counter)
    flood_acked: int = 0
    flood_refused: Counter[str] = field(default_factory=Counter)
    # Flood windows left out because the flooder process crashed.
    lost_windows: int = 0

    @property
    def ratio(self) -> float:
        return percentile(self.flood_ms, 0.99) / percentile(self.baseline_ms, 0.99)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.fairness", description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--victims", type=int, default=4, help="well-behaved users")
    parser.add_argument("--rate", type=float, default=10.0, help="each victim's messages/s")
    parser.add_argument("--callers", type=int, default=64, help="the flooder's callers")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before any window")
    parser.add_argument("--window", type=float, default=5.0, help="seconds of each window")
    parser.add_argument("--rounds", type=int, default=6, help="baseline and flood window pairs")
    parser.add_argument("--quick", action="store_true", help="a short run (CI, smoke tests)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("OPENCHAT_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
    )
    args = parser.parse_args(argv)
    if args.quick:
        vars(args).update(QUICK)
    return args


async def _group(channel: grpc.aio.Channel, owner: str, token: str) -> str:
    stub = conversation_service_pb2_grpc.ConversationServiceStub(channel)
    response = await stub.CreateGroup(
        conversation_service_pb2.CreateGroupRequest(title=f"{owner}'s"),
        metadata=bearer(token),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return response.conversation.conversation_id


def _request(conversation_id: str, client_msg_id: str) -> messaging_service_pb2.SendMessageRequest:
    return messaging_service_pb2.SendMessageRequest(
        conversation_id=conversation_id,
        client_msg_id=client_msg_id,
        content=message_pb2.Content(text="x" * 200),
    )


async def _measure(args: argparse.Namespace, target: str, secret: str, outcome: Outcome) -> None:
    run = secrets.token_hex(4)
    victims = [f"victim-{run}-{n}" for n in range(args.victims)]
    flooder = f"flooder-{run}"
    tokens = {user: issue_token(secret, user, ttl_seconds=3600) for user in [*victims, flooder]}
    # Separate connections, as separate clients have.
    victim_channel = grpc.aio.insecure_channel(target)
    stop = asyncio.Event()
    recording: list[float] | None = None  # where the victims' latencies go now
    try:
        groups = {user: await _group(victim_channel, user, tokens[user]) for user in tokens}

        async def victim(user: str) -> None:
            stub = messaging_service_pb2_grpc.MessagingServiceStub(victim_channel)
            interval, sent = 1.0 / args.rate, 0
            next_at = time.perf_counter()
            while not stop.is_set():
                sent += 1
                window, started = recording, time.perf_counter()
                try:
                    await stub.SendMessage(
                        _request(groups[user], f"{user}-{sent}"),
                        metadata=bearer(tokens[user]),
                        timeout=RPC_TIMEOUT_SECONDS,
                    )
                except grpc.aio.AioRpcError as error:
                    outcome.victim_errors[error.code().name] += 1
                else:
                    if window is not None and window is recording:
                        window.append((time.perf_counter() - started) * 1000)
                # Paced: the victims send at their rate, whatever the latency.
                next_at += interval
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))

        tasks = [asyncio.create_task(victim(user)) for user in victims]
        # The windows are timed by the clock; sleeping is how a load generator keeps time.
        await asyncio.sleep(args.warmup)
        for _ in range(args.rounds):
            recording = outcome.baseline_ms
            await asyncio.sleep(args.window)
            recording = None
            # In a process of its own, like a real client elsewhere: its CPU must not delay
            # the victims' client (the server's is what is measured).
            flooding = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.fairness", "--flood", target, tokens[flooder],
                groups[flooder], str(args.callers), str(SETTLE_SECONDS), str(args.window),
                stdout=asyncio.subprocess.PIPE,
            )  # fmt: skip
            await asyncio.sleep(SETTLE_SECONDS)
            recording = flood_ms = list[float]()
            await asyncio.sleep(args.window)
            recording = None
            output, _ = await flooding.communicate()
            await asyncio.sleep(SETTLE_SECONDS)
            if not output:
                # grpcio's client died (SIGSEGV in its event engine, here a few times an hour
                # on a busy machine): the window had no flood for part of its time.
                outcome.lost_windows += 1
                continue
            outcome.flood_ms += flood_ms
            counts = json.loads(output)
            outcome.flood_acked += counts.pop("OK", 0)
            outcome.flood_refused.update(counts)
            outcome.flood_seconds += args.window
        stop.set()
        await asyncio.gather(*tasks)
    finally:
        await victim_channel.close(grace=None)


def _flood(
    target: str, token: str, conversation_id: str, *, callers: int, warmup: float, duration: float
) -> None:
    """`callers` closed-loop senders that resend at once when refused; prints the outcomes (by
    status code name) of the sends answered in the window, as JSON. Threads over grpc's
    synchronous stub: the same flood from grpc.aio died of SIGSEGV in some runs here."""
    channel = grpc.insecure_channel(target)
    stub = messaging_service_pb2_grpc.MessagingServiceStub(channel)
    counts: Counter[str] = Counter()
    lock = threading.Lock()
    stop = threading.Event()
    window = threading.Event()

    def caller(index: int) -> None:
        sent = 0
        while not stop.is_set():
            sent += 1
            try:
                stub.SendMessage(
                    _request(conversation_id, f"flood-{index}-{sent}"),
                    metadata=bearer(token),
                    timeout=RPC_TIMEOUT_SECONDS,
                )
                code = "OK"
            except grpc.RpcError as error:
                code = error.code().name
            if window.is_set():
                with lock:
                    counts[code] += 1

    threads = [threading.Thread(target=caller, args=(index,)) for index in range(callers)]
    for thread in threads:
        thread.start()
    # The window is timed by the clock; sleeping is how a load generator keeps time.
    time.sleep(warmup)
    window.set()
    time.sleep(duration)
    window.clear()
    stop.set()
    for thread in threads:
        thread.join()
    print(json.dumps(counts), flush=True)
    channel.close()


def run_backend(args: argparse.Namespace, backend: str, workdir: Path) -> list[Outcome]:
    outcomes = [Outcome("limits on", DEFAULT_LIMITS), Outcome("limits off", LIMITS_OFF)]
    with temporary_database(backend, workdir, args.postgres_url) as database:
        for index, outcome in enumerate(outcomes):
            secret = secrets.token_urlsafe(32)
            log = workdir / f"server-{backend}-{index}.log"
            with running_server(database, secret, log, SERVER_ENV | outcome.limits) as server:
                uvloop.run(_measure(args, server.target, secret, outcome))
    return outcomes


def report(args: argparse.Namespace, results: dict[str, list[Outcome]]) -> str:
    lines = [
        f"Fairness: {args.victims} users sending {args.rate:g} msgs/s each (paced); in flood "
        f"windows one more user with {args.callers} closed-loop callers that resend at once when "
        f"refused; {args.rounds} rounds of a {args.window:g} s baseline window and a "
        f"{args.window:g} s flood window. Limits on: "
        + " ".join(f"{name}={value}" for name, value in DEFAULT_LIMITS.items()),
        "",
        f"{'backend':<11}{'server':<12}{'base p50':>9}{'base p99':>9}{'flood p50':>10}"
        f"{'flood p99':>10}{'p99 ratio':>10}{'flood acked/s':>14}{'refused/s':>10}{'errors':>7}",
    ]
    verdicts = []
    for backend, outcomes in results.items():
        for outcome in outcomes:
            seconds = max(outcome.flood_seconds, 1e-9)
            lines.append(
                f"{backend:<11}{outcome.name:<12}{percentile(outcome.baseline_ms, 0.5):>9.1f}"
                f"{percentile(outcome.baseline_ms, 0.99):>9.1f}"
                f"{percentile(outcome.flood_ms, 0.5):>10.1f}"
                f"{percentile(outcome.flood_ms, 0.99):>10.1f}"
                f"{outcome.ratio:>9.1f}x{outcome.flood_acked / seconds:>14,.0f}"
                f"{sum(outcome.flood_refused.values()) / seconds:>10,.0f}"
                f"{sum(outcome.victim_errors.values()):>7}"
            )
        lost = sum(outcome.lost_windows for outcome in outcomes)
        if lost:
            lines.append(f"  {backend}: {lost} flood window(s) left out: the flooder crashed")
        ratio = outcomes[0].ratio
        verdicts.append(
            f"{backend}: with the limits, the flood moves the others' p99 {ratio:.1f}x  "
            f"{'met' if ratio <= TARGET_RATIO else 'MISSED'} (≤ {TARGET_RATIO:g}x)"
        )
    return "\n".join([*lines, "", *verdicts])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--flood"]:  # the flooder's own process
        target, token, conversation_id, callers, warmup, duration = argv[1:]
        _flood(
            target,
            token,
            conversation_id,
            callers=int(callers),
            warmup=float(warmup),
            duration=float(duration),
        )
        return 0
    args = _arguments(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    with tempfile.TemporaryDirectory(prefix="openchat-fairness-") as directory:
        results = {backend: run_backend(args, backend, Path(directory)) for backend in backends}
    print()
    print(report(args, results))
    failed = any(o.victim_errors for outcomes in results.values() for o in outcomes)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
