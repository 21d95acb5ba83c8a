"""A large group's fan-out pushes in slices and lets the event loop run other work between
them, instead of waking every member's writer for one iteration."""

from __future__ import annotations

import asyncio

from openchat.server.domain.delivery import Typing
from openchat.server.domain.model import SessionKey
from openchat.server.sessions.fanout import FANOUT_SLICE, push_in_slices
from openchat.server.sessions.session import Session


def _sessions(count: int) -> list[Session]:
    return [
        Session(
            SessionKey(f"user-{n}", "phone", f"s-{n}"),
            capacity=4,
            on_overflow=lambda session, error: None,
        )
        for n in range(count)
    ]


async def test_other_work_runs_between_the_slices_and_every_session_gets_the_frame() -> None:
    sessions = _sessions(FANOUT_SLICE * 2 + 1)
    frame = Typing("c-1", "dave", typing=True)
    pushed_when_other_work_ran: list[int] = []

    async def other_work() -> None:
        pushed_when_other_work_ran.append(sum(1 for session in sessions if session.backlog))

    other = asyncio.create_task(other_work())  # ready before the fan-out's first yield
    await push_in_slices(sessions, frame)
    await other

    assert pushed_when_other_work_ran == [FANOUT_SLICE]
    assert all(session.backlog == 1 for session in sessions)


async def test_a_session_closed_between_slices_ignores_its_push() -> None:
    sessions = _sessions(FANOUT_SLICE + 1)
    last = sessions[-1]
    backlog_at_close: list[int] = []

    async def close_the_last() -> None:
        last.close()
        backlog_at_close.append(last.backlog)  # the writer's end of stream

    closing = asyncio.create_task(close_the_last())
    await push_in_slices(sessions, Typing("c-1", "dave", typing=True))
    await closing

    assert last.backlog == backlog_at_close[0]
    assert all(session.backlog == 1 for session in sessions[:-1])
