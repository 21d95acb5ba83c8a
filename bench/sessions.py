"""The session benchmark (`make bench-sessions`): what holding, feeding and churning session
streams costs one server process.

It starts `openchat-server serve` on a fresh database (as bench.send_bench does) and drives it
with load processes (bench.session_load), never in its own process:

(a) idle: `--sessions` sessions, each its own TCP connection, split over `--holders` processes,
    heartbeating every 30 s; the server's RSS per session and its CPU over `--idle` seconds;
(b) send-to-deliver latency at `--rate` messages per second, sender to an online recipient on
    another connection, while the idle sessions stay connected;
(c) fan-out: one message to a `--group-members` group with every member online (the receivers
    split over two processes): time until the last member has it, against its floor, measured
    alternately with it: bench.empty_server encoding the same frame for as many streams (held
    the same way) and writing it to each; and each server's CPU per frame (the OpenChat
    server's beyond what its idle sessions cost, at (a)'s rate);
(d) reconnect storm: every idle session drops at once, a message goes to each of their groups,
    and they reconnect with the SDK's backoff and resume cursors: time until all are back and
    synced;
(e) churn, on a second, fresh server: `--churn` session streams opened and ended (half by
    cancelling, half by half-closing), the server's RSS at every checkpoint.

Any error fails the run (exit status 1); missing a target shows in the report.

    python -m bench.sessions [--quick] [--sessions N] [--churn N] ...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import grpc
import psutil
from google.protobuf import timestamp_pb2

from bench.chat import empty_rpc_server
from bench.empty_server import BROADCAST_METHOD
from bench.environment import (
    DEFAULT_POSTGRES_URL,
    CpuSnapshot,
    ServerProcess,
    cpu_seconds,
    cpu_snapshot,
    metric_sum,
    running_server,
    temporary_database,
)
from bench.load import SECRET_ENV
from bench.session_load import TOKEN_TTL_SECONDS, Device, create_group, send_text
from openchat.server.auth.tokens import issue_token
from openchat.v1 import message_pb2, messaging_service_pb2_grpc, presence_service_pb2

REPOSITORY = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
# The issue's targets on this 2-core machine.
TARGET_RSS_MIB = 600.0
TARGET_LATENCY_P99_MS = 30.0
TARGET_STORM_SECONDS = 20.0
# Issue 12's targets, as ratios in one run: p99 within 3x p50; the fan-out within 1.5x the
# time grpc.aio alone takes to encode and write its frames; the storm no slower than opening
# the same sessions fresh in (a); no event-loop pause above 50 ms in steady state.
TARGET_P99_OVER_P50 = 3.0
TARGET_FANOUT_OVER_FLOOR = 1.5
TARGET_PAUSE_SECONDS = 0.05
TARGET_CHURN_GROWTH = 0.10
QUICK = {
    "sessions": 1000,
    "holders": 2,
    "idle": 5.0,
    "rate": 200.0,
    "duration": 3.0,
    "group_members": 200,
    "fanout_messages": 5,
    "churn": 4000,
    "churn_checkpoint": 1000,
}
# As in the send benchmark: push notifications are a route of their own, off here.
SERVER_ENV = {"OPENCHAT_PUSH_PROVIDER": "none"}
LINE_DEADLINE_SECONDS = 600.0
FANOUT_SPACING_SECONDS = 0.5


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.sessions",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--sessions", type=int, default=10_000, help="idle sessions (10000)")
    parser.add_argument("--holders", type=int, default=4, help="processes holding them (4)")
    parser.add_argument(
        "--per-connection",
        type=int,
        default=1,
        help="sessions per TCP connection (1: one connection per device, as phones have)",
    )
    parser.add_argument("--idle", type=float, default=60.0, help="idle seconds measured (60)")
    parser.add_argument("--rate", type=float, default=500.0, help="(b) messages/s (500)")
    parser.add_argument("--duration", type=float, default=20.0, help="(b) seconds measured (20)")
    parser.add_argument("--group-members", type=int, default=1000, help="(c) members (1000)")
    parser.add_argument("--fanout-messages", type=int, default=20, help="(c) messages (20)")
    parser.add_argument("--churn", type=int, default=100_000, help="(e) streams (100000)")
    parser.add_argument("--churn-checkpoint", type=int, default=10_000, help="(e) RSS every N")
    parser.add_argument("--quick", action="store_true", help="a short run for CI")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("OPENCHAT_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
    )
    args = parser.parse_args(argv)
    if args.quick:
        for name, value in QUICK.items():
            setattr(args, name, value)
    return args


@dataclass
class Report:
    """The run's findings: printed as they come, errors kept for the exit status."""

    errors: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        print(text, flush=True)

    def verdict(self, met: bool) -> str:
        return "met" if met else "MISSED"


