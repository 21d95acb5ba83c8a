"""The calibration server of the chat benchmark: `python -m bench.empty_server --listen ADDR`.

A grpc.aio server on uvloop with one method, `/bench.Empty/Call`, that answers empty bytes: no
interceptors, no (de)serialization, no work. What it costs per call is the floor that gRPC, the
event loop and the kernel put under every OpenChat RPC on this machine today, so the benchmark
divides OpenChat's cost by it (docs/benchmarks.md explains why absolute numbers move 2x from day
to day here). It prints `serving` once it listens and stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

import grpc
import uvloop

SERVICE = "bench.Empty"
METHOD = f"/{SERVICE}/Call"


async def _empty(_request: bytes, _context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
    return b""


async def serve(listen: str) -> None:
    server = grpc.aio.server()
    handler = grpc.method_handlers_generic_handler(
        SERVICE, {"Call": grpc.unary_unary_rpc_method_handler(_empty)}
    )
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(listen)
    await server.start()
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    print("serving", flush=True)
    await stopping.wait()
    await server.stop(grace=None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.empty_server", description=__doc__)
    parser.add_argument("--listen", required=True, help="HOST:PORT to listen on")
    args = parser.parse_args(argv)
    uvloop.run(serve(args.listen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
