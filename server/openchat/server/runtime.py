"""The running server: `App` holds what the composition root (app.py) built; start() serves,
stop() drains and releases everything, in the order that keeps the contract (docs/operations.md:
shutting down)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import grpc
import structlog
from redis.asyncio import Redis

from openchat.server.background.periodic import PeriodicTask
from openchat.server.domain.frames import ReconnectRequest
from openchat.server.events.in_process import InProcessEventBus
from openchat.server.events.redis_bus import RedisEventBus
from openchat.server.observability.event_loop import LoopLagMonitor
from openchat.server.observability.garbage_collector import PauseObserver
from openchat.server.observability.http import MetricsServer
from openchat.server.observability.metrics import Metrics
from openchat.server.routing.http import HttpClient
from openchat.server.routing.router import MessageRouter
from openchat.server.routing.worker import RouteWorker
from openchat.server.sessions.hub import SessionHub
from openchat.server.settings import Settings
from openchat.server.startup import listening
from openchat.server.storage.database import Database
from openchat.server.storage.group_commit import GroupCommitWriter
from openchat.server.transport.health import HealthMonitor
from openchat.server.transport.interceptors import CallGate
from openchat.server.transport.web import WebListener
from openchat.server.usecases.receipts import Receipts

_log = structlog.get_logger(__name__)

# The end of the shutdown grace kept for grpc's own stop (a tenth of it, at most this): calls
# that arrive while the sessions close are being answered UNAVAILABLE by the gate, and grpc
# cancels whatever still runs when its stop's grace is out (CANCELLED, which is not retried).
FINAL_STOP_SECONDS = 0.5


@dataclass
class App:
    """A built server: start() serves, stop() drains and releases everything."""

    settings: Settings
    database: Database
    redis: Redis | None
    events: InProcessEventBus
    cluster: InProcessEventBus | RedisEventBus
    http: HttpClient
    writer: GroupCommitWriter
    router: MessageRouter
    workers: list[RouteWorker]
    hub: SessionHub
    receipts: Receipts
    server: grpc.aio.Server
    # Counts the calls in flight; closed on stop, so that new calls are answered UNAVAILABLE.
    gate: CallGate
    # TLS for the listener; None serves plaintext.
    credentials: grpc.ServerCredentials | None
    health: HealthMonitor
    metrics: Metrics
    metrics_server: MetricsServer | None
    gc_pauses: PauseObserver
    loop_lag: LoopLagMonitor
    # Receipt flushes, outbox gauges, retention and the garbage collector's freezes.
    timers: list[PeriodicTask]
    # Connect and gRPC-Web for browsers (OPENCHAT_WEB_LISTEN); None when off.
    web: WebListener | None = None
    port: int = 0
    web_port: int = 0

    async def start(self) -> int:
        """Serve on the configured address; returns the bound port (useful with port 0)."""
        # Both addresses first: one that is taken stops the start before anything runs.
        server = self.settings.server
        listen = server.listen
        with listening("OPENCHAT_LISTEN", listen):
            self.port = (
                self.server.add_secure_port(listen, self.credentials)
                if self.credentials is not None
                else self.server.add_insecure_port(listen)
            )
        if self.metrics_server is not None:
            with listening("OPENCHAT_METRICS_LISTEN", server.metrics_listen):
                metrics_port = await self.metrics_server.start()
            _log.info("metrics_serving", port=metrics_port)
        await self.cluster.start()
        await self.http.start()
        self.writer.start()
        for worker in self.workers:
            worker.start()
        self.router.start()
        self.hub.start()
        for timer in self.timers:
            timer.start()
        self.gc_pauses.start()
        self.loop_lag.start()
        await self.server.start()
        await self.health.start()
        _log.info("serving", listen=listen, port=self.port, tls=self.credentials is not None)
        if self.web is not None:
            self.web_port = await self.web.start()
            _log.info("web_serving", listen=self.settings.server.web_listen, port=self.web_port)
        return self.port

    async def stop(self, grace: float | None = None) -> None:
        """Tell clients to reconnect elsewhere, let in-flight calls (and their queued sends)
        finish within `grace` seconds, then release the database and Redis."""
        grace = self.settings.server.shutdown_grace if grace is None else grace
        _log.info("draining", grace_seconds=grace)
        final_stop = min(FINAL_STOP_SECONDS, grace / 10)
        deadline = asyncio.get_running_loop().time() + grace

        def remaining(keep: float = 0.0) -> float:
            return max(0.0, deadline - keep - asyncio.get_running_loop().time())

        await self.health.drain()
        # The server answers new calls UNAVAILABLE itself while the calls in flight finish:
        # grpc would cancel calls still waiting when it stops (CANCELLED is not retried).
        self.gate.close()
        farewell = ReconnectRequest("the server is shutting down", retry_after=1.0)
        await self.hub.stop(farewell, grace=remaining(keep=final_stop))
        await self.gate.wait_idle(remaining(keep=final_stop))
        await self.server.stop(remaining())
        if self.web is not None:
            await self.web.stop()
        await self.writer.stop(grace)
        self.router.stop()
        for timer in self.timers:
            await timer.stop()
        await self.receipts.flush()  # the acks of the last round
        for worker in self.workers:
            await worker.stop(grace)
        await self.gc_pauses.stop()
        await self.loop_lag.stop()
        await self.health.stop()
        await self.events.close()
        await self.cluster.close()
        await self.http.close()
        await self.database.dispose()
        if self.redis is not None:
            await self.redis.aclose()
        if self.metrics_server is not None:
            await self.metrics_server.stop()
        _log.info("stopped")
