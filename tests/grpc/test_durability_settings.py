"""The durability settings on the connections a running server really uses: an ack promises
that the message survives a crash or a power loss, which only holds when the database flushes
its log before COMMIT returns (PostgreSQL synchronous_commit=on; SQLite WAL with
synchronous=FULL, as NORMAL can lose the last transactions)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.servers import RunningServer

SQLITE_FULL = 2  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA


async def setting(engine: AsyncEngine, query: str) -> object:
    """`query`'s value on a connection of the server's own pool."""
    async with engine.connect() as connection:
        return (await connection.exec_driver_sql(query)).scalar_one()


async def test_every_engine_of_the_server_flushes_before_commit_returns(
    server: RunningServer,
) -> None:
    database = server.app.database
    engines = {"writer": database.writer, "reader": database.reader}
    for role, engine in engines.items():
        if database.dialect == "postgresql":
            assert await setting(engine, "SHOW synchronous_commit") == "on", role
            assert await setting(engine, "SHOW fsync") == "on", role
        else:
            assert await setting(engine, "PRAGMA journal_mode") == "wal", role
            assert await setting(engine, "PRAGMA synchronous") == SQLITE_FULL, role
