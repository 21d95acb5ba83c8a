"""MessageRouter: runs the routes of every persisted message, each isolated.

Each route has its own subscription to `message.persisted` (its own queue and task) and a
timeout per message, so a route that fails or hangs delays only itself; every failure is
logged and counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from typing import Protocol

import structlog

from openchat.server.domain.events import MESSAGE_PERSISTED, MessagePersisted
from openchat.server.observability.metrics import Metrics, series_by_label
from openchat.server.observability.tracing import SendTracing
from openchat.server.ports import EventBus, EventHandler

_log = structlog.get_logger(__name__)


class Route(Protocol):
    """One way a persisted message leaves the server."""

    name: str

    async def route(self, event: MessagePersisted) -> None:
        """Deliver (or durably schedule) the message on this route."""
        ...


# Seconds a route may spend on one message before it counts as failed.
TIMEOUT_SECONDS = 10.0


class MessageRouter:
    """Subscribes every route to `message.persisted`."""

    def __init__(
        self,
        events: EventBus,
        routes: Sequence[Route],
        *,
        timeout: float = TIMEOUT_SECONDS,
        metrics: Metrics,
        tracing: SendTracing | None = None,
    ) -> None:
        self._events = events
        self._tracing = tracing
        self._routes = routes
        self._timeout = timeout
        self._metrics = metrics
        self._unsubscribe: list[Callable[[], None]] = []

    def start(self) -> None:
        self._unsubscribe = [
            self._events.subscribe(MESSAGE_PERSISTED, self._runner(route)) for route in self._routes
        ]

    def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()

    def _runner(self, route: Route) -> EventHandler[MessagePersisted]:
        duration = self._metrics.route_duration.labels(route.name)
        outcomes = series_by_label(self._metrics.route_outcomes, route.name)

        async def run(event: MessagePersisted) -> None:
            started = time.perf_counter()
            outcome = "ok"
            traced = (
                self._tracing.route(route.name, event.trace_context)
                if self._tracing is not None and event.trace_context
                else contextlib.nullcontext()
            )
            try:
                with traced:
                    async with asyncio.timeout(self._timeout):
                        await route.route(event)
            except Exception as error:  # noqa: BLE001 - isolate the route: log, count, go on
                outcome = "timeout" if isinstance(error, TimeoutError) else "failed"
                _log.warning(
                    "route_failed",
                    route=route.name,
                    message_id=event.message.message_id,
                    error=repr(error),
                )
            outcomes(outcome).inc()
            duration.observe(time.perf_counter() - started)

        return run
