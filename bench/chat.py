"""The chat benchmark (`make bench-chat`): what the server spends per message on the workload of
every chat app, as a ratio to an empty gRPC call measured in the same run.

Phases, each on a fresh database and a fresh server (as bench.send_bench starts them):

- calibration: bench.empty_server (grpc.aio on uvloop, one method answering empty bytes, no
  interceptors) driven by `--pairs` closed-loop callers from a load process: the server CPU per
  call is the floor under every RPC on this machine today;
- relay: the same server relaying bytes in the chat's gRPC shape (a unary call from the sender,
  a frame written to the recipient's stream, an ack frame read back), `--pairs` of each: what
  grpc.aio alone costs a chat message, so that what OpenChat adds shows apart from it;
- chat, per backend, with push notifications off (`OPENCHAT_PUSH_PROVIDER=none`) and on as
  `make run` has them (`log`): `--pairs` senders each sending closed loop to a recipient whose
  session stream is open on its own connection and who acknowledges every delivery
  (bench.chat_load). Server settings are the defaults otherwise.

It prints msgs/s, ack and send-to-deliver latencies, the server's CPU per message and its ratio
to the empty call's, and what push costs over push off.

With `--rounds N` (default 1) the calibration and the chat phases run N times, push off and on
in alternating order, and the report ends with the medians over the rounds of each ratio (every
ratio taken within its round). On a shared machine one phase can run 20 % slower than the next
for no reason of its own: push on over push off measured +22 % in one run and -15 % in the next,
where the push sweeper's own work is 3 % of the server's samples.

Any error (a failed send, a message acked but not delivered) fails the run with exit status 1;
targets only show in the report, since a shared machine makes even ratios move a little.

With `--profile`, py-spy samples each chat phase's server over its measured window and a
summary of where the time went follows the report (the collapsed stacks stay in
`--output-dir`, for speedscope).

    python -m bench.chat [--backend sqlite|postgresql|both] [--quick] [--rounds N] [--profile] ...
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.environment import (
    DEFAULT_POSTGRES_URL,
    STOP_DEADLINE_SECONDS,
    cpu_seconds,
    cpu_snapshot,
    expect_line,
    free_port,
    running_server,
    temporary_database,
)
from bench.load import SECRET_ENV
from bench.profiling import start_profiler, summarize

REPOSITORY = Path(__file__).resolve().parents[1]
QUICK = {"warmup": 2.0, "duration": 5.0}
# issue 12's targets, as ratios measured in one run.
TARGET_CPU_RATIO = 3.0  # server CPU per chat message / per empty RPC
TARGET_PUSH_OVERHEAD = 0.10  # push on over push off, every recipient online
CALIBRATIONS = {"calibrate": "empty grpc.aio RPC", "relay": "grpc.aio relay"}


@dataclass(frozen=True)
class Phase:
    """One measured phase: what it was and what the load and the CPU accounting saw."""

    name: str
    window_seconds: float
    calls: int
    call_ms: list[float]
    deliver_ms: list[float]
    errors: dict[str, int]
    server_cpu: float
    database_cpu: float

    @property
    def rate(self) -> float:
        return self.calls / self.window_seconds

    @property
    def server_ms_per_call(self) -> float:
        return 1000 * self.server_cpu / max(self.calls, 1)

    @property
    def database_ms_per_call(self) -> float:
        return 1000 * self.database_cpu / max(self.calls, 1)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (NaN for no values)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.chat",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--pairs", type=int, default=20, help="senders, and as many recipients (20)"
    )
    parser.add_argument("--text-bytes", type=int, default=200, help="message text size (200)")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds (20)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring (5)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="calibration and chat phases this many times, push off and on alternating (1)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"short run for CI: {QUICK['warmup']:g} s warm-up, {QUICK['duration']:g} s measured",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("OPENCHAT_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="PostgreSQL server on which a temporary database is created and dropped",
    )
    parser.add_argument(
        "--profile", action="store_true", help="py-spy each chat phase's server (see above)"
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=REPOSITORY / "bench-results",
        help="where --profile saves the servers' collapsed stacks (bench-results/)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.warmup, args.duration = QUICK["warmup"], QUICK["duration"]
    return args


def _load_command(args: argparse.Namespace, role: str, target: str, result: Path) -> list[str]:
    return [
        sys.executable, "-m", "bench.chat_load", role, f"--target={target}",
        f"--pairs={args.pairs}", f"--callers={args.pairs}", f"--text-bytes={args.text_bytes}",
        f"--warmup={args.warmup}", f"--duration={args.duration}", f"--result={result}",
    ]  # fmt: skip


def _measure(
    args: argparse.Namespace,
    *,
    name: str,
    role: str,
    target: str,
    server_pid: int,
    database_pids: list[int],
    result_path: Path,
    env: dict[str, str],
    profile_path: Path | None = None,
) -> Phase:
    """Runs one load process against the server and accounts the CPU of its window (and
    profiles the server over it into `profile_path`, when given)."""
    load = subprocess.Popen(
        _load_command(args, role, target, result_path),
        cwd=REPOSITORY,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert load.stdout is not None
    try:
        expect_line(load.stdout, "measuring")
        before = cpu_snapshot([server_pid, *database_pids])
        profiler = (
            None
            if profile_path is None
            else start_profiler(server_pid, args.duration, profile_path)
        )
        expect_line(load.stdout, "measured")
        after = cpu_snapshot([server_pid, *database_pids])
    finally:
        load.wait()
    if not result_path.exists():
        raise RuntimeError(f"the {name} load exited with {load.returncode} and no result")
    outcome = json.loads(result_path.read_text())
    if profiler is not None and profile_path is not None:
        _, problems = profiler.communicate()
        if profiler.returncode == 0:
            print(f"\n== where the server's time goes: {name} ({profile_path}) ==")
            print(summarize(profile_path, outcome["calls"]))
        else:
            print(f"py-spy failed: {problems.decode(errors='replace')}", file=sys.stderr)
    return Phase(
        name=name,
        window_seconds=outcome["window_seconds"],
        calls=outcome["calls"],
        call_ms=outcome["call_ms"],
        deliver_ms=outcome["deliver_ms"],
        errors=outcome["errors"],
        server_cpu=cpu_seconds(before, after, [server_pid]),
        database_cpu=cpu_seconds(before, after, database_pids),
    )


@contextlib.contextmanager
def empty_rpc_server(registered_methods: int = 0) -> Iterator[tuple[subprocess.Popen[str], str]]:
    target = f"127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "bench.empty_server", f"--listen={target}"]
    server = subprocess.Popen(
        [*command, f"--registered-methods={registered_methods}"],
        cwd=REPOSITORY,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    try:
        expect_line(server.stdout, "serving")
        yield server, target
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(STOP_DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def calibrate(
    args: argparse.Namespace,
    workdir: Path,
    role: str = "calibrate",
    *,
    registered_methods: int = 0,
) -> Phase:
    """The empty call's server CPU per call, with `args.pairs` closed-loop callers (or, with
    role `relay`, per message relayed in the chat's gRPC shape)."""
    with empty_rpc_server(registered_methods) as (server, target):
        return _measure(
            args, name=CALIBRATIONS[role], role=role, target=target, server_pid=server.pid,
            database_pids=[], result_path=workdir / f"{role}.json", env=dict(os.environ),
        )  # fmt: skip


