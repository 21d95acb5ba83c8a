"""The set of registered bot ids, cached for push delivery (it runs for every stored message)
and reloaded when a bot is registered or unregistered anywhere in the cluster. (Route planning
reads bot members in the storing transaction instead: see storage/bot_store.py.)"""

from __future__ import annotations

import time
from collections.abc import Callable

from openchat.server.domain.events import BOTS_CHANGED, BotsChanged
from openchat.server.ports import BotStore, EventBus

# Cached bot ids expire after this long, in case an invalidation was lost.
TTL_SECONDS = 30.0


class BotCache:
    """BotDirectory: the registered bot ids, cached."""

    def __init__(
        self,
        store: BotStore,
        *,
        ttl_seconds: float = TTL_SECONDS,
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

    def invalidate_on(self, cluster: EventBus) -> Callable[[], None]:
        """Drop the cached ids whenever any node registers or unregisters a bot, or the bus may
        have lost such a change; returns a function that stops listening."""

        async def on_change(event: BotsChanged) -> None:
            self.invalidate()

        cluster.on_events_lost(self.invalidate)
        return cluster.subscribe(BOTS_CHANGED, on_change)
