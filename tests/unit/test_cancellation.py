"""cancel_and_wait: a stop's wait for its cancelled tasks ends even when one survives its cancel."""

from __future__ import annotations

import asyncio
import contextlib

from structlog.testing import capture_logs

from openchat.server.background.cancellation import cancel_and_wait


async def _swallows_one_cancel(released: asyncio.Event) -> None:
    """Behaves like a loop whose client library swallowed the cancel: it carries on waiting."""
    with contextlib.suppress(asyncio.CancelledError):
        await released.wait()
    await released.wait()


async def test_a_task_that_survives_its_cancel_is_named_and_left_behind() -> None:
    released = asyncio.Event()
    stubborn = asyncio.create_task(_swallows_one_cancel(released), name="stubborn")
    polite = asyncio.create_task(released.wait(), name="polite")
    await asyncio.sleep(0)  # let both start waiting
    with capture_logs() as logs:
        await asyncio.wait_for(cancel_and_wait([stubborn, polite], within=0.2), timeout=5)
    assert polite.cancelled()
    assert [(log["event"], log["tasks"]) for log in logs] == [
        ("task_survived_cancel", ["stubborn"])
    ]
    # It was cancelled once more on the way out, so it ends at its next await.
    await asyncio.gather(stubborn, return_exceptions=True)
    assert stubborn.cancelled()


async def test_tasks_that_end_when_cancelled_are_waited_for_and_nothing_is_logged() -> None:
    never = asyncio.Event()
    tasks = [asyncio.create_task(never.wait()) for _ in range(3)]
    await asyncio.sleep(0)
    with capture_logs() as logs:
        await cancel_and_wait(tasks, within=5)
    assert all(task.cancelled() for task in tasks)
    assert logs == []
