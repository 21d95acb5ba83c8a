"""Stopping the server's own tasks without waiting for ever on one that survives its cancel.

A task that is cancelled while a client library is inside certain awaits can have the
`CancelledError` swallowed there and carry on (redis-py has done so, redis/redis-py#2028 and
#2551, around its timeouts and connection pool). A loop task that survives its cancel then
waits for its next round for good, and a stop that awaits it never ends: seen here as a node
whose stop hung in its cluster bus's close after a Redis restart. So a stop waits for its
cancelled tasks a bounded time, names those that did not end, and goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from typing import Any

import structlog

_log = structlog.get_logger(__name__)

# How long a stop waits for a cancelled task: the server's own tasks end at once when the
# cancel reaches them, so this only bounds the wait for one that swallowed it.
STOP_WAIT_SECONDS = 2.0


async def cancel_and_wait(
    tasks: Collection[asyncio.Task[Any]], *, within: float = STOP_WAIT_SECONDS
) -> None:
    """Cancel `tasks` and wait up to `within` seconds for them to end; log those that did not
    (they are left behind, cancelled once more)."""
    if not tasks:
        return
    for task in tasks:
        task.cancel()
    ended, stuck = await asyncio.wait(tasks, timeout=within)
    for task in ended:
        if not task.cancelled():
            task.exception()  # retrieved: a task that failed as it stopped is no news
    if stuck:
        _log.warning(
            "task_survived_cancel",
            tasks=sorted(task.get_name() for task in stuck),
            waited_seconds=within,
        )
        for task in stuck:
            task.cancel()
