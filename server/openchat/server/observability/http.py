"""The /metrics endpoint (and, for the supervisor of worker processes, /healthz), served by
aiohttp on the process's own event loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

# Whether all is well, and the details to show.
HealthReport = Callable[[], tuple[bool, dict[str, Any]]]


class MetricsServer:
    """Serves `GET /metrics` (Prometheus text format) of `registry` on HOST:PORT, and
    `GET /healthz` (200 or 503, with a JSON body) when given a `health` report."""

    def __init__(
        self, registry: CollectorRegistry, listen: str, health: HealthReport | None = None
    ) -> None:
        self._registry = registry
        self._health = health
        self._host, _, port = listen.rpartition(":")
        self._port = int(port)
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> int:
        app = web.Application()
        app.router.add_get("/metrics", self._scrape)
        if self._health is not None:
            app.router.add_get("/healthz", self._healthz)
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
        body = generate_latest(self._registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _healthz(self, request: web.Request) -> web.Response:
        assert self._health is not None
        healthy, details = self._health()
        return web.json_response(details, status=200 if healthy else 503)
