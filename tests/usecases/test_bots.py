"""The BotService use cases over the SQL bot store and the in-process bus: admins only; each
registration gets a fresh signing secret; lookups and unregistrations of unknown bots are
BotNotFound; every change is announced (BotsChanged) so that cached bot lists are reloaded."""

from __future__ import annotations

import uuid

import pytest

from openchat.server.domain.errors import NotFound, PermissionDenied
from openchat.server.domain.events import BOTS_CHANGED, BotsChanged
from openchat.server.domain.model import Principal
from openchat.server.events.in_process import InProcessEventBus
from openchat.server.storage.bot_store import SqlBotStore
from openchat.server.storage.database import Database
from openchat.server.usecases.bots import ADMIN_ROLE, BotNotFound, Bots
from tests.support.published import Published, collected

ADMIN = Principal("operator", frozenset({ADMIN_ROLE}))
USER = Principal("someone", frozenset({"user"}))
URL = "https://bots.example/hook"


@pytest.fixture
def store(database: Database) -> SqlBotStore:
    return SqlBotStore(database)


@pytest.fixture
def bots(store: SqlBotStore, events: InProcessEventBus) -> Bots:
    return Bots(store, events)


@pytest.fixture
async def bot_changes(events: InProcessEventBus) -> Published[BotsChanged]:
    return await collected(events, BOTS_CHANGED, [])


@pytest.fixture
def bot_id() -> str:
    return f"bot-{uuid.uuid4().hex[:10]}"


async def test_a_registered_bot_is_stored_announced_and_found(
    bots: Bots, store: SqlBotStore, bot_id: str, bot_changes: Published[BotsChanged]
) -> None:
    bot = await bots.register(ADMIN, bot_id, URL)
    assert (bot.bot_id, bot.webhook_url) == (bot_id, URL)
    assert len(bot.secret) >= 32
    assert await store.get(bot_id) == bot
    assert await bots.get(ADMIN, bot_id) == bot
    assert await bot_changes() == [BotsChanged(bot_id)]


async def test_registering_again_replaces_the_url_and_the_secret(
    bots: Bots, bot_id: str, bot_changes: Published[BotsChanged]
) -> None:
    first = await bots.register(ADMIN, bot_id, URL)
    second = await bots.register(ADMIN, bot_id, "https://elsewhere.example/hook")
    assert second.secret != first.secret
    assert await bots.get(ADMIN, bot_id) == second
    assert await bot_changes() == [BotsChanged(bot_id)] * 2


async def test_unregistering_removes_the_bot_and_is_announced(
    bots: Bots, store: SqlBotStore, bot_id: str, bot_changes: Published[BotsChanged]
) -> None:
    await bots.register(ADMIN, bot_id, URL)
    await bots.unregister(ADMIN, bot_id)
    assert await store.get(bot_id) is None
    with pytest.raises(BotNotFound, match=bot_id):
        await bots.get(ADMIN, bot_id)
    assert await bot_changes() == [BotsChanged(bot_id)] * 2


async def test_unknown_bots_are_not_found_and_nothing_is_announced(
    bots: Bots, bot_id: str, bot_changes: Published[BotsChanged]
) -> None:
    with pytest.raises(NotFound, match=f"bot {bot_id!r} is not registered"):
        await bots.get(ADMIN, bot_id)
    with pytest.raises(BotNotFound):
        await bots.unregister(ADMIN, bot_id)
    assert await bot_changes() == []


async def test_only_admins_manage_bots(
    bots: Bots, store: SqlBotStore, bot_id: str, bot_changes: Published[BotsChanged]
) -> None:
    registered = await bots.register(ADMIN, bot_id, URL)
    for attempt in (
        bots.register(USER, bot_id, "https://attacker.example/hook"),
        bots.get(USER, bot_id),
        bots.unregister(USER, bot_id),
    ):
        with pytest.raises(PermissionDenied, match=repr(ADMIN_ROLE)):
            await attempt
    assert await store.get(bot_id) == registered
    assert await bot_changes() == [BotsChanged(bot_id)]
