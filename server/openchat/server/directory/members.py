"""Member lists of conversations, cached for fan-out: every stored message, typing indicator
and receipt needs the members of its conversation, and a 1,000-member group must not cost a
query per event."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable

from openchat.server.domain.events import MEMBERSHIP_CHANGED, MembershipChanged
from openchat.server.ports import ConversationStore, EventBus

# Cached member lists expire after this long, in case an invalidation was lost unnoticed (its
# publisher could not reach Redis). Membership is an authorization decision: this is the
# longest a removed member can keep receiving live (docs/architecture.md).
TTL_SECONDS = 5.0


class MembershipCache:
    """MemberDirectory: conversation id -> member ids. Entries are dropped when a
    MembershipChanged event arrives (see `invalidate_on`), all of them when the bus may have
    lost such events, and expire after `ttl_seconds` in case one was lost unnoticed."""

    def __init__(
        self,
        store: ConversationStore,
        *,
        ttl_seconds: float = TTL_SECONDS,
        max_entries: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[frozenset[str], float]] = OrderedDict()
        self._loading: dict[str, asyncio.Future[frozenset[str]]] = {}
        # Bumped by invalidate(), so that a load that raced an invalidation is not cached.
        self._versions: dict[str, int] = {}

    async def members(self, conversation_id: str) -> frozenset[str]:
        """The members (empty when the conversation does not exist)."""
        entry = self._entries.get(conversation_id)
        if entry is not None and entry[1] > self._clock():
            self._entries.move_to_end(conversation_id)
            return entry[0]
        loading = self._loading.get(conversation_id)
        if loading is not None:  # one query serves every concurrent miss
            return await asyncio.shield(loading)
        future: asyncio.Future[frozenset[str]] = asyncio.get_running_loop().create_future()
        self._loading[conversation_id] = future
        version = self._versions.get(conversation_id, 0)
        try:
            members = await self._store.member_ids(conversation_id)
            if self._versions.get(conversation_id, 0) == version:
                self._entries[conversation_id] = (members, self._clock() + self._ttl)
                if len(self._entries) > self._max_entries:
                    self._entries.popitem(last=False)
            future.set_result(members)
            return members
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: waiters get it, nobody else must
            raise
        finally:
            del self._loading[conversation_id]

    def invalidate(self, conversation_id: str) -> None:
        self._entries.pop(conversation_id, None)
        self._versions[conversation_id] = self._versions.get(conversation_id, 0) + 1

    def invalidate_all(self) -> None:
        self._entries.clear()
        for conversation_id in self._loading:  # loads in flight may have read the old list
            self.invalidate(conversation_id)

    def invalidate_on(self, cluster: EventBus) -> Callable[[], None]:
        """Drop a conversation's entry whenever any node changes its members, and every entry
        when the bus may have lost such changes; returns a function that stops listening."""

        async def on_change(event: MembershipChanged) -> None:
            self.invalidate(event.conversation_id)

        cluster.on_events_lost(self.invalidate_all)
        return cluster.subscribe(MEMBERSHIP_CHANGED, on_change)
