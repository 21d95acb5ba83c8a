"""kill -9 in the middle of a concurrent send burst loses nothing that was acknowledged."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.api import Api
from tests.support.burst import SendBurst, check_durability
from tests.support.processes import free_port, serve, server_environment

pytestmark = pytest.mark.slow


async def test_kill_9_during_a_send_burst_loses_no_acknowledged_message(
    scratch_database_url: str, tmp_path: Path
) -> None:
    output = tmp_path / "server.log"
    reader = "reader"
    async with serve(server_environment(scratch_database_url, free_port()), output) as first:
        api = Api(first.channel)
        members = [f"sender-{n}" for n in range(4)]
        conversations = [
            (await api.create_group(reader, members)).conversation_id for _ in range(3)
        ]
        burst = SendBurst(api, [(s, c) for s in members for c in conversations])
        sending = asyncio.create_task(burst.run())
        await burst.wait_for_acks(150)
        first.kill()
        await sending
        assert await first.wait() < 0, "the server was killed by a signal"
    assert burst.unacked, "the kill did not interrupt any send"

    # The same database, a new process (on a new port: the old one may linger in TIME_WAIT).
    async with serve(server_environment(scratch_database_url, free_port()), output) as second:
        outcomes = await check_durability(Api(second.channel), reader, burst)
    assert sum(outcomes.values()) == len(burst.unacked)
