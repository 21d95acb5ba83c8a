"""Which durable route work a stored message needs, decided in its transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from openchat.server.domain.model import (
    PUSH_ROUTE,
    WEBHOOK_KINDS,
    WEBHOOK_ROUTE,
    Message,
    MessageKind,
    PlannedJob,
)


class DurableRoutePlanner:
    """RoutePlanner: a webhook job per bot member (other than the sender) for messages, edits
    and recalls; for messages only, a push job when push is enabled (the push worker picks the
    offline recipients when it runs) and a job for each external IM provider."""

    def __init__(self, *, push_enabled: bool, provider_routes: Sequence[str]) -> None:
        self._push_enabled = push_enabled
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
            if self._push_enabled:
                jobs.append(PlannedJob(PUSH_ROUTE, message))
            jobs.extend(PlannedJob(route, message) for route in self._provider_routes)
        return jobs
