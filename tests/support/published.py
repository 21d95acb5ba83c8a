"""What was published on an in-process event bus, read without guessing how long delivery
takes: a marker published last arrives last, so once it is handled everything before it is."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from openchat.server.events.in_process import InProcessEventBus
from tests.support.waiting import until


async def collected(
    events: InProcessEventBus, topic: str, into: list[object]
) -> Callable[[], Awaitable[list[object]]]:
    """Subscribe to `topic`; the returned function waits until every event published so far has
    been handled and returns them (the events in `into`, in publication order)."""
    marker = object()

    async def record(event: object) -> None:
        into.append(event)

    events.subscribe(topic, record)

    async def everything_so_far() -> list[object]:
        await events.publish(topic, marker)
        await until(lambda: bool(into) and into[-1] is marker, what=f"{topic} delivered")
        into.pop()
        return list(into)

    return everything_so_far
