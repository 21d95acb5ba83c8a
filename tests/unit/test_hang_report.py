"""The hang report names every coroutine a suspended task awaits through."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from tests.support.hang_report import await_chain

Waiting = Callable[[asyncio.Future[None]], Coroutine[Any, Any, None]]


async def _chain_of(waiting: Waiting) -> tuple[list[str], str]:
    """The functions a task running `waiting` is suspended in (outermost first), and the
    report's last line, while it waits for a future that never completes."""
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(waiting(never))
    await asyncio.sleep(0)  # let the task start and suspend
    try:
        chain = list(await_chain(task))
    finally:
        task.cancel()
    return [line.rsplit(" in ", 1)[-1] for line in chain[:-1]], chain[-1]


async def _innermost(never: asyncio.Future[None]) -> None:
    await never


async def _outer(never: asyncio.Future[None]) -> None:
    await _innermost(never)


async def test_the_chain_goes_down_to_the_awaited_future() -> None:
    functions, last = await _chain_of(_outer)
    assert functions == ["_outer", "_innermost"]
    assert last.startswith("    waiting for ")


@contextlib.asynccontextmanager
async def _closing_slowly(never: asyncio.Future[None]) -> AsyncIterator[None]:
    yield
    await never


async def _leaving(never: asyncio.Future[None]) -> None:
    async with _closing_slowly(never):
        pass


async def test_the_chain_goes_through_an_async_context_managers_exit() -> None:
    functions, _ = await _chain_of(_leaving)
    assert functions[0] == "_leaving"
    assert functions[-1] == "_closing_slowly"
