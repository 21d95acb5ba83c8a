"""ConversationService."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grpc

from openchat.server.domain.errors import InvalidArgument
from openchat.server.domain.model import InboxPosition, MemberSettings, SettingsChange
from openchat.server.transport.context import current_user_id
from openchat.server.transport.converters import conversation_to_pb
from openchat.server.transport.page_tokens import Paging
from openchat.server.transport.validation import (
    check_id,
    require_id,
    require_ids,
    require_title,
)
from openchat.server.usecases.conversations import Conversations
from openchat.v1 import conversation_service_pb2 as pb
from openchat.v1 import conversation_service_pb2_grpc

Context = grpc.aio.ServicerContext[Any, Any]

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class ConversationServicer(conversation_service_pb2_grpc.ConversationServiceServicer):
    def __init__(self, conversations: Conversations) -> None:
        self._conversations = conversations

    async def CreateGroup(
        self, request: pb.CreateGroupRequest, context: Context
    ) -> pb.CreateGroupResponse:
        user_id = current_user_id()
        title = require_title(request.title)
        member_ids = require_ids("member_ids", request.member_ids, allow_empty=True)
        check_id("request_id", request.request_id)
        group = await self._conversations.create_group(
            user_id, title, member_ids, request.request_id
        )
        return pb.CreateGroupResponse(conversation=conversation_to_pb(group))

    async def GetOrCreateDirect(
        self, request: pb.GetOrCreateDirectRequest, context: Context
    ) -> pb.GetOrCreateDirectResponse:
        user_id = current_user_id()
        peer_id = require_id("peer_id", request.peer_id)
        direct, created = await self._conversations.get_or_create_direct(user_id, peer_id)
        return pb.GetOrCreateDirectResponse(
            conversation=conversation_to_pb(direct), created=created
        )

    async def AddMembers(
        self, request: pb.AddMembersRequest, context: Context
    ) -> pb.AddMembersResponse:
        user_id = current_user_id()
        conversation_id = require_id("conversation_id", request.conversation_id)
        member_ids = require_ids("member_ids", request.member_ids)
        group = await self._conversations.add_members(user_id, conversation_id, member_ids)
        return pb.AddMembersResponse(conversation=conversation_to_pb(group))

    async def RemoveMembers(
        self, request: pb.RemoveMembersRequest, context: Context
    ) -> pb.RemoveMembersResponse:
        user_id = current_user_id()
        conversation_id = require_id("conversation_id", request.conversation_id)
        member_ids = require_ids("member_ids", request.member_ids)
        group = await self._conversations.remove_members(user_id, conversation_id, member_ids)
        return pb.RemoveMembersResponse(conversation=conversation_to_pb(group))

    async def GetConversation(
        self, request: pb.GetConversationRequest, context: Context
    ) -> pb.GetConversationResponse:
        user_id = current_user_id()
        conversation_id = require_id("conversation_id", request.conversation_id)
        conversation = await self._conversations.get(user_id, conversation_id)
        return pb.GetConversationResponse(conversation=conversation_to_pb(conversation))

    async def ListConversations(
        self, request: pb.ListConversationsRequest, context: Context
    ) -> pb.ListConversationsResponse:
        user_id = current_user_id()
        paging = Paging.of(
            request.page_token,
            request.page_size,
            {"list": "inbox"},
            str,
            default_size=DEFAULT_PAGE_SIZE,
            max_size=MAX_PAGE_SIZE,
        )
        after = None if paging.start is None else decode_position(paging.start)
        page, token = await paging.read(
            lambda limit: self._conversations.inbox(user_id, after=after, limit=limit),
            lambda view: encode_position(view.position()),
        )
        return pb.ListConversationsResponse(
            conversations=[conversation_to_pb(view) for view in page], next_page_token=token
        )

    async def UpdateMemberSettings(
        self, request: pb.UpdateMemberSettingsRequest, context: Context
    ) -> pb.UpdateMemberSettingsResponse:
        user_id = current_user_id()
        conversation_id = require_id("conversation_id", request.conversation_id)
        fields = frozenset(request.update_mask.paths)
        unknown = fields - SETTINGS_FIELDS
        if unknown:
            raise InvalidArgument(
                "update_mask", f"names {sorted(unknown)}; only {sorted(SETTINGS_FIELDS)} can change"
            )
        muted_until = (
            request.muted_until.ToDatetime(tzinfo=UTC) if request.HasField("muted_until") else None
        )
        change = SettingsChange(fields, MemberSettings(muted_until, request.pinned))
        view = await self._conversations.update_settings(user_id, conversation_id, change)
        return pb.UpdateMemberSettingsResponse(conversation=conversation_to_pb(view))


SETTINGS_FIELDS = frozenset({"muted_until", "pinned"})


def encode_position(position: InboxPosition) -> str:
    """An inbox position as a page token's position."""
    moment = position.last_activity_at.astimezone(UTC).isoformat()
    return f"{int(position.pinned)}|{moment}|{position.conversation_id}"


def decode_position(text: str) -> InboxPosition:
    """The inbox position in a page token; InvalidArgument when it is not one."""
    try:
        pinned, moment, conversation_id = text.split("|", 2)
        if pinned not in {"0", "1"}:
            raise ValueError(pinned)
        return InboxPosition(pinned == "1", datetime.fromisoformat(moment), conversation_id)
    except ValueError:
        raise InvalidArgument("page_token", "is not a token this server issued") from None
