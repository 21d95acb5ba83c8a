"""The set of registered bot ids, cached for route planning (it runs for every stored
message) and reloaded when a bot is registered or unregistered anywhere in the cluster."""

from __future__ import annotations

import time
from collections.abc import Callable

from openchat.server.ports import BotStore


class BotDirectory:
    """Cached bot ids."""

    def __init__(
        self,
        store: BotStore,
        *,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._ttl = ttl_seconds
        self._clock = clock
        self._cached: tuple[frozenset[str], float] | None = None

    async def bot_ids(self) -> frozenset[str]:
        if self._cached is not None and self._cached[1] > self._clock():
            return self._cached[0]
        ids = await self._store.bot_ids()
        self._cached = (ids, self._clock() + self._ttl)
        return ids

    def invalidate(self) -> None:
        self._cached = None
