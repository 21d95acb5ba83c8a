"""Creating conversations and changing their members."""

from __future__ import annotations

from collections.abc import Sequence

from openchat.server.domain.errors import (
    ActionNotAllowed,
    ConversationKindMismatch,
    InvalidArgument,
)
from openchat.server.domain.events import MEMBERSHIP_CHANGED, MembershipChanged
from openchat.server.domain.model import (
    Conversation,
    ConversationKind,
    ConversationView,
    InboxPosition,
    SettingsChange,
)
from openchat.server.ports import ConversationStore, EventBus
from openchat.server.usecases.access import conversation_of_member
from openchat.server.usecases.quotas import Quotas


class Conversations:
    """The ConversationService use cases."""

    def __init__(self, store: ConversationStore, cluster: EventBus, quotas: Quotas) -> None:
        self._store = store
        self._cluster = cluster
        self._quotas = quotas

    async def create_group(
        self, creator_id: str, title: str, member_ids: Sequence[str], request_id: str
    ) -> ConversationView:
        await self._quotas.create_group(creator_id)
        group = await self._store.create_group(creator_id, title, member_ids, request_id)
        return ConversationView(group, read_seq=0)

    async def get_or_create_direct(
        self, user_id: str, peer_id: str
    ) -> tuple[ConversationView, bool]:
        if peer_id == user_id:
            raise InvalidArgument("peer_id", "must be another user than the caller")
        conversation, created = await self._store.get_or_create_direct(user_id, peer_id)
        return await self._view(user_id, conversation), created

    async def add_members(
        self, user_id: str, conversation_id: str, member_ids: Sequence[str]
    ) -> ConversationView:
        group = await self._group_of_member(user_id, conversation_id)
        changed = await self._store.add_members(group.conversation_id, member_ids)
        await self._cluster.publish(MEMBERSHIP_CHANGED, MembershipChanged(conversation_id))
        return await self._view(user_id, changed)

    async def remove_members(
        self, user_id: str, conversation_id: str, member_ids: Sequence[str]
    ) -> ConversationView:
        group = await self._group_of_member(user_id, conversation_id)
        if user_id != group.creator_id and any(member != user_id for member in member_ids):
            raise ActionNotAllowed(
                "only the group's owner may remove other members; members may remove themselves"
            )
        read_seq = await self._store.read_position(conversation_id, user_id) or 0
        changed = await self._store.remove_members(conversation_id, member_ids)
        await self._cluster.publish(MEMBERSHIP_CHANGED, MembershipChanged(conversation_id))
        return ConversationView(changed, read_seq=read_seq)

    async def get(self, user_id: str, conversation_id: str) -> ConversationView:
        conversation = await conversation_of_member(self._store, user_id, conversation_id)
        return await self._view(user_id, conversation)

    async def inbox(
        self, user_id: str, *, after: InboxPosition | None, limit: int
    ) -> list[ConversationView]:
        """The user's conversations, pinned first, then the most recently active."""
        return await self._store.inbox(user_id, after=after, limit=limit)

    async def update_settings(
        self, user_id: str, conversation_id: str, change: SettingsChange
    ) -> ConversationView:
        """Mute, unmute, pin or unpin a conversation for the caller."""
        if not await self._store.update_settings(conversation_id, user_id, change):
            await conversation_of_member(self._store, user_id, conversation_id)
        return await self.get(user_id, conversation_id)

    async def _group_of_member(self, user_id: str, conversation_id: str) -> Conversation:
        conversation = await conversation_of_member(self._store, user_id, conversation_id)
        if conversation.kind is not ConversationKind.GROUP:
            raise ConversationKindMismatch(
                "the members of a direct conversation cannot change; create a group instead"
            )
        return conversation

    async def _view(self, user_id: str, conversation: Conversation) -> ConversationView:
        view = await self._store.view(conversation.conversation_id, user_id)
        # Between the change and this read the caller may have left (or been removed).
        return view or ConversationView(conversation, read_seq=0)
