"""Events the core publishes on the event bus, and their topics.

A topic is a typed object, not a string: `bus.publish(DELIVER_MESSAGE, event)` is checked by mypy
to carry a `MessagePersisted`, each subscriber's handler is checked to take one, and a reader
follows a message from the writer to the sessions by the topic's name in the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from openchat.server.domain.delivery import Receipt, Typing
from openchat.server.domain.model import Message, MessageDraft, MessagesDeleted, PresenceState

# Invariant on purpose: a covariant topic would let `publish(DELIVER_MESSAGE, object())` pass.
Event = TypeVar("Event")


@dataclass(frozen=True, slots=True)
class Topic(Generic[Event]):
    """A named stream of events of one type. The name is what buses that leave the process
    (Redis pub/sub) use on the wire, so it must not change between versions of a cluster."""

    name: str
    event_type: type[Event]


# A trace's context as W3C trace-context headers (name, value), sorted: plain data that crosses
# the cluster bus with the event it belongs to.
TraceHeaders = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class MessagePersisted:
    """A message is committed; routing may deliver it. Published once per stored message, on
    the node-local bus of the node that stored it and (on DELIVER_MESSAGE) to every node."""

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
class HiddenDelivery:
    """Messages a user deleted for themselves, for every session of that user (and no one
    else's): each of their devices hides them."""

    user_id: str
    deleted: MessagesDeleted


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


# Topics of the node-local event bus (domain events of this node).
MESSAGE_PERSISTED = Topic("message.persisted", MessagePersisted)
MESSAGE_PERSIST_FAILED = Topic("message.persist_failed", MessagePersistFailed)

# Topics of the cluster bus, which reaches every node (in-process for one node, Redis pub/sub
# for many): what each node needs to serve its own sessions.
DELIVER_MESSAGE = Topic("deliver.message", MessagePersisted)
DELIVER_RECEIPT = Topic("deliver.receipt", ReceiptDelivery)
DELIVER_TYPING = Topic("deliver.typing", TypingDelivery)
DELIVER_HIDDEN = Topic("deliver.hidden", HiddenDelivery)
PRESENCE_CHANGED = Topic("presence.changed", PresenceChanged)
MEMBERSHIP_CHANGED = Topic("membership.changed", MembershipChanged)
SESSION_REPLACED = Topic("session.replaced", SessionReplaced)
BOTS_CHANGED = Topic("bots.changed", BotsChanged)
