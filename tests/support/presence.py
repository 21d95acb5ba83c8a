"""Presence helpers for tests: watching users and waiting for their presence to change."""

from __future__ import annotations

import asyncio

from openchat.v1 import presence_pb2, presence_service_pb2
from tests.support.streams import StreamClient


async def watch(stream: StreamClient, *user_ids: str) -> list[presence_pb2.Presence]:
    await stream.send(
        presence_service_pb2.ClientFrame(
            watch_presence=presence_service_pb2.WatchPresence(user_ids=list(user_ids))
        )
    )
    return [(await stream.next("presence", skip=())).presence for _ in user_ids]


async def presence_until(
    stream: StreamClient, user_id: str, *, online: bool, within: float = 10.0
) -> presence_pb2.Presence:
    """Presence frames of `user_id` until one says `online`; returns it."""
    async with asyncio.timeout(within):
        while True:
            presence = (await stream.next("presence", within=within)).presence
            if presence.user_id == user_id and presence.online == online:
                return presence


async def keep_pinging(stream: StreamClient) -> None:
    """Ping like a live client (the watcher must not time out itself)."""
    nonce = 0
    while True:
        nonce += 1
        await stream.send(
            presence_service_pb2.ClientFrame(ping=presence_service_pb2.Ping(nonce=nonce))
        )
        await asyncio.sleep(0.3)  # the client's own heartbeat period