def _rss(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / MIB


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class LoadProcess:
    """A bench.session_load process, talked to through its stdin and stdout lines."""

    def __init__(self, role: str, target: str, secret: str, result: Path, *options: str):
        self.role = role
        self.result = result
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.session_load",
                role,
                f"--target={target}",
                f"--result={result}",
                *options,
            ],
            cwd=REPOSITORY,
            env={**os.environ, SECRET_ENV: secret},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def expect(self, word: str) -> list[str]:
        """The next line, which must start with `word`; its other words."""
        stdout: IO[str] | None = self.process.stdout
        assert stdout is not None
        line = stdout.readline().split()
        if not line or line[0] != word:
            self.process.wait(LINE_DEADLINE_SECONDS)
            raise RuntimeError(
                f"{self.role} said {line!r} instead of {word!r} "
                f"(exit status {self.process.returncode})"
            )
        return line[1:]

    def tell(self, command: str) -> None:
        stdin: IO[str] | None = self.process.stdin
        assert stdin is not None
        stdin.write(command + "\n")
        stdin.flush()

    def finish(self) -> dict[str, Any]:
        self.process.wait(LINE_DEADLINE_SECONDS)
        if not self.result.exists():
            raise RuntimeError(f"{self.role} exited with {self.process.returncode} and no result")
        outcome: dict[str, Any] = json.loads(self.result.read_text())
        return outcome

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@contextmanager
def _load_processes(processes: list[LoadProcess]) -> Iterator[list[LoadProcess]]:
    try:
        yield processes
    finally:
        for process in processes:
            process.kill()


def _errors(report: Report, role: str, outcome: dict[str, Any]) -> None:
    if outcome["errors"]:
        report.errors.append(f"{role}: {outcome['errors']}")


def start_holders(
    args: argparse.Namespace, server: ServerProcess, secret: str, workdir: Path
) -> list[LoadProcess]:
    share = args.sessions // args.holders
    return [
        LoadProcess(
            "hold",
            server.target,
            secret,
            workdir / f"hold-{index}.json",
            "--prefix=idle",
            f"--first={index * share}",
            f"--count={share}",
            f"--per-connection={args.per_connection}",
        )
        for index in range(args.holders)
    ]


@dataclass(frozen=True)
class Opening:
    """(a)'s opening of the sessions: how long it took, and the server's CPU per session."""

    seconds: float
    server_ms_per_session: float
    # The server's CPU while the sessions idle (their heartbeats), in cores.
    idle_cores: float


def phase_idle(
    args: argparse.Namespace,
    server: ServerProcess,
    holders: list[LoadProcess],
    report: Report,
    *,
    baseline: float,
    started: CpuSnapshot,
) -> Opening:
    """(a): waits until every holder's sessions are open (the server's CPU counted from
    `started`, taken before the holders started), then measures the idle server."""
    share = args.sessions // args.holders
    connect_seconds = max(float(holder.expect("ready")[0]) for holder in holders)
    opened = cpu_snapshot([server.pid])
    loaded = _rss(server.pid)
    pids = [server.pid, *(holder.pid for holder in holders)]
    before = cpu_snapshot(pids)
    time.sleep(args.idle)  # the idle window is measured by the clock
    after = cpu_snapshot(pids)
    window = after.wall - before.wall
    sessions = share * args.holders
    idle_rss = _rss(server.pid)
    per_session_kib = (idle_rss - baseline) * 1024 / sessions
    server_cores = cpu_seconds(before, after, [server.pid]) / window
    holder_cores = cpu_seconds(before, after, pids[1:]) / window
    report.add(
        f"(a) {sessions:,} sessions open in {connect_seconds:.1f} s; server RSS "
        f"{baseline:.0f} MiB before, {loaded:.0f} MiB open, {idle_rss:.0f} MiB after "
        f"{window:.0f} s idle = {per_session_kib:.1f} KiB per session; server CPU at "
        f"idle {server_cores * 100:.1f} % of a core (holders {holder_cores * 100:.1f} %)"
        f"  [{report.verdict(idle_rss <= TARGET_RSS_MIB)}: <= {TARGET_RSS_MIB:g} MiB]"
    )
    return Opening(
        connect_seconds, _ms_per_session(started, opened, server, sessions), server_cores
    )


