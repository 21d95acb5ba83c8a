"""One session stream: a device's bounded queue of outbound frames and its liveness."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from openchat.server.domain.errors import OpenChatError, SlowConsumer
from openchat.server.domain.model import SessionKey
from openchat.server.sessions.frames import Outbound, ReconnectRequest

_CLOSED = object()


class Session:
    """A live session. Frames are pushed by fan-out and read by the stream's writer; a client
    that stops reading fills the queue, and at capacity the session is closed (SlowConsumer)
    instead of growing server memory."""

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
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self.last_activity = clock()
        self.closed = asyncio.Event()
        self.close_error: OpenChatError | None = None
        # The stream's handler has returned: nothing more can be written.
        self.finished = asyncio.Event()

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
        if self.closed.is_set():
            return
        if self._queue.qsize() >= self._capacity:
            self._on_overflow(self, SlowConsumer(self._capacity))
            return
        self._queue.put_nowait(frame)

    def close(
        self, error: OpenChatError | None = None, farewell: ReconnectRequest | None = None
    ) -> bool:
        """Mark the session closed; the writer sends `farewell` (if any) and then ends, with
        `error` as the stream's status. Returns False when it was already closed."""
        if self.closed.is_set():
            return False
        self.close_error = error
        if farewell is not None:
            self._queue.put_nowait(farewell)
        self._queue.put_nowait(_CLOSED)
        self.closed.set()
        return True

    async def next_frame(self) -> Outbound | None:
        """The next queued frame, or None once the session is closed and drained."""
        frame = await self._queue.get()
        if frame is _CLOSED:
            return None
        return frame  # type: ignore[return-value]  # everything else queued is Outbound

    @property
    def backlog(self) -> int:
        return self._queue.qsize()
