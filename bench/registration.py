"""Why the server registers its services as generic handlers only: `python -m bench.registration`.

grpc.aio's server keeps one pending request per registered method (plus one for every generic
method) and awaits them all with asyncio.wait each time it accepts a call. Generated code
registers every method of a service that way, so the cost of accepting a call grows with the
number of methods the server has (30 with OpenChat's services and health: 31 pending requests).
transport/server.py passes on the generic handlers only.

This runs the empty-call calibration of the chat benchmark (bench.empty_server, closed-loop
callers in a separate process) alternately with generic handlers only and with the methods
registered as well, with placeholders up to `--registered-methods`, and prints the server CPU
per call of each and their ratio per round and over the rounds (median). Rerun it on a new
grpcio: once the ratio is ~1.0x, registering the methods costs nothing and the workaround can go.

    python -m bench.registration [--rounds N] [--registered-methods N] [--callers N] ...
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from bench.chat import calibrate_callers

# OpenChat's server: 28 methods in its six services, 2 in health (reflection is generic).
OPENCHAT_REGISTERED_METHODS = 30


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.registration", description=__doc__)
    parser.add_argument("--rounds", type=int, default=4, help="alternating pairs of phases (4)")
    parser.add_argument(
        "--registered-methods",
        type=int,
        default=OPENCHAT_REGISTERED_METHODS,
        help=f"registered methods in all, the calibration's own and placeholders "
        f"({OPENCHAT_REGISTERED_METHODS}, as OpenChat's server would have)",
    )
    parser.add_argument("--callers", type=int, default=20, help="closed-loop callers (20)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before measuring (1)")
    parser.add_argument("--duration", type=float, default=8.0, help="measured seconds (8)")
    args = parser.parse_args(argv)

    ratios: list[float] = []
    cpu_ms: dict[str, list[float]] = {"generic": [], "registered": []}
    with tempfile.TemporaryDirectory(prefix="openchat-registration-") as directory:
        workdir = Path(directory)
        for round_index in range(args.rounds):
            # Alternate which goes first: a shared machine drifts within a round too.
            order = ("generic", "registered") if round_index % 2 == 0 else ("registered", "generic")
            measured = {}
            for kind in order:
                phase = calibrate_callers(
                    args.callers,
                    warmup=args.warmup,
                    duration=args.duration,
                    workdir=workdir,
                    registered_methods=args.registered_methods if kind == "registered" else 0,
                )
                if sum(phase.errors.values()):
                    print(f"{kind}: calls failed: {phase.errors}", file=sys.stderr)
                    return 1
                measured[kind] = phase.server_ms_per_call
                cpu_ms[kind].append(phase.server_ms_per_call)
            ratios.append(measured["registered"] / measured["generic"])
            print(
                f"round {round_index + 1}: generic {measured['generic'] * 1000:.0f} us, "
                f"{args.registered_methods} registered "
                f"{measured['registered'] * 1000:.0f} us of server CPU per empty call: "
                f"{ratios[-1]:.2f}x",
                flush=True,
            )
    generic_us, registered_us = (statistics.median(cpu_ms[kind]) * 1000 for kind in cpu_ms)
    print(
        f"median over {args.rounds} rounds: generic {generic_us:.0f} us, registered "
        f"{registered_us:.0f} us per call; registered / generic {statistics.median(ratios):.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
