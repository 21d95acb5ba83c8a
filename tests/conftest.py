"""Fixtures shared by the whole suite.

Real parts only: a SQLite file and a PostgreSQL database of our own (created on the shared
server at OPENCHAT_TEST_POSTGRES_URL and dropped afterwards), the shared Redis (each test uses
keys of its own and never flushes it), and real gRPC servers on loopback ports. On a developer
machine without PostgreSQL or Redis those tests skip; on CI (CI=true) they fail instead.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest
import redis.asyncio as aioredis
import structlog
from sqlalchemy.engine import make_url
from structlog.typing import EventDict

from openchat.server.events.in_process import InProcessEventBus
from openchat.server.logging import configure_logging
from openchat.server.settings import LoggingSettings
from openchat.server.storage.database import Database
from tests.support.api import Api
from tests.support.databases import migrated_database
from tests.support.servers import RunningServer, start_app
from tests.support.settings import FAST_ROUTING, settings_for

# Prints every task's awaits shortly before pytest-timeout fails a hung test.
pytest_plugins = ["tests.support.hang_report"]

POSTGRES_URL = os.environ.get(
    "OPENCHAT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("OPENCHAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ON_CI = os.environ.get("CI") == "true"


def unavailable(what: str, why: object) -> None:
    """Skip locally, fail on CI: CI must never silently skip the PostgreSQL or Redis tests."""
    message = f"{what} is not reachable: {why}"
    if ON_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def _quiet_logs() -> None:
    """Log as the server does, at info level so that structlog.testing.capture_logs() sees the
    canonical `rpc` events, but print only warnings and errors."""
    configure_logging(LoggingSettings(level="info", format="console"))
    config = structlog.get_config()
    structlog.configure(processors=[_drop_below_warning, *config["processors"]])


def _drop_below_warning(_logger: object, method_name: str, event: EventDict) -> EventDict:
    if method_name in ("debug", "info"):
        raise structlog.DropEvent
    return event


async def _create_postgres_database() -> str:
    """A new, empty database on the shared server; returns its URL."""
    admin_url = make_url(POSTGRES_URL)
    name = f"openchat_test_{uuid.uuid4().hex[:12]}"
    try:
        connection = await asyncpg.connect(
            admin_url.set(drivername="postgresql").render_as_string(hide_password=False),
            timeout=5,
        )
    except (OSError, asyncpg.PostgresError) as error:
        unavailable(f"PostgreSQL at {POSTGRES_URL}", error)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return admin_url.set(database=name).render_as_string(hide_password=False)


async def _drop_postgres_database(url: str) -> None:
    admin_url = make_url(POSTGRES_URL).set(drivername="postgresql")
    connection = await asyncpg.connect(admin_url.render_as_string(hide_password=False))
    try:
        name = make_url(url).database
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def _new_database(kind: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """The URL of a new, empty database of `kind` ("sqlite" or "postgresql"), removed after."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite') / 'openchat.db'}"
        return
    url = await _create_postgres_database()
    try:
        yield url
    finally:
        await _drop_postgres_database(url)


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """Each test that uses the database runs once on SQLite and once on PostgreSQL."""
    async with _new_database(request.param, tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
async def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A database of the test module's own, on each backend: for servers with settings of
    their own, whose route workers must not share the route_jobs table with other servers."""
    async with _new_database(request.param, tmp_path_factory) as url:
        yield url


@pytest.fixture(params=BACKENDS)
async def own_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A database of the test's own, on each backend (for servers it starts and stops)."""
    async with _new_database(request.param, tmp_path_factory) as url:
        yield url


@pytest.fixture
async def fresh_postgres_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """An empty PostgreSQL database for one test (for tests that need a pristine schema)."""
    async with _new_database("postgresql", tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="session")
async def database(database_url: str) -> AsyncIterator[Database]:
    """One migrated database per backend for the whole session, for tests that talk to the
    stores directly (every test works in conversations of its own, so tests never see each
    other's rows)."""
    async with migrated_database(database_url) as migrated:
        yield migrated


@pytest.fixture(scope="module")
async def module_database(module_database_url: str) -> AsyncIterator[Database]:
    """A migrated database of the test module's own: for tests of work that is shared by the
    whole database (route jobs claimed by route, purges by age), which other tests must not
    see or take."""
    async with migrated_database(module_database_url) as migrated:
        yield migrated


@pytest.fixture
async def own_database(own_database_url: str) -> AsyncIterator[Database]:
    """A migrated database of the test's own: for counting exactly what a purge deletes."""
    async with migrated_database(own_database_url) as migrated:
        yield migrated


@pytest.fixture
async def events() -> AsyncIterator[InProcessEventBus]:
    bus = InProcessEventBus()
    yield bus
    await bus.close()


@pytest.fixture(scope="session")
async def redis_url() -> str:
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (OSError, aioredis.RedisError) as error:
        unavailable(f"Redis at {REDIS_URL}", error)
    finally:
        await client.aclose()
    return REDIS_URL


@pytest.fixture(scope="session")
async def server(database_url: str) -> AsyncIterator[RunningServer]:
    """A real OpenChat server on a loopback port, one per database backend."""
    async with start_app(settings_for(database_url)) as running:
        yield running


@pytest.fixture(scope="module")
def routing_settings() -> dict[str, Any]:
    """The routing section of `routing_server`'s settings; a module overrides this fixture to
    change it."""
    return FAST_ROUTING


@pytest.fixture(scope="module")
async def routing_server(
    module_database_url: str, routing_settings: dict[str, Any]
) -> AsyncIterator[RunningServer]:
    """A server of the test module's own, on a database of its own, with `routing_settings`
    (its route workers see only the module's route work)."""
    settings = settings_for(module_database_url, routing=routing_settings)
    async with start_app(settings) as running:
        yield running


@pytest.fixture
def user_ids() -> Iterator[str]:
    """An endless supply of fresh user ids, so tests never see each other's data."""

    def generate() -> Iterator[str]:
        while True:
            yield f"user-{uuid.uuid4().hex[:10]}"

    return generate()


@pytest.fixture
def members(user_ids: Iterator[str]) -> list[str]:
    """Four fresh users to put in conversations."""
    return [next(user_ids) for _ in range(4)]


@pytest.fixture
def api(server: RunningServer) -> Api:
    return Api(server.channel)
