"""Per-session ordering of pushed messages: each conversation's messages reach the client in
seq order, without duplicates, and without holes once the session has a starting point."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from openchat.server.domain.model import Message

# Messages with after < seq <= until of a conversation, oldest first: (conversation, after, until).
ReadPage = Callable[[str, int, int], Awaitable[list[Message]]]


class MessageSequencer:
    """Decides which messages to send, given those already sent.

    Live messages can arrive out of order or twice (through several nodes, or once from the
    catch-up read and once live), and not at all while the cluster bus is down. Because seqs
    become visible in commit order, a message with seq N proves that every seq below N is
    stored, so a hole can always be filled from the database. It is filled whatever its size,
    a page at a time (a bus outage in a busy group leaves thousands): the client's stream has
    no holes, and what the session holds in memory is one page.
    """

    def __init__(self, read_page: ReadPage, *, page_size: int) -> None:
        self._read_page = read_page
        self._page_size = page_size
        self._sent_up_to: dict[str, int] = {}

    def start_at(self, conversation_id: str, seq: int) -> None:
        """The client already holds everything up to `seq` (its resume cursor)."""
        self._sent_up_to[conversation_id] = seq

    async def accept(self, message: Message) -> AsyncIterator[Message]:
        """The messages to send now for `message`: none (already sent), itself, or the missing
        ones before it followed by itself."""
        conversation_id, seq = message.conversation_id, message.seq
        sent_up_to = self._sent_up_to.get(conversation_id)
        if sent_up_to is not None and seq <= sent_up_to:
            return
        self._sent_up_to[conversation_id] = seq
        if sent_up_to is not None:
            # Seqs have no gaps, so each page is a range, as in the catch-up.
            after = sent_up_to
            while after < seq - 1:
                until = min(seq - 1, after + self._page_size)
                for missing in await self._read_page(conversation_id, after, until):
                    yield missing
                after = until
        yield message
