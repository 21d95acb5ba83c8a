"""Waiting with a deadline, never for a guessed time: for things that arrive (Arrivals, woken by
each arrival), and for conditions nothing announces (until: a row in the database, a key in
Redis, polled)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")

DEFAULT_WAIT = 10.0
POLL_INTERVAL = 0.02


@overload
async def until(
    probe: Callable[[], Awaitable[T]], *, within: float = ..., what: str = ...
) -> T: ...


@overload
async def until(probe: Callable[[], T], *, within: float = ..., what: str = ...) -> T: ...


async def until(probe: Callable[[], Any], *, within: float = DEFAULT_WAIT, what: str = "") -> Any:
    """Call `probe` (plain or async) until it returns something truthy, and return that; fail
    naming `what` when it has not after `within` seconds."""
    try:
        async with asyncio.timeout(within):
            while True:
                result = probe()
                if inspect.isawaitable(result):
                    result = await result
                if result:
                    return result
                await asyncio.sleep(POLL_INTERVAL)
    except TimeoutError:
        raise AssertionError(f"not true within {within} s: {what or probe}") from None


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
