"""What a session sends its client besides messages, receipts, presence and typing: the
protocol's own frames, as plain data for the transport to encode."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from openchat.server.domain.delivery import Receipt, Typing
from openchat.server.domain.errors import OpenChatError
from openchat.server.domain.model import Appended, Message, MessagesDeleted, PresenceState


@dataclass(frozen=True, slots=True)
class Welcome:
    session_id: str
    user_id: str
    heartbeat_interval: float
    heartbeat_timeout: float
    server_time: datetime


@dataclass(frozen=True, slots=True)
class Pong:
    nonce: int
    server_time: datetime
    watermark: int


@dataclass(frozen=True, slots=True)
class SendRejected:
    """A message sent on the stream was not stored."""

    client_msg_id: str
    conversation_id: str
    error: OpenChatError


@dataclass(frozen=True, slots=True)
class CaughtUp:
    message_count: int


@dataclass(frozen=True, slots=True)
class ReconnectRequest:
    reason: str
    retry_after: float
    # Why, as a metric label: "replaced" (a newer session of the device), "draining", or
    # "overloaded" (a new session pushed back, instead of its welcome, while the loop lags).
    cause: str = "draining"


Outbound = (
    Welcome
    | Pong
    | Message
    | Appended
    | Receipt
    | PresenceState
    | Typing
    | SendRejected
    | CaughtUp
    | ReconnectRequest
    | MessagesDeleted
)
