"""The /metrics endpoint, served by aiohttp on the server's own event loop."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from openchat.server.observability.metrics import Metrics


class MetricsServer:
    """Serves `GET /metrics` (Prometheus text format) on HOST:PORT."""

    def __init__(self, metrics: Metrics, listen: str) -> None:
        self._metrics = metrics
        self._host, _, port = listen.rpartition(":")
        self._port = int(port)
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> int:
        app = web.Application()
        app.router.add_get("/metrics", self._scrape)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _scrape(self, request: web.Request) -> web.Response:
        body = generate_latest(self._metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
