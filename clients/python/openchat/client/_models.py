"""What the SDK hands to apps: plain, immutable dataclasses, no protobuf."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the message refers to without carrying its bytes."""

    uri: str
    mime_type: str = ""
    size_bytes: int = 0
    name: str = ""


def _no_attributes() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Content:
    """The body of a message, as the sender wrote it (see openchat.v1.Content)."""

    text: str = ""
    mime_type: str = ""
    data: bytes = b""
    attachments: tuple[Attachment, ...] = ()
    attributes: Mapping[str, str] = field(default_factory=_no_attributes)
    mention_user_ids: tuple[str, ...] = ()
    reply_to_message_id: str = ""


class MessageKind(enum.Enum):
    """What an entry of a conversation's sequence is: a message, or a change to one (the
    change names its target in `target_message_id`)."""

    MESSAGE = "message"
    EDIT = "edit"
    RECALL = "recall"
    REACTION_ADDED = "reaction_added"
    REACTION_REMOVED = "reaction_removed"


@dataclass(frozen=True, slots=True)
class ReactionSummary:
    """The reactions to a message with one emoji."""

    emoji: str
    count: int
    reacted_by_me: bool


@dataclass(frozen=True, slots=True)
class ForwardOrigin:
    """The message a forwarded one was copied from."""

    conversation_id: str
    message_id: str
    sender_id: str


@dataclass(frozen=True, slots=True)
class Message:
    """A stored entry. `seq` numbers the conversation's entries 1, 2, 3, ... in order: messages
    and changes to them (`kind`). The history (`Client.history`) holds messages only, in their
    current state: edited in place, recalled ones as tombstones (`recalled`, no content)."""

    message_id: str
    conversation_id: str
    seq: int
    sender_id: str
    client_msg_id: str
    content: Content
    server_time: datetime
    kind: MessageKind = MessageKind.MESSAGE
    target_message_id: str = ""
    emoji: str = ""
    edit_count: int = 0
    edit_time: datetime | None = None
    recalled: bool = False
    reactions: tuple[ReactionSummary, ...] = ()
    forwarded_from: ForwardOrigin | None = None
    # A message this user deleted for themselves: a placeholder without content.
    deleted_for_me: bool = False


@dataclass(frozen=True, slots=True)
class MessageAck:
    """The server's confirmation that a message is durably stored. `duplicate` is True when
    an earlier attempt of the same send had already stored it (a retry after a lost ack)."""

    message_id: str
    conversation_id: str
    seq: int
    server_time: datetime
    client_msg_id: str
    duplicate: bool = False


class ConversationKind(enum.Enum):
    DIRECT = "direct"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class Conversation:
    """A conversation as the calling user sees it."""

    conversation_id: str
    kind: ConversationKind
    title: str
    member_ids: tuple[str, ...]
    last_seq: int
    creator_id: str
    create_time: datetime
    read_seq: int
    # Messages of others after the read position (not changes, not deleted for me), and
    # those of them that mention this user.
    unread_count: int = 0
    mention_count: int = 0
    last_message: Message | None = None
    last_activity_time: datetime | None = None
    # No push notifications until then, except mentions (None: not muted).
    muted_until: datetime | None = None
    pinned: bool = False


@dataclass(frozen=True, slots=True)
class Presence:
    """Whether a user is reachable now. `last_seen` is None while online or never seen."""

    user_id: str
    online: bool
    device_count: int
    last_seen: datetime | None


class ReceiptKind(enum.Enum):
    DELIVERED = "delivered"
    READ = "read"


@dataclass(frozen=True, slots=True)
class Receipt:
    """Another member received (a device of theirs) or read messages up to `seq`."""

    conversation_id: str
    user_id: str
    kind: ReceiptKind
    seq: int
    time: datetime
    device_id: str = ""


@dataclass(frozen=True, slots=True)
class Typing:
    """A member started or stopped typing. Treat an indicator older than 10 s as stopped."""

    conversation_id: str
    user_id: str
    typing: bool


class DeliveryState(enum.Enum):
    PERSISTED = "persisted"
    DELIVERED = "delivered"
    READ = "read"
    PUSH_ACCEPTED = "push_accepted"
    WEBHOOK_ANSWERED = "webhook_answered"
    PROVIDER_ACCEPTED = "provider_accepted"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class DeliveryEvent:
    """One step of a message's delivery timeline."""

    state: DeliveryState
    time: datetime
    user_id: str = ""
    device_id: str = ""
    detail: str = ""


class OutboxState(enum.Enum):
    """Where a message written by this client stands."""

    PENDING = "pending"  # not acknowledged yet: being sent, or waiting for the server
    SENT = "sent"  # acknowledged: durably stored by the server (`ack` says where)
    FAILED = "failed"  # refused by the server for good (`error` says why); never retried alone


@dataclass(frozen=True, slots=True)
class OutboxError:
    """Why the server refused a message: the gRPC code name, the AIP-193 reason, the text,
    and the ErrorInfo metadata (for CLIENT_MSG_ID_REUSED, `message_id` names the original)."""

    code: str
    reason: str
    message: str
    metadata: Mapping[str, str] = field(default_factory=_no_attributes)


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A message in the client's outbox, in the order it was written."""

    client_msg_id: str
    conversation_id: str
    content: Content
    state: OutboxState
    created_at: datetime
    attempts: int = 0
    ack: MessageAck | None = None
    error: OutboxError | None = None


@dataclass(frozen=True, slots=True)
class ClientStats:
    """The client's own counters since it was opened (the outbox depth is current), for an
    app's metrics: read them with `Client.stats()`."""

    connected: bool
    # Sessions opened (the first connect and every successful reconnect).
    connects: int
    # Session streams that ended while connected.
    disconnects: int
    # Connection attempts made after a failure or a disconnect.
    reconnect_attempts: int
    # Send attempts that failed transiently and were made again.
    send_retries: int
    # Other calls (history, sync, groups...) made again after a transient failure.
    call_retries: int
    sends_acked: int
    sends_failed: int
    # Messages waiting in the outbox (state PENDING) right now.
    outbox_depth: int
    # Messages handed to the event queue, and those dropped as already seen.
    messages_received: int
    duplicates_dropped: int
    # Holes in a conversation's seq numbers filled by fetching the missing range.
    gaps_filled: int
    # Events other than messages dropped because the app was max_buffered_events behind.
    events_dropped: int
