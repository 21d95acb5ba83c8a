"""Changes to messages on the durable routes: bots hear of edits and recalls (not reactions),
and a recall erases the content from every table of the database, and on SQLite from the
bytes of its files, even while the message's route work is still waiting."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from sqlalchemy import MetaData, select
from sqlalchemy.engine import make_url

from openchat.v1 import webhook_pb2
from tests.support.api import Api
from tests.support.http_endpoints import WebhookEndpoint
from tests.support.servers import RunningServer
from tests.support.waiting import until


@pytest.fixture
def api(routing_server: RunningServer) -> Api:
    return Api(routing_server.channel)


@pytest.fixture
async def webhook() -> AsyncIterator[WebhookEndpoint]:
    async with WebhookEndpoint() as endpoint:
        yield endpoint


async def rows_containing(server: RunningServer, needle: str) -> list[tuple[str, Any]]:
    """Every row of every table of the server's database in which `needle` appears (as text,
    or as UTF-8 inside a binary or JSON value)."""
    found: list[tuple[str, Any]] = []
    async with server.app.database.reader.connect() as connection:
        metadata = MetaData()
        await connection.run_sync(metadata.reflect)
        assert {"messages", "route_jobs", "reactions"} <= set(metadata.tables)
        for table in metadata.sorted_tables:
            for row in await connection.execute(select(table)):
                if any(needle.encode() in _bytes(value) for value in row):
                    found.append((table.name, row))
    return found


def _bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode()


def sqlite_files(server: RunningServer) -> list[Path]:
    url = make_url(server.app.settings.database.url)
    if url.get_backend_name() != "sqlite" or url.database is None:
        return []
    database = Path(url.database)
    return [path for path in (database, Path(f"{database}-wal")) if path.exists()]


async def test_bots_hear_of_messages_edits_and_recalls_but_not_reactions(
    api: Api, webhook: WebhookEndpoint, user_ids: Iterator[str]
) -> None:
    alice, bot = next(user_ids), f"bot-{uuid.uuid4().hex[:8]}"
    webhook.secret = (await api.register_bot(bot, webhook.url)).secret
    conversation_id = (await api.create_group(alice, [bot])).conversation_id
    sent = await api.send(alice, conversation_id, "hello bot")
    await api.react(alice, conversation_id, sent.message_id, "🤖")
    await api.edit(alice, conversation_id, sent.message_id, "hello, bot")
    await api.recall(alice, conversation_id, sent.message_id)

    requests = await until(lambda: webhook.requests[2:] and webhook.requests, what="3 events")
    events = [json_format.Parse(r.body, webhook_pb2.WebhookEvent()) for r in requests]
    by_type = {event.type: event.message for event in events}
    assert set(by_type) == {"message.created", "message.edited", "message.recalled"}
    assert by_type["message.recalled"].target_message_id == sent.message_id
    assert by_type["message.edited"].target_message_id == sent.message_id
    assert all(webhook.verify(request) for request in requests)


async def test_a_recall_erases_the_text_from_every_table_and_file(
    routing_server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob, bot = next(user_ids), next(user_ids), f"bot-{uuid.uuid4().hex[:8]}"
    # A webhook that never answers keeps the bot's route work waiting through the recall.
    async with WebhookEndpoint(hang=True) as stuck:
        await api.register_bot(bot, stuck.url)
        conversation_id = (await api.create_group(alice, [bob, bot])).conversation_id
        original = f"original-{uuid.uuid4().hex}"
        edited = f"edited-{uuid.uuid4().hex}"
        sent = await api.send(alice, conversation_id, original)
        assert await rows_containing(routing_server, original), "the scan finds stored text"
        await api.edit(alice, conversation_id, sent.message_id, edited)
        await api.react(bob, conversation_id, sent.message_id, "👍")
        await api.mark_read(bob, conversation_id, 3)
        # The message and its edit entry both hold the edited text now.
        assert len(await rows_containing(routing_server, edited)) == 2
        files = sqlite_files(routing_server)
        if files:
            assert any(edited.encode() in path.read_bytes() for path in files), "not vacuous"

        await api.recall(alice, conversation_id, sent.message_id)

        for text in (original, edited):
            assert await rows_containing(routing_server, text) == []
            for path in files:
                assert text.encode() not in path.read_bytes(), path.name
        (tombstone,) = await api.history(bob, conversation_id)
        assert tombstone.recalled
        assert not tombstone.reactions
        stuck.release()
