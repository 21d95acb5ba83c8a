"""A session-stream client in a process of its own, so tests can freeze it (SIGSTOP) or kill
it (SIGKILL) like a phone that loses power. It prints "welcome" once its session is open, then
pings every --interval seconds until it is stopped.

    python -m tests.support.pinging_client TARGET TOKEN DEVICE_ID [--interval SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator

import grpc

from openchat.v1 import presence_service_pb2 as pb
from openchat.v1 import presence_service_pb2_grpc


async def frames(device_id: str, interval: float) -> AsyncIterator[pb.ClientFrame]:
    yield pb.ClientFrame(hello=pb.Hello(device_id=device_id))
    nonce = 0
    while True:
        await asyncio.sleep(interval)  # the client's own heartbeat period
        nonce += 1
        yield pb.ClientFrame(ping=pb.Ping(nonce=nonce))


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("target")
    parser.add_argument("token")
    parser.add_argument("device_id")
    parser.add_argument("--interval", type=float, default=0.2)
    args = parser.parse_args()
    async with grpc.aio.insecure_channel(args.target) as channel:
        stub = presence_service_pb2_grpc.PresenceServiceStub(channel)
        call = stub.Connect(
            frames(args.device_id, args.interval),
            metadata=(("authorization", f"Bearer {args.token}"),),
        )
        async for frame in call:
            if frame.WhichOneof("frame") == "welcome":
                print("welcome", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
