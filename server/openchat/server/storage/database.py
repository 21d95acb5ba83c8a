"""Engines for the configured database URL, tuned for durability on each backend."""

from __future__ import annotations

import functools
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Column, ColumnElement, Connection, Table, delete, event, select, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from openchat.server.settings import async_url
from openchat.server.storage import sqlite_driver


@dataclass(frozen=True)
class Database:
    """The engines of one database: `writer` for transactions that write, `reader` for reads.

    On PostgreSQL both share one pool, and the reader runs each statement in autocommit mode: a
    read then costs its one round trip, where a transaction added a BEGIN and a ROLLBACK, and
    no snapshot is lost by it, as PostgreSQL's READ COMMITTED gives each statement its own
    snapshot anyway. The pool checks a connection's liveness at checkout without a round trip
    unless it rested long (_reuse_live_connections_only). On SQLite, which allows one writer
    at a time, the writer is a single connection whose transactions start with BEGIN IMMEDIATE
    (taking the write lock up front instead of failing with SQLITE_BUSY halfway), and readers
    have a pool of their own that WAL mode lets read while the writer writes. They run each
    statement in autocommit mode too, for the same reason and with the same snapshots as on
    PostgreSQL: a read is one trip to the driver's thread instead of three (BEGIN, the read,
    ROLLBACK).
    """

    writer: AsyncEngine
    reader: AsyncEngine
    # Called with (statement kind, seconds) after each statement that bypasses SQLAlchemy (see
    # direct_reads.py), whose own statements observe_statements() times through its events.
    statement_observers: list[Callable[[str, float], None]] = field(
        default_factory=list, compare=False
    )

    @property
    def shares_pool(self) -> bool:
        """Whether reader and writer are one engine's pool (PostgreSQL)."""
        return self.reader.sync_engine.pool is self.writer.sync_engine.pool

    @property
    def dialect(self) -> str:
        return self.writer.dialect.name

    async def ping(self) -> None:
        """Run a trivial query (the health monitor's probe)."""
        async with self.reader.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def erase_freed_content(self) -> None:
        """Make content that was just overwritten unrecoverable from the database's files.

        SQLite (with secure_delete, see below) zeroes freed space in the pages it writes, but
        the previous images of those pages stay in the WAL until it is checkpointed and
        truncated, which this does. PostgreSQL keeps the old row versions until VACUUM reclaims
        them; there is nothing a transaction can do about that.
        """
        if self.dialect != "sqlite":
            return
        async with self.writer.connect() as connection:
            # On the driver's connection: through SQLAlchemy the PRAGMA would run inside the
            # BEGIN IMMEDIATE that every transaction of the writer starts with, where SQLite
            # cannot checkpoint.
            raw = await connection.get_raw_connection()
            driver: Any = raw.driver_connection
            await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def dispose(self) -> None:
        await self.writer.dispose()
        if not self.shares_pool:
            await self.reader.dispose()


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


# JSON columns (a message's extras) through orjson instead of the json module, which took 3 %
# of the send transaction's CPU. Both read what either wrote.
_JSON_CODEC: dict[str, Any] = {"json_serializer": _json_text, "json_deserializer": orjson.loads}


def connect(url: str, *, pool_size: int = 10) -> Database:
    """Create the engines for `url` (nothing connects until first use)."""
    parsed = async_url(url)
    if parsed.get_backend_name() == "postgresql":
        engine = create_async_engine(
            parsed,
            pool_size=pool_size,
            max_overflow=pool_size,
            # Commit only once the WAL is flushed: an ack must never precede durability.
            connect_args={"server_settings": {"synchronous_commit": "on"}},
            **_JSON_CODEC,
        )
        _reuse_live_connections_only(engine)
        return Database(
            writer=engine, reader=engine.execution_options(isolation_level="AUTOCOMMIT")
        )
    # One trip to aiosqlite's thread per statement instead of four (sqlite_driver.py).
    one_trip = {
        "async_creator_fn": functools.partial(sqlite_driver.connect, prepare=_prepare_sqlite)
    }
    writer = create_async_engine(
        parsed, pool_size=1, max_overflow=0, connect_args=one_trip, **_JSON_CODEC
    )
    reader = create_async_engine(
        parsed, pool_size=pool_size, max_overflow=0, connect_args=one_trip, **_JSON_CODEC
    )
    _begin_transactions_with(writer, "BEGIN IMMEDIATE")
    return Database(writer=writer, reader=reader)


# Rows a retention purge deletes per transaction, so that it never holds locks for long.
PURGE_SLICE = 5000


async def delete_in_slices(
    database: Database, table: Table, key: Column[Any], condition: ColumnElement[bool]
) -> int:
    """Delete the rows matching `condition`, PURGE_SLICE at a time; returns how many."""
    deleted = 0
    while True:
        victims = select(key).where(condition).limit(PURGE_SLICE).scalar_subquery()
        async with database.writer.begin() as connection:
            result = await connection.execute(delete(table).where(key.in_(victims)))
        deleted += result.rowcount
        if result.rowcount < PURGE_SLICE:
            return deleted


