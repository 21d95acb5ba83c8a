"""Messages and conversations as the server's use cases see them."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the message refers to without carrying its bytes."""

    uri: str
    mime_type: str = ""
    size_bytes: int = 0
    name: str = ""


@dataclass(frozen=True, slots=True)
class Content:
    """What the sender wrote. Stored verbatim; equality decides whether a retry is a duplicate."""

    text: str = ""
    mime_type: str = ""
    data: bytes = b""
    attachments: tuple[Attachment, ...] = ()
    attributes: Mapping[str, str] = field(default_factory=dict)
    mention_user_ids: tuple[str, ...] = ()
    reply_to_message_id: str = ""

    def approximate_size(self) -> int:
        """Bytes this content occupies on the wire, within a few percent (for response budgets)."""
        size = len(self.text.encode()) + len(self.mime_type) + len(self.data)
        size += sum(len(a.uri) + len(a.mime_type) + len(a.name) + 16 for a in self.attachments)
        size += sum(len(k.encode()) + len(v.encode()) + 4 for k, v in self.attributes.items())
        size += sum(len(u) + 2 for u in self.mention_user_ids)
        return size + len(self.reply_to_message_id)


@dataclass(frozen=True, slots=True)
class MessageDraft:
    """A message a user asked to send, before it has a seq."""

    conversation_id: str
    sender_id: str
    client_msg_id: str
    content: Content
    # The sender's device, when known: the message is pushed to the sender's other devices but
    # not back to this one.
    origin_device_id: str = ""


@dataclass(frozen=True, slots=True)
class Message:
    """A durably stored message."""

    message_id: str
    conversation_id: str
    seq: int
    sender_id: str
    client_msg_id: str
    content: Content
    server_time: datetime

    def approximate_size(self) -> int:
        """Bytes this message occupies on the wire, within a few percent."""
        return self.content.approximate_size() + len(self.message_id) + len(self.client_msg_id) + 96


@dataclass(frozen=True, slots=True)
class Appended:
    """The outcome of storing a draft: the stored message, whether it was stored before, and
    the durable routes that got work for it (names; empty for a duplicate)."""

    message: Message
    duplicate: bool
    routes: frozenset[str] = frozenset()


class ConversationKind(enum.Enum):
    """The kinds of conversation."""

    DIRECT = "direct"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class Conversation:
    """A conversation and its current members."""

    conversation_id: str
    kind: ConversationKind
    title: str
    creator_id: str
    created_at: datetime
    last_seq: int
    member_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConversationView:
    """A conversation as one member sees it: with that member's read position."""

    conversation: Conversation
    read_seq: int


@dataclass(frozen=True, slots=True)
class ConversationHead:
    """Where a conversation stands for one member: its newest seq and the member's read seq."""

    conversation_id: str
    last_seq: int
    read_seq: int


@dataclass(frozen=True, slots=True)
class ConversationSync:
    """What one conversation holds after a member's cursor."""

    head: ConversationHead
    messages: tuple[Message, ...]
    has_more: bool


@dataclass(frozen=True, slots=True)
class SyncResult:
    """Every conversation with news for the caller."""

    conversations: tuple[ConversationSync, ...]
    has_more_conversations: bool


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller, as the bearer token names it."""

    user_id: str
    roles: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class SessionKey:
    """One live session stream: a device of a user, on a node."""

    user_id: str
    device_id: str
    session_id: str


@dataclass(frozen=True, slots=True)
class Admission:
    """A rate limiter's answer: admitted after `delay` seconds (its slot is reserved), or
    refused, and then `delay` is how long until the same request would be admitted at once."""

    admitted: bool
    delay: float


@dataclass(frozen=True, slots=True)
class PresenceState:
    """Whether a user is reachable. `generation` increases with every change of the user's
    presence, cluster-wide, so that an older state never overwrites a newer one."""

    user_id: str
    online: bool
    device_count: int
    last_seen: datetime | None
    generation: int


class ReceiptKind(enum.Enum):
    """What a receipt reports."""

    DELIVERED = "delivered"
    READ = "read"
    # A push notification about the range was accepted for the member (never sent to senders).
    PUSHED = "pushed"


@dataclass(frozen=True, slots=True)
class Receipt:
    """A member received (one device) or read messages of a conversation up to `seq`."""

    conversation_id: str
    user_id: str
    kind: ReceiptKind
    seq: int
    at: datetime
    device_id: str = ""


@dataclass(frozen=True, slots=True)
class Typing:
    """A member started or stopped typing."""

    conversation_id: str
    user_id: str
    typing: bool


@dataclass(frozen=True, slots=True)
class ReceiptAdvance:
    """A member's device received, or the member read, the messages in (from_seq, to_seq]."""

    conversation_id: str
    user_id: str
    device_id: str
    kind: ReceiptKind
    from_seq: int
    to_seq: int
    at: datetime


