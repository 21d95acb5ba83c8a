"""The client SDK against a server process that is killed (SIGKILL) and started again on the
same database and port: sends in flight are acknowledged exactly once and keep their order,
and messages written while the server is down wait in the outbox, across a restart of the
client, until it is back."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from openchat.client import MessageReceived, OutboxChanged, OutboxState
from tests.support.api import Api
from tests.support.client_events import EventLog
from tests.support.clients import new_client, token
from tests.support.processes import (
    CLIENT_COMMAND,
    environment,
    free_port,
    run_cli,
    serve,
    server_environment,
)

pytestmark = pytest.mark.slow

SENDS = 1000
CONVERSATIONS = 10
KILL_AFTER_ACKS = 300


@pytest.mark.parametrize("stop", ["kill", "sigterm"])
async def test_1000_sends_through_a_server_kill_are_each_acked_once_in_order(
    stop: str, scratch_database_url: str, tmp_path: Path, user_ids: Iterator[str]
) -> None:
    """Through a kill -9 and through a SIGTERM: what the server answers while it stops (or
    the broken connection) is what the SDK retries (docs/client.md), so nothing fails."""
    alice = next(user_ids)
    env = server_environment(scratch_database_url, free_port())
    log = tmp_path / "server.log"
    async with serve(env, log) as server:
        api = Api(server.channel)
        groups = [(await api.create_group(alice, [])).conversation_id for _ in range(CONVERSATIONS)]
        client = new_client(server.target, alice, store_path=tmp_path / "alice.db")
        async with client:
            events = EventLog(client)
            entries = [
                await client.enqueue(groups[n % CONVERSATIONS], f"#{n}") for n in range(SENDS)
            ]
            waits = asyncio.gather(*(client.outbox.wait(e.client_msg_id, 120) for e in entries))
            settled = 0

            def acked_enough(event: object) -> bool:
                nonlocal settled
                settled += isinstance(event, OutboxChanged)
                return settled >= KILL_AFTER_ACKS

            await events.until(acked_enough, within=60)
            if stop == "kill":
                server.kill()
                assert await server.wait() < 0
            else:
                assert await server.terminate() == 0
            acked_before_the_kill = client.stats().sends_acked
            async with serve(env, log) as restarted:
                acks = await waits
                await events.until(
                    lambda _: sum(isinstance(e, MessageReceived) for e in events.log) == SENDS,
                    within=60,
                )
                stored = {c: await Api(restarted.channel).history(alice, c) for c in groups}
            stats = client.stats()

    assert acked_before_the_kill < SENDS, "the kill came too late to interrupt any send"
    assert stats.send_retries > 0
    assert [ack.client_msg_id for ack in acks] == [e.client_msg_id for e in entries]
    for conversation_id in groups:
        written = [e.client_msg_id for e in entries if e.conversation_id == conversation_id]
        acked = [a for a in acks if a.conversation_id == conversation_id]
        assert [a.seq for a in acked] == list(range(1, SENDS // CONVERSATIONS + 1))
        assert [m.client_msg_id for m in stored[conversation_id]] == written
        seen = [
            e.message.seq
            for e in events.log
            if isinstance(e, MessageReceived) and e.message.conversation_id == conversation_id
        ]
        assert seen == list(range(1, SENDS // CONVERSATIONS + 1))  # once each, in order


async def test_messages_written_while_the_server_is_down_survive_a_client_restart(
    scratch_database_url: str, tmp_path: Path, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    env = server_environment(scratch_database_url, free_port())
    log = tmp_path / "server.log"
    store = tmp_path / "alice.db"
    async with serve(env, log) as server:
        api = Api(server.channel)
        groups = [(await api.create_group(alice, [])).conversation_id for _ in range(2)]
        server.kill()
        await server.wait()

        async with new_client(server.target, alice, store_path=store) as offline:
            written = [await offline.enqueue(groups[n % 2], f"offline #{n}") for n in range(30)]
            assert offline.stats().outbox_depth == 30
        # Another process opens the same store: every message is there, still pending.
        listing = await run_cli(
            "outbox", "--json", "--store", str(store),
            env=environment(OPENCHAT_TARGET=server.target, OPENCHAT_TOKEN=token(alice)),
            program=CLIENT_COMMAND,
        )  # fmt: skip
        assert listing.returncode == 0, listing.stderr
        assert listing.stdout.count('"state": "pending"') == 30

        async with (
            serve(env, log) as restarted,
            new_client(restarted.target, alice, store_path=store) as back,
        ):
            async with asyncio.timeout(30):
                await back.outbox.flush()
            entries = await back.outbox.entries()
            stored = {c: await Api(restarted.channel).history(alice, c) for c in groups}

    assert [(e.client_msg_id, e.state) for e in entries] == [
        (e.client_msg_id, OutboxState.SENT) for e in written
    ]
    for conversation_id in groups:
        mine = [e for e in written if e.conversation_id == conversation_id]
        assert [m.client_msg_id for m in stored[conversation_id]] == [e.client_msg_id for e in mine]
        assert [m.content.text for m in stored[conversation_id]] == [e.content.text for e in mine]
