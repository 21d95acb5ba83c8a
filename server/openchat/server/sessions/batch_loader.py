"""Concurrent lookups by key, coalesced into batched calls.

Ten thousand sessions make hundreds of small reads a second (a watermark for every pong; the
heads and first pages of a catch-up for every hello, all at once in a reconnect storm). One
query costs 0.5-1 ms of the server's CPU however few rows it returns, so they are batched: one
call is in flight at a time, and the keys asked for meanwhile form the next batch, as the group
commit does for writes. Under light load a lookup runs at once, alone; under heavy load batches
grow and the cost per lookup falls. Equal keys asked together share one result (the members of
a group resuming from the same seq read its messages once). Where a lookup may wait a little,
`linger` lets a batch gather for that long first: pongs, spread evenly over the heartbeat
interval, rarely overlap, so without it nearly every pong would pay for a query of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BatchLoader(Generic[K, V]):
    """`await loader.get(key)` through `load(keys)`, which returns a value for every key."""

    def __init__(
        self,
        load: Callable[[Sequence[K]], Awaitable[Mapping[K, V]]],
        *,
        max_batch: int = 500,
        linger: float = 0.0,
    ) -> None:
        self._load = load
        self._max_batch = max_batch
        self._linger = linger
        self._pending: dict[K, asyncio.Future[V]] = {}
        self._runner: asyncio.Task[None] | None = None

    async def get(self, key: K) -> V:
        future = self._pending.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            # A failure nobody awaits any more (its callers were cancelled) is not news.
            future.add_done_callback(_consume_exception)
            self._pending[key] = future
        if self._runner is None:
            self._runner = asyncio.create_task(self._run(), name="batch-loader")
        # Shielded: one caller giving up must not cancel the others' shared result.
        return await asyncio.shield(future)

    async def _run(self) -> None:
        batch: dict[K, asyncio.Future[V]] = {}
        try:
            while self._pending:
                if self._linger:
                    await asyncio.sleep(self._linger)
                keys = list(self._pending)[: self._max_batch]
                batch = {key: self._pending.pop(key) for key in keys}
                try:
                    values = await self._load(keys)
                except Exception as error:  # noqa: BLE001 - every caller gets the failure
                    for future in batch.values():
                        future.set_exception(error)
                    continue
                for key, future in batch.items():
                    future.set_result(values[key])
        except asyncio.CancelledError:
            # The server is stopping: nobody waits forever for a batch that will not run.
            for future in [*batch.values(), *self._pending.values()]:
                future.cancel()
            self._pending.clear()
            raise
        finally:
            self._runner = None


def _consume_exception(future: asyncio.Future[Any]) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        future.exception()