class DeliveryState(enum.Enum):
    """Steps of a message's delivery timeline."""

    PERSISTED = "persisted"
    DELIVERED = "delivered"
    READ = "read"
    PUSH_ACCEPTED = "push_accepted"
    WEBHOOK_ANSWERED = "webhook_answered"
    PROVIDER_ACCEPTED = "provider_accepted"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class DeliveryStep:
    """One step of a message's delivery timeline."""

    state: DeliveryState
    at: datetime
    user_id: str = ""
    device_id: str = ""
    detail: str = ""


# The durable route every server knows by name (external IM providers add routes of their own;
# push notifications have a ledger of their own, see PushBacklog).
WEBHOOK_ROUTE = "webhook"


@dataclass(frozen=True, slots=True)
class RouteJob:
    """A unit of durable route work: deliver one message on one route (to one target)."""

    job_id: int
    route: str
    message_id: str
    conversation_id: str
    seq: int
    target: str
    attempts: int


@dataclass(frozen=True, slots=True)
class PlannedJob:
    """Route work decided for a message while it is being stored."""

    route: str
    message: Message
    target: str = ""


@dataclass(frozen=True, slots=True)
class PushPosition:
    """How far one member of a conversation is, for push: the newest seq any of their devices
    acknowledged or they read, and the newest seq a push notification told them about."""

    user_id: str
    acknowledged_seq: int
    pushed_seq: int


@dataclass(frozen=True, slots=True)
class PushCandidate:
    """What deciding a push needs of a message (its content is read only when pushed)."""

    seq: int
    message_id: str
    sender_id: str
    server_time: datetime


@dataclass(frozen=True, slots=True)
class PushBacklog:
    """A conversation whose messages after `settled_seq` (up to `head_seq`) may still need
    push notifications, leased to the caller, with the positions of all its members and the
    newest of those messages (`recent`, oldest first)."""

    conversation_id: str
    settled_seq: int
    head_seq: int
    members: tuple[PushPosition, ...]
    recent: tuple[PushCandidate, ...]


@dataclass(frozen=True, slots=True)
class PushSettlement:
    """The outcome of one look at a PushBacklog: push is settled up to `settled_seq`, the
    `pushed` members were notified about their ranges (ReceiptKind.PUSHED), and the
    conversation's lease ends at once or, after a failed notification, in `retry_after`
    seconds."""

    conversation_id: str
    settled_seq: int
    pushed: tuple[ReceiptAdvance, ...] = ()
    retry_after: float = 0.0


class RouteJobStatus(enum.Enum):
    PENDING = "pending"
    # Delivered on its route.
    DONE = "done"
    # Nothing to deliver when it ran (say, every member was online for a push).
    SKIPPED = "skipped"
    # Retry budget spent: a dead letter.
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class RouteJobRecord:
    """Route work as an operator (or a delivery timeline) sees it."""

    job_id: int
    route: str
    message_id: str
    conversation_id: str
    target: str
    status: RouteJobStatus
    attempts: int
    last_error: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Bot:
    """A user whose conversations' messages are also POSTed to a webhook."""

    bot_id: str
    webhook_url: str
    secret: str
    created_at: datetime
