"""Per-session ordering of pushed messages: each conversation's messages reach the client in
seq order, without duplicates, and without holes once the session has a starting point."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from openchat.server.domain.model import Message

# The most messages a session fetches itself to fill a hole; a larger hole is left to the
# client, which notices the jump in seq and syncs.
MAX_GAP_FILL = 500

FetchRange = Callable[[str, int, int], Awaitable[list[Message]]]


class MessageSequencer:
    """Decides which messages to send, given those already sent.

    Live messages can arrive out of order or twice (through several nodes, or once from the
    catch-up read and once live). Because seqs become visible in commit order, a message with
    seq N proves that every seq below N is stored, so a hole can always be filled from the
    database.
    """

    def __init__(self, fetch_range: FetchRange) -> None:
        self._fetch_range = fetch_range
        self._sent_up_to: dict[str, int] = {}

    def start_at(self, conversation_id: str, seq: int) -> None:
        """The client already holds everything up to `seq` (its resume cursor)."""
        self._sent_up_to[conversation_id] = seq

    async def accept(self, message: Message) -> list[Message]:
        """The messages to send now for `message`: none (already sent), itself, or the missing
        ones before it followed by itself."""
        conversation_id, seq = message.conversation_id, message.seq
        sent_up_to = self._sent_up_to.get(conversation_id)
        if sent_up_to is not None and seq <= sent_up_to:
            return []
        self._sent_up_to[conversation_id] = seq
        if sent_up_to is None or seq == sent_up_to + 1:
            return [message]
        start = max(sent_up_to, seq - 1 - MAX_GAP_FILL)
        return [*await self._fetch_range(conversation_id, start, seq), message]
