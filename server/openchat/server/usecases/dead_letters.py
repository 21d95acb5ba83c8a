"""Listing and replaying dead letters (admin only)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from openchat.server.domain.delivery import RouteJobRecord
from openchat.server.domain.model import Principal
from openchat.server.ports import RouteOutbox
from openchat.server.usecases.bots import require_admin


class DeadLetters:
    """The AdminService use cases."""

    def __init__(self, outbox: RouteOutbox, on_replay: Callable[[], None]) -> None:
        self._outbox = outbox
        # Wakes the route workers, so replayed jobs run now rather than at the next poll.
        self._on_replay = on_replay

    async def list(
        self, principal: Principal, route: str, *, before_job_id: int | None, limit: int
    ) -> list[RouteJobRecord]:
        require_admin(principal)
        return await self._outbox.dead_letters(route, before_job_id=before_job_id, limit=limit)

    async def replay(self, principal: Principal, job_ids: Sequence[int]) -> int:
        require_admin(principal)
        replayed = await self._outbox.replay(job_ids)
        self._on_replay()
        return replayed
