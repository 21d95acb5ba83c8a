"""Direct reads (storage/direct_reads.py) on SQLite and PostgreSQL: they return what
SQLAlchemy's own execution returns for every column of a message, leave no connection of the
pool unusable when a read is cancelled midway, and are timed like every other statement."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy import Float, bindparam, func, select
from sqlalchemy.engine import make_url

from openchat.server.domain.model import Content, MessageDraft
from openchat.server.storage.conversation_queries import _messages_at_statement
from openchat.server.storage.database import Database, observe_statements
from openchat.server.storage.direct_reads import direct_reads
from openchat.server.storage.message_queries import (
    dedup_query,
    deletions_query,
    history_query,
    range_query,
    ranges_query,
)
from openchat.server.storage.message_rows import MESSAGE_COLUMNS, message_from_row
from openchat.server.storage.message_store import SqlMessageStore
from openchat.server.storage.sequences import TransactionalSequenceAllocator
from openchat.server.storage.tables import messages
from tests.support.databases import migrated_database, new_group, rich_content


@pytest.fixture
def alice(user_ids: Iterator[str]) -> str:
    return next(user_ids)


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_every_statement_read_into_messages_selects_the_message_columns_first(
    dialect: str,
) -> None:
    """message_from_row reads rows by position: each statement whose rows it reads must select
    MESSAGE_COLUMNS first, in their order (select(messages) does: the table declares them
    first)."""
    statements = {
        "select(messages)": select(messages),
        "dedup": dedup_query(dialect, [("s", "k")])[0],
        "ranges": ranges_query(dialect, [("c", 0, 1)])[0],
        "deletions": deletions_query(dialect, [("u", 0, 1)])[0],
        "messages_at": _messages_at_statement(dialect)[1],
        "range": range_query("c", 0, None, newest_first=True, limit=1)[0],
        "history": history_query("u", "c", 0, None, newest_first=True, limit=1)[0],
    }
    wanted = [column.key for column in MESSAGE_COLUMNS]
    for name, statement in statements.items():
        leading = [column.key for column in statement.selected_columns][: len(wanted)]
        assert leading == wanted, name


async def test_a_direct_read_returns_what_sqlalchemy_returns(
    database: Database, alice: str
) -> None:
    conversation = await new_group(database, [alice])
    store = SqlMessageStore(database, TransactionalSequenceAllocator())
    rich = rich_content()
    await store.append_batch(
        [
            MessageDraft(conversation, alice, "rich", rich),
            MessageDraft(conversation, alice, "plain", Content(text="hi")),
        ]
    )
    statement, params = range_query(conversation, 0, None, newest_first=False, limit=10)
    async with database.reader.connect() as connection:
        expected = [tuple(row) for row in await connection.execute(statement, params)]
    async with direct_reads(database) as reads:
        direct = [tuple(row) for row in await reads.fetch(statement, params)]
    assert direct == expected
    assert len(direct) == 2
    created_at = [column.key for column in MESSAGE_COLUMNS].index("created_at")
    assert all(row[created_at].tzinfo is not None for row in direct)
    assert [message_from_row(row).content for row in direct] == [rich, Content(text="hi")]


async def test_a_cancelled_direct_read_leaves_the_pool_usable(database_url: str) -> None:
    """A read cancelled while PostgreSQL runs it leaves its connection waiting for the
    server's answer: the pool must replace it rather than hand it to the next read."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite reads run through SQLAlchemy")
    slow = select(func.pg_sleep(bindparam("seconds", type_=Float())))
    one = select(bindparam("one", type_=Float()))
    async with migrated_database(database_url, pool_size=1) as database:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2), direct_reads(database) as reads:
                await reads.fetch(slow, {"seconds": 5.0})
        for _ in range(3):
            async with asyncio.timeout(5), direct_reads(database) as reads:
                assert [tuple(row) for row in await reads.fetch(one, {"one": 1.0})] == [(1.0,)]


async def test_direct_reads_are_timed_as_selects(database_url: str) -> None:
    timed: list[str] = []
    async with migrated_database(database_url) as database:
        observe_statements(database, lambda kind, _seconds: timed.append(kind))
        statement = select(bindparam("now", type_=messages.c.created_at.type))
        async with direct_reads(database) as reads:
            [(moment,)] = await reads.fetch(statement, {"now": datetime.now(UTC)})
        assert moment.tzinfo is not None
    assert "select" in timed


async def test_reads_beyond_the_pool_size_give_their_connections_back(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """More reads at once than the pool keeps: the extra connections are closed on return (an
    asyncpg connection closes with an await, which the pool can only make in SQLAlchemy's
    greenlet; it logs the failure and drops the connection unclosed otherwise)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's reader pool has no overflow")
    one = select(bindparam("one", type_=Float()))
    started = asyncio.Barrier(2)

    async def read() -> None:
        async with direct_reads(database) as reads:
            await started.wait()  # both connections are checked out at once
            assert [tuple(row) for row in await reads.fetch(one, {"one": 1.0})] == [(1.0,)]

    async with migrated_database(database_url, pool_size=1) as database:
        for _ in range(3):
            async with asyncio.timeout(10):
                await asyncio.gather(read(), read())
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


async def test_a_read_the_server_ends_midway_runs_again_on_another_connection(
    fresh_postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The server ends the connection while a read runs (as a shutdown does): the read runs
    again on a new connection, and the old one is closed, not handed to the next read (asyncpg,
    still waiting for the statement's end there, would refuse: "another operation is in
    progress")."""
    slow = select(func.pg_backend_pid(), func.pg_sleep(bindparam("seconds", type_=Float())))
    one = select(bindparam("one", type_=Float()))
    async with migrated_database(fresh_postgres_url, pool_size=1) as database:
        async with asyncio.timeout(10), direct_reads(database) as reads:
            [(pid,)] = await reads.fetch(select(func.pg_backend_pid()), {})
            [[(answered_by, _)], _] = await asyncio.gather(
                reads.fetch(slow, {"seconds": 1.0}), terminate(fresh_postgres_url, pid)
            )
        assert answered_by != pid
        for _ in range(3):
            async with asyncio.timeout(5), direct_reads(database) as reads:
                assert [tuple(row) for row in await reads.fetch(one, {"one": 1.0})] == [(1.0,)]
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


async def terminate(url: str, pid: int) -> None:
    admin = await asyncpg.connect(
        make_url(url).set(drivername="postgresql").render_as_string(False)
    )
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def test_a_read_on_a_connection_that_died_runs_again_on_another(
    fresh_postgres_url: str,
) -> None:
    """The server ends the connection between two reads of one checkout: the second runs on a
    new connection instead of failing."""
    one = select(bindparam("one", type_=Float()))
    async with migrated_database(fresh_postgres_url, pool_size=1) as database:
        async with asyncio.timeout(10), direct_reads(database) as reads:
            [(pid,)] = await reads.fetch(select(func.pg_backend_pid()), {})
            await terminate(fresh_postgres_url, pid)
            assert [tuple(row) for row in await reads.fetch(one, {"one": 1.0})] == [(1.0,)]
            [(other,)] = await reads.fetch(select(func.pg_backend_pid()), {})
        assert other != pid
