"""Waiting, with a deadline, for a condition that no event announces (a row in the database, a
key in Redis): poll it until it holds. Waits for events use asyncio.Event under a timeout."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

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
