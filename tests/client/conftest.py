"""Fixtures of the client SDK tests: a server with short heartbeats, and clients of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from openchat.client import Client
from tests.support.api import Api
from tests.support.clients import OpenClient, new_client
from tests.support.servers import RunningServer, start_app
from tests.support.settings import settings_for

# Short heartbeats, so that a client that stops hearing from the server notices within a second.
FAST_SESSIONS = {"heartbeat_interval": 0.3, "heartbeat_timeout": 1.0}


@pytest.fixture(scope="session")
async def chat_server(database_url: str) -> AsyncIterator[RunningServer]:
    """A server with short heartbeats, one per database backend."""
    async with start_app(settings_for(database_url, sessions=FAST_SESSIONS)) as running:
        yield running


@pytest.fixture
def chat_api(chat_server: RunningServer) -> Api:
    return Api(chat_server.channel)


@pytest.fixture
async def open_client(chat_server: RunningServer) -> AsyncIterator[OpenClient]:
    """Opens clients (of the chat server unless `target` says otherwise) with the fast
    policies; closes them all at the end of the test."""
    clients: list[Client] = []

    async def open_one(user_id: str, device_id: str = "device-1", **options: Any) -> Client:
        target = options.pop("target", chat_server.target)
        client = new_client(target, user_id, device_id, **options)
        await client.open()
        clients.append(client)
        return client

    yield open_one
    for client in clients:
        await client.close()
