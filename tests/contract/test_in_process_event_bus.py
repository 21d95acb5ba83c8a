"""What only the in-process bus promises beyond the EventBus contract (which
test_event_buses.py runs on every bus): publishing to nobody is harmless, and close() ends
every subscription while the bus stays usable."""

from __future__ import annotations

from openchat.server.events.in_process import InProcessEventBus
from openchat.server.ports import EventHandler
from tests.support.waiting import until


def recorder(into: list[object]) -> EventHandler:
    async def record(event: object) -> None:
        into.append(event)

    return record


async def test_publishing_without_subscribers_is_harmless(events: InProcessEventBus) -> None:
    """The event is dropped, not kept for a later subscriber, and the topic works as before."""
    await events.publish("nobody-listens", "unheard")
    assert events.backlog() == 0
    later: list[object] = []
    events.subscribe("nobody-listens", recorder(later))
    await events.publish("nobody-listens", "heard")
    await until(lambda: later)
    assert later == ["heard"]


async def test_close_ends_every_subscription(events: InProcessEventBus) -> None:
    received: list[object] = []
    events.subscribe("topic", recorder(received))
    await events.close()
    await events.publish("topic", "after close")
    later: list[object] = []
    events.subscribe("topic", recorder(later))
    await events.publish("topic", "new subscriber")
    await until(lambda: later == ["new subscriber"])
    assert received == []
