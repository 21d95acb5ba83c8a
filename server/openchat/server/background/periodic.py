"""The one shape of the server's timer loops: call `tick` every `interval` seconds until stopped.

A failed round is logged and the next round tries again, so a dependency that blips (the database
restarting, Redis unreachable) never ends a loop for the life of the process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from openchat.server.background.cancellation import cancel_and_wait

_log = structlog.get_logger(__name__)


class PeriodicTask:
    """Runs `tick` every `interval` seconds on its own task, between `start()` and `stop()`.

    `immediately` runs the first round at start (a purge or a gauge that should be right at
    once); otherwise the first round comes one interval after start (a check that needs the
    interval to have passed, such as an idle timeout).
    """

    def __init__(
        self,
        name: str,
        interval: float,
        tick: Callable[[], Awaitable[object]],
        *,
        immediately: bool = False,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"{name}: the interval must be positive, not {interval}")
        self.name = name
        self._interval = interval
        self._tick = tick
        self._immediately = immediately
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            # Bounded: a round may be inside a client library that swallows the cancel.
            await cancel_and_wait([task])

    async def _run(self) -> None:
        if not self._immediately:
            await asyncio.sleep(self._interval)
        while True:
            try:
                await self._tick()
            except Exception as error:  # noqa: BLE001 - the next round tries again
                _log.warning("periodic_task_failed", task=self.name, error=repr(error))
            await asyncio.sleep(self._interval)
