"""Routes whose work is durable: their jobs were written with the message, so routing the
message means waking the route's worker (when the message has work for it)."""

from __future__ import annotations

from openchat.server.domain.events import MessagePersisted
from openchat.server.routing.worker import RouteWorker


class OutboxRoute:
    """Route that hands the message to its worker (the job is already stored)."""

    def __init__(self, worker: RouteWorker) -> None:
        self.name = worker.route
        self._worker = worker

    async def route(self, event: MessagePersisted) -> None:
        if self.name in event.routes:
            self._worker.wake()
