"""Sending a message, from the unary RPC or a session stream alike: validation, the use case,
and the message metrics, in one place."""

from __future__ import annotations

import time

from openchat.server.domain.errors import OpenChatError
from openchat.server.domain.model import Appended, Content
from openchat.server.observability.metrics import Metrics
from openchat.server.settings import LimitsSettings
from openchat.server.transport.converters import content_from_pb
from openchat.server.transport.errors import status_of
from openchat.server.transport.validation import require_id, validate_content
from openchat.server.usecases.messaging import Messaging
from openchat.v1 import messaging_service_pb2 as pb

INTERNAL_REASON = "INTERNAL_ERROR"


def parse_send(
    request: pb.SendMessageRequest, *, max_content_bytes: int
) -> tuple[str, str, Content]:
    """The validated (conversation_id, client_msg_id, content) of a send."""
    conversation_id = require_id("conversation_id", request.conversation_id)
    client_msg_id = require_id("client_msg_id", request.client_msg_id)
    validate_content(request.content, max_bytes=max_content_bytes)
    return conversation_id, client_msg_id, content_from_pb(request.content)


class MessageSender:
    """Validates and sends SendMessageRequests, counting them by outcome."""

    def __init__(self, messaging: Messaging, limits: LimitsSettings, metrics: Metrics) -> None:
        self._messaging = messaging
        self._limits = limits
        self._metrics = metrics

    async def send(
        self, user_id: str, request: pb.SendMessageRequest, *, device_id: str, transport: str
    ) -> Appended:
        """Send as `user_id` from `device_id` ("" when unknown) over `transport` (a label:
        "unary" or "stream")."""
        started = time.perf_counter()
        self._metrics.messages_sent.labels(transport).inc()
        try:
            conversation_id, client_msg_id, content = parse_send(
                request, max_content_bytes=self._limits.max_content_bytes
            )
            appended = await self._messaging.send(
                user_id, conversation_id, client_msg_id, content, origin_device_id=device_id
            )
        except OpenChatError as error:
            self._metrics.messages_failed.labels(status_of(error).reason).inc()
            raise
        except Exception:
            self._metrics.messages_failed.labels(INTERNAL_REASON).inc()
            raise
        if appended.duplicate:
            self._metrics.messages_duplicate.inc()
        self._metrics.send_latency.observe(time.perf_counter() - started)
        return appended
