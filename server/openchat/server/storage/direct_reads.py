"""Hot reads without SQLAlchemy's per-execution work: on PostgreSQL, a read statement runs as a
prepared asyncpg statement on a connection of the same pool; elsewhere, through SQLAlchemy.

A history page is a small, fast query, and SQLAlchemy's execution (building the execution
context, processing parameters and result rows, its pool's Connection object) cost the server
several times what PostgreSQL spends on it. The statements stay SQLAlchemy Core, built once
with named bound parameters and compiled once per dialect, so the SQL has one source for both
backends and for the EXPLAIN tests.

Rows come as the driver returns them (asyncpg records on PostgreSQL, SQLAlchemy rows on
SQLite), read by position. For the types these reads select that is the same value SQLAlchemy
would return: asyncpg decodes timestamps as aware UTC datetimes, and JSON through the codec
SQLAlchemy's dialect installs on every pooled connection (tests/storage/test_direct_reads.py
compares the two for every column of a message).
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Dialect, Select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.util import greenlet_spawn

from openchat.server.storage.database import Database

Rows = Sequence[Sequence[Any]]


class Reads(Protocol):
    """Read statements on one pooled connection."""

    async def fetch(self, statement: Select[Any], params: Mapping[str, Any]) -> Rows:
        """The rows of `statement` (built once, with named bound parameters) for `params`."""
        ...


@contextlib.asynccontextmanager
async def direct_reads(database: Database) -> AsyncIterator[Reads]:
    """One connection of the reader's pool for a few reads (autocommit: each statement sees
    its own snapshot, as every read of the reader does)."""
    if database.dialect != "postgresql":
        async with database.reader.connect() as connection:
            yield _SqlAlchemyReads(connection)
        return
    # A raw checkout skips SQLAlchemy's Connection; the pool still pings the connection first,
    # so a connection that died at rest is replaced, as for any other read. (A read cancelled
    # midway leaves the connection usable: asyncpg has the server cancel the statement, and the
    # connection's next statement waits for that.)
    pooled = await database.reader.raw_connection()
    try:
        yield _AsyncpgReads(
            pooled.driver_connection, database.reader.dialect, database.statement_observers
        )
    finally:
        # Back to the pool, in SQLAlchemy's greenlet: the pool closes a connection it has no
        # room for, which for asyncpg is an await.
        await greenlet_spawn(pooled.close)


class _SqlAlchemyReads:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def fetch(self, statement: Select[Any], params: Mapping[str, Any]) -> Rows:
        rows: Rows = (await self._connection.execute(statement, dict(params))).all()
        return rows


class _AsyncpgReads:
    def __init__(
        self, driver: Any, dialect: Dialect, observers: list[Callable[[str, float], None]]
    ) -> None:
        self._driver = driver
        self._dialect = dialect
        self._observers = observers

    async def fetch(self, statement: Select[Any], params: Mapping[str, Any]) -> Rows:
        sql, binds = _compiled(statement, self._dialect)
        values = []
        for name, fixed, process in binds:
            value = params[name] if fixed is _REQUIRED else fixed
            values.append(value if process is None else process(value))
        started = time.perf_counter()
        # asyncpg prepares the statement once per connection and keeps it (by SQL text).
        rows: Rows = await self._driver.fetch(sql, *values)
        elapsed = time.perf_counter() - started
        for observe in self._observers:
            observe("select", elapsed)
        return rows


# A parameter whose value comes with each execution (a bindparam without a value).
_REQUIRED = object()
# Per positional parameter: its name, the value the statement itself holds (a literal such as
# a MessageKind's value) or _REQUIRED, and the conversion SQLAlchemy would apply to the value.
Binds = tuple[tuple[str, Any, Callable[[Any], Any] | None], ...]


@functools.lru_cache(maxsize=256)
def _compiled(statement: Select[Any], dialect: Dialect) -> tuple[str, Binds]:
    """The statement's SQL for the dialect, and its parameters in positional order."""
    compiled = statement.compile(dialect=dialect)
    binds = []
    for name in compiled.positiontup or ():
        bind = compiled.binds[name]
        if bind.expanding:
            raise ValueError(f"{name}: an expanding IN cannot be a direct read's parameter")
        fixed = _REQUIRED if bind.required else bind.effective_value
        binds.append((name, fixed, bind.type.dialect_impl(dialect).bind_processor(dialect)))
    return compiled.string, tuple(binds)