def _ms_per_session(
    before: CpuSnapshot, after: CpuSnapshot, server: ServerProcess, sessions: int
) -> float:
    return 1000 * cpu_seconds(before, after, [server.pid]) / sessions


def phase_latency(
    args: argparse.Namespace, server: ServerProcess, secret: str, workdir: Path, report: Report
) -> None:
    """(b): send-to-deliver latency at a steady rate."""
    load = LoadProcess(
        "latency",
        server.target,
        secret,
        workdir / "latency.json",
        "--prefix=lat",
        f"--rate={args.rate}",
        f"--duration={args.duration}",
    )
    with _load_processes([load]):
        outcome = load.finish()
    _errors(report, "latency", outcome)
    latencies = outcome["latencies_ms"]
    p50 = _percentile(latencies, 0.5)
    p99 = _percentile(latencies, 0.99)
    report.add(
        f"(b) {args.rate:g} msgs/s for {args.duration:g} s: {outcome['received']:,} of "
        f"{outcome['sent']:,} delivered; send-to-deliver p50 {p50:.1f} ms, p99 {p99:.1f} ms "
        f"({p99 / p50:.1f}x p50), p99.9 {_percentile(latencies, 0.999):.1f} ms, max "
        f"{max(latencies, default=0):.1f} ms"
        f"  [{report.verdict(p99 <= TARGET_LATENCY_P99_MS)}: p99 <= "
        f"{TARGET_LATENCY_P99_MS:g} ms; {report.verdict(p99 <= TARGET_P99_OVER_P50 * p50)}: "
        f"p99 <= {TARGET_P99_OVER_P50:g}x p50]"
    )


async def _alternate_sends(
    chat_target: str, floor_target: str, secret: str, receivers: int, messages: int
) -> tuple[dict[str, int], dict[str, int]]:
    """Creates the group of the receivers and one sender; then sends each message to it and,
    as the frame a member's session gets, to the floor's broadcast, alternately, so that both
    meet the machine in the same state. When each message left, for the chat and the floor."""
    sender = Device("fan-sender", issue_token(secret, "fan-sender", ttl_seconds=TOKEN_TTL_SECONDS))
    chat_sent: dict[str, int] = {}
    floor_sent: dict[str, int] = {}
    async with (
        grpc.aio.insecure_channel(chat_target) as chat,
        grpc.aio.insecure_channel(floor_target) as floor,
    ):
        member_ids = [f"fan-{index}" for index in range(receivers)]
        conversation_id = await create_group(chat, sender, member_ids, "fan-out")
        messaging = messaging_service_pb2_grpc.MessagingServiceStub(chat)
        broadcast = floor.unary_unary(
            BROADCAST_METHOD, request_serializer=bytes, response_deserializer=bytes
        )
        for number in range(messages):
            text = f"fanout-{number}"
            chat_sent[text] = time.time_ns()
            await send_text(messaging, sender, conversation_id, text, text)
            # Spaced so that each message's fan-out is measured on its own.
            await asyncio.sleep(FANOUT_SPACING_SECONDS)
            floor_sent[text] = time.time_ns()
            await broadcast(_member_frame(conversation_id, number + 1, text).SerializeToString())
            await asyncio.sleep(FANOUT_SPACING_SECONDS)
    return chat_sent, floor_sent


