"""The EventBus contract on InProcessEventBus: each subscriber sees its topic's events in
publication order; a failing or stuck subscriber delays neither the publisher nor the others;
unsubscribing stops delivery."""

from __future__ import annotations

import asyncio

from openchat.server.events.in_process import InProcessEventBus
from openchat.server.ports import EventHandler
from tests.support.waiting import until

# A deadline for publish(), which must never wait for a handler; far above any real duration.
PUBLISH_DEADLINE_SECONDS = 5.0


def recorder(into: list[object]) -> EventHandler:
    async def record(event: object) -> None:
        into.append(event)

    return record


async def test_each_subscriber_gets_every_event_of_its_topic_in_order(
    events: InProcessEventBus,
) -> None:
    first: list[object] = []
    second: list[object] = []
    elsewhere: list[object] = []
    events.subscribe("topic", recorder(first))
    events.subscribe("topic", recorder(second))
    events.subscribe("other", recorder(elsewhere))

    for n in range(100):
        await events.publish("topic", n)
    await events.publish("other", "x")

    await until(lambda: len(first) == len(second) == 100 and elsewhere == ["x"])
    assert first == second == list(range(100))


async def test_publishing_without_subscribers_is_harmless(events: InProcessEventBus) -> None:
    await events.publish("nobody-listens", object())


async def test_a_failing_handler_neither_stops_others_nor_its_own_later_events(
    events: InProcessEventBus,
) -> None:
    survived: list[object] = []
    others: list[object] = []

    async def fails_on_even(event: object) -> None:
        assert isinstance(event, int)
        if event % 2 == 0:
            raise RuntimeError(f"handler bug on {event}")
        survived.append(event)

    events.subscribe("topic", fails_on_even)
    events.subscribe("topic", recorder(others))
    for n in range(10):
        await events.publish("topic", n)

    await until(lambda: len(others) == 10 and len(survived) == 5)
    assert others == list(range(10))
    assert survived == [1, 3, 5, 7, 9]


async def test_a_stuck_handler_blocks_neither_the_publisher_nor_others(
    events: InProcessEventBus,
) -> None:
    gate = asyncio.Event()
    slow: list[object] = []
    fast: list[object] = []

    async def stuck_until_the_gate_opens(event: object) -> None:
        await gate.wait()
        slow.append(event)

    events.subscribe("topic", stuck_until_the_gate_opens)
    events.subscribe("topic", recorder(fast))
    async with asyncio.timeout(PUBLISH_DEADLINE_SECONDS):
        for n in range(20):
            await events.publish("topic", n)

    await until(lambda: len(fast) == 20)
    assert slow == [], "the stuck handler is still waiting"
    gate.set()
    await until(lambda: len(slow) == 20)
    assert slow == fast == list(range(20))


async def test_an_unsubscribed_handler_gets_nothing_more(events: InProcessEventBus) -> None:
    leaving: list[object] = []
    staying: list[object] = []
    unsubscribe = events.subscribe("topic", recorder(leaving))
    events.subscribe("topic", recorder(staying))

    await events.publish("topic", "before")
    await until(lambda: leaving == ["before"])
    unsubscribe()
    await events.publish("topic", "after")
    # Once the remaining subscriber has the later event, delivery of it is over.
    await until(lambda: staying == ["before", "after"])
    assert leaving == ["before"]


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
