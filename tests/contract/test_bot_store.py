"""The BotStore contract on SQLite and PostgreSQL: registering (again, replacing), looking up,
unregistering, the set of registered ids, and which members of conversations are bots as a
storing transaction sees them (what route planning reads)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from openchat.server.domain.delivery import Bot
from openchat.server.storage.bot_store import SqlBotStore, bot_members
from openchat.server.storage.database import Database
from tests.support.databases import new_group


@pytest.fixture
def store(database: Database) -> SqlBotStore:
    return SqlBotStore(database)


@pytest.fixture
def bot_id() -> str:
    return f"bot-{uuid.uuid4().hex[:10]}"


def bot(bot_id: str, url: str = "https://bots.example/hook") -> Bot:
    return Bot(bot_id, url, secret=uuid.uuid4().hex, created_at=datetime.now(UTC))


async def test_a_registered_bot_is_found_as_saved(store: SqlBotStore, bot_id: str) -> None:
    saved = bot(bot_id)
    await store.save(saved)
    assert await store.get(bot_id) == saved
    assert bot_id in await store.bot_ids()


async def test_registering_again_replaces_the_registration(store: SqlBotStore, bot_id: str) -> None:
    await store.save(bot(bot_id))
    replacement = bot(bot_id, "https://elsewhere.example/hook")
    await store.save(replacement)
    assert await store.get(bot_id) == replacement


async def test_unregistering_removes_the_bot_once(store: SqlBotStore, bot_id: str) -> None:
    other = bot(f"{bot_id}-other")
    await store.save(bot(bot_id))
    await store.save(other)

    assert await store.delete(bot_id) is True
    assert await store.get(bot_id) is None
    assert await store.delete(bot_id) is False
    ids = await store.bot_ids()
    assert bot_id not in ids
    assert other.bot_id in ids
    assert await store.get(other.bot_id) == other


async def test_an_unknown_bot_is_none(store: SqlBotStore, bot_id: str) -> None:
    assert await store.get(bot_id) is None
    assert bot_id not in await store.bot_ids()


async def test_bot_members_are_the_registered_bots_among_each_conversations_members(
    database: Database, store: SqlBotStore, bot_id: str, user_ids: Iterator[str]
) -> None:
    alice, unregistered = next(user_ids), next(user_ids)
    helper = f"{bot_id}-helper"
    for registered in (bot_id, helper):
        await store.save(bot(registered))
    with_both = await new_group(database, [alice, bot_id, helper, unregistered])
    with_one = await new_group(database, [alice, helper])
    without = await new_group(database, [alice, unregistered])

    async with database.writer.begin() as connection:
        found = await bot_members(connection, [with_both, with_one, without])
    assert found == {with_both: frozenset({bot_id, helper}), with_one: frozenset({helper})}

    await store.delete(helper)
    async with database.writer.begin() as connection:
        assert await bot_members(connection, [with_one]) == {}
