"""What a session's client receives, in order: the welcome, the catch-up from its resume
cursors and its deletion cursor (when it asked for one), then the live frames until the
session closes.

The catch-up is read after the session was registered, so whatever the read misses arrives live;
the session's `MessageSequencer` drops what arrives both ways and fills holes, so each
conversation reaches the client in seq order without duplicates or holes, and its
`DeletionSequencer` does the same for the user's deletions for themselves. Messages the user
deleted for themselves come in the catch-up as placeholders, as Sync sends them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import datetime

from openchat.server.domain.frames import CaughtUp, Outbound, Welcome
from openchat.server.domain.model import Deletion, Message, MessagesDeleted, UserHeads
from openchat.server.ports import ConversationStore, MessageStore
from openchat.server.sessions.batch_loader import BatchLoader
from openchat.server.sessions.deletions import DeletionSequencer
from openchat.server.sessions.sequencer import MessageSequencer
from openchat.server.sessions.session import Session
from openchat.server.settings import SessionSettings

CATCH_UP_PAGE = 200


class StreamAssembler:
    """Builds each session's outbound stream; the reads of all sessions are batched."""

    def __init__(
        self,
        *,
        settings: SessionSettings,
        conversations: ConversationStore,
        messages: MessageStore,
        clock: Callable[[], datetime],
    ) -> None:
        self._settings = settings
        self._messages = messages
        self._clock = clock
        # The reads every hello makes, batched across sessions (a reconnect storm is thousands).
        self._heads = BatchLoader(conversations.heads_for_members)
        self._pages = BatchLoader(messages.read_ranges)
        # Only for users who ever deleted a message for themselves (others have nothing hidden
        # and no deletion after any cursor: the heads say so).
        self._hidden = BatchLoader(self._hidden_in_ranges)
        self._deletions = BatchLoader(messages.read_deletions)

    async def frames(
        self,
        session: Session,
        *,
        cursors: Mapping[str, int],
        resume_all: bool,
        deletions_after: int | None,
    ) -> AsyncIterator[Outbound]:
        """Everything the session's client receives: the welcome, the catch-up (when asked
        for), then live frames until the session closes; raises the close error, if any."""
        yield Welcome(
            session_id=session.key.session_id,
            user_id=session.user_id,
            heartbeat_interval=self._settings.heartbeat_interval,
            heartbeat_timeout=self._settings.heartbeat_timeout,
            server_time=self._clock(),
        )
        sequencer = MessageSequencer(self._read_page, page_size=CATCH_UP_PAGE)
        deletions = DeletionSequencer(session.user_id, deletions_after, self._read_deletions)
        if cursors or resume_all or deletions.wanted:
            heads = await self._heads.get(session.user_id)
            async for deleted in deletions.catch_up(heads.deletions_position):
                yield deleted
            sent = 0
            async for message in self._catch_up(
                session.user_id, heads, cursors, resume_all, sequencer
            ):
                async for frame in sequencer.accept(message):
                    yield frame
                    sent += 1
            yield CaughtUp(sent)
        while (live := await session.next_frame()) is not None:
            if isinstance(live, Message):
                async for message in sequencer.accept(live):
                    yield message
            elif isinstance(live, MessagesDeleted):
                for deleted in await deletions.accept(live):
                    yield deleted
            else:
                yield live
        if session.close_error is not None:
            raise session.close_error

    async def _catch_up(
        self,
        user_id: str,
        heads: UserHeads,
        cursors: Mapping[str, int],
        resume_all: bool,
        sequencer: MessageSequencer,
    ) -> AsyncIterator[Message]:
        """Messages after the cursors, in seq order per conversation, read after the session
        was registered: whatever this read misses arrives live, so there is no hole between
        the two parts (and the sequencer drops what arrives twice)."""
        targets: dict[str, tuple[int, int]] = {}
        for head in heads.conversations:
            if head.conversation_id in cursors or resume_all:
                after = cursors.get(head.conversation_id, 0)
                sequencer.start_at(head.conversation_id, after)
                if head.last_seq > after:
                    targets[head.conversation_id] = (after, head.last_seq)
        while targets:
            # Seqs have no gaps, so a page is a range: (after, after + CATCH_UP_PAGE], capped
            # at the head. Sessions resuming a conversation from the same seq share its read.
            ranges = [
                (conversation_id, after, min(last, after + CATCH_UP_PAGE))
                for conversation_id, (after, last) in targets.items()
            ]
            pages, hidden = await asyncio.gather(
                asyncio.gather(*(self._pages.get(key) for key in ranges)),
                self._hidden_seqs(user_id, heads.deletions_position, ranges),
            )
            remaining: dict[str, tuple[int, int]] = {}
            for (conversation_id, *_), page, hidden_here in zip(ranges, pages, hidden, strict=True):
                for message in page:
                    yield message.hidden() if message.seq in hidden_here else message
                last = targets[conversation_id][1]
                if page and page[-1].seq < last:
                    remaining[conversation_id] = (page[-1].seq, last)
            targets = remaining

    async def _hidden_seqs(
        self, user_id: str, deletions_position: int, ranges: list[tuple[str, int, int]]
    ) -> list[frozenset[int]]:
        """Per range, the seqs the user deleted for themselves; no read for a user who never
        deleted one (whose feed is empty)."""
        if not deletions_position:
            return [frozenset()] * len(ranges)
        keys = [
            (user_id, conversation_id, after, until) for conversation_id, after, until in ranges
        ]
        return list(await asyncio.gather(*(self._hidden.get(key) for key in keys)))

    async def _hidden_in_ranges(
        self, keys: Sequence[tuple[str, str, int, int]]
    ) -> dict[tuple[str, str, int, int], frozenset[int]]:
        hidden: dict[tuple[str, str], set[int]] = {}
        for user_id, conversation_id, seq in await self._messages.hidden_seqs(keys):
            hidden.setdefault((user_id, conversation_id), set()).add(seq)
        return {
            key: frozenset(seq for seq in hidden.get(key[:2], ()) if key[2] < seq <= key[3])
            for key in keys
        }

    async def _read_deletions(self, user_id: str, after: int, until: int) -> list[Deletion]:
        return await self._deletions.get((user_id, after, until))

    async def _read_page(self, conversation_id: str, after: int, until: int) -> list[Message]:
        """A hole's page; sessions filling the same hole (every member's session on this node
        after a bus outage) share its read."""
        return await self._pages.get((conversation_id, after, until))
