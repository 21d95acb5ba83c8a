"""Sending, reading and marking messages."""

from __future__ import annotations

from openchat.server.domain.errors import (
    ActionNotAllowed,
    ConversationNotFound,
    InvalidArgument,
    MessageNotFound,
    NotAMember,
)
from openchat.server.domain.model import Appended, Content, Message, MessageDraft, MessageKind
from openchat.server.ports import ConversationStore, MessageStore, MessageWriter
from openchat.server.usecases.access import conversation_of_member
from openchat.server.usecases.quotas import Quotas
from openchat.server.usecases.receipts import Receipts


class Messaging:
    """The MessagingService use cases."""

    def __init__(
        self,
        conversations: ConversationStore,
        messages: MessageStore,
        writer: MessageWriter,
        receipts: Receipts,
        quotas: Quotas,
        *,
        response_budget_bytes: int,
    ) -> None:
        self._conversations = conversations
        self._quotas = quotas
        self._messages = messages
        self._writer = writer
        self._receipts = receipts
        self._response_budget_bytes = response_budget_bytes

    async def send(
        self,
        sender_id: str,
        conversation_id: str,
        client_msg_id: str,
        content: Content,
        *,
        origin_device_id: str = "",
    ) -> Appended:
        """Store a message (membership is checked in its transaction) and return after commit.
        A sender over their rate is refused before the message costs any storage work."""
        await self._quotas.send(sender_id)
        draft = MessageDraft(conversation_id, sender_id, client_msg_id, content, origin_device_id)
        return await self._writer.append(draft)

    async def list_messages(
        self,
        user_id: str,
        conversation_id: str,
        *,
        after_seq: int,
        before_seq: int | None,
        newest_first: bool,
        limit: int,
        include_changes: bool = False,
    ) -> tuple[list[Message], bool]:
        """A page of history and whether more messages lie beyond it in the same direction:
        messages in their current state, or (`include_changes`) every entry of the range."""
        if include_changes:
            await self.require_member(user_id, conversation_id)
            entries = await self._messages.list_range(
                conversation_id,
                after_seq=after_seq,
                before_seq=before_seq,
                newest_first=newest_first,
                limit=limit + 1,
            )
            seqs = [entry.seq for entry in entries]
            hidden = await self._messages.hidden_seqs(
                [(user_id, conversation_id, min(seqs) - 1, max(seqs))] if seqs else []
            )
            page = [
                m.hidden() if (user_id, conversation_id, m.seq) in hidden else m for m in entries
            ]
        else:
            page = await self._messages.history(
                user_id,
                conversation_id,
                after_seq=after_seq,
                before_seq=before_seq,
                newest_first=newest_first,
                limit=limit + 1,
            )
            if not page:
                # The store shows a non-member nothing: only an empty page needs to know why.
                await self.require_member(user_id, conversation_id)
        kept = fit_in_budget(page[:limit], self._response_budget_bytes)
        return kept, len(kept) < len(page)

    async def mark_read(self, user_id: str, conversation_id: str, seq: int) -> int:
        """Raise the member's read position; returns the position after the call."""
        conversation = await conversation_of_member(self._conversations, user_id, conversation_id)
        if seq > conversation.last_seq:
            raise InvalidArgument(
                "seq", f"{seq} is beyond the conversation's last seq {conversation.last_seq}"
            )
        positions = await self._conversations.mark_read(conversation_id, user_id, seq)
        if positions is None:
            raise NotAMember(user_id, conversation_id)
        before, after = positions
        if after > before:
            await self._receipts.read(conversation_id, user_id, before, after)
        return after

    async def read_by(
        self, user_id: str, conversation_id: str, message_id: str
    ) -> tuple[list[str], list[str]]:
        """The other members who have read the caller's message, and those who have not."""
        conversation = await conversation_of_member(self._conversations, user_id, conversation_id)
        message = await self._messages.get(message_id)
        if (
            message is None
            or message.conversation_id != conversation_id
            or message.kind is not MessageKind.MESSAGE
        ):
            raise MessageNotFound(message_id)
        if message.sender_id != user_id:
            raise ActionNotAllowed("only the sender of a message may see who read it")
        readers = set(await self._conversations.readers(conversation_id, message.seq))
        others = [member for member in conversation.member_ids if member != user_id]
        return (
            [member for member in others if member in readers],
            [member for member in others if member not in readers],
        )

    async def require_member(self, user_id: str, conversation_id: str) -> int:
        """The member's read seq; NotFound or NotAMember otherwise."""
        read_seq = await self._conversations.read_position(conversation_id, user_id)
        if read_seq is not None:
            return read_seq
        if await self._conversations.get(conversation_id) is None:
            raise ConversationNotFound(conversation_id)
        raise NotAMember(user_id, conversation_id)


def fit_in_budget(messages: list[Message], budget_bytes: int) -> list[Message]:
    """The longest prefix of `messages` that fits the response budget (at least one message),
    so that a page never exceeds a client's default 4 MiB receive limit."""
    used = 0
    for index, message in enumerate(messages):
        used += message.approximate_size()
        if used > budget_bytes and index > 0:
            return messages[:index]
    return messages
