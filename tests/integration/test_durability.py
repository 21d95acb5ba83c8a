"""A server process killed (kill -9) or stopped (SIGTERM) in the middle of a concurrent send
burst loses nothing it acknowledged, and a restart on the same database carries on."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.support.api import Api
from tests.support.burst import SendBurst, check_durability, start_burst
from tests.support.processes import free_port, serve, server_environment

pytestmark = pytest.mark.slow

READER = "reader"


async def restart_and_check(database_url: str, output: Path, burst: SendBurst) -> Counter[str]:
    """A new process on the same database (on a new port: the old one may linger in
    TIME_WAIT), and the durability check of tests.support.burst against it."""
    async with serve(server_environment(database_url, free_port()), output) as server:
        return await check_durability(Api(server.channel), READER, burst)


async def test_kill_9_during_a_send_burst_loses_no_acknowledged_message(
    scratch_database_url: str, tmp_path: Path
) -> None:
    output = tmp_path / "server.log"
    async with serve(server_environment(scratch_database_url, free_port()), output) as server:
        burst, sending = await start_burst(Api(server.channel), READER, acks=150)
        server.kill()
        await sending
        assert await server.wait() < 0, "the server was killed by a signal"
    assert burst.unacked, "the kill did not interrupt any send"

    outcomes = await restart_and_check(scratch_database_url, output, burst)
    assert sum(outcomes.values()) == len(burst.unacked)


async def test_sigterm_during_a_send_burst_exits_cleanly_and_keeps_every_ack(
    scratch_database_url: str, tmp_path: Path
) -> None:
    output = tmp_path / "server.log"
    async with serve(server_environment(scratch_database_url, free_port()), output) as server:
        burst, sending = await start_burst(Api(server.channel), READER, acks=150)
        assert await server.terminate() == 0, server.log()
        await sending
    assert len(burst.unacked) == len(burst.lanes), "every lane ran until the server went away"

    outcomes = await restart_and_check(scratch_database_url, output, burst)
    # A drained server answers every send it accepted: what was refused was never stored.
    assert outcomes == {"stored now": len(burst.unacked)}, outcomes
