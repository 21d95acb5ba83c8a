"""grpc.health.v1 statuses that follow the database (and Redis, when configured)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import structlog
from grpc_health.v1 import health_pb2

from openchat.server.background.periodic import PeriodicTask

_log = structlog.get_logger(__name__)

Probe = Callable[[], Awaitable[object]]


class HealthStatuses(Protocol):
    """Where statuses go: grpc_health's asyncio HealthServicer."""

    async def set(
        self, service: str, status: health_pb2.HealthCheckResponse.ServingStatus
    ) -> None: ...


class HealthMonitor:
    """Probes dependencies every `interval` seconds and sets SERVING only while all answer."""

    def __init__(
        self,
        servicer: HealthStatuses,
        service_names: Sequence[str],
        probes: dict[str, Probe],
        *,
        interval: float,
    ) -> None:
        self._servicer = servicer
        self._service_names = ["", *service_names]
        self._probes = probes
        self._interval = interval
        self._probing = PeriodicTask("health-monitor", interval, self.check)
        self._serving: bool | None = None
        self._draining = False

    async def start(self) -> None:
        await self.check()
        self._probing.start()

    async def stop(self) -> None:
        await self._probing.stop()

    async def drain(self) -> None:
        """NOT_SERVING from now on, so load balancers stop sending new calls."""
        self._draining = True
        await self._set(serving=False)

    async def check(self) -> bool:
        failures = {}
        for name, probe in self._probes.items():
            try:
                async with asyncio.timeout(self._interval):
                    await probe()
            except Exception as error:  # noqa: BLE001 - any failure means not serving
                failures[name] = repr(error)
        if failures and self._serving is not False:
            _log.warning("dependency_unreachable", failures=failures)
        elif not failures and self._serving is False:
            _log.info("dependencies_recovered")
        await self._set(serving=not failures and not self._draining)
        return not failures

    async def _set(self, *, serving: bool) -> None:
        self._serving = serving
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if serving
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for name in self._service_names:
            await self._servicer.set(name, status)
