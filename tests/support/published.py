"""What was published on an in-process event bus, read without guessing how long delivery
takes: once no subscriber has an event waiting in its queue, every event published so far has
been handled."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from openchat.server.domain.events import Topic
from openchat.server.events.in_process import InProcessEventBus
from tests.support.waiting import until

Event = TypeVar("Event")

# Waits until every event published so far on the topic was handled; returns them in order.
Published = Callable[[], Awaitable[list[Event]]]


async def collected(
    events: InProcessEventBus, topic: Topic[Event], into: list[Event]
) -> Published[Event]:
    """Subscribe to `topic`, keeping its events in `into`. Handling one is appending it, with
    no await in between, so an event that has left the bus's queue is already in the list."""

    async def record(event: Event) -> None:
        into.append(event)

    events.subscribe(topic, record)

    async def everything_so_far() -> list[Event]:
        await until(lambda: events.backlog() == 0, what=f"{topic.name} delivered")
        return list(into)

    return everything_so_far