# A pooled PostgreSQL connection that rested longer than this is pinged before it is used.
PING_AFTER_REST_SECONDS = 30.0


def _reuse_live_connections_only(engine: AsyncEngine) -> None:
    """Keep a connection the database or the network dropped while it rested in the pool from
    failing the next call: the pool replaces it instead (raising DisconnectionError at checkout
    makes it do so).

    A connection the server closed (a restart, a crash, a terminated backend, a server-side
    idle timeout) is known without a round trip: the event loop has read the end of its stream,
    and asyncpg reports it closed. A firewall or NAT that forgets an idle connection sends
    nothing, so a connection that rested longer than PING_AFTER_REST_SECONDS is pinged too (a
    round trip). SQLAlchemy's pool_pre_ping pinged at every checkout: a round trip (three while
    the connection rests outside autocommit mode) that every statement of a busy server paid,
    15 % of a history page's server CPU (docs/benchmarks.md).

    What neither catches is a connection that dies between its checkout and its statement, or
    whose end the loop has not read yet when it is checked out (the server closed it within the
    last moments): that statement fails, as one in flight does, and the caller retries.
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def _rested_since(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _alive(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise DisconnectionError("the server closed the connection")
        # A connection never checked in is new: connecting proved it alive.
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is not None and time.monotonic() - checked_in_at > PING_AFTER_REST_SECONDS:
            try:
                dbapi_connection.ping()
            except Exception as error:
                raise DisconnectionError("the connection did not answer a ping") from error


# Statement kinds recorded as metric labels; anything else counts as "other".
_STATEMENT_KINDS = frozenset({"select", "insert", "update", "delete"})


def observe_statements(database: Database, record: Callable[[str, float], None]) -> None:
    """Call record(kind, seconds) after every SQL statement (SQLAlchemy's timing recipe, and
    the direct reads' own timing)."""
    database.statement_observers.append(record)
    # Listeners of an engine also hear the statements of engines derived from it (the reader).
    for engine in [database.writer] if database.shares_pool else [database.writer, database.reader]:

        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def _before(connection: Any, *_: Any) -> None:
            connection.info.setdefault("openchat_started", []).append(time.perf_counter())

        @event.listens_for(engine.sync_engine, "after_cursor_execute")
        def _after(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
            elapsed = time.perf_counter() - connection.info["openchat_started"].pop()
            kind = statement.lstrip()[:6].lower()
            record(kind if kind in _STATEMENT_KINDS else "other", elapsed)


# How long a SQLite statement waits for another connection's lock before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 10_000


def set_sqlite_busy_timeout(connection: Connection, milliseconds: int) -> None:
    """Change how long this SQLite connection waits for locks (through the driver, so that no
    transaction begins: the next BEGIN waits that long)."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"PRAGMA busy_timeout={int(milliseconds)}")
    finally:
        cursor.close()


def _prepare_sqlite(connection: sqlite3.Connection) -> None:
    """Every SQLite connection's settings, on the driver's thread as it connects."""
    # The driver's autocommit mode: no implicit BEGIN before a write. The reader runs each
    # statement on its own; the writer's transactions begin as _begin_transactions_with says.
    connection.isolation_level = None
    # First, so that the pragmas below wait for a lock instead of failing with "database is
    # locked".
    connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # WAL lets readers proceed during writes; synchronous=FULL fsyncs the WAL on every commit
    # (NORMAL can lose the last committed transactions on power loss).
    _switch_to_wal(connection, deadline=time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000)
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=ON")
    # Freed space (a deleted row, the old version of an updated one) is overwritten with zeros
    # instead of lingering in the file: a recalled message must not be recoverable.
    connection.execute("PRAGMA secure_delete=ON")


# Between two tries to switch a new file to WAL.
_WAL_RETRY_SECONDS = 0.01


def _switch_to_wal(connection: sqlite3.Connection, *, deadline: float) -> None:
    """PRAGMA journal_mode=WAL, tried again while the file is locked, until `deadline`.

    Switching takes an exclusive lock. When nodes open a new file together, one may read it in
    rollback mode (a shared lock) while another has switched it and begun migrating: SQLite
    then answers "database is locked" at once rather than wait (both waiting would deadlock),
    and waiting longer in the busy handler only made that node hang. Trying again after the
    failed statement has released its lock finds the file in WAL mode, which needs no switch.
    """
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL").fetchall()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
        time.sleep(_WAL_RETRY_SECONDS)  # on the driver's thread, not the event loop's


def _begin_transactions_with(engine: AsyncEngine, begin: str) -> None:
    """Begin every transaction of the engine's (autocommit-mode) connections with `begin`."""

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)
