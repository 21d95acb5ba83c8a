"""Retention of delivery history: finished route jobs and receipt events are kept for
delivery timelines for a while, then deleted, so that neither table grows without bound."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import structlog

from openchat.server.ports import ReceiptStore, RouteOutbox

_log = structlog.get_logger(__name__)


class Retention:
    """Deletes delivery history older than its retention, every `interval` seconds."""

    def __init__(
        self,
        outbox: RouteOutbox,
        receipts: ReceiptStore,
        *,
        history: timedelta,
        dead_letters: timedelta,
        interval: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._outbox = outbox
        self._receipts = receipts
        self._history = history
        self._dead_letters = dead_letters
        self._interval = interval
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="retention")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def purge(self) -> tuple[int, int]:
        """Delete what is past retention now; returns (route jobs, receipt events) deleted."""
        now = self._clock()
        jobs = await self._outbox.purge(
            finished_before=now - self._history, dead_before=now - self._dead_letters
        )
        events = await self._receipts.purge(before=now - self._history)
        if jobs or events:
            _log.info("retention_purged", route_jobs=jobs, delivery_events=events)
        return jobs, events

    async def _run(self) -> None:
        while True:
            try:
                await self.purge()
            except Exception as error:  # noqa: BLE001 - the next round tries again
                _log.warning("retention_failed", error=repr(error))
            await asyncio.sleep(self._interval)
