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

Failures are handled as SQLAlchemy handles its own statements' (a connection whose statement
failed or was cancelled goes, not back to the pool), and a read that meets a connection that
died under it runs again on another: what the pool's liveness check cannot see, a restarting
server's last words on a resting connection, costs no call an error.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, Protocol

import asyncpg
from sqlalchemy import Dialect, PoolProxiedConnection, QueuePool, Select
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
    reads = _AsyncpgReads(database)
    await reads.check_out()
    try:
        yield reads
    finally:
        await reads.give_back()


class _SqlAlchemyReads:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def fetch(self, statement: Select[Any], params: Mapping[str, Any]) -> Rows:
        rows: Rows = (await self._connection.execute(statement, dict(params))).all()
        return rows


# What asyncpg raises on a connection that died under the statement (lost: 08xxx; closed) or
# could not take it, being midway through the protocol, as one is when a shutting-down
# server's FATAL error arrives while it rests and the loop has not read the end of its stream
# yet ("another operation is in progress"; once it has, the pool's checkout replaces it). A
# read is safe to run again on another connection.
_UNUSABLE = (asyncpg.InternalClientError, asyncpg.PostgresConnectionError)


class _AsyncpgReads:
    """Reads on a raw checkout of the reader's pool (no SQLAlchemy Connection; the pool still
    checks the connection's liveness, so one the server closed at rest is replaced)."""

    def __init__(self, database: Database) -> None:
        self._engine = database.reader
        self._dialect = database.reader.dialect
        self._observers = database.statement_observers
        self._pooled: PoolProxiedConnection | None = None
        self._driver: Any = None  # the asyncpg Connection
        self._interrupted = False

    async def check_out(self) -> None:
        self._pooled = await self._engine.raw_connection()
        self._driver = self._pooled.driver_connection
        self._interrupted = False

    async def give_back(self) -> None:
        pooled, self._pooled = self._pooled, None
        if pooled is None:
            return
        if self._interrupted:
            # A statement that failed or was cancelled may leave asyncpg midway through the
            # protocol (a cancellation the shutting-down server never confirms): the
            # connection is closed and the pool replaces it, as SQLAlchemy does when its own
            # statements are interrupted. Terminated first: a graceful close would wait for
            # the server.
            self._driver.terminate()
        # In SQLAlchemy's greenlet: closing a connection (also one the pool has no room for)
        # is an await for asyncpg.
        await greenlet_spawn(pooled.invalidate if self._interrupted else pooled.close)

    def _unusable(self, error: Exception) -> bool:
        """Whether the statement failed for want of a usable connection (asyncpg's
        InterfaceError also reports a caller's mistakes, such as a wrong number of arguments)."""
        if isinstance(error, asyncpg.InterfaceError):
            return bool(self._driver.is_closed())
        return isinstance(error, _UNUSABLE)

    def _resting(self) -> int:
        """How many connections rest in the pool (none that SQLAlchemy's pool could not tell)."""
        pool = self._engine.sync_engine.pool
        return pool.checkedin() if isinstance(pool, QueuePool) else 0

    async def fetch(self, statement: Select[Any], params: Mapping[str, Any]) -> Rows:
        sql, binds = _compiled(statement, self._dialect)
        values = []
        for name, fixed, process in binds:
            value = params[name] if fixed is _REQUIRED else fixed
            values.append(value if process is None else process(value))
        started = time.perf_counter()
        retries: int | None = None
        while True:
            try:
                # asyncpg prepares the statement once per connection and keeps it (by SQL text).
                rows: Rows = await self._driver.fetch(sql, *values)
                break
            except Exception as error:
                self._interrupted = True
                if not self._unusable(error):
                    raise
                # A shutting-down server's FATAL error reaches every connection resting in the
                # pool at once: a read may meet as many unusable ones as rest there, then a new
                # one (which the server refuses with a transient error, or serves).
                retries = self._resting() + 1 if retries is None else retries - 1
                if not retries:
                    raise
                await self.give_back()
                await self.check_out()
            except BaseException:
                self._interrupted = True
                raise
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
