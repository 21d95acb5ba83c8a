"""Changing stored messages: edit, recall, react, delete for me, forward.

Every change except delete-for-me is a draft for the message writer: it is judged, applied and
stored as an entry of the conversation's sequence in one transaction, with the same
idempotency as a message (the request_id is the change's client_msg_id). Delete-for-me is the
member's own: stored apart from the sequence, and announced on the cluster bus to that member's
sessions only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from openchat.server.domain.errors import MessageNotFound, MessageRecalled
from openchat.server.domain.events import DELIVER_HIDDEN, HiddenDelivery
from openchat.server.domain.model import (
    Appended,
    Content,
    ConversationKind,
    ForwardOrigin,
    MessageDraft,
    MessageKind,
)
from openchat.server.ports import ConversationStore, EventBus, MessageStore, MessageWriter
from openchat.server.usecases.access import conversation_of_member


class MessageChanges:
    """The MessagingService use cases that change what was sent."""

    def __init__(
        self,
        conversations: ConversationStore,
        messages: MessageStore,
        writer: MessageWriter,
        cluster: EventBus,
    ) -> None:
        self._conversations = conversations
        self._messages = messages
        self._writer = writer
        self._cluster = cluster

    async def edit(
        self, user_id: str, conversation_id: str, message_id: str, content: Content, request_id: str
    ) -> Appended:
        return await self._change(
            user_id, conversation_id, request_id, MessageKind.EDIT, message_id, content=content
        )

    async def recall(
        self, user_id: str, conversation_id: str, message_id: str, request_id: str
    ) -> Appended:
        conversation = await conversation_of_member(self._conversations, user_id, conversation_id)
        # A group's owner moderates it. (Ownership never changes, so reading it before the
        # storing transaction is safe; membership is checked again inside it.)
        owner = conversation.kind is ConversationKind.GROUP and conversation.creator_id == user_id
        return await self._change(
            user_id, conversation_id, request_id, MessageKind.RECALL, message_id, moderator=owner
        )

    async def react(
        self,
        user_id: str,
        conversation_id: str,
        message_id: str,
        emoji: str,
        request_id: str,
        *,
        add: bool,
    ) -> Appended:
        kind = MessageKind.REACTION_ADDED if add else MessageKind.REACTION_REMOVED
        return await self._change(
            user_id, conversation_id, request_id, kind, message_id, emoji=emoji
        )

    async def delete_for_me(
        self, user_id: str, conversation_id: str, message_ids: Sequence[str]
    ) -> int:
        """Hide messages from the member; returns how many were not hidden before. Every
        session of the member, the calling device's included (one rule for all, and applying
        it twice changes nothing), is told of every message named, also on a retry that hid
        nothing new: a retry then repairs an announcement the bus lost (pub/sub is fire and
        forget) or that a crash after the commit never sent."""
        await conversation_of_member(self._conversations, user_id, conversation_id)
        deleted = await self._messages.hide(user_id, conversation_id, message_ids)
        await self._cluster.publish(DELIVER_HIDDEN, HiddenDelivery(user_id, deleted))
        return deleted.newly_hidden

    async def forward(
        self,
        user_id: str,
        conversation_id: str,
        message_ids: Sequence[str],
        target_conversation_id: str,
        request_id: str,
    ) -> list[Appended]:
        """Copies of the messages, sent by the caller to the target conversation. The caller
        must be a member of the source (checked here, before any content is read) and of the
        target (checked in the storing transaction)."""
        await conversation_of_member(self._conversations, user_id, conversation_id)
        found = await self._messages.get_many(message_ids)
        drafts = []
        for index, message_id in enumerate(message_ids):
            original = found.get(message_id)
            if (
                original is None
                or original.conversation_id != conversation_id
                or original.kind is not MessageKind.MESSAGE
            ):
                raise MessageNotFound(message_id)
            if original.recalled:
                raise MessageRecalled(message_id)
            # Replies and mentions name messages and users of the source conversation; the copy
            # names only its immediate origin, which the caller can see.
            content = replace(original.content, mention_user_ids=(), reply_to_message_id="")
            drafts.append(
                MessageDraft(
                    target_conversation_id,
                    user_id,
                    f"{request_id}/{index}",
                    content,
                    forwarded_from=ForwardOrigin(conversation_id, message_id, original.sender_id),
                )
            )
        return [await self._writer.append(draft) for draft in drafts]

    async def _change(
        self,
        user_id: str,
        conversation_id: str,
        request_id: str,
        kind: MessageKind,
        message_id: str,
        *,
        content: Content | None = None,
        emoji: str = "",
        moderator: bool = False,
    ) -> Appended:
        draft = MessageDraft(
            conversation_id,
            user_id,
            request_id,
            content if content is not None else Content(),
            kind=kind,
            target_message_id=message_id,
            emoji=emoji,
            moderator=moderator,
        )
        return await self._writer.append(draft)