def calibrate_callers(
    callers: int,
    *,
    warmup: float,
    duration: float,
    workdir: Path,
    registered_methods: int = 0,
) -> Phase:
    """calibrate() for another benchmark: `callers` closed-loop callers, its warm-up and window."""
    shape = argparse.Namespace(pairs=callers, text_bytes=0, warmup=warmup, duration=duration)
    return calibrate(shape, workdir, registered_methods=registered_methods)


def chat(args: argparse.Namespace, backend: str, push: str, workdir: Path) -> Phase:
    secret = secrets.token_urlsafe(32)
    name = _phase_name(backend, push)
    with (
        temporary_database(backend, workdir, args.postgres_url) as database,
        running_server(
            database, secret, workdir / f"server-{backend}-{push}.log",
            {"OPENCHAT_PUSH_PROVIDER": push},
        ) as server,
    ):  # fmt: skip
        return _measure(
            args, name=name, role="chat", target=server.target, server_pid=server.pid,
            database_pids=database.backend_pids(),
            result_path=workdir / f"chat-{backend}-{push}.json",
            env={**os.environ, SECRET_ENV: secret},
            profile_path=(
                args.output_dir / f"profile-chat-{backend}-{push}.txt" if args.profile else None
            ),
        )  # fmt: skip


@dataclass(frozen=True)
class Round:
    """One calibration and the chat phases measured after it."""

    floor: Phase
    relay: Phase
    phases: list[Phase]

    def ratio(self, phase: Phase) -> float:
        """The phase's server CPU per message over the empty call's, in this round."""
        return phase.server_ms_per_call / self.floor.server_ms_per_call

    def over_relay(self, phase: Phase) -> float:
        """The phase's server CPU per message over grpc.aio's alone for the same shape."""
        return phase.server_ms_per_call / self.relay.server_ms_per_call

    def push_overhead(self, backend: str) -> float:
        """What push on costs over push off, per message, in this round."""
        by_name = {phase.name: phase for phase in self.phases}
        off, on = by_name[_phase_name(backend, "none")], by_name[_phase_name(backend, "log")]
        return on.server_ms_per_call / off.server_ms_per_call - 1


