"""Per-session order of the user's deletions for themselves: a session whose hello carried a
deletion cursor gets every deletion after it, the catch-up's first, then the live ones, without
holes, and each frame with the cursor its client stores once it applied it.

Live frames come off the cluster bus, which may lose one (pub/sub is fire and forget) or bring
two from different nodes out of order. Deletion positions become visible in commit order (see
storage/deletion_feeds.py), so a live frame at position N proves every position below N is
stored, and a hole before it is read from the database, as the message sequencer fills holes in
a conversation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import replace

from openchat.server.domain.model import Deletion, MessagesDeleted

# Positions one read of the feed covers (one DeleteMessages call hides at most 1,000).
DELETIONS_PAGE = 1000

# Reads a user's deletions with after < position <= until, in position order.
ReadDeletions = Callable[[str, int, int], Awaitable[list[Deletion]]]


class DeletionSequencer:
    """Decides which deletion frames a session sends, and the cursor each carries."""

    def __init__(self, user_id: str, cursor: int | None, read: ReadDeletions) -> None:
        self._user_id = user_id
        # Every deletion up to here has reached the client; None: it keeps no cursor, and gets
        # the live frames as they come, without one.
        self._sent_up_to = cursor
        self._read = read

    @property
    def wanted(self) -> bool:
        """Whether the client keeps a deletion cursor."""
        return self._sent_up_to is not None

    async def catch_up(self, head: int) -> AsyncIterator[MessagesDeleted]:
        """The deletions after the client's cursor up to `head`, the feed's head read after the
        session was registered (what comes later arrives live)."""
        if self._sent_up_to is None:
            return
        # A cursor beyond the head was not given by this database's feed (a restored backup):
        # from here on, the frames give the client the feed's own positions.
        self._sent_up_to = min(self._sent_up_to, head)
        async for frame in self._read_up_to(head):
            yield frame

    async def accept(self, live: MessagesDeleted) -> list[MessagesDeleted]:
        """The frames to send for a live one: none (the catch-up sent it), or the ones a hole
        before it holds, then itself, carrying the client's cursor."""
        if self._sent_up_to is None:
            return [replace(live, deletions_position=0)]
        if not live.deletions_position:
            # From a node older than the feed during a rolling upgrade: no place in the order.
            return [replace(live, deletions_position=self._sent_up_to)]
        if live.newly_hidden and live.deletions_position <= self._sent_up_to:
            return []
        # What this call hid follows its first position; a retry (nothing new) proves the
        # feed as far as its own position.
        missed = [
            frame async for frame in self._read_up_to(live.deletions_position - live.newly_hidden)
        ]
        self._sent_up_to = max(self._sent_up_to, live.deletions_position)
        return [*missed, replace(live, deletions_position=self._sent_up_to)]

    async def _read_up_to(self, until: int) -> AsyncIterator[MessagesDeleted]:
        assert self._sent_up_to is not None
        while self._sent_up_to < until:
            end = min(until, self._sent_up_to + DELETIONS_PAGE)
            for frame in _frames_of(await self._read(self._user_id, self._sent_up_to, end)):
                yield frame
            self._sent_up_to = end


def _frames_of(deletions: Sequence[Deletion]) -> list[MessagesDeleted]:
    """Deletions in position order as frames: one per run of consecutive deletions in one
    conversation, each carrying the position of its last."""
    frames: list[MessagesDeleted] = []
    run: list[Deletion] = []
    for deletion in deletions:
        if run and run[-1].message.conversation_id != deletion.message.conversation_id:
            frames.append(_frame(run))
            run = []
        run.append(deletion)
    if run:
        frames.append(_frame(run))
    return frames


def _frame(run: Sequence[Deletion]) -> MessagesDeleted:
    # In seq order, as a live frame names them (two calls of a run may go back in seq).
    messages = sorted((deletion.message for deletion in run), key=lambda message: message.seq)
    return MessagesDeleted(
        messages[0].conversation_id,
        tuple(message.message_id for message in messages),
        tuple(message.seq for message in messages),
        newly_hidden=len(run),
        deletions_position=run[-1].position,
    )
