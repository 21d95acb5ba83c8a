"""Which durable route work a stored message needs, decided in its transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from openchat.server.domain.model import WEBHOOK_ROUTE, Message, PlannedJob


class DurableRoutePlanner:
    """RoutePlanner: a webhook job per bot member (other than the sender) and a job per
    message for each external IM provider. Push notifications need no job: the push sweeper
    works from watermarks (routing/push_sweep.py)."""

    def __init__(self, *, provider_routes: Sequence[str]) -> None:
        self._provider_routes = provider_routes

    async def plan(
        self, messages: Sequence[Message], bot_members: Mapping[str, frozenset[str]]
    ) -> list[PlannedJob]:
        jobs: list[PlannedJob] = []
        for message in messages:
            jobs.extend(
                PlannedJob(WEBHOOK_ROUTE, message, bot_id)
                for bot_id in sorted(bot_members.get(message.conversation_id, ()))
                if bot_id != message.sender_id
            )
            jobs.extend(PlannedJob(route, message) for route in self._provider_routes)
        return jobs
