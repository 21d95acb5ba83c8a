"""Reading a client SDK's events in tests: wait for the one expected, with a deadline, and
keep everything read in order."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from openchat.client import Client, Event, Message, MessageReceived

E = TypeVar("E")

DEFAULT_WAIT = 10.0


class EventLog:
    """The events of one client, read on demand; `log` holds every event read so far."""

    def __init__(self, client: Client) -> None:
        self._events = aiter(client.events())
        self.log: list[Event] = []

    async def next(self, within: float = DEFAULT_WAIT) -> Event:
        async with asyncio.timeout(within):
            event = await anext(self._events)
        self.log.append(event)
        return event

    async def until(
        self, wanted: Callable[[Event], bool], within: float = DEFAULT_WAIT
    ) -> list[Event]:
        """Read until an event satisfies `wanted`; returns every event read, that one last."""
        read: list[Event] = []
        async with asyncio.timeout(within):
            while True:
                read.append(await self.next(within))
                if wanted(read[-1]):
                    return read

    async def first(
        self,
        kind: type[E],
        where: Callable[[E], bool] = lambda _: True,
        within: float = DEFAULT_WAIT,
    ) -> E:
        """The next event of `kind` that satisfies `where` (others are read and logged)."""
        read = await self.until(lambda e: isinstance(e, kind) and where(e), within)
        found = read[-1]
        assert isinstance(found, kind)
        return found

    async def messages(self, count: int, within: float = DEFAULT_WAIT) -> list[Message]:
        """The next `count` messages (other events are read and logged on the way)."""
        found: list[Message] = []
        async with asyncio.timeout(within):
            while len(found) < count:
                event = await self.next(within)
                if isinstance(event, MessageReceived):
                    found.append(event.message)
        return found


def of_kind(kind: type[Event]) -> Callable[[Event], bool]:
    return lambda event: isinstance(event, kind)


def messages_in(events: list[Event]) -> list[Message]:
    return [event.message for event in events if isinstance(event, MessageReceived)]
