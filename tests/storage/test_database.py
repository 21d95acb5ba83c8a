"""The PostgreSQL pool's liveness checks (storage/database.py): a connection the server closed
while it rested in the pool is replaced without failing a call, with no round trip spent on
the connections that are alive; one that rested long is pinged first."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from openchat.server.storage import database as database_module
from openchat.server.storage.database import Database
from tests.support.databases import migrated_database


async def read(database: Database) -> None:
    async with asyncio.timeout(10), database.reader.connect() as connection:
        assert await connection.scalar(text("SELECT 1")) == 1


async def write(database: Database) -> None:
    async with asyncio.timeout(10), database.writer.begin() as connection:
        assert await connection.scalar(text("SELECT 1")) == 1


async def hold_at_once(database: Database, calls: int) -> None:
    """`calls` reads, each holding its connection until all have one: the pool keeps that many
    connections afterwards."""
    everyone = asyncio.Barrier(calls)

    async def held() -> None:
        async with database.reader.connect() as connection:
            await everyone.wait()
            await connection.scalar(text("SELECT 1"))

    async with asyncio.timeout(10):
        await asyncio.gather(*(held() for _ in range(calls)))


async def terminate_backends(url: str) -> int:
    """Ends every server process of the database at `url` (but the caller's own), waiting until
    each has exited; returns how many there were."""
    parsed = make_url(url)
    admin = await asyncpg.connect(parsed.set(drivername="postgresql").render_as_string(False))
    try:
        pids = await admin.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            parsed.database,
        )
        for (pid,) in pids:
            assert await admin.fetchval("SELECT pg_terminate_backend($1, 5000)", pid)
        return len(pids)
    finally:
        await admin.close()


def blocking(call: Callable[[], Awaitable[int]]) -> int:
    """Runs `call` on a loop of its own in another thread, blocking this one's loop meanwhile
    (so that it reads nothing from its sockets)."""
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(call())))  # type: ignore[arg-type]
    thread.start()
    thread.join()
    return result[0]


async def test_connections_the_server_closed_at_rest_are_replaced(fresh_postgres_url: str) -> None:
    async with migrated_database(fresh_postgres_url, pool_size=2) as database:
        await hold_at_once(database, 2)
        assert await terminate_backends(fresh_postgres_url) == 2
        await asyncio.gather(read(database), read(database))
        await write(database)


async def test_a_connection_that_rested_long_is_pinged_before_use(
    fresh_postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server ends the connection while this process's loop is blocked, so that it has not
    read the end of the stream when the next read checks the connection out: only a ping tells
    that the connection is gone (as for one a firewall forgot)."""
    monkeypatch.setattr(database_module, "PING_AFTER_REST_SECONDS", 0.0)
    async with migrated_database(fresh_postgres_url, pool_size=1) as database:
        await read(database)
        assert blocking(lambda: terminate_backends(fresh_postgres_url)) == 1
        await read(database)
