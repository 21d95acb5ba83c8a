"""The hang report names every coroutine a suspended task awaits through."""

from __future__ import annotations

import asyncio

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
