"""Catching up across all of a user's conversations."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import replace

from openchat.server.domain.model import ConversationHead, ConversationSync, Message, SyncResult
from openchat.server.ports import ConversationStore, MessageStore

# Conversations one Sync response carries at most; has_more_conversations says when more wait.
MAX_CONVERSATIONS = 500
# Deletions one Sync response carries at most (placeholders of ~150 bytes); has_more_deletions
# says when more wait.
MAX_DELETIONS = 1000
# Bytes per message a Sync expects before it has read any (its first read is the budget's
# worth at this size; later reads go by the sizes seen).
FIRST_GUESS_BYTES = 512


class Synchronization:
    """The SyncService use case."""

    def __init__(
        self,
        conversations: ConversationStore,
        messages: MessageStore,
        *,
        max_conversations: int = MAX_CONVERSATIONS,
        response_budget_bytes: int,
    ) -> None:
        self._conversations = conversations
        self._messages = messages
        self._max_conversations = max_conversations
        self._response_budget_bytes = response_budget_bytes

    async def sync(
        self,
        user_id: str,
        cursors: Mapping[str, int],
        limit: int,
        *,
        deletions_after: int | None = None,
    ) -> SyncResult:
        """Every conversation of the user whose last_seq is above its cursor (0 when absent),
        with up to `limit` messages after the cursor; and, given a deletion cursor, the user's
        deletions after it.

        Correct under concurrent sends because seqs become visible in order: the messages read
        after the heads may go past a head's last_seq, never leave a hole below it. Deletion
        positions become visible in order too, so the deletions up to the feed's head read with
        the heads are all there.
        """
        user = await self._conversations.heads_for_member(user_id)
        heads = [
            head
            for head in user.conversations
            if head.last_seq > cursors.get(head.conversation_id, 0)
        ]
        behind = heads[: self._max_conversations]
        deletions, deletions_position = await self._deletions(
            user_id, deletions_after, user.deletions_position
        )
        budget = self._response_budget_bytes - sum(m.approximate_size() for m in deletions)
        pages = await self._read_within_budget(behind, cursors, limit, budget)
        hidden: set[tuple[str, str, int]] = set()
        if user.deletions_position:  # a user who never deleted anything has nothing hidden
            hidden = await self._messages.hidden_seqs(
                [(user_id, c, page[0].seq - 1, page[-1].seq) for c, page in pages.items() if page]
            )
        result = []
        for head in behind:
            page = pages.get(head.conversation_id, [])
            # Messages committed after the heads were read may lie past head.last_seq.
            last_seq = max(head.last_seq, page[-1].seq if page else 0)
            reached = page[-1].seq if page else cursors.get(head.conversation_id, 0)
            # Messages the user deleted for themselves keep their seqs, as placeholders.
            shown = tuple(
                m.hidden() if (user_id, m.conversation_id, m.seq) in hidden else m for m in page
            )
            result.append(
                ConversationSync(
                    replace(head, last_seq=last_seq), shown, has_more=reached < last_seq
                )
            )
        return SyncResult(
            tuple(result),
            has_more_conversations=len(heads) > len(behind),
            deletions=deletions,
            deletions_position=deletions_position,
            has_more_deletions=deletions_after is not None
            and deletions_position < user.deletions_position,
        )

    async def _deletions(
        self, user_id: str, after: int | None, head: int
    ) -> tuple[tuple[Message, ...], int]:
        """The placeholders of the user's deletions after `after` (up to MAX_DELETIONS of them)
        and the cursor that follows them; nothing without a cursor. (A cursor beyond the head,
        which no feed of this database gave, comes back as the head.)"""
        if after is None:
            return (), 0
        until = min(head, after + MAX_DELETIONS)
        if until <= after:
            return (), until
        key = (user_id, after, until)
        read = await self._messages.read_deletions([key])
        return tuple(deletion.message for deletion in read[key]), until

    async def _read_within_budget(
        self,
        heads: Sequence[ConversationHead],
        cursors: Mapping[str, int],
        limit: int,
        budget: int,
    ) -> dict[str, list[Message]]:
        """Up to `limit` messages after each cursor, in conversation order, as many as fit the
        response budget (while budget is left, each conversation gets at least one), reading
        about as many rows as fit: each round reads the number of rows the remaining budget
        holds at the average size seen so far (a guess at first), the last conversation's range
        cut to it. Seqs have no gaps and become visible in order, so the
        next `n` messages after a position are the range (position, position + n]."""
        average = FIRST_GUESS_BYTES
        pages: dict[str, list[Message]] = {head.conversation_id: [] for head in heads}
        waiting = deque(heads)
        full: set[str] = set()
        while waiting and budget > 0:
            rows = max(1, budget // average)
            ranges: list[tuple[str, int, int]] = []
            while waiting and rows > 0:
                head = waiting[0]
                page = pages[head.conversation_id]
                after = page[-1].seq if page else cursors.get(head.conversation_id, 0)
                # Count on no more than the head holds, but read up to `limit` in case more
                # committed meanwhile.
                wanted = min(limit - len(page), max(1, head.last_seq - after), rows)
                ranges.append((head.conversation_id, after, after + wanted))
                rows -= wanted
                if wanted == limit - len(page) or after + wanted >= head.last_seq:
                    waiting.popleft()
            read = await self._messages.read_ranges(ranges)
            sizes = count = 0
            for key in ranges:
                page = pages[key[0]]
                for message in read[key]:
                    size = message.approximate_size()
                    sizes += size
                    count += 1
                    # While budget is left, each conversation gets at least one message.
                    if budget <= 0 or (page and size > budget):
                        full.add(key[0])
                        break
                    budget -= size
                    page.append(message)
            average = max(1, sizes // count) if count else average
            last = ranges[-1]
            if len(read[last]) < last[2] - last[1]:
                full.add(last[0])  # a cut range came back short: nothing more is there
            waiting = deque(head for head in waiting if head.conversation_id not in full)
        return pages
