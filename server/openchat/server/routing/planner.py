"""Which durable route work a stored message needs, decided in its transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from openchat.server.domain.delivery import WEBHOOK_KINDS, WEBHOOK_ROUTE, PlannedJob
from openchat.server.domain.model import Message, MessageKind


class DurableRoutePlanner:
    """RoutePlanner: a webhook job per bot member (other than the sender) for messages, edits
    and recalls, and for messages only a job for each external IM provider. Push notifications
    need no job: the push sweeper works from watermarks (routing/push_sweep.py)."""

    def __init__(self, *, provider_routes: Sequence[str]) -> None:
        self._provider_routes = provider_routes

    async def plan(
        self, messages: Sequence[Message], bot_members: Mapping[str, frozenset[str]]
    ) -> list[PlannedJob]:
        jobs: list[PlannedJob] = []
        for message in messages:
            if message.kind in WEBHOOK_KINDS:
                jobs.extend(
                    PlannedJob(WEBHOOK_ROUTE, message, bot_id)
                    for bot_id in sorted(bot_members.get(message.conversation_id, ()))
                    if bot_id != message.sender_id
                )
            if message.kind is not MessageKind.MESSAGE:
                continue
            jobs.extend(PlannedJob(route, message) for route in self._provider_routes)
        return jobs
