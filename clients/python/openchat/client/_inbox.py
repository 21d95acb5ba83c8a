"""The inbox: turns messages arriving from anywhere (the session stream's catch-up and live
frames, Sync, gap fills) into one ordered, de-duplicated feed per conversation.

Each conversation has a cursor: the highest seq queued for the app. A message at cursor + 1 is
stored, queued and advances the cursor; one at or below the cursor was seen already and is
dropped; one further ahead reveals a hole (a push the client missed) and waits while the
missing range is fetched with ListMessages. Because the server numbers each conversation's
messages 1, 2, 3, ... without gaps, "every seq up to the cursor" is exactly what the app has.

The cursors persisted in the store advance when the app takes a message from the event queue
(`given`), before the app sees it: after a restart the client resumes from there, so the app
gets each message once even when it was killed with messages still queued.

Beside them, one deletion cursor: the position of the user's deletion feed (the messages they
deleted for themselves, on any device) up to which the store applied every deletion. It
advances in the transaction that hides the messages, as each deletion reaches the client.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from openchat.client._counters import Counters
from openchat.client._event_queue import EventQueue
from openchat.client._events import MessageReceived, MessagesDeleted
from openchat.client._exceptions import ServiceError
from openchat.client._folding import placeholder
from openchat.client._models import Message
from openchat.client._store import LocalStore

_log = logging.getLogger("openchat.client")

# Fetches the messages of a conversation with after_seq < seq < before_seq, in seq order.
FetchRange = Callable[[str, int, int], Awaitable[list[Message]]]


class Inbox:
    def __init__(
        self,
        store: LocalStore,
        events: EventQueue,
        fetch_range: FetchRange,
        counters: Counters,
    ) -> None:
        self._store = store
        self._events = events
        self._fetch_range = fetch_range
        self._counters = counters
        self._cursors: dict[str, int] = {}
        self._deletions_cursor = 0
        self._held: dict[str, dict[int, Message]] = {}
        self._fills: dict[str, asyncio.Task[None]] = {}
        self._lock = asyncio.Lock()

    async def load(self) -> None:
        self._cursors = await self._store.cursors()
        self._deletions_cursor = await self._store.deletions_cursor()

    async def stop(self) -> None:
        fills = list(self._fills.values())
        for task in fills:
            task.cancel()
        await asyncio.gather(*fills, return_exceptions=True)

    def cursors(self) -> dict[str, int]:
        """The highest seq queued for the app, per conversation: where to resume."""
        return dict(self._cursors)

    def cursor(self, conversation_id: str) -> int:
        return self._cursors.get(conversation_id, 0)

    def deletions_cursor(self) -> int:
        """Where to resume the user's deletion feed (0: from its start)."""
        return self._deletions_cursor

    def watermark(self) -> int:
        """Comparable with the server's pong watermark (the sum of last_seq)."""
        return sum(self._cursors.values())

    async def start_at(self, cursors: Mapping[str, int]) -> None:
        """Skip what came before (a new device that does not replay history)."""
        async with self._lock:
            await self._store.advance_cursors(cursors)
            for conversation_id, seq in cursors.items():
                self._cursors[conversation_id] = max(self.cursor(conversation_id), seq)

    def forget_held(self) -> None:
        """The session restarted: it resumes from the cursors and resends what was held."""
        self._held.clear()

    async def accept(self, messages: Sequence[Message]) -> int:
        """Queue what continues a conversation, hold what is ahead of a hole, drop what was
        seen; returns how many messages were queued."""
        async with self._lock:
            ready: list[Message] = []
            holes: set[str] = set()
            for message in messages:
                conversation_id, seq = message.conversation_id, message.seq
                held = self._held.setdefault(conversation_id, {})
                cursor = self.cursor(conversation_id)
                if seq <= cursor or seq in held:
                    self._counters.duplicates_dropped += 1
                    continue
                if seq > cursor + 1:
                    held[seq] = message
                    holes.add(conversation_id)
                    continue
                ready.append(message)
                cursor = seq
                while (following := held.pop(cursor + 1, None)) is not None:
                    ready.append(following)
                    cursor += 1
                self._cursors[conversation_id] = cursor
            await self._store.put_messages(ready)
            for message in ready:
                self._events.put(MessageReceived(message))
            self._counters.messages_received += len(ready)
        for conversation_id in holes:
            if self._held.get(conversation_id) and conversation_id not in self._fills:
                self._fills[conversation_id] = asyncio.create_task(
                    self._fill(conversation_id), name=f"gap-fill-{conversation_id}"
                )
        return len(ready)

    async def hide(
        self, conversation_id: str, message_ids: Sequence[str], deletions_position: int = 0
    ) -> None:
        """The user deleted these messages for themselves: the stored ones become
        placeholders, and so do those held ahead of a hole (stored once it is filled). A
        `deletions_position` (what the server says every deletion up to, these included, has
        reached this client; 0: it says nothing) becomes the deletion cursor. It is taken as
        given, not as a maximum: the server's feed is the authority."""
        async with self._lock:
            await self._store.hide_messages(
                conversation_id, message_ids, deletions_position=deletions_position
            )
            if deletions_position:
                self._deletions_cursor = deletions_position
            held = self._held.get(conversation_id, {})
            deleted = set(message_ids)
            for seq, message in held.items():
                if message.message_id in deleted:
                    held[seq] = placeholder(message)

    async def apply_deletions(
        self, placeholders: Sequence[Message], deletions_position: int
    ) -> None:
        """Apply what a Sync says this user deleted (placeholders, in the feed's order): hide
        each run of one conversation, the cursor moving with the last, and tell the app as a
        session's frames do."""
        runs: list[list[Message]] = []
        for deleted in placeholders:
            if runs and runs[-1][0].conversation_id == deleted.conversation_id:
                runs[-1].append(deleted)
            else:
                runs.append([deleted])
        for run in runs:
            conversation_id, ids = run[0].conversation_id, [m.message_id for m in run]
            await self.hide(conversation_id, ids, deletions_position if run is runs[-1] else 0)
            self._events.put(
                MessagesDeleted(conversation_id, tuple(ids), tuple(m.seq for m in run))
            )
        if not runs and deletions_position and deletions_position != self._deletions_cursor:
            # Nothing to apply, yet another cursor: one the server never gave (a restored
            # backup of its database) comes back as its feed's head.
            async with self._lock:
                await self._store.set_deletions_cursor(deletions_position)
                self._deletions_cursor = deletions_position

    async def given(self, message: Message) -> None:
        """The app is being handed `message`: never hand it over again."""
        await self._store.advance_cursors({message.conversation_id: message.seq})

    async def _fill(self, conversation_id: str) -> None:
        """Fetch the range between the cursor and the first held message until no hole is
        left. When the range cannot be fetched (the user left the conversation, the server is
        unreachable past the retry deadline) the held messages are dropped: the next session
        resumes from the cursor and receives them again in order."""
        try:
            while held := self._held.get(conversation_id):
                after, before = self.cursor(conversation_id), min(held)
                await self.accept(await self._fetch_range(conversation_id, after, before))
                if self.cursor(conversation_id) == after:  # no progress: give up for now
                    self._held.pop(conversation_id, None)
                    return
            self._counters.gaps_filled += 1
        except ServiceError as error:
            _log.warning("could not fill a gap in %s: %s", conversation_id, error)
            self._held.pop(conversation_id, None)
        finally:
            del self._fills[conversation_id]
