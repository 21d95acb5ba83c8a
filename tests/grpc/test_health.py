"""grpc.health.v1 follows the database: NOT_SERVING while it is unreachable, SERVING again once
it is back, and NOT_SERVING while the server drains."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.support.methods import SERVICES as SERVICE_DESCRIPTORS
from tests.support.postgres_server import throwaway_postgres
from tests.support.redis_server import throwaway_redis
from tests.support.servers import start_app
from tests.support.settings import settings_for
from tests.support.waiting import until

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
SERVICES = ("", "openchat.v1.MessagingService", "openchat.v1.PresenceService")


async def status_becomes(channel: grpc.aio.Channel, expected: int, within: float = 15) -> None:
    """Poll every service's health until all report `expected`."""
    stub = health_pb2_grpc.HealthStub(channel)

    async def every_service_reports() -> bool:
        statuses = [
            (await stub.Check(health_pb2.HealthCheckRequest(service=name))).status
            for name in SERVICES
        ]
        return all(status == expected for status in statuses)

    name = health_pb2.HealthCheckResponse.ServingStatus.Name(expected)
    await until(every_service_reports, within=within, what=f"every service reports {name}")


@pytest.mark.slow
async def test_health_follows_the_database() -> None:
    async with throwaway_postgres() as postgres:
        settings = settings_for(postgres.url, server={"health_interval": 0.2})
        async with start_app(settings) as server:
            await status_becomes(server.channel, SERVING)
            await postgres.stop()
            await status_becomes(server.channel, NOT_SERVING)
            await postgres.start()
            await status_becomes(server.channel, SERVING)


@pytest.mark.slow
async def test_health_follows_redis_when_configured(database_url: str) -> None:
    async with throwaway_redis() as redis:
        settings = settings_for(
            database_url,
            server={"health_interval": 0.2},
            redis={"url": redis.url, "key_prefix": "health-test:"},
        )
        async with start_app(settings) as server:
            await status_becomes(server.channel, SERVING)
            await redis.stop()
            await status_becomes(server.channel, NOT_SERVING)
            await redis.start()
            await status_becomes(server.channel, SERVING)


async def test_draining_server_is_not_serving(database_url: str) -> None:
    async with start_app(settings_for(database_url)) as server:
        await status_becomes(server.channel, SERVING)
        await server.app.health.drain()
        await status_becomes(server.channel, NOT_SERVING)


async def test_each_service_reports_its_own_status(database_url: str) -> None:
    async with start_app(settings_for(database_url)) as server:
        stub = health_pb2_grpc.HealthStub(server.channel)
        every = ["", *(service.full_name for service in SERVICE_DESCRIPTORS)]
        for name in every:
            response = await stub.Check(health_pb2.HealthCheckRequest(service=name))
            assert response.status == SERVING, name
        with pytest.raises(grpc.aio.AioRpcError) as unknown:
            await stub.Check(health_pb2.HealthCheckRequest(service="openchat.v1.NoSuchService"))
        assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
        # A watcher of one service hears that service go NOT_SERVING when the node drains.
        watch = stub.Watch(health_pb2.HealthCheckRequest(service="openchat.v1.SyncService"))
        assert (await watch.read()).status == SERVING
        await server.app.health.drain()
        assert (await asyncio.wait_for(watch.read(), 10)).status == NOT_SERVING
        watch.cancel()
        for name in every:
            response = await stub.Check(health_pb2.HealthCheckRequest(service=name))
            assert response.status == NOT_SERVING, name
