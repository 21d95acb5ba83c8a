"""The calibration server of the chat benchmark: `python -m bench.empty_server --listen ADDR`.

A grpc.aio server on uvloop with no interceptors and no work, which (de)serializes nothing
but the fan-out floor's frames:

- `/bench.Empty/Call` answers empty bytes. What it costs per call is the floor that gRPC, the
  event loop and the kernel put under every OpenChat RPC on this machine today, so the
  benchmarks divide OpenChat's cost by it (docs/benchmarks.md explains why absolute numbers move
  2x from day to day here).
- `/bench.Empty/Relay` and `/bench.Empty/Forward` are the gRPC shape of a chat message without
  the chat: a recipient holds a Relay stream whose first frame names it (the server answers an
  empty frame once it may receive); a sender's Forward call carries `name|payload`, which the
  server writes to that stream and answers empty bytes; the recipient writes one frame back
  per payload (its delivery ack), which the server reads and drops. One unary call, one frame
  written and one read per message: what grpc.aio alone costs a chat message, so the report
  can tell it apart from what OpenChat adds.
- `/bench.Empty/Broadcast` is the floor of a group's fan-out: its request is an encoded
  `openchat.v1.ServerFrame`, which the server decodes once and writes to every open Relay
  stream, encoding it for each as OpenChat encodes a frame for each member's stream; it answers
  empty bytes once every frame is queued.

With `--registered-methods N` the server also registers N methods, its own and placeholders, the
way generated code registers a service's (add_registered_method_handlers): bench.registration
compares the two (docs/benchmarks.md).

It prints `serving` once it listens and stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import AsyncIterator

import grpc
import uvloop

from openchat.v1.presence_service_pb2 import ServerFrame

SERVICE = "bench.Empty"
METHOD = f"/{SERVICE}/Call"
RELAY_METHOD = f"/{SERVICE}/Relay"
FORWARD_METHOD = f"/{SERVICE}/Forward"
BROADCAST_METHOD = f"/{SERVICE}/Broadcast"
# Separates the recipient's name from the payload in a Forward request.
NAME_END = b"|"


async def _empty(_request: bytes, _context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
    return b""


# What a Relay stream writes: forwarded bytes as they are, broadcast frames still to encode.
Outgoing = bytes | ServerFrame


def _encode(item: Outgoing) -> bytes:
    return item if isinstance(item, bytes) else item.SerializeToString()


class Relay:
    """The open Relay streams by recipient name, each fed by a queue of what to write."""

    def __init__(self) -> None:
        self._outboxes: dict[bytes, asyncio.Queue[Outgoing]] = {}

    async def forward(
        self, request: bytes, _context: grpc.aio.ServicerContext[bytes, bytes]
    ) -> bytes:
        name, _, payload = request.partition(NAME_END)
        self._outboxes[name].put_nowait(payload)
        return b""

    async def broadcast(
        self, request: bytes, _context: grpc.aio.ServicerContext[bytes, bytes]
    ) -> bytes:
        frame = ServerFrame.FromString(request)
        for outbox in self._outboxes.values():
            outbox.put_nowait(frame)
        return b""

    async def relay(
        self, requests: AsyncIterator[bytes], _context: grpc.aio.ServicerContext[bytes, Outgoing]
    ) -> AsyncIterator[Outgoing]:
        name = await anext(requests)
        outbox = self._outboxes[name] = asyncio.Queue()
        acks = asyncio.create_task(self._drop(requests))
        try:
            yield b""  # the welcome: forwards to `name` may start
            while True:
                yield await outbox.get()
        finally:
            acks.cancel()
            del self._outboxes[name]

    @staticmethod
    async def _drop(requests: AsyncIterator[bytes]) -> None:
        async for _ack in requests:
            pass


async def serve(listen: str, registered_methods: int) -> None:
    server = grpc.aio.server()
    relay = Relay()
    handlers = {
        "Call": grpc.unary_unary_rpc_method_handler(_empty),
        "Forward": grpc.unary_unary_rpc_method_handler(relay.forward),
        "Broadcast": grpc.unary_unary_rpc_method_handler(relay.broadcast),
        "Relay": grpc.stream_stream_rpc_method_handler(relay.relay, response_serializer=_encode),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    if registered_methods:
        placeholders = {
            f"Placeholder{index}": grpc.unary_unary_rpc_method_handler(_empty)
            for index in range(registered_methods - len(handlers))
        }
        server.add_registered_method_handlers(SERVICE, handlers | placeholders)  # type: ignore[attr-defined]  # grpc-stubs lag
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
    parser.add_argument(
        "--registered-methods",
        type=int,
        default=0,
        help="also register this many methods, its own and placeholders, as registered (0)",
    )
    args = parser.parse_args(argv)
    uvloop.run(serve(args.listen, args.registered_methods))
    return 0


if __name__ == "__main__":
    sys.exit(main())
