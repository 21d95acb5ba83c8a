"""Who may see a conversation: its members. The one check the use cases share."""

from __future__ import annotations

from openchat.server.domain.errors import ConversationNotFound, NotAMember
from openchat.server.domain.model import Conversation
from openchat.server.ports import ConversationStore


async def conversation_of_member(
    store: ConversationStore, user_id: str, conversation_id: str
) -> Conversation:
    """The conversation with its members; ConversationNotFound when it does not exist,
    NotAMember when `user_id` is not one of them."""
    conversation = await store.get(conversation_id)
    if conversation is None:
        raise ConversationNotFound(conversation_id)
    if user_id not in conversation.member_ids:
        raise NotAMember(user_id, conversation_id)
    return conversation
