"""MessagingService."""

from __future__ import annotations

from typing import Any

import grpc

from openchat.server.domain.errors import InvalidArgument
from openchat.server.domain.model import Appended
from openchat.server.transport.context import current_user_id
from openchat.server.transport.converters import (
    ack_to_pb,
    add_messages,
    content_from_pb,
    delivery_step_to_pb,
)
from openchat.server.transport.page_tokens import Paging
from openchat.server.transport.services.sending import MessageSender
from openchat.server.transport.validation import (
    check_id,
    require_emoji,
    require_id,
    require_ids,
    require_seq,
    validate_edit,
)
from openchat.server.usecases.changes import MessageChanges
from openchat.server.usecases.messaging import Messaging
from openchat.server.usecases.timeline import DeliveryTimeline
from openchat.v1 import messaging_service_pb2 as pb
from openchat.v1 import messaging_service_pb2_grpc

Context = grpc.aio.ServicerContext[Any, Any]

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# ForwardMessages: messages per request, and the request_id length that leaves room for the
# "/<index>" that makes each copy's client_msg_id (at most 128 characters).
MAX_FORWARDED = 100
MAX_FORWARD_REQUEST_ID = 100


# Unary senders that also hold a session stream name their device here, so that the message is
# not pushed back to the device that sent it.
DEVICE_METADATA_KEY = "openchat-device-id"


