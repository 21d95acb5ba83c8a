"""The events an app reads from `Client.events()`, in the order they happened.

Per conversation, `MessageReceived` events come in seq order, each message exactly once, across
disconnects and restarts of the app (with a store path). After every (re)connect, the messages
missed while away come first, then `CaughtUp`, then live messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from openchat.client._exceptions import OpenChatError
from openchat.client._models import Message, OutboxEntry, Presence, Receipt, Typing


@dataclass(frozen=True, slots=True)
class Connected:
    """A session is open: live delivery runs, and missed messages are being caught up."""

    session_id: str
    user_id: str


@dataclass(frozen=True, slots=True)
class Disconnected:
    """The session ended. `error` says why (None when the server closed it normally or asked
    the client to reconnect). `will_reconnect` is False only when the client gave up: a
    reconnect limit was reached or the server refused the session for good; then
    `Client.reconnect()` starts again."""

    error: OpenChatError | None
    will_reconnect: bool


@dataclass(frozen=True, slots=True)
class Reconnecting:
    """Attempt number `attempt` to connect again starts in `delay` seconds."""

    attempt: int
    delay: float


@dataclass(frozen=True, slots=True)
class CaughtUp:
    """Everything missed before this (re)connect was delivered; what follows is live."""

    message_count: int


@dataclass(frozen=True, slots=True)
class MessageReceived:
    """A message of one of the user's conversations, including the user's own (from any of
    their devices, this one included): the conversation's full log, in seq order."""

    message: Message


@dataclass(frozen=True, slots=True)
class MessagesDeleted:
    """This user deleted messages of a conversation for themselves, on this device or another
    (`Client.delete_messages`): hide them. The local store already did: `history()` leaves them
    out. A retried deletion may report messages again; `seqs` pairs with `message_ids`."""

    conversation_id: str
    message_ids: tuple[str, ...]
    seqs: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ReceiptReceived:
    """Another member received or read messages this user sent."""

    receipt: Receipt


@dataclass(frozen=True, slots=True)
class PresenceChanged:
    """A watched user's presence (see `Client.watch_presence`)."""

    presence: Presence


@dataclass(frozen=True, slots=True)
class TypingChanged:
    """A member of one of the user's conversations started or stopped typing."""

    typing: Typing


@dataclass(frozen=True, slots=True)
class OutboxChanged:
    """A message written by this client was acknowledged (SENT) or refused (FAILED)."""

    entry: OutboxEntry


Event = (
    Connected
    | Disconnected
    | Reconnecting
    | CaughtUp
    | MessageReceived
    | MessagesDeleted
    | ReceiptReceived
    | PresenceChanged
    | TypingChanged
    | OutboxChanged
)
