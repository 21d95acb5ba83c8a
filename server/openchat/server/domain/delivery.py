"""What happens to a message after it is stored: receipts and typing notices, delivery
timelines, the durable route jobs (webhooks, external providers), the push ledger's bookkeeping,
and bots."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from openchat.server.domain.model import Message, MessageKind


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
# Bots hear of messages, edits and recalls (reactions are chatter between people); pushes and
# external providers only of messages: an edit or a reaction notifies nobody, and a recall
# cannot withdraw a notification a device already shows.
WEBHOOK_KINDS = frozenset({MessageKind.MESSAGE, MessageKind.EDIT, MessageKind.RECALL})


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
    acknowledged or they read, the newest seq a push notification told them about, and whether
    they muted the conversation."""

    user_id: str
    acknowledged_seq: int
    pushed_seq: int
    # Muted the conversation (UpdateMemberSettings): pushed only the messages that mention them.
    muted: bool = False


@dataclass(frozen=True, slots=True)
class PushCandidate:
    """What deciding a push needs of a message (its content is read only when pushed)."""

    seq: int
    message_id: str
    sender_id: str
    server_time: datetime
    # Only messages are pushed: not changes (an edit or a reaction notifies nobody), nor a
    # recalled message (a notification already shown cannot be withdrawn; one not yet sent is
    # not sent).
    kind: MessageKind = MessageKind.MESSAGE
    recalled: bool = False
    mention_user_ids: frozenset[str] = frozenset()


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
