"""SIGTERM drains: in-flight sends finish, the process exits 0, nothing acknowledged is lost."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.api import Api
from tests.support.burst import SendBurst, check_durability
from tests.support.processes import free_port, serve, server_environment

pytestmark = pytest.mark.slow


async def test_sigterm_during_a_send_burst_exits_cleanly_and_keeps_every_ack(
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
        assert await first.terminate() == 0, first.log()
        await sending
    assert len(burst.unacked) == len(burst.lanes), "every lane ran until the server went away"

    async with serve(server_environment(scratch_database_url, free_port()), output) as second:
        outcomes = await check_durability(Api(second.channel), reader, burst)
    # A drained server answers every send it accepted: what was refused was never stored.
    assert outcomes == {"stored now": len(burst.unacked)}, outcomes
