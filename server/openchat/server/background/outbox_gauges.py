"""Keeps the route outbox gauges (jobs pending and dead, per route) current."""

from __future__ import annotations

from collections.abc import Sequence

from openchat.server.background.periodic import PeriodicTask
from openchat.server.observability.metrics import Metrics
from openchat.server.ports import RouteOutbox

STATUSES = ("pending", "dead")
# Seconds between counts: a count scans the outbox's pending and dead jobs.
INTERVAL_SECONDS = 15.0


class OutboxGauges:
    """Counts the outbox into openchat_route_jobs."""

    def __init__(self, outbox: RouteOutbox, routes: Sequence[str], metrics: Metrics) -> None:
        self._outbox = outbox
        self._routes = routes
        self._metrics = metrics

    async def refresh(self) -> None:
        counts = await self._outbox.counts()
        for route in {*self._routes, *(route for route, _ in counts)}:
            for status in STATUSES:
                self._metrics.route_jobs.labels(route, status).set(counts.get((route, status), 0))

    def periodically(self, interval: float = INTERVAL_SECONDS) -> PeriodicTask:
        """A task that refreshes the gauges every `interval` seconds, from its start."""
        return PeriodicTask("outbox-gauges", interval, self.refresh, immediately=True)
