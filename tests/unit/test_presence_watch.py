"""PresenceWatch: a watch sends the watched users' current state, changes of watched users reach
their watchers only, a new watch replaces the old one, and a forgotten session gets nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from openchat.server.domain.model import PresenceState, SessionKey
from openchat.server.presence.in_process import InProcessPresenceRegistry
from openchat.server.sessions.session import Session
from openchat.server.sessions.watching import PresenceWatch

AT = datetime(2026, 12, 6, tzinfo=UTC)


def new_session(user_id: str) -> Session:
    def overflow(session: Session, error: object) -> None:
        raise AssertionError("the queue is large enough for these tests")

    return Session(SessionKey(user_id, "phone", f"s-{user_id}"), capacity=64, on_overflow=overflow)


async def queued(session: Session) -> list[tuple[str, bool]]:
    """The presence frames waiting for the client, as (user, online), taken off the queue."""
    frames: list[tuple[str, bool]] = []
    while session.backlog:
        frame = await session.next_frame()  # returns at once: a frame is queued
        assert isinstance(frame, PresenceState)
        frames.append((frame.user_id, frame.online))
    return frames


async def test_watchers_get_the_current_state_then_the_changes_of_whom_they_watch() -> None:
    presence = InProcessPresenceRegistry()
    await presence.connect(SessionKey("bob", "phone", "s-1"))
    watch = PresenceWatch(presence, coalesce_seconds=0)
    alice, erin = new_session("alice"), new_session("erin")

    await watch.watch(alice, ["bob", "carol"])
    await watch.watch(erin, ["carol"])
    assert await queued(alice) == [("bob", True), ("carol", False)]
    assert await queued(erin) == [("carol", False)]

    watch.offer(PresenceState("carol", True, 1, None, 5))
    watch.offer(PresenceState("dave", True, 1, None, 5))  # nobody watches dave

    assert await queued(alice) == [("carol", True)]
    assert await queued(erin) == [("carol", True)]


async def test_a_new_watch_replaces_the_old_and_a_forgotten_session_gets_nothing() -> None:
    watch = PresenceWatch(InProcessPresenceRegistry(), coalesce_seconds=0)
    alice, erin = new_session("alice"), new_session("erin")
    await watch.watch(alice, ["bob"])
    await watch.watch(alice, ["carol"])
    await watch.watch(erin, ["bob", "carol"])
    # The snapshots each watch sends; alice's first one, not read yet when she replaced her
    # watch, is dropped (a client watching the maximum twice must not overflow its queue).
    assert await queued(alice) == [("carol", False)]
    assert await queued(erin) == [("bob", False), ("carol", False)]

    watch.offer(PresenceState("bob", True, 1, None, 1))
    assert await queued(alice) == [], "alice no longer watches bob"
    assert await queued(erin) == [("bob", True)]

    watch.forget(erin)
    watch.offer(PresenceState("carol", True, 1, None, 1))
    watch.offer(PresenceState("bob", False, 0, AT, 2))
    assert await queued(alice) == [("carol", True)]
    assert await queued(erin) == []
