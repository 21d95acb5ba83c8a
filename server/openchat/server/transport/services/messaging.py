"""MessagingService."""

from __future__ import annotations

from typing import Any

import grpc

from openchat.server.domain.model import Content
from openchat.server.settings import LimitsSettings
from openchat.server.transport import page_tokens
from openchat.server.transport.context import current_user_id
from openchat.server.transport.converters import (
    ack_to_pb,
    content_from_pb,
    delivery_step_to_pb,
    message_to_pb,
)
from openchat.server.transport.validation import (
    page_size,
    require_id,
    require_seq,
    validate_content,
)
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


def parse_send(
    request: pb.SendMessageRequest, *, max_content_bytes: int
) -> tuple[str, str, Content]:
    """The validated (conversation_id, client_msg_id, content) of a send, unary or streamed."""
    conversation_id = require_id("conversation_id", request.conversation_id)
    client_msg_id = require_id("client_msg_id", request.client_msg_id)
    validate_content(request.content, max_bytes=max_content_bytes)
    return conversation_id, client_msg_id, content_from_pb(request.content)


class MessagingServicer(messaging_service_pb2_grpc.MessagingServiceServicer):
    def __init__(
        self, messaging: Messaging, timeline: DeliveryTimeline, limits: LimitsSettings
    ) -> None:
        self._messaging = messaging
        self._timeline = timeline
        self._limits = limits

    async def SendMessage(
        self, request: pb.SendMessageRequest, context: Context
    ) -> pb.SendMessageResponse:
        user_id = current_user_id()
        conversation_id, client_msg_id, content = parse_send(
            request, max_content_bytes=self._limits.max_content_bytes
        )
        device_id = dict(context.invocation_metadata() or ()).get(DEVICE_METADATA_KEY, "")
        appended = await self._messaging.send(
            user_id,
            conversation_id,
            client_msg_id,
            content,
            origin_device_id=device_id if isinstance(device_id, str) else "",
        )
        return pb.SendMessageResponse(ack=ack_to_pb(appended))

    async def ListMessages(
        self, request: pb.ListMessagesRequest, context: Context
    ) -> pb.ListMessagesResponse:
        user_id = current_user_id()
        conversation_id = require_id("conversation_id", request.conversation_id)
        after_seq = require_seq("after_seq", request.after_seq)
        before_seq = require_seq("before_seq", request.before_seq) or None
        limit = page_size(
            "page_size", request.page_size, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE
        )
        newest_first = request.order != pb.MESSAGE_ORDER_OLDEST_FIRST
        fixed = {
            "conversation_id": conversation_id,
            "after_seq": after_seq,
            "before_seq": before_seq,
            "newest_first": newest_first,
        }
        if request.page_token:
            # The token holds the seq where the previous page stopped, which narrows the range
            # in the direction of travel.
            resume_at = page_tokens.decode(request.page_token, fixed, int)
            if newest_first:
                before_seq = resume_at
            else:
                after_seq = resume_at
        page, more = await self._messaging.list_messages(
            user_id,
            conversation_id,
            after_seq=after_seq,
            before_seq=before_seq,
            newest_first=newest_first,
            limit=limit,
        )
        token = page_tokens.encode(fixed, page[-1].seq) if more and page else ""
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
