"""PeriodicTask: rounds keep coming after a failed one, and stop() ends them."""

from __future__ import annotations

import asyncio

import pytest
from structlog.testing import capture_logs

from openchat.server.background.periodic import PeriodicTask


async def test_a_failed_round_is_logged_and_the_next_round_still_runs() -> None:
    rounds = 0
    third_round = asyncio.Event()

    async def tick() -> None:
        nonlocal rounds
        rounds += 1
        if rounds == 1:
            raise RuntimeError("database restarting")
        if rounds == 3:
            third_round.set()

    task = PeriodicTask("flaky", 0.001, tick, immediately=True)
    with capture_logs() as logs:
        task.start()
        await asyncio.wait_for(third_round.wait(), timeout=10)
        await task.stop()
    # Only this task's: a server that an earlier test left running in this event loop (after
    # a timeout) logs its own tasks' failures here too.
    failures = [
        log for log in logs if log["event"] == "periodic_task_failed" and log["task"] == "flaky"
    ]
    assert [log["error"] for log in failures] == ["RuntimeError('database restarting')"]


async def test_stop_ends_the_rounds() -> None:
    rounds = 0
    ran = asyncio.Event()

    async def tick() -> None:
        nonlocal rounds
        rounds += 1
        ran.set()

    task = PeriodicTask("counter", 0.001, tick, immediately=True)
    task.start()
    await asyncio.wait_for(ran.wait(), timeout=10)
    await task.stop()
    after_stop = rounds
    await asyncio.sleep(0.01)  # several intervals: a live loop would have ticked again
    assert rounds == after_stop


async def test_without_immediately_the_first_round_waits_one_interval() -> None:
    ran = asyncio.Event()

    async def tick() -> None:
        ran.set()

    task = PeriodicTask("late", 3600, tick)
    task.start()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert not ran.is_set()
    await task.stop()


def test_the_interval_must_be_positive() -> None:
    async def tick() -> None: ...

    with pytest.raises(ValueError, match="positive"):
        PeriodicTask("zero", 0, tick)
