"""Retention of delivery history: finished route jobs and receipt events are kept for
delivery timelines for a while, then deleted, so that neither table grows without bound."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import structlog

from openchat.server.background.periodic import PeriodicTask
from openchat.server.ports import ReceiptStore, RouteOutbox

_log = structlog.get_logger(__name__)

# Seconds between purges: history is kept for days, so an hour late costs nothing.
INTERVAL_SECONDS = 3600.0


class Retention:
    """Deletes delivery history older than its retention."""

    def __init__(
        self,
        outbox: RouteOutbox,
        receipts: ReceiptStore,
        *,
        history: timedelta,
        dead_letters: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._outbox = outbox
        self._receipts = receipts
        self._history = history
        self._dead_letters = dead_letters
        self._clock = clock

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

    def periodically(self, interval: float = INTERVAL_SECONDS) -> PeriodicTask:
        """A task that purges every `interval` seconds, from its start."""
        return PeriodicTask("retention", interval, self.purge, immediately=True)
