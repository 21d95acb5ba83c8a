"""The in-process event bus, for a single node, and the local dispatch every bus shares."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import structlog

from openchat.server.background.cancellation import cancel_and_wait
from openchat.server.domain.events import Topic
from openchat.server.failures import is_transient
from openchat.server.ports import EventHandler

_log = structlog.get_logger(__name__)

Event = TypeVar("Event")


class _Subscription(Generic[Event]):
    """One subscriber: its own queue and task, so a slow or failing handler only delays itself."""

    def __init__(self, topic: Topic[Event], handler: EventHandler[Event]) -> None:
        self.topic = topic
        self.queue: asyncio.Queue[Event] = asyncio.Queue()
        self._handler = handler
        self.task = asyncio.create_task(self._run(), name=f"subscriber:{topic.name}")

    async def _run(self) -> None:
        while True:
            event = await self.queue.get()
            try:
                await self._handler(event)
            except Exception as error:  # noqa: BLE001 - a failure must not stop the subscription
                if is_transient(error):  # a dependency restarting, not a bug
                    _log.warning("event_handler_failed", topic=self.topic.name, error=repr(error))
                else:
                    _log.exception("event_handler_failed", topic=self.topic.name)


class LocalDispatch:
    """Subscriptions of this process, and handing an event to each subscriber of its topic."""

    def __init__(self) -> None:
        # Each list holds the subscriptions of its key's topic, so their events fit each other.
        self._subscriptions: dict[Topic[Any], list[_Subscription[Any]]] = {}

    def subscribe(self, topic: Topic[Event], handler: EventHandler[Event]) -> Callable[[], None]:
        subscription = _Subscription(topic, handler)
        self._subscriptions.setdefault(topic, []).append(subscription)

        def unsubscribe() -> None:
            subscriptions = self._subscriptions.get(topic, [])
            if subscription in subscriptions:
                subscriptions.remove(subscription)
            subscription.task.cancel()

        return unsubscribe

    def dispatch(self, topic: Topic[Event], event: Event) -> None:
        for subscription in self._subscriptions.get(topic, ()):
            subscription.queue.put_nowait(event)

    def backlog(self) -> int:
        """Events waiting in subscribers' queues (also the redis bus's unpublished ones)."""
        return sum(s.queue.qsize() for subs in self._subscriptions.values() for s in subs)

    async def close(self) -> None:
        tasks = [s.task for subs in self._subscriptions.values() for s in subs]
        self._subscriptions.clear()
        await cancel_and_wait(tasks)


class InProcessEventBus(LocalDispatch):
    """EventBus within one process. Publishing enqueues and returns at once."""

    async def start(self) -> None:
        return None

    async def publish(self, topic: Topic[Event], event: Event) -> None:
        self.dispatch(topic, event)

    def on_events_lost(self, callback: Callable[[], None]) -> None:
        return None  # nothing between publisher and subscribers can lose an event