def _member_frame(conversation_id: str, seq: int, text: str) -> presence_service_pb2.ServerFrame:
    return presence_service_pb2.ServerFrame(
        message=message_pb2.Message(
            message_id=str(uuid.uuid4()),
            conversation_id=conversation_id,
            seq=seq,
            sender_id="fan-sender",
            client_msg_id=text,
            content=message_pb2.Content(text=text),
            server_time=timestamp_pb2.Timestamp(seconds=int(time.time())),
        )
    )


@dataclass(frozen=True)
class FanOut:
    """Per message, milliseconds from its send until its first and its last receiver had it."""

    first_ms: list[float]
    last_ms: list[float]

    @property
    def median_last(self) -> float:
        return _percentile(self.last_ms, 0.5)

    @property
    def worst(self) -> float:
        return max(self.last_ms, default=float("nan"))


def _receivers(
    args: argparse.Namespace, role: str, target: str, secret: str, workdir: Path
) -> list[LoadProcess]:
    """The group's receivers, in two `role` processes."""
    receivers = args.group_members - 1  # the sender is the other member
    halves = [receivers // 2, receivers - receivers // 2]
    return [
        LoadProcess(
            role,
            target,
            secret,
            workdir / f"{role}-{index}.json",
            "--prefix=fan",
            f"--first={index * halves[0]}",
            f"--count={count}",
            f"--messages={args.fanout_messages}",
        )
        for index, count in enumerate(halves)
    ]


def _fan_out(report: Report, loads: list[LoadProcess], sent: dict[str, int]) -> FanOut:
    arrivals: dict[str, list[int]] = {}
    for index, load in enumerate(loads):
        outcome = load.finish()
        _errors(report, f"{load.role} {index}", outcome)
        for text, times in outcome["arrivals"].items():
            arrivals.setdefault(text, []).extend(times)
    return FanOut(
        first_ms=[(min(arrivals[text]) - sent[text]) / 1e6 for text in sent if text in arrivals],
        last_ms=[(max(arrivals[text]) - sent[text]) / 1e6 for text in sent if text in arrivals],
    )


def phase_fanout(
    args: argparse.Namespace,
    server: ServerProcess,
    secret: str,
    workdir: Path,
    report: Report,
    *,
    idle_cores: float,
) -> None:
    """(c): one message to a group whose members are all online, until the last one has it;
    against its floor, measured alternately with it: bench.empty_server encoding the frame for
    as many streams and writing it to each. The server's CPU per frame leaves out what its idle
    sessions cost over the phase (`idle_cores`, as (a) measured)."""
    receivers = args.group_members - 1
    with empty_rpc_server() as (floor_server, floor_target):
        chat_loads = _receivers(args, "fanout", server.target, secret, workdir)
        floor_loads = _receivers(args, "fanout-floor", floor_target, secret, workdir)
        with _load_processes(chat_loads + floor_loads):
            for load in chat_loads + floor_loads:
                load.expect("ready")
            pids = [server.pid, floor_server.pid]
            before = cpu_snapshot(pids)
            chat_sent, floor_sent = asyncio.run(
                _alternate_sends(
                    server.target, floor_target, secret, receivers, args.fanout_messages
                )
            )
            after = cpu_snapshot(pids)
            fanout = _fan_out(report, chat_loads, chat_sent)
            floor = _fan_out(report, floor_loads, floor_sent)
    frames = args.fanout_messages * receivers
    idle_seconds = idle_cores * (after.wall - before.wall)
    chat_us = 1e6 * (cpu_seconds(before, after, [server.pid]) - idle_seconds) / frames
    floor_us = 1e6 * cpu_seconds(before, after, [floor_server.pid]) / frames
    ratio = fanout.median_last / floor.median_last
    report.add(
        f"(c) {args.fanout_messages} messages to a {args.group_members:,}-member group, "
        f"all online: first member after {_percentile(fanout.first_ms, 0.5):.1f} ms (median), "
        f"last member after {fanout.median_last:.1f} ms (median), {fanout.worst:.1f} ms "
        f"(worst); its floor, grpc.aio encoding and writing the frame to {receivers:,} "
        f"streams, alternately: last after {floor.median_last:.1f} ms (median), "
        f"{floor.worst:.1f} ms (worst); {ratio:.2f}x the floor (median), "
        f"{fanout.worst / floor.worst:.2f}x (worst); server CPU per frame {chat_us:.0f} us "
        f"beyond its idle sessions' share, "
        f"the floor's {floor_us:.0f} us ({chat_us / floor_us:.2f}x)"
        f"  [{report.verdict(ratio <= TARGET_FANOUT_OVER_FLOOR)}: <= "
        f"{TARGET_FANOUT_OVER_FLOOR:g}x the floor]"
    )


def phase_storm(
    holders: list[LoadProcess],
    server: ServerProcess,
    report: Report,
    sessions: int,
    fresh: Opening,
) -> None:
    """(d): every idle session drops at once and comes back; compared with opening them fresh
    in (a). The server's CPU per session is compared too: on one machine the load processes
    share the cores with the server, so the storm's length also measures the clients."""
    before = _rss(server.pid)
    pushbacks_before = server.metric_sum("openchat_session_pushbacks_total")
    cpu_before = cpu_snapshot([server.pid])
    for holder in holders:
        holder.tell("storm")
    answers = [holder.expect("storm") for holder in holders]
    server_ms = _ms_per_session(cpu_before, cpu_snapshot([server.pid]), server, sessions)
    back = max(float(answer[0]) for answer in answers)
    synced = max(float(answer[1]) for answer in answers)
    attempts = sum(int(answer[2]) for answer in answers)
    pushbacks = server.metric_sum("openchat_session_pushbacks_total") - pushbacks_before
    report.add(
        f"(d) reconnect storm of {sessions:,}: all back after {back:.1f} s, all synced "
        f"after {synced:.1f} s ({synced / fresh.seconds:.2f}x opening them fresh in (a)), "
        f"{attempts:,} connection attempts ({pushbacks:,.0f} pushed back); server RSS "
        f"{before:.0f} -> {_rss(server.pid):.0f} MiB; server CPU {server_ms:.2f} ms per session "
        f"({server_ms / fresh.server_ms_per_session:.2f}x the "
        f"{fresh.server_ms_per_session:.2f} ms of (a))"
        f"  [{report.verdict(synced <= TARGET_STORM_SECONDS)}: <= "
        f"{TARGET_STORM_SECONDS:g} s; {report.verdict(synced <= fresh.seconds)}: <= (a)]"
    )


def _collections(server: ServerProcess, generation: int) -> tuple[float, float]:
    """How many garbage collections of a generation the server made so far, and the seconds
    its event loop stood still for them."""
    return (
        server.metric_sum("openchat_gc_pause_seconds_count", generation=str(generation)),
        server.metric_sum("openchat_gc_pause_seconds_sum", generation=str(generation)),
    )


# The lag histogram's bucket bounds the report counts the lags above.
LAG_BOUNDS = ("0.05", "0.25", "1.0")


def _lags(server: ServerProcess) -> list[float]:
    """How many lags of the server's event loop were measured so far, then how many of them
    were within each of LAG_BOUNDS."""
    name = "openchat_event_loop_lag_seconds"
    samples = server.scrape()  # one scrape: the loop keeps measuring meanwhile
    return [
        metric_sum(samples, f"{name}_count"),
        *(metric_sum(samples, f"{name}_bucket", le=bound) for bound in LAG_BOUNDS),
    ]


@contextmanager
def _pauses(server: ServerProcess, report: Report, phase: str) -> Iterator[None]:
    """Reports the server's event-loop pauses during a phase: how often its loop ran late by
    more than 50 ms, 250 ms, 1 s (openchat_event_loop_lag_seconds, whatever the cause), and
    its garbage collections by generation, which stop the loop for as long as they take
    (docs/benchmarks.md)."""
    lags_before = _lags(server)
    before = [_collections(server, generation) for generation in (2, 1, 0)]
    yield
    lags = [now - then for now, then in zip(_lags(server), lags_before, strict=True)]
    late = ", ".join(
        f"> {float(bound) * 1000:g} ms: {lags[0] - within:.0f}"
        for bound, within in zip(LAG_BOUNDS, lags[1:], strict=True)
    )
    report.add(
        f"    {phase}: event-loop lag measured {lags[0]:.0f} times; {late}"
        f"  [{report.verdict(lags[0] == lags[1])}: none > {TARGET_PAUSE_SECONDS * 1000:g} ms]"
    )
    after = [_collections(server, generation) for generation in (2, 1, 0)]
    (full, full_seconds), (middle, middle_seconds), (young, young_seconds) = (
        (count - count_before, seconds - seconds_before)
        for (count, seconds), (count_before, seconds_before) in zip(after, before, strict=True)
    )
    report.add(
        f"    {phase}: garbage collections in the server: {full:.0f} full ({full_seconds:.2f} s "
        f"paused), {middle:.0f} middle ({middle_seconds:.2f} s), {young:.0f} young "
        f"({young_seconds:.2f} s)"
    )


def phase_churn(
    args: argparse.Namespace, server: ServerProcess, secret: str, workdir: Path, report: Report
) -> None:
    """(e): many short sessions; RSS at every checkpoint."""
    start = _rss(server.pid)
    load = LoadProcess(
        "churn",
        server.target,
        secret,
        workdir / "churn.json",
        "--prefix=churn",
        f"--cycles={args.churn}",
        f"--checkpoint={args.churn_checkpoint}",
    )
    samples: list[tuple[int, float]] = []
    with _load_processes([load]):
        for _ in range(args.churn // args.churn_checkpoint):
            cycles = int(load.expect("cycles")[0])
            samples.append((cycles, _rss(server.pid)))
        outcome = load.finish()
    _errors(report, "churn", outcome)
    # The first checkpoint is the reference: the allocator's pools and grpc's caches grow to
    # their working size during the first cycles, which is not a leak.
    reference = samples[0][1]
    final = samples[-1][1]
    growth = (final - reference) / reference
    per_stream = (final - reference) * MIB / max(1, outcome["cycles"] - samples[0][0])
    rate = outcome["cycles"] / outcome["seconds"]
    trail = ", ".join(f"{cycles // 1000}k: {rss:.0f}" for cycles, rss in samples)
    report.add(
        f"(e) churn of {outcome['cycles']:,} streams ({rate:,.0f}/s): server RSS "
        f"{start:.0f} MiB at start; MiB at {trail}; growth after the first checkpoint "
        f"{growth * 100:+.1f} % ({per_stream:.0f} bytes per stream)"
        f"  [{report.verdict(growth <= TARGET_CHURN_GROWTH)}: < "
        f"{TARGET_CHURN_GROWTH * 100:g} %]"
    )


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    report = Report()
    secret = secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory(prefix="openchat-bench-sessions-") as name:
        workdir = Path(name)
        with ExitStack() as stack:
            database = stack.enter_context(
                temporary_database(args.backend, workdir, args.postgres_url)
            )
            server = stack.enter_context(
                running_server(database, secret, workdir / "server.log", SERVER_ENV)
            )
            baseline = _rss(server.pid)
            started = cpu_snapshot([server.pid])
            holders = stack.enter_context(
                _load_processes(start_holders(args, server, secret, workdir))
            )
            with _pauses(server, report, "(a)"):
                fresh = phase_idle(
                    args, server, holders, report, baseline=baseline, started=started
                )
            with _pauses(server, report, "(b)"):
                phase_latency(args, server, secret, workdir, report)
            with _pauses(server, report, "(c)"):
                phase_fanout(args, server, secret, workdir, report, idle_cores=fresh.idle_cores)
            with _pauses(server, report, "(d)"):
                phase_storm(holders, server, report, args.sessions, fresh)
            for holder in holders:
                holder.tell("stop")
            for index, holder in enumerate(holders):
                _errors(report, f"holder {index}", holder.finish())
        churn_dir = workdir / "churn"
        churn_dir.mkdir()
        with (
            temporary_database(args.backend, churn_dir, args.postgres_url) as database,
            running_server(database, secret, churn_dir / "server.log", SERVER_ENV) as server,
        ):
            phase_churn(args, server, secret, churn_dir, report)
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
