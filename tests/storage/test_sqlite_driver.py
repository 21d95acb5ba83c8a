"""The one-trip SQLite driver (storage/sqlite_driver.py) under SQLAlchemy: what a statement
returns, what its cursor reports, and what it raises are what aiosqlite's own cursors give, and
each statement costs one trip to the connection's thread."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from openchat.server.storage import sqlite_driver
from openchat.server.storage.database import connect

_metadata = MetaData()
_notes = Table(
    "notes",
    _metadata,
    Column("note_id", Integer, primary_key=True),
    Column("body", String, nullable=False, unique=True),
)


@pytest.fixture(params=["aiosqlite", "one trip"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on a new file, with aiosqlite's own connections or the one-trip ones: every
    test below must hold for both."""
    connect_args: dict[str, Any] = (
        {"async_creator_fn": sqlite_driver.connect} if request.param == "one trip" else {}
    )
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'notes.db'}", connect_args=connect_args
    )
    async with engine.begin() as connection:
        await connection.run_sync(_metadata.create_all)
    yield engine
    await engine.dispose()


async def test_a_select_returns_its_rows_and_columns(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(_notes), [{"body": "one"}, {"body": "two"}])
        result = await connection.execute(select(_notes).order_by(_notes.c.note_id))
        assert list(result.keys()) == ["note_id", "body"]
        assert [tuple(row) for row in result] == [(1, "one"), (2, "two")]


async def test_writes_report_their_row_counts_and_new_keys(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        inserted = await connection.execute(insert(_notes).values(body="one"))
        assert inserted.inserted_primary_key == (1,)
        await connection.execute(insert(_notes), [{"body": "two"}, {"body": "three"}])
        changed = await connection.execute(update(_notes).values(body=_notes.c.body + "!"))
        assert changed.rowcount == 3
        returned = await connection.execute(
            update(_notes)
            .where(_notes.c.note_id > 1)
            .values(body="x" + _notes.c.body)
            .returning(_notes.c.note_id)
        )
        assert sorted(returned.scalars()) == [2, 3]


async def test_a_statement_the_database_refuses_raises_and_the_connection_goes_on(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        await connection.execute(insert(_notes).values(body="one"))
        with pytest.raises(IntegrityError, match="UNIQUE"):
            await connection.execute(insert(_notes).values(body="one"))
        await connection.rollback()
        await connection.execute(insert(_notes).values(body="two"))
        await connection.commit()
    async with engine.connect() as connection:
        assert (await connection.execute(select(_notes.c.body))).scalars().all() == ["two"]


async def test_the_driver_connection_takes_cursors_as_aiosqlite_does(engine: AsyncEngine) -> None:
    """`async with connection.cursor()` and `await connection.cursor()` (aiosqlite's two ways)."""
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        async with driver.cursor() as cursor:
            await cursor.execute("SELECT 1 UNION ALL SELECT 2")
            assert [tuple(row) for row in await cursor.fetchall()] == [(1,), (2,)]
        cursor = await driver.cursor()
        await cursor.execute("SELECT 3")
        assert tuple(await cursor.fetchone()) == (3,)
        assert await cursor.fetchone() is None
        await cursor.close()


def counting_trips(trips: list[str]) -> Any:
    """sqlite_driver.connect, whose connections note the name of each call on their thread."""
    open_connection = sqlite_driver.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite_driver.OneTripConnection:
        connection = open_connection(*args, **kwargs)
        run: Any = connection._execute

        async def counted(function: Any, *more: Any, **named: Any) -> Any:
            trips.append(getattr(function, "__name__", repr(function)))
            return await run(function, *more, **named)

        connection._execute = counted  # type: ignore[method-assign,assignment]
        return connection

    return connect


async def test_a_statement_costs_one_trip_to_the_thread(tmp_path: Path) -> None:
    """Through SQLAlchemy, a statement on a connection in a transaction is one call on
    aiosqlite's thread (aiosqlite's cursors make four: cursor, execute, fetch, close)."""
    trips: list[str] = []
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'trips.db'}",
        connect_args={"async_creator_fn": counting_trips(trips)},
    )
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            trips.clear()
            assert (await connection.execute(text("SELECT 2"))).scalar() == 2
            assert trips == ["_execute"]
    finally:
        await engine.dispose()


async def test_the_reader_reads_in_autocommit_mode_in_one_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's SQLite reader (storage/database.py) runs each read as a statement of its
    own, as PostgreSQL's does: no BEGIN before it, no ROLLBACK when its connection goes back to
    the pool; and it sees what the writer committed."""
    trips: list[str] = []
    monkeypatch.setattr(sqlite_driver, "connect", counting_trips(trips))
    database = connect(f"sqlite:///{tmp_path / 'reader.db'}", pool_size=1)
    try:
        async with database.writer.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (body TEXT)"))
        async with database.reader.connect() as connection:
            await connection.execute(text("SELECT 1"))  # connects the reader's one connection
        written: list[str] = []
        for body in ("one", "two"):
            async with database.writer.begin() as connection:
                await connection.execute(text("INSERT INTO notes VALUES (:body)"), {"body": body})
            written.append(body)
            trips.clear()
            async with database.reader.connect() as connection:
                read = (await connection.execute(text("SELECT body FROM notes"))).scalars()
                assert sorted(read) == written
            assert trips == ["_execute"]
    finally:
        await database.dispose()
