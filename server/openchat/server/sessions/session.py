"""One session stream: a device's bounded queue of outbound frames and its liveness."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

from openchat.server.domain.errors import OpenChatError, SlowConsumer
from openchat.server.domain.frames import Outbound, ReconnectRequest
from openchat.server.domain.model import PresenceState, SessionKey

_CLOSED = object()


class _PresenceSlot(str):
    """A place in the queue for the pending presence of the user it names."""

    __slots__ = ()


class Session:
    """A live session. Frames are pushed by fan-out and read by the stream's writer; a client
    that stops reading fills the queue, and at capacity the session is closed (SlowConsumer)
    instead of growing server memory.

    Presence frames are coalesced: at most one per user waits in the queue (the newest state
    takes the place of the older one), and they do not count against the capacity, so the
    snapshots of a watch of the documented maximum of users never cut a prompt client off;
    there is at most one waiting per watched user.

    A server holds tens of thousands of these, so each keeps only what it needs: one deque of
    frames and, while the writer waits, one future (an asyncio.Queue and Events would add five
    more deques, about 3 KB per session)."""

    def __init__(
        self,
        key: SessionKey,
        *,
        capacity: int,
        on_overflow: Callable[[Session, OpenChatError], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.key = key
        self._capacity = capacity
        self._on_overflow = on_overflow
        self._clock = clock
        self._frames: deque[object] = deque()
        self._presence: dict[str, PresenceState] = {}  # user id -> state behind its slot
        self._writer_waiting: asyncio.Future[None] | None = None
        self.last_activity = clock()
        self.closed = False
        self.close_error: OpenChatError | None = None
        # The server is shutting down: the client was asked to reconnect, new sends are refused.
        self.draining = False

    @property
    def user_id(self) -> str:
        return self.key.user_id

    @property
    def device_id(self) -> str:
        return self.key.device_id

    def touch(self) -> None:
        """The client sent a frame: it is alive."""
        self.last_activity = self._clock()

    def idle_for(self) -> float:
        return self._clock() - self.last_activity

    def push(self, frame: Outbound) -> None:
        """Queue a frame for the client; closes the session when the client is too far behind."""
        if self.closed:
            return
        if isinstance(frame, PresenceState):
            self._push_presence(frame)
            return
        if len(self._frames) - len(self._presence) >= self._capacity:
            self._on_overflow(self, SlowConsumer(self._capacity))
            return
        self._queue(frame)

    def _push_presence(self, state: PresenceState) -> None:
        pending = self._presence.get(state.user_id)
        if pending is None:
            self._presence[state.user_id] = state
            self._queue(_PresenceSlot(state.user_id))
        elif state.generation >= pending.generation:
            self._presence[state.user_id] = state

    def drop_presence(self) -> None:
        """Forget the presence frames not sent yet (the watched set was replaced)."""
        if self._presence:
            self._presence.clear()
            self._frames = deque(f for f in self._frames if not isinstance(f, _PresenceSlot))

    def close(
        self, error: OpenChatError | None = None, farewell: ReconnectRequest | None = None
    ) -> bool:
        """Mark the session closed; the writer sends `farewell` (if any) and then ends, with
        `error` as the stream's status. Returns False when it was already closed."""
        if self.closed:
            return False
        self.close_error = error
        if farewell is not None:
            self._queue(farewell)
        self._queue(_CLOSED)
        self.closed = True
        return True

    def drain(self, farewell: ReconnectRequest) -> None:
        """Ask the client to reconnect elsewhere, keeping the session open so that the sends
        in flight are still answered; the session is closed when they are (or at the end of
        the shutdown grace)."""
        if self.closed or self.draining:
            return
        self.draining = True
        self._queue(farewell)

    async def next_frame(self) -> Outbound | None:
        """The next queued frame, or None once the session is closed and drained."""
        while not self._frames:
            self._writer_waiting = asyncio.get_running_loop().create_future()
            try:
                await self._writer_waiting
            finally:
                self._writer_waiting = None
        frame = self._frames.popleft()
        if frame is _CLOSED:
            return None
        if isinstance(frame, _PresenceSlot):
            return self._presence.pop(frame)
        return frame  # type: ignore[return-value]  # everything else queued is Outbound

    @property
    def backlog(self) -> int:
        return len(self._frames)

    def _queue(self, frame: object) -> None:
        self._frames.append(frame)
        if self._writer_waiting is not None and not self._writer_waiting.done():
            self._writer_waiting.set_result(None)
