"""Typed shortcuts over the generated stubs, acting as one user or another."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import grpc

from openchat.v1 import (
    admin_service_pb2,
    admin_service_pb2_grpc,
    bot_service_pb2,
    bot_service_pb2_grpc,
    conversation_pb2,
    conversation_service_pb2,
    conversation_service_pb2_grpc,
    message_pb2,
    messaging_service_pb2,
    messaging_service_pb2_grpc,
    sync_service_pb2,
    sync_service_pb2_grpc,
)
from tests.support.servers import bearer

# The operator whose admin token calls BotService and AdminService.
ADMIN = "operator"
ADMIN_ROLE = "admin"


class Api:
    """The server's RPCs, called with a given user's token."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.messaging = messaging_service_pb2_grpc.MessagingServiceStub(channel)
        self.conversations = conversation_service_pb2_grpc.ConversationServiceStub(channel)
        self.sync_service = sync_service_pb2_grpc.SyncServiceStub(channel)
        self.bots = bot_service_pb2_grpc.BotServiceStub(channel)
        self.admin = admin_service_pb2_grpc.AdminServiceStub(channel)

    async def create_group(
        self, owner: str, members: Sequence[str], title: str = "a group", request_id: str = ""
    ) -> conversation_pb2.Conversation:
        response = await self.conversations.CreateGroup(
            conversation_service_pb2.CreateGroupRequest(
                title=title, member_ids=list(members), request_id=request_id
            ),
            metadata=bearer(owner),
        )
        return response.conversation

    async def send(
        self,
        sender: str,
        conversation_id: str,
        text: str = "hello",
        client_msg_id: str | None = None,
        content: message_pb2.Content | None = None,
    ) -> message_pb2.MessageAck:
        response = await self.messaging.SendMessage(
            messaging_service_pb2.SendMessageRequest(
                conversation_id=conversation_id,
                client_msg_id=client_msg_id or uuid.uuid4().hex,
                content=content or message_pb2.Content(text=text),
            ),
            metadata=bearer(sender),
        )
        return response.ack

    async def get_or_create_direct(
        self, user: str, peer: str
    ) -> conversation_service_pb2.GetOrCreateDirectResponse:
        return await self.conversations.GetOrCreateDirect(
            conversation_service_pb2.GetOrCreateDirectRequest(peer_id=peer), metadata=bearer(user)
        )

    async def add_members(
        self, user: str, conversation_id: str, members: Sequence[str]
    ) -> conversation_pb2.Conversation:
        response = await self.conversations.AddMembers(
            conversation_service_pb2.AddMembersRequest(
                conversation_id=conversation_id, member_ids=list(members)
            ),
            metadata=bearer(user),
        )
        return response.conversation

    async def remove_members(
        self, user: str, conversation_id: str, members: Sequence[str]
    ) -> conversation_pb2.Conversation:
        response = await self.conversations.RemoveMembers(
            conversation_service_pb2.RemoveMembersRequest(
                conversation_id=conversation_id, member_ids=list(members)
            ),
            metadata=bearer(user),
        )
        return response.conversation

    async def get_conversation(
        self, user: str, conversation_id: str
    ) -> conversation_pb2.Conversation:
        response = await self.conversations.GetConversation(
            conversation_service_pb2.GetConversationRequest(conversation_id=conversation_id),
            metadata=bearer(user),
        )
        return response.conversation

    async def list_conversations(
        self, user: str, page_size: int = 0, page_token: str = ""
    ) -> conversation_service_pb2.ListConversationsResponse:
        return await self.conversations.ListConversations(
            conversation_service_pb2.ListConversationsRequest(
                page_size=page_size, page_token=page_token
            ),
            metadata=bearer(user),
        )

    async def mark_read(self, user: str, conversation_id: str, seq: int) -> int:
        response = await self.messaging.MarkRead(
            messaging_service_pb2.MarkReadRequest(conversation_id=conversation_id, seq=seq),
            metadata=bearer(user),
        )
        return response.read_seq

    def member_only_calls(
        self, user: str, conversation_id: str
    ) -> dict[str, Callable[[], Awaitable[Any]]]:
        """A call of every RPC that acts on one conversation and requires the caller to be its
        member, by name; each changes something stored if it is wrongly allowed. (The change
        calls name a message that need not exist: membership is checked first.)"""
        some_message = str(uuid.uuid4())
        return {
            "EditMessage": lambda: self.edit(user, conversation_id, some_message, "edited?"),
            "RecallMessage": lambda: self.recall(user, conversation_id, some_message),
            "AddReaction": lambda: self.react(user, conversation_id, some_message, "👍"),
            "RemoveReaction": lambda: self.react(
                user, conversation_id, some_message, "👍", add=False
            ),
            "DeleteMessages": lambda: self.delete_for_me(user, conversation_id, [some_message]),
            "ForwardMessages": lambda: self.forward(
                user, conversation_id, [some_message], conversation_id
            ),
            "SendMessage": lambda: self.send(user, conversation_id, "am I allowed?"),
            "ListMessages": lambda: self.list_messages(user, conversation_id),
            "MarkRead": lambda: self.mark_read(user, conversation_id, 0),
            "GetConversation": lambda: self.get_conversation(user, conversation_id),
            "AddMembers": lambda: self.add_members(user, conversation_id, [user, "friend"]),
            "RemoveMembers": lambda: self.remove_members(user, conversation_id, [user]),
        }

    async def history(self, user: str, conversation_id: str) -> list[message_pb2.Message]:
        """Every message of the conversation, oldest first, following page tokens to the end."""
        found: list[message_pb2.Message] = []
        token = ""
        while True:
            page = await self.list_messages(
                user,
                conversation_id,
                order=messaging_service_pb2.MESSAGE_ORDER_OLDEST_FIRST,
                page_size=500,
                page_token=token,
            )
            found.extend(page.messages)
            token = page.next_page_token
            if not token:
                return found

    async def list_messages(
        self, user: str, conversation_id: str, **fields: object
    ) -> messaging_service_pb2.ListMessagesResponse:
        return await self.messaging.ListMessages(
            messaging_service_pb2.ListMessagesRequest(conversation_id=conversation_id, **fields),  # type: ignore[arg-type]
            metadata=bearer(user),
        )

    async def sync(
        self,
        user: str,
        cursors: dict[str, int] | None = None,
        limit: int = 0,
        *,
        deletions_after: int | None = None,
    ) -> sync_service_pb2.SyncResponse:
        return await self.sync_service.Sync(
            sync_service_pb2.SyncRequest(
                cursors=[
                    sync_service_pb2.SyncCursor(conversation_id=c, after_seq=s)
                    for c, s in (cursors or {}).items()
                ],
                limit=limit,
                deletions_after=deletions_after,
            ),
            metadata=bearer(user),
        )

    async def edit(
        self, user: str, conversation_id: str, message_id: str, text: str, request_id: str = ""
    ) -> message_pb2.MessageAck:
        response = await self.messaging.EditMessage(
            messaging_service_pb2.EditMessageRequest(
                conversation_id=conversation_id,
                message_id=message_id,
                content=message_pb2.Content(text=text),
                request_id=request_id or uuid.uuid4().hex,
            ),
            metadata=bearer(user),
        )
        return response.ack

    async def recall(
        self, user: str, conversation_id: str, message_id: str, request_id: str = ""
    ) -> message_pb2.MessageAck:
        response = await self.messaging.RecallMessage(
            messaging_service_pb2.RecallMessageRequest(
                conversation_id=conversation_id,
                message_id=message_id,
                request_id=request_id or uuid.uuid4().hex,
            ),
            metadata=bearer(user),
        )
        return response.ack

    async def react(
        self,
        user: str,
        conversation_id: str,
        message_id: str,
        emoji: str,
        request_id: str = "",
        *,
        add: bool = True,
    ) -> message_pb2.MessageAck:
        fields = {
            "conversation_id": conversation_id,
            "message_id": message_id,
            "emoji": emoji,
            "request_id": request_id or uuid.uuid4().hex,
        }
        if add:
            added = await self.messaging.AddReaction(
                messaging_service_pb2.AddReactionRequest(**fields), metadata=bearer(user)
            )
            return added.ack
        removed = await self.messaging.RemoveReaction(
            messaging_service_pb2.RemoveReactionRequest(**fields), metadata=bearer(user)
        )
        return removed.ack

    async def delete_for_me(self, user: str, conversation_id: str, message_ids: list[str]) -> int:
        response = await self.messaging.DeleteMessages(
            messaging_service_pb2.DeleteMessagesRequest(
                conversation_id=conversation_id, message_ids=message_ids
            ),
            metadata=bearer(user),
        )
        return response.deleted_count

    async def forward(
        self,
        user: str,
        conversation_id: str,
        message_ids: list[str],
        target_conversation_id: str,
        request_id: str = "",
    ) -> list[message_pb2.MessageAck]:
        response = await self.messaging.ForwardMessages(
            messaging_service_pb2.ForwardMessagesRequest(
                conversation_id=conversation_id,
                message_ids=message_ids,
                target_conversation_id=target_conversation_id,
                request_id=request_id or uuid.uuid4().hex,
            ),
            metadata=bearer(user),
        )
        return list(response.acks)

    async def timeline(
        self, user: str, message_id: str, *, deadline: float | None = None
    ) -> list[message_pb2.DeliveryEvent]:
        response = await self.messaging.GetDeliveryTimeline(
            messaging_service_pb2.GetDeliveryTimelineRequest(message_id=message_id),
            metadata=bearer(user),
            timeout=deadline,
        )
        return list(response.events)

    async def register_bot(
        self, bot_id: str, webhook_url: str
    ) -> bot_service_pb2.RegisterBotResponse:
        """Register a bot as the admin; the response carries its signing secret."""
        return await self.bots.RegisterBot(
            bot_service_pb2.RegisterBotRequest(bot_id=bot_id, webhook_url=webhook_url),
            metadata=bearer(ADMIN, roles=[ADMIN_ROLE]),
        )

    async def dead_letters(self, route: str = "") -> list[admin_service_pb2.DeadLetter]:
        """Every dead letter (of `route`), newest first, following the pages."""
        found: list[admin_service_pb2.DeadLetter] = []
        token = ""
        while True:
            response = await self.admin.ListDeadLetters(
                admin_service_pb2.ListDeadLettersRequest(route=route, page_token=token),
                metadata=bearer(ADMIN, roles=[ADMIN_ROLE]),
            )
            found.extend(response.dead_letters)
            token = response.next_page_token
            if not token:
                return found

    async def replay(self, job_ids: Sequence[str]) -> int:
        response = await self.admin.ReplayDeadLetters(
            admin_service_pb2.ReplayDeadLettersRequest(job_ids=list(job_ids)),
            metadata=bearer(ADMIN, roles=[ADMIN_ROLE]),
        )
        return response.replayed_count
