"""The conversations of each user, cached for the session frames that name a conversation
(typing, delivery acks): a client may send them many times a second with any id, and a
made-up id must not cost a query each time."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from openchat.server.ports import ConversationStore

# A user's list is read again after this long when a frame names one of its conversations
# (the user may have left it; the paths behind this check, the member cache and the receipt
# store, are authoritative either way).
TTL_SECONDS = 30.0
# A frame naming a conversation missing from the list reads the list again (the user may
# just have joined), but at most this often per user: a flood of made-up ids costs one query
# per user and interval, whatever the number of frames.
MIN_RELOAD_SECONDS = 1.0


class UserConversationsCache:
    """UserConversations: user id -> the ids of the conversations they are in."""

    def __init__(
        self,
        store: ConversationStore,
        *,
        ttl_seconds: float = TTL_SECONDS,
        min_reload_seconds: float = MIN_RELOAD_SECONDS,
        max_entries: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._ttl = ttl_seconds
        self._min_reload = min_reload_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[frozenset[str], float]] = OrderedDict()

    async def includes(self, user_id: str, conversation_id: str) -> bool:
        entry = self._entries.get(user_id)
        if entry is not None:
            self._entries.move_to_end(user_id)
            conversation_ids, loaded_at = entry
            age = self._clock() - loaded_at
            known = conversation_id in conversation_ids
            if age < self._min_reload or (known and age < self._ttl):
                return known
        return conversation_id in await self._load(user_id)

    async def _load(self, user_id: str) -> frozenset[str]:
        loaded_at = self._clock()
        heads = await self._store.heads_for_member(user_id)
        conversation_ids = frozenset(head.conversation_id for head in heads.conversations)
        self._entries[user_id] = (conversation_ids, loaded_at)
        self._entries.move_to_end(user_id)
        if len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return conversation_ids
