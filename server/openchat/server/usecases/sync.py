"""Catching up across all of a user's conversations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from openchat.server.domain.model import ConversationSync, SyncResult
from openchat.server.ports import ConversationStore, MessageStore
from openchat.server.usecases.messaging import fit_in_budget

# Conversations one Sync response carries at most; has_more_conversations says when more wait.
MAX_CONVERSATIONS = 500


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
        # Seqs have no gaps and become visible in order, so the first `limit` messages after a
        # cursor are the range (cursor, cursor + limit].
        ranges: dict[str, tuple[str, int, int]] = {}
        for head in behind:
            after = cursors.get(head.conversation_id, 0)
            ranges[head.conversation_id] = (head.conversation_id, after, after + limit)
        pages = await self._messages.read_ranges(list(ranges.values()))
        hidden = await self._messages.hidden_seqs(user_id, list(ranges))
        budget = self._response_budget_bytes
        result = []
        for head in behind:
            page = pages[ranges[head.conversation_id]]
            # Messages committed after the heads were read may lie past head.last_seq.
            last_seq = max(head.last_seq, page[-1].seq if page else 0)
            kept = fit_in_budget(page, budget) if budget > 0 else []
            budget -= sum(message.approximate_size() for message in kept)
            reached = kept[-1].seq if kept else cursors.get(head.conversation_id, 0)
            # Messages the user deleted for themselves keep their seqs, as placeholders.
            shown = tuple(m.hidden() if (m.conversation_id, m.seq) in hidden else m for m in kept)
            result.append(
                ConversationSync(
                    replace(head, last_seq=last_seq), shown, has_more=reached < last_seq
                )
            )
        return SyncResult(tuple(result), has_more_conversations=len(heads) > len(behind))
