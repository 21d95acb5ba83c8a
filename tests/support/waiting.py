"""Waiting with a deadline: for things that arrive (Arrivals: woken by each arrival), and for
conditions that nothing announces (until: a row in the database, a key in Redis, polled)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")

DEFAULT_WAIT = 10.0
POLL_INTERVAL = 0.02


async def until(
    probe: Callable[[], Awaitable[T | None]],
    within: float = DEFAULT_WAIT,
    interval: float = POLL_INTERVAL,
) -> T:
    """Call `probe` until it returns something truthy, and return that; raise TimeoutError
    when it has not after `within` seconds."""
    async with asyncio.timeout(within):
        while True:
            if result := await probe():
                return result
            await asyncio.sleep(interval)


class Arrivals(Generic[T]):
    """What arrives over time (events, HTTP requests, relayed messages), in arrival order,
    and a way to wait, with a deadline, until it satisfies a condition."""

    def __init__(self) -> None:
        self.items: list[T] = []
        self._changed = asyncio.Event()

    def add(self, item: T) -> None:
        self.items.append(item)
        self.touch()

    def touch(self) -> None:
        """An item changed (a request was answered): waiters check their condition again."""
        self._changed.set()

    async def wait_for(
        self, condition: Callable[[list[T]], bool], within: float = DEFAULT_WAIT
    ) -> list[T]:
        """Wait until `condition(items)` holds; returns the items."""
        async with asyncio.timeout(within):
            while not condition(self.items):
                self._changed.clear()
                await self._changed.wait()
        return self.items

    async def wait_for_count(self, count: int, within: float = DEFAULT_WAIT) -> list[T]:
        """Wait until at least `count` items arrived."""
        return await self.wait_for(lambda items: len(items) >= count, within)
