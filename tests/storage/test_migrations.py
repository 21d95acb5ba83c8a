"""The Alembic migrations, on SQLite and PostgreSQL: they build exactly the schema the models
declare, upgrading an up-to-date database changes nothing, and nodes that start together on a
fresh database may all migrate it at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, bindparam, inspect, text

from openchat.server.storage import database as database_module
from openchat.server.storage import migrate
from openchat.server.storage.conversation_store import SqlConversationStore
from openchat.server.storage.database import Database, connect
from openchat.server.storage.tables import Base, UTCDateTime
from tests.support.databases import MAX_MEMBERS, new_group

# Far above the second or so that migrating takes; without the lock, upgrades can hang.
MIGRATION_DEADLINE_SECONDS = 30


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of this test's own."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url


@pytest.fixture
async def fresh(fresh_url: str) -> AsyncIterator[Database]:
    database = connect(fresh_url)
    yield database
    await database.dispose()


async def differences_from_models(database: Database) -> list[Any]:
    """What alembic autogenerate would change to make the database match the models."""

    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))

    async with database.reader.connect() as connection:
        return await connection.run_sync(compare)


def _comparable(index: Any) -> dict[str, Any]:
    """An index as the inspector describes it, with a partial index's condition as text (the
    inspector gives a fresh clause object each time, equal to no other)."""
    options = {key: str(value) for key, value in index.get("dialect_options", {}).items()}
    return {**index, "dialect_options": options}


async def schema_of(database: Database) -> dict[str, Any]:
    """Every table with its columns, keys, indexes and constraints, and the recorded revision."""

    def describe(connection: Connection) -> dict[str, Any]:
        inspector = inspect(connection)
        schema: dict[str, Any] = {}
        for table in sorted(inspector.get_table_names()):
            schema[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                    for c in inspector.get_columns(table)
                ],
                "primary key": inspector.get_pk_constraint(table),
                "foreign keys": inspector.get_foreign_keys(table),
                "indexes": sorted(
                    map(_comparable, inspector.get_indexes(table)), key=lambda i: str(i["name"])
                ),
                "unique": sorted(
                    inspector.get_unique_constraints(table), key=lambda u: str(u["name"])
                ),
            }
        schema["revision"] = connection.execute(
            text("SELECT version_num FROM alembic_version")
        ).all()
        return schema

    async with database.reader.connect() as connection:
        return await connection.run_sync(describe)


async def test_migrations_build_exactly_the_declared_schema(fresh: Database) -> None:
    await migrate.upgrade(fresh)
    assert await differences_from_models(fresh) == []


async def test_the_schema_comparison_notices_a_missing_index(fresh: Database) -> None:
    """The comparison above is not vacuous: drift in the database shows up."""
    await migrate.upgrade(fresh)
    async with fresh.writer.begin() as connection:
        await connection.execute(text("DROP INDEX ix_members_user_id_conversation_id"))
    differences = await differences_from_models(fresh)
    assert [d[0] for d in differences] == ["add_index"]
    assert differences[0][1].name == "ix_members_user_id_conversation_id"


async def test_upgrading_an_up_to_date_database_changes_nothing(fresh: Database) -> None:
    assert await migrate.pending(fresh) != []
    await migrate.upgrade(fresh)
    assert await migrate.pending(fresh) == []
    conversation = await new_group(fresh, ["alice", "bob"])
    schema = await schema_of(fresh)

    await migrate.upgrade(fresh)

    assert await schema_of(fresh) == schema
    assert await migrate.pending(fresh) == []
    group = await SqlConversationStore(fresh, max_members=MAX_MEMBERS).get(conversation)
    assert group is not None
    assert group.member_ids == ("alice", "bob")


async def test_concurrent_upgrades_of_a_fresh_database_all_succeed(fresh_url: str) -> None:
    """Nodes starting together each upgrade at once, over connections of their own: on
    PostgreSQL an advisory lock makes them take turns, on SQLite BEGIN IMMEDIATE does. (With
    the advisory lock removed this test fails: the runs interleave and collide.)"""
    nodes = [connect(fresh_url) for _ in range(3)]
    try:
        async with asyncio.timeout(MIGRATION_DEADLINE_SECONDS), asyncio.TaskGroup() as starting:
            for node in nodes:
                starting.create_task(migrate.upgrade(node))
        assert await migrate.pending(nodes[0]) == []
        assert await differences_from_models(nodes[0]) == []
    finally:
        for node in nodes:
            await node.dispose()


async def test_a_sqlite_node_waits_for_its_turn_longer_than_ordinary_writes_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another node's migration may outlast the busy timeout of ordinary writes (a busy machine
    took over 10 s): the waiting node still takes its turn, then waits as ordinary writes do."""
    ordinary_ms = 100
    monkeypatch.setattr(database_module, "SQLITE_BUSY_TIMEOUT_MS", ordinary_ms)
    monkeypatch.setattr(migrate, "SQLITE_BUSY_TIMEOUT_MS", ordinary_ms)
    url = f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}"
    first, second = connect(url), connect(url)
    try:
        async with first.writer.begin():  # the first node's turn, 10 busy timeouts long
            waiting = asyncio.create_task(migrate.upgrade(second))
            done, _ = await asyncio.wait({waiting}, timeout=10 * ordinary_ms / 1000)
            assert not done, "the second node did not wait for its turn"
        await asyncio.wait_for(waiting, MIGRATION_DEADLINE_SECONDS)
        assert await migrate.pending(second) == []
        async with second.writer.connect() as connection:
            busy_timeout = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()
        assert busy_timeout == ordinary_ms
    finally:
        await first.dispose()
        await second.dispose()


