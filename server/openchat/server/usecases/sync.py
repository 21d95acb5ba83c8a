"""Catching up across all of a user's conversations."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import replace

from openchat.server.domain.model import ConversationHead, ConversationSync, Message, SyncResult
from openchat.server.ports import ConversationStore, MessageStore

# Conversations one Sync response carries at most; has_more_conversations says when more wait.
MAX_CONVERSATIONS = 500
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

    async def sync(self, user_id: str, cursors: Mapping[str, int], limit: int) -> SyncResult:
        """Every conversation of the user whose last_seq is above its cursor (0 when absent),
        with up to `limit` messages after the cursor.

        Correct under concurrent sends because seqs become visible in order: the messages read
        after the heads may go past a head's last_seq, never leave a hole below it.
        """
        heads = [
            head
            for head in await self._conversations.heads_for_member(user_id)
            if head.last_seq > cursors.get(head.conversation_id, 0)
        ]
        behind = heads[: self._max_conversations]
        pages = await self._read_within_budget(behind, cursors, limit)
        hidden = await self._messages.hidden_seqs(
            user_id, [(c, page[0].seq - 1, page[-1].seq) for c, page in pages.items() if page]
        )
        result = []
        for head in behind:
            page = pages.get(head.conversation_id, [])
            # Messages committed after the heads were read may lie past head.last_seq.
            last_seq = max(head.last_seq, page[-1].seq if page else 0)
            reached = page[-1].seq if page else cursors.get(head.conversation_id, 0)
            # Messages the user deleted for themselves keep their seqs, as placeholders.
            shown = tuple(m.hidden() if (m.conversation_id, m.seq) in hidden else m for m in page)
            result.append(
                ConversationSync(
                    replace(head, last_seq=last_seq), shown, has_more=reached < last_seq
                )
            )
        return SyncResult(tuple(result), has_more_conversations=len(heads) > len(behind))

    async def _read_within_budget(
        self, heads: Sequence[ConversationHead], cursors: Mapping[str, int], limit: int
    ) -> dict[str, list[Message]]:
        """Up to `limit` messages after each cursor, in conversation order, as many as fit the
        response budget (while budget is left, each conversation gets at least one), reading
        about as many rows as fit: each round reads the number of rows the remaining budget
        holds at the average size seen so far (a guess at first), the last conversation's range
        cut to it. Seqs have no gaps and become visible in order, so the
        next `n` messages after a position are the range (position, position + n]."""
        budget = self._response_budget_bytes
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
