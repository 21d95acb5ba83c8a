"""What only the in-process bus promises beyond the EventBus contract (which
test_event_buses.py runs on every bus): publishing to nobody is harmless, close() ends
every subscription while the bus stays usable, and topics of one event type stay apart (it
carries node-local topics too, which the cluster buses do not)."""

from __future__ import annotations

from openchat.server.domain.events import Topic
from openchat.server.events.in_process import InProcessEventBus
from openchat.server.ports import EventHandler
from tests.support.waiting import until

NOTES = Topic("test.notes", str)
MEMOS = Topic("test.memos", str)


def recorder(into: list[str]) -> EventHandler[str]:
    async def record(event: str) -> None:
        into.append(event)

    return record


async def test_publishing_without_subscribers_is_harmless(events: InProcessEventBus) -> None:
    """The event is dropped, not kept for a later subscriber, and the topic works as before."""
    await events.publish(NOTES, "unheard")
    assert events.backlog() == 0
    later: list[str] = []
    events.subscribe(NOTES, recorder(later))
    await events.publish(NOTES, "heard")
    await until(lambda: later)
    assert later == ["heard"]


async def test_close_ends_every_subscription(events: InProcessEventBus) -> None:
    received: list[str] = []
    events.subscribe(NOTES, recorder(received))
    await events.close()
    await events.publish(NOTES, "after close")
    later: list[str] = []
    events.subscribe(NOTES, recorder(later))
    await events.publish(NOTES, "new subscriber")
    await until(lambda: later == ["new subscriber"])
    assert received == []


async def test_topics_of_one_event_type_stay_apart(events: InProcessEventBus) -> None:
    notes: list[str] = []
    memos: list[str] = []
    events.subscribe(NOTES, recorder(notes))
    events.subscribe(MEMOS, recorder(memos))

    await events.publish(NOTES, "a note")
    await events.publish(MEMOS, "a memo")
    await events.publish(NOTES, "another note")

    await until(lambda: len(notes) == 2 and len(memos) == 1)
    assert notes == ["a note", "another note"]
    assert memos == ["a memo"]
