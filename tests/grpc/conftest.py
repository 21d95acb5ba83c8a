"""Fixtures of the gRPC tests: servers configured differently from the default one."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.api import Api
from tests.support.servers import RunningServer, start_app
from tests.support.settings import settings_for

SMALL_MAX_CONTENT_BYTES = 1024
SMALL_MAX_GROUP_MEMBERS = 4


@pytest.fixture(scope="session")
async def limited_server(database_url: str) -> AsyncIterator[RunningServer]:
    """A second server on the same database, with small content and group limits."""
    limits = {
        "max_content_bytes": SMALL_MAX_CONTENT_BYTES,
        "max_group_members": SMALL_MAX_GROUP_MEMBERS,
    }
    async with start_app(settings_for(database_url, limits=limits)) as running:
        yield running


@pytest.fixture
def limited_api(limited_server: RunningServer) -> Api:
    return Api(limited_server.channel)