class MessagingServicer(messaging_service_pb2_grpc.MessagingServiceServicer):
    def __init__(
        self,
        messaging: Messaging,
        changes: MessageChanges,
        sender: MessageSender,
        timeline: DeliveryTimeline,
        *,
        max_content_bytes: int,
    ) -> None:
        self._messaging = messaging
        self._changes = changes
        self._sender = sender
        self._timeline = timeline
        self._max_content_bytes = max_content_bytes

    async def SendMessage(
        self, request: pb.SendMessageRequest, context: Context
    ) -> pb.SendMessageResponse:
        user_id = current_user_id()
        device_id = dict(context.invocation_metadata() or ()).get(DEVICE_METADATA_KEY, "")
        appended = await self._sender.send(
            user_id,
            request,
            device_id=device_id if isinstance(device_id, str) else "",
            transport="unary",
        )
        return pb.SendMessageResponse(ack=ack_to_pb(appended))

    async def ListMessages(
        self, request: pb.ListMessagesRequest, context: Context
    ) -> pb.ListMessagesResponse:
        user_id = current_user_id()
        conversation_id = require_id("conversation_id", request.conversation_id)
        after_seq = require_seq("after_seq", request.after_seq)
        before_seq = require_seq("before_seq", request.before_seq) or None
        newest_first = request.order != pb.MESSAGE_ORDER_OLDEST_FIRST
        fixed = {
            "conversation_id": conversation_id,
            "after_seq": after_seq,
            "before_seq": before_seq,
            "newest_first": newest_first,
            "include_changes": request.include_changes,
        }
        paging = Paging.of(
            request.page_token,
            request.page_size,
            fixed,
            int,
            default_size=DEFAULT_PAGE_SIZE,
            max_size=MAX_PAGE_SIZE,
        )
        if paging.start is not None:
            # The token holds the seq where the previous page stopped, which narrows the range
            # in the direction of travel.
            if newest_first:
                before_seq = paging.start
            else:
                after_seq = paging.start
        # The use case reads one message more than the page itself (and fits the page in the
        # response budget), so it says whether more follow.
        page, more = await self._messaging.list_messages(
            user_id,
            conversation_id,
            after_seq=after_seq,
            before_seq=before_seq,
            newest_first=newest_first,
            limit=paging.limit,
            include_changes=request.include_changes,
        )
        response = pb.ListMessagesResponse(
            next_page_token=paging.next_token(page, more, lambda message: message.seq)
        )
        add_messages(response.messages, page)
        return response

    async def MarkRead(self, request: pb.MarkReadRequest, context: Context) -> pb.MarkReadResponse:
        user_id = current_user_id()
        conversation_id = require_id("conversation_id", request.conversation_id)
        seq = require_seq("seq", request.seq)
        read_seq = await self._messaging.mark_read(user_id, conversation_id, seq)
        return pb.MarkReadResponse(read_seq=read_seq)

    async def GetDeliveryTimeline(
        self, request: pb.GetDeliveryTimelineRequest, context: Context
    ) -> pb.GetDeliveryTimelineResponse:
        user_id = current_user_id()
        message_id = require_id("message_id", request.message_id)
        steps = await self._timeline.of(user_id, message_id)
        return pb.GetDeliveryTimelineResponse(events=[delivery_step_to_pb(s) for s in steps])

    async def EditMessage(
        self, request: pb.EditMessageRequest, context: Context
    ) -> pb.EditMessageResponse:
        conversation_id, message_id, request_id = _target(request)
        validate_edit(request.content, max_bytes=self._max_content_bytes)
        appended = await self._changes.edit(
            current_user_id(),
            conversation_id,
            message_id,
            content_from_pb(request.content),
            request_id,
        )
        return pb.EditMessageResponse(ack=ack_to_pb(appended))

    async def RecallMessage(
        self, request: pb.RecallMessageRequest, context: Context
    ) -> pb.RecallMessageResponse:
        conversation_id, message_id, request_id = _target(request)
        appended = await self._changes.recall(
            current_user_id(), conversation_id, message_id, request_id
        )
        return pb.RecallMessageResponse(ack=ack_to_pb(appended))

    async def AddReaction(
        self, request: pb.AddReactionRequest, context: Context
    ) -> pb.AddReactionResponse:
        return pb.AddReactionResponse(ack=ack_to_pb(await self._react(request, add=True)))

    async def RemoveReaction(
        self, request: pb.RemoveReactionRequest, context: Context
    ) -> pb.RemoveReactionResponse:
        return pb.RemoveReactionResponse(ack=ack_to_pb(await self._react(request, add=False)))

    async def _react(
        self, request: pb.AddReactionRequest | pb.RemoveReactionRequest, *, add: bool
    ) -> Appended:
        conversation_id, message_id, request_id = _target(request)
        emoji = require_emoji(request.emoji)
        return await self._changes.react(
            current_user_id(), conversation_id, message_id, emoji, request_id, add=add
        )

    async def DeleteMessages(
        self, request: pb.DeleteMessagesRequest, context: Context
    ) -> pb.DeleteMessagesResponse:
        conversation_id = require_id("conversation_id", request.conversation_id)
        message_ids = require_ids("message_ids", request.message_ids)
        if request.request_id:
            check_id("request_id", request.request_id)
        deleted = await self._changes.delete_for_me(current_user_id(), conversation_id, message_ids)
        return pb.DeleteMessagesResponse(deleted_count=deleted)

    async def ForwardMessages(
        self, request: pb.ForwardMessagesRequest, context: Context
    ) -> pb.ForwardMessagesResponse:
        conversation_id = require_id("conversation_id", request.conversation_id)
        target = require_id("target_conversation_id", request.target_conversation_id)
        message_ids = require_ids("message_ids", request.message_ids)
        if len(message_ids) > MAX_FORWARDED:
            raise InvalidArgument(
                "message_ids", f"has {len(message_ids)} entries, more than {MAX_FORWARDED}"
            )
        request_id = require_id("request_id", request.request_id)
        if len(request_id) > MAX_FORWARD_REQUEST_ID:
            raise InvalidArgument(
                "request_id", f"has more than {MAX_FORWARD_REQUEST_ID} characters"
            )
        appended = await self._changes.forward(
            current_user_id(), conversation_id, message_ids, target, request_id
        )
        return pb.ForwardMessagesResponse(acks=[ack_to_pb(a) for a in appended])

    async def GetReadBy(
        self, request: pb.GetReadByRequest, context: Context
    ) -> pb.GetReadByResponse:
        conversation_id = require_id("conversation_id", request.conversation_id)
        message_id = require_id("message_id", request.message_id)
        readers, others = await self._messaging.read_by(
            current_user_id(), conversation_id, message_id
        )
        return pb.GetReadByResponse(reader_ids=readers, unread_member_ids=others)


def _target(
    request: pb.EditMessageRequest
    | pb.RecallMessageRequest
    | pb.AddReactionRequest
    | pb.RemoveReactionRequest,
) -> tuple[str, str, str]:
    """The validated (conversation_id, message_id, request_id) of a change."""
    return (
        require_id("conversation_id", request.conversation_id),
        require_id("message_id", request.message_id),
        require_id("request_id", request.request_id),
    )