async def test_a_database_at_0002_with_data_upgrades_to_the_declared_schema(
    fresh: Database,
) -> None:
    """Push watermarks (0003) and the message lifecycle (0004) apply to a database that has
    conversations, members and messages, and start their columns from what is stored."""

    # Stored as the models store times (naive UTC on SQLite).
    AT = bindparam("at", type_=UTCDateTime())

    def to_0002(connection: Connection) -> None:
        command.upgrade(migrate._config(connection), "0002")

    async with fresh.writer.begin() as connection:
        await connection.run_sync(to_0002)
        at = datetime(2026, 12, 1, 10, tzinfo=UTC)
        await connection.execute(
            text(
                "INSERT INTO conversations (conversation_id, kind, title, creator_id, created_at,"
                " last_seq) VALUES ('c1', 'group', 'g', 'alice', :at, 2)"
            ).bindparams(AT),
            {"at": at},
        )
        for user, read_seq in (("alice", 2), ("bob", 1)):
            await connection.execute(
                text(
                    "INSERT INTO members (conversation_id, user_id, joined_at, read_seq)"
                    " VALUES ('c1', :user, :at, :read)"
                ).bindparams(AT),
                {"user": user, "at": at, "read": read_seq},
            )
        for seq in (1, 2):
            await connection.execute(
                text(
                    "INSERT INTO messages (conversation_id, seq, message_id, sender_id,"
                    " client_msg_id, created_at, text, mime_type)"
                    " VALUES ('c1', :seq, :id, 'alice', :id, :at, 'hi', 'text/plain')"
                ).bindparams(AT),
                {"seq": seq, "id": f"m{seq}", "at": at},
            )

    await migrate.upgrade(fresh)

    assert await migrate.pending(fresh) == []
    assert await differences_from_models(fresh) == []
    async with fresh.reader.connect() as connection:
        conversation = (
            await connection.execute(
                text(
                    "SELECT push_seq, message_count, last_message_seq FROM conversations"
                    " WHERE conversation_id = 'c1'"
                )
            )
        ).one()
        counted = (
            await connection.execute(
                text(
                    "SELECT user_id, counted_seq, counted_ordinal, pushed_seq FROM members"
                    " ORDER BY user_id"
                )
            )
        ).all()
        ordinals = (
            await connection.execute(text("SELECT seq, ordinal, kind FROM messages ORDER BY seq"))
        ).all()
    # No push job was pending: everything stored before is settled for push.
    assert tuple(conversation) == (2, 2, 2)
    assert [tuple(row) for row in counted] == [("alice", 2, 2, 0), ("bob", 1, 1, 0)]
    assert [tuple(row) for row in ordinals] == [(1, 1, "message"), (2, 2, "message")]


async def test_deletions_stored_before_0006_become_each_users_feed(fresh: Database) -> None:
    """Deletions for oneself stored before the feed get each user's positions 1..n in
    (conversation, seq) order, and each user the head of their feed, so that a device that
    sends its first deletion cursor (0) is told of them all."""

    def to_0005(connection: Connection) -> None:
        command.upgrade(migrate._config(connection), "0005")

    hidden = [("bob", "c2", 1), ("alice", "c1", 7), ("bob", "c1", 9), ("bob", "c1", 3)]
    async with fresh.writer.begin() as connection:
        await connection.run_sync(to_0005)
        for user_id, conversation_id, seq in hidden:
            await connection.execute(
                text(
                    "INSERT INTO hidden_messages (user_id, conversation_id, seq)"
                    " VALUES (:user, :conversation, :seq)"
                ),
                {"user": user_id, "conversation": conversation_id, "seq": seq},
            )

    await migrate.upgrade(fresh)

    assert await differences_from_models(fresh) == []
    async with fresh.reader.connect() as connection:
        positions = await connection.execute(
            text(
                "SELECT user_id, position, conversation_id, seq FROM hidden_messages"
                " ORDER BY user_id, position"
            )
        )
        heads = await connection.execute(
            text("SELECT user_id, last_position FROM deletion_feeds ORDER BY user_id")
        )
        assert [tuple(row) for row in positions] == [
            ("alice", 1, "c1", 7),
            ("bob", 1, "c1", 3),
            ("bob", 2, "c1", 9),
            ("bob", 3, "c2", 1),
        ]
        assert [tuple(row) for row in heads] == [("alice", 1), ("bob", 3)]
