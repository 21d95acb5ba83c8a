"""MessagingService."""

from __future__ import annotations

from typing import Any

import grpc

from openchat.server.transport.context import current_user_id
from openchat.server.transport.converters import ack_to_pb, delivery_step_to_pb, message_to_pb
from openchat.server.transport.page_tokens import Paging
from openchat.server.transport.services.sending import MessageSender
from openchat.server.transport.validation import require_id, require_seq
from openchat.server.usecases.messaging import Messaging
from openchat.server.usecases.timeline import DeliveryTimeline
from openchat.v1 import messaging_service_pb2 as pb
from openchat.v1 import messaging_service_pb2_grpc

Context = grpc.aio.ServicerContext[Any, Any]

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


# Unary senders that also hold a session stream name their device here, so that the message is
# not pushed back to the device that sent it.
DEVICE_METADATA_KEY = "openchat-device-id"


class MessagingServicer(messaging_service_pb2_grpc.MessagingServiceServicer):
    def __init__(
        self, messaging: Messaging, sender: MessageSender, timeline: DeliveryTimeline
    ) -> None:
        self._messaging = messaging
        self._sender = sender
        self._timeline = timeline

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
        )
        token = paging.next_token(page, more, lambda message: message.seq)
        return pb.ListMessagesResponse(
            messages=[message_to_pb(message) for message in page], next_page_token=token
        )

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
