"""Fixtures of the contract tests: one migrated database per backend for the whole session
(every test works in conversations of its own, so tests never see each other's rows)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from openchat.server.events.in_process import InProcessEventBus
from openchat.server.storage.database import Database
from tests.support.databases import migrated_database


@pytest.fixture(scope="session")
async def database(database_url: str) -> AsyncIterator[Database]:
    async with migrated_database(database_url) as migrated:
        yield migrated


@pytest.fixture
async def events() -> AsyncIterator[InProcessEventBus]:
    bus = InProcessEventBus()
    yield bus
    await bus.close()


@pytest.fixture
def members(user_ids: Iterator[str]) -> list[str]:
    """Four fresh users to put in conversations."""
    return [next(user_ids) for _ in range(4)]
