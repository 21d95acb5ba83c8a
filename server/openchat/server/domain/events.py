"""Events the core publishes on the event bus, and their topics."""

from __future__ import annotations

from dataclasses import dataclass

from openchat.server.domain.model import (
    Message,
    MessageDraft,
    PresenceState,
    Receipt,
    Typing,
)

# Topics of the node-local event bus (domain events of this node).
MESSAGE_PERSISTED = "message.persisted"
MESSAGE_PERSIST_FAILED = "message.persist_failed"

# Topics of the cluster bus, which reaches every node (in-process for one node, Redis pub/sub
# for many): what each node needs to serve its own sessions.
DELIVER_MESSAGE = "deliver.message"
DELIVER_RECEIPT = "deliver.receipt"
DELIVER_TYPING = "deliver.typing"
PRESENCE_CHANGED = "presence.changed"
MEMBERSHIP_CHANGED = "membership.changed"
SESSION_REPLACED = "session.replaced"
BOTS_CHANGED = "bots.changed"

# A trace's context as W3C trace-context headers (name, value), sorted: plain data that crosses
# the cluster bus with the event it belongs to.
TraceHeaders = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class MessagePersisted:
    """A message is committed; routing may deliver it. Published once per stored message, on
    the node-local bus of the node that stored it and (as DELIVER_MESSAGE) to every node."""

    message: Message
    origin_device_id: str = ""
    # The durable routes with work for the message (their workers are woken).
    routes: frozenset[str] = frozenset()
    # The send's trace as W3C trace-context headers (traceparent, ...), so that the routes'
    # spans join it on every node; empty when tracing is off.
    trace_context: TraceHeaders = ()


@dataclass(frozen=True, slots=True)
class ReceiptDelivery:
    """A receipt for the given users (the senders of the messages it covers)."""

    receipt: Receipt
    recipient_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TypingDelivery:
    """A typing indicator for the other members of its conversation."""

    typing: Typing


@dataclass(frozen=True, slots=True)
class PresenceChanged:
    """A user's presence changed."""

    state: PresenceState


@dataclass(frozen=True, slots=True)
class MembershipChanged:
    """Members joined or left a conversation; cached member lists must be reloaded."""

    conversation_id: str


@dataclass(frozen=True, slots=True)
class SessionReplaced:
    """A device opened a new session; any older session of the same device must close."""

    user_id: str
    device_id: str
    session_id: str


@dataclass(frozen=True, slots=True)
class MessagePersistFailed:
    """A message could not be stored; the sender was told UNAVAILABLE."""

    draft: MessageDraft
    error: str


@dataclass(frozen=True, slots=True)
class BotsChanged:
    """A bot was registered or unregistered; cached bot lists must be reloaded."""

    bot_id: str
