"""ConversationService."""

from __future__ import annotations

from typing import Any

import grpc

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
            {"list": "conversations"},
            str,
            default_size=DEFAULT_PAGE_SIZE,
            max_size=MAX_PAGE_SIZE,
        )
        page, token = await paging.read(
            lambda limit: self._conversations.list(
                user_id, after_conversation_id=paging.start or "", limit=limit
            ),
            lambda view: view.conversation.conversation_id,
        )
        return pb.ListConversationsResponse(
            conversations=[conversation_to_pb(view) for view in page], next_page_token=token
        )
