"""Keeps the route outbox gauges (jobs pending and dead, per route) current."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import structlog

from openchat.server.observability.metrics import Metrics
from openchat.server.storage.route_outbox import SqlRouteOutbox

_log = structlog.get_logger(__name__)

STATUSES = ("pending", "dead")


class OutboxGauges:
    """Counts the outbox every `interval` seconds into openchat_route_jobs."""

    def __init__(
        self, outbox: SqlRouteOutbox, routes: Sequence[str], metrics: Metrics, *, interval: float
    ) -> None:
        self._outbox = outbox
        self._routes = routes
        self._metrics = metrics
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-gauges")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def refresh(self) -> None:
        counts = await self._outbox.counts()
        for route in {*self._routes, *(route for route, _ in counts)}:
            for status in STATUSES:
                self._metrics.route_jobs.labels(route, status).set(counts.get((route, status), 0))

    async def _run(self) -> None:
        while True:
            try:
                await self.refresh()
            except Exception as error:  # noqa: BLE001 - the next refresh tries again
                _log.warning("outbox_gauges_failed", error=repr(error))
            await asyncio.sleep(self._interval)
