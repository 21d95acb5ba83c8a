"""The hang report names every coroutine a suspended task awaits through."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from tests.support.hang_report import await_chain


async def _innermost(never: asyncio.Future[None]) -> None:
    await never


async def _outer(never: asyncio.Future[None]) -> None:
    await _innermost(never)


async def test_the_chain_goes_down_to_the_awaited_future() -> None:
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(_outer(never))
    await asyncio.sleep(0)  # let the task start and suspend
    try:
        chain = list(await_chain(task))
    finally:
        task.cancel()
    assert [line.rsplit(" in ", 1)[-1] for line in chain[:-1]] == ["_outer", "_innermost"]
    assert chain[-1].startswith("    waiting for ")


@contextlib.asynccontextmanager
async def _closing_slowly(never: asyncio.Future[None]) -> AsyncIterator[None]:
    yield
    await never


async def _leaving(never: asyncio.Future[None]) -> None:
    async with _closing_slowly(never):
        pass


async def test_the_chain_goes_through_an_async_context_managers_exit() -> None:
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(_leaving(never))
    await asyncio.sleep(0)  # let the task start and suspend
    try:
        chain = list(await_chain(task))
    finally:
        task.cancel()
    functions = [line.rsplit(" in ", 1)[-1] for line in chain[:-1]]
    assert functions[0] == "_leaving"
    assert functions[-1] == "_closing_slowly"
