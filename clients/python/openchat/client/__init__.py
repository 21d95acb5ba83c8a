"""The OpenChat client SDK for Python (asyncio).

    from openchat.client import Client, MessageReceived, tls_credentials

    async with Client("chat.example.com:443", token=get_token, device_id="laptop-1",
                      store_path="~/.local/state/myapp/openchat.db",
                      credentials=tls_credentials(ca_file="ca.crt")) as client:
        ack = await client.send(conversation_id, "hello")
        async for event in client.events():
            if isinstance(event, MessageReceived):
                print(event.message.sender_id, event.message.content.text)

Sends go through a persistent outbox and are retried with one idempotency key until stored;
the session stream reconnects with backoff and resumes from per-conversation cursors, so the
app sees every message exactly once, in order per conversation. See docs/client.md.

Exceptions (see openchat.client._exceptions for when each is raised):

* OpenChatError
  * ServiceError (code, reason, metadata)
    * InvalidArgument, Unauthenticated, PermissionDenied, NotFound, AlreadyExists,
      FailedPrecondition, ResourceExhausted
    * Unavailable (retryable: UNAVAILABLE, DEADLINE_EXCEEDED, broken connection)
  * SendTimeout (also a TimeoutError; the message is still pending in the outbox)
  * ClientClosed
"""

from openchat.client._client import Client
from openchat.client._events import (
    CaughtUp,
    Connected,
    Disconnected,
    Event,
    MessageReceived,
    MessagesDeleted,
    OutboxChanged,
    PresenceChanged,
    ReceiptReceived,
    Reconnecting,
    TypingChanged,
)
from openchat.client._exceptions import (
    AlreadyExists,
    ClientClosed,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    OpenChatError,
    PermissionDenied,
    ResourceExhausted,
    SendTimeout,
    ServiceError,
    Unauthenticated,
    Unavailable,
)
from openchat.client._models import (
    Attachment,
    ClientStats,
    Content,
    Conversation,
    ConversationKind,
    DeliveryEvent,
    DeliveryState,
    ForwardOrigin,
    Message,
    MessageAck,
    MessageKind,
    OutboxEntry,
    OutboxError,
    OutboxState,
    Presence,
    ReactionSummary,
    Receipt,
    ReceiptKind,
    Typing,
)
from openchat.client._outbox import Outbox
from openchat.client._policies import Backoff, ReconnectPolicy, RetryPolicy
from openchat.client._tls import tls_credentials
from openchat.client._tokens import TokenProvider

__all__ = [
    "AlreadyExists",
    "Attachment",
    "Backoff",
    "CaughtUp",
    "Client",
    "ClientClosed",
    "ClientStats",
    "Connected",
    "Content",
    "Conversation",
    "ConversationKind",
    "DeliveryEvent",
    "DeliveryState",
    "Disconnected",
    "Event",
    "FailedPrecondition",
    "ForwardOrigin",
    "InvalidArgument",
    "Message",
    "MessageAck",
    "MessageKind",
    "MessageReceived",
    "MessagesDeleted",
    "NotFound",
    "OpenChatError",
    "Outbox",
    "OutboxChanged",
    "OutboxEntry",
    "OutboxError",
    "OutboxState",
    "PermissionDenied",
    "Presence",
    "PresenceChanged",
    "ReactionSummary",
    "Receipt",
    "ReceiptKind",
    "ReceiptReceived",
    "ReconnectPolicy",
    "Reconnecting",
    "ResourceExhausted",
    "RetryPolicy",
    "SendTimeout",
    "ServiceError",
    "TokenProvider",
    "Typing",
    "TypingChanged",
    "Unauthenticated",
    "Unavailable",
    "tls_credentials",
]