def report(args: argparse.Namespace, rounds: list[Round]) -> str:
    lines = [
        f"Chat workload: {args.pairs} senders → {args.pairs} online recipients (acking each "
        f"delivery), {args.text_bytes}-byte texts, {args.warmup:g} s warm-up, "
        f"{args.duration:g} s measured; server defaults but OPENCHAT_PUSH_PROVIDER",
    ]
    for number, measured in enumerate(rounds, start=1):
        lines += _round_report(args, measured, f"round {number}: " if len(rounds) > 1 else "")
    if len(rounds) > 1:
        lines += ["", f"Medians over {len(rounds)} rounds (each ratio taken within its round):"]
        relays = [measured.ratio(measured.relay) for measured in rounds]
        lines.append(
            f"{'grpc.aio relay':<26}{statistics.median(relays):>6.1f}x the empty RPC "
            f"(rounds: {', '.join(f'{ratio:.1f}x' for ratio in relays)})"
        )
        for index, phase in enumerate(rounds[0].phases):
            ratios = [measured.ratio(measured.phases[index]) for measured in rounds]
            over_relay = statistics.median(
                measured.over_relay(measured.phases[index]) for measured in rounds
            )
            lines.append(
                f"{phase.name:<26}{statistics.median(ratios):>6.1f}x the empty RPC, "
                f"{over_relay:.1f}x the relay "
                f"(rounds: {', '.join(f'{ratio:.1f}x' for ratio in ratios)})  "
                f"{_verdict(statistics.median(ratios) <= TARGET_CPU_RATIO)} "
                f"(≤ {TARGET_CPU_RATIO:g}x)"
            )
        for backend in _backends(args):
            overheads = [measured.push_overhead(backend) for measured in rounds]
            lines.append(
                _push_line(backend, statistics.median(overheads))
                + f" (rounds: {', '.join(f'{overhead:+.0%}' for overhead in overheads)})"
            )
    return "\n".join(lines)


def _round_report(args: argparse.Namespace, measured: Round, label: str) -> list[str]:
    floor = measured.floor
    lines = [
        f"{label}baseline: {floor.name}, {args.pairs} callers: {floor.rate:,.0f} RPC/s, "
        f"server CPU {floor.server_ms_per_call:.3f} ms per call",
        "",
        f"{'phase':<26}{'msgs/s':>8}{'ack p50':>9}{'ack p99':>9}{'dlv p50':>9}{'dlv p99':>9}"
        f"{'server ms/msg':>15}{'x empty RPC':>13}{'x relay':>9}{'PG ms/msg':>11}{'errors':>8}",
    ]
    for phase in [measured.relay, *measured.phases]:
        ratio = measured.ratio(phase)
        target = (
            ""
            if phase is measured.relay
            else f"  {_verdict(ratio <= TARGET_CPU_RATIO)} (≤ {TARGET_CPU_RATIO:g}x)"
        )
        lines.append(
            f"{phase.name:<26}{phase.rate:>8,.0f}{percentile(phase.call_ms, 0.5):>9.1f}"
            f"{percentile(phase.call_ms, 0.99):>9.1f}{percentile(phase.deliver_ms, 0.5):>9.1f}"
            f"{percentile(phase.deliver_ms, 0.99):>9.1f}{phase.server_ms_per_call:>15.3f}"
            f"{ratio:>12.1f}x{measured.over_relay(phase):>8.1f}x"
            f"{phase.database_ms_per_call:>11.3f}{sum(phase.errors.values()):>8}{target}"
        )
        if phase.errors:
            lines.append(f"  errors: {phase.errors}")
    lines += [_push_line(backend, measured.push_overhead(backend)) for backend in _backends(args)]
    return [*lines, ""]


def _push_line(backend: str, overhead: float) -> str:
    return (
        f"push on over push off ({backend}, every recipient online): {overhead:+.0%} server "
        f"CPU per message  {_verdict(overhead <= TARGET_PUSH_OVERHEAD)} "
        f"(≤ {TARGET_PUSH_OVERHEAD:+.0%})"
    )


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _phase_name(backend: str, push: str) -> str:
    return f"chat {backend}, push {push}"


def _backends(args: argparse.Namespace) -> list[str]:
    return ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if args.profile:
        args.output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="openchat-chat-bench-") as directory:
        workdir = Path(directory)
        rounds = [_round(args, workdir, number) for number in range(args.rounds)]
    print()
    print(report(args, rounds))
    failed = any(
        phase.errors
        for measured in rounds
        for phase in [measured.floor, measured.relay, *measured.phases]
    )
    return 1 if failed else 0


def _round(args: argparse.Namespace, workdir: Path, number: int) -> Round:
    """The calibration, then each backend's chat phases: push off first in even rounds and
    push on first in odd ones, so that a machine slowing down over a run favours neither. The
    phases are reported in one order (off, on) whichever ran first."""
    floor, relay = calibrate(args, workdir), calibrate(args, workdir, "relay")
    order = ("none", "log") if number % 2 == 0 else ("log", "none")
    measured = {
        (backend, push): chat(args, backend, push, workdir)
        for backend in _backends(args)
        for push in order
    }
    return Round(
        floor,
        relay,
        [measured[(backend, push)] for backend in _backends(args) for push in ("none", "log")],
    )


if __name__ == "__main__":
    sys.exit(main())
