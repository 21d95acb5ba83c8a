"""The queue between the client and the app's event loop (`Client.events()`).

It never refuses a message: what a sync or a gap fill fetched is queued in full. The session
stream, which could pour in without end, waits for room before it reads the next frame
(`wait_for_room`); a server whose session queue then overflows cuts the session off, and the
client reconnects and resumes from its cursors, so a slow app loses no message. Other events
(connection changes, receipts, presence, typing, outbox changes) say what can also be asked
for (`connected`, `outbox.entries()`, `get_presence()`...): past the high-water mark they are
dropped and counted, so that an app that never reads events (a script that only sends) does
not grow without bound.
"""

from __future__ import annotations

import asyncio
from collections import deque

from openchat.client._counters import Counters
from openchat.client._events import Event, MessageReceived


class EventQueue:
    def __init__(self, high_water: int, counters: Counters) -> None:
        self._items: deque[Event] = deque()
        self._high_water = high_water
        self._counters = counters
        self._ready = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self._closed = False

    def put(self, event: Event) -> None:
        if len(self._items) >= self._high_water and not isinstance(event, MessageReceived):
            self._counters.events_dropped += 1
            return
        self._items.append(event)
        self._ready.set()
        if len(self._items) >= self._high_water:
            self._room.clear()

    async def wait_for_room(self) -> None:
        await self._room.wait()

    async def get(self) -> Event | None:
        """The next event; None once the queue is closed and empty."""
        while not self._items:
            if self._closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        return self._take()

    def get_nowait(self) -> Event | None:
        return self._take() if self._items else None

    def _take(self) -> Event:
        event = self._items.popleft()
        if len(self._items) < self._high_water:
            self._room.set()
        return event

    def close(self) -> None:
        """No more events: readers get what is left, then None."""
        self._closed = True
        self._ready.set()
        self._room.set()
