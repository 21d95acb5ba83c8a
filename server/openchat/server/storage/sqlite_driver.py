"""aiosqlite with one trip to its thread per statement.

aiosqlite runs every sqlite3 call on a thread of its own, and SQLAlchemy's aiosqlite adapter
makes four calls per statement: create a cursor, execute, fetch the rows, close the cursor. Each
is a round trip between the event loop and that thread (a queue, a future, a wake-up of the
loop, and the GIL changing hands twice), and together they cost more than the statement. Here
a cursor does all four in one trip, when it executes: it keeps the rows, the description, the
row count and the last row id, and answers from them. A `SELECT 1` through SQLAlchemy: 348 µs
of CPU with aiosqlite's cursors, 148 µs with these (docs/benchmarks.md).

Everything else (connecting, commit, rollback, closing, the thread itself) is aiosqlite's: the
connection is an aiosqlite.Connection whose cursor() returns the cursor below, and which skips
commit and rollback when no transaction is open. SQLAlchemy takes it through the aiosqlite
dialect's `async_creator_fn` connect argument, so the dialect, its pool and its error
translation are unchanged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator, Iterable, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

# What a statement leaves behind: description, rowcount, lastrowid, rows.
_Outcome = tuple[Any, int, int | None, list[Any]]


class OneTripConnection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors cost one trip to its thread per statement."""

    def cursor(self) -> OneTripCursor:  # type: ignore[override]
        return OneTripCursor(self)

    async def commit(self) -> None:
        # Nothing to commit or roll back outside a transaction (a reader's connection runs in
        # autocommit mode, and SQLAlchemy rolls back each one it returns to the pool): no trip.
        if self._connection is not None and self._connection.in_transaction:
            await super().commit()

    async def rollback(self) -> None:
        if self._connection is not None and self._connection.in_transaction:
            await super().rollback()

    async def in_thread(self, function: Callable[..., _Outcome], *args: Any) -> _Outcome:
        """Run function(sqlite3 connection, *args) on the connection's thread, in one trip."""
        outcome: _Outcome = await self._execute(function, self._conn, *args)  # type: ignore[no-untyped-call]
        return outcome


class OneTripCursor:
    """The part of aiosqlite's Cursor that SQLAlchemy uses, executed in one trip per statement.
    Rows are fetched whole at execution, as SQLAlchemy's adapter does anyway (it has no
    server-side cursors on SQLite here: nothing streams results)."""

    __slots__ = ("_connection", "_rows", "arraysize", "description", "lastrowid", "rowcount")

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self._rows: list[Any] = []
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    def __await__(self) -> Generator[Any, None, OneTripCursor]:
        # `await connection.cursor()`, as aiosqlite allows, besides `async with`.
        return self.__aenter__().__await__()

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> OneTripCursor:
        self._keep(await self._connection.in_thread(_execute, sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> OneTripCursor:
        self._keep(await self._connection.in_thread(_execute, sql, parameters, True))
        return self

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = self.arraysize if size is None else size
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def close(self) -> None:
        self._rows = []

    def _keep(self, outcome: _Outcome) -> None:
        self.description, self.rowcount, self.lastrowid, self._rows = outcome


def _execute(
    connection: sqlite3.Connection, sql: str, parameters: Any, many: bool = False
) -> _Outcome:
    """On the connection's thread: run one statement (for each parameter set when `many`) and
    collect what it leaves."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        return _collect(cursor)
    finally:
        cursor.close()


def _collect(cursor: sqlite3.Cursor) -> _Outcome:
    rows = cursor.fetchall() if cursor.description else []
    return cursor.description, cursor.rowcount, cursor.lastrowid, rows


def connect(
    database: str | Path,
    *,
    iter_chunk_size: int = 64,
    prepare: Callable[[sqlite3.Connection], None] | None = None,
    **kwargs: Any,
) -> OneTripConnection:
    """aiosqlite.connect, returning a OneTripConnection (the aiosqlite dialect's
    `async_creator_fn`: it awaits the result and marks the thread a daemon, as for its own);
    `prepare` runs on the new sqlite3 connection, on its thread, before anyone uses it."""
    location = str(database)

    def connector() -> sqlite3.Connection:
        connection: sqlite3.Connection = sqlite3.connect(location, **kwargs)
        if prepare is not None:
            prepare(connection)
        return connection

    return OneTripConnection(connector, iter_chunk_size)
