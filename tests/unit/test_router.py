"""MessageRouter (routing/router.py): a route that fails or hangs delays only itself, and every
route run is counted by route and outcome."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from openchat.server.domain.events import MESSAGE_PERSISTED, MessagePersisted
from openchat.server.domain.model import Content, Message
from openchat.server.events.in_process import InProcessEventBus
from openchat.server.observability.metrics import Metrics
from openchat.server.routing.router import MessageRouter
from tests.support.waiting import until


class _Recording:
    name = "recording"

    def __init__(self) -> None:
        self.routed: list[str] = []

    async def route(self, event: MessagePersisted) -> None:
        self.routed.append(event.message.message_id)


class _Failing:
    name = "failing"

    async def route(self, event: MessagePersisted) -> None:
        raise RuntimeError("the provider is down")


class _Hanging:
    name = "hanging"

    async def route(self, event: MessagePersisted) -> None:
        await asyncio.Event().wait()


def _persisted(message_id: str) -> MessagePersisted:
    return MessagePersisted(
        Message(message_id, "c", 1, "s", message_id, Content(text="hi"), datetime.now(UTC))
    )


async def test_a_failing_or_hanging_route_delays_only_itself_and_every_run_is_counted() -> None:
    events = InProcessEventBus()
    metrics = Metrics()
    recording = _Recording()
    router = MessageRouter(
        events, [_Failing(), _Hanging(), recording], timeout=1.0, metrics=metrics
    )
    router.start()
    try:
        for message_id in ("m1", "m2"):
            await events.publish(MESSAGE_PERSISTED, _persisted(message_id))
        await until(lambda: recording.routed == ["m1", "m2"], what="both messages routed")

        def runs(route: str, outcome: str) -> float | None:
            return metrics.registry.get_sample_value(
                "openchat_route_outcomes_total", {"route": route, "outcome": outcome}
            )

        assert runs("hanging", "timeout") is None, "the others waited for the hanging route"
        assert runs("recording", "ok") == 2
        await until(lambda: runs("failing", "failed") == 2, what="both failing runs counted")
        await until(lambda: runs("hanging", "timeout") == 2, what="both hanging runs timed out")
        assert runs("recording", "failed") is None
        durations = metrics.registry.get_sample_value(
            "openchat_route_duration_seconds_count", {"route": "recording"}
        )
        assert durations == 2
    finally:
        router.stop()
