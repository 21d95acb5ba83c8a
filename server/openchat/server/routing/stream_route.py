"""Stream delivery: hand the message to every node on DELIVER_MESSAGE, whose session fan-out
(`sessions/fanout.py`) pushes it to the online devices of the members."""

from __future__ import annotations

from openchat.server.domain.events import DELIVER_MESSAGE, MessagePersisted
from openchat.server.ports import EventBus


class StreamDeliveryRoute:
    """Route to live sessions, on this node and (through the cluster bus) on every other."""

    name = "stream"

    def __init__(self, cluster: EventBus) -> None:
        self._cluster = cluster

    async def route(self, event: MessagePersisted) -> None:
        await self._cluster.publish(DELIVER_MESSAGE, event)
