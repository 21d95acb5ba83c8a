"""The ports of what runs live: the message writer, the event bus, presence, the caches of
members, bots and users' conversations, and the rate limiter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

from openchat.server.domain.events import Topic
from openchat.server.domain.model import (
    Admission,
    Appended,
    MessageDraft,
    PresenceState,
    SessionKey,
)


class MessageWriter(Protocol):
    """Stores one message and returns only after its transaction has committed."""

    async def append(self, draft: MessageDraft) -> Appended:
        """Store the draft (or find it stored before); raises the draft's OpenChatError."""
        ...


Event = TypeVar("Event")

# What a subscriber of a Topic[Event] provides: `EventHandler[MessagePersisted]`.
EventHandler = Callable[[Event], Awaitable[None]]


class EventBus(Protocol):
    """Publish/subscribe of domain events by topic. Publishing never waits for subscribers.

    Topics are typed (`domain/events.py`): mypy checks that an event fits its topic and that a
    handler takes the topic's event, so subscribers need no type checks of their own."""

    async def publish(self, topic: Topic[Event], event: Event) -> None:
        """Hand the event to every subscriber of the topic."""
        ...

    def subscribe(self, topic: Topic[Event], handler: EventHandler[Event]) -> Callable[[], None]:
        """Call `handler` for each event on the topic, in publication order; returns a function
        that unsubscribes. A failing handler is logged and does not affect other subscribers."""
        ...

    def on_events_lost(self, callback: Callable[[], None]) -> None:
        """Call `callback` whenever events may have been lost (the bus's connection to the
        other nodes came back after a loss), so that caches drop what those events would have
        invalidated. A bus that cannot lose events never calls it."""
        ...


class PresenceRegistry(Protocol):
    """Which sessions are live, cluster-wide: one entry per session stream.

    Every change of a user's presence gets a new, higher generation, so that consumers can drop
    stale states that arrive late. A session's entry outlives its node by at most the heartbeat
    timeout: nodes refresh their entries, and entries that are not refreshed expire.
    """

    async def connect(self, session: SessionKey) -> PresenceState:
        """Register a live session (replacing an older session of the same device); returns the
        user's presence afterwards."""
        ...

    async def disconnect(self, session: SessionKey) -> PresenceState | None:
        """Remove the session; returns the user's presence afterwards, or None when the entry
        already belonged to a newer session of the device (or had expired): then nothing
        changed."""
        ...

    async def refresh(self, sessions: Sequence[SessionKey]) -> list[PresenceState]:
        """Extend the life of these sessions' entries by the heartbeat timeout, recreating
        entries the registry lost (a Redis restart or flush: the caller holds these sessions,
        so they are live); returns the presence of every user whose entry was recreated.
        Entries that belong to a newer session of the device are left alone."""
        ...

    async def lookup(self, user_ids: Sequence[str]) -> list[PresenceState]:
        """The presence of each user, in order. Expired entries never count as online."""
        ...

    async def reap_expired(self) -> list[PresenceState]:
        """Remove expired entries (sessions of nodes that died); returns the presence of every
        user that changed as a result, each change reported by exactly one caller."""
        ...


class MemberDirectory(Protocol):
    """The members of conversations, for the paths that ask for every event (fan-out, push):
    implementations cache, so an answer may lag a membership change by a moment."""

    async def members(self, conversation_id: str) -> frozenset[str]:
        """The members (empty when the conversation does not exist)."""
        ...


class BotDirectory(Protocol):
    """The ids of the registered bots, cached like MemberDirectory."""

    async def bot_ids(self) -> frozenset[str]:
        """The ids of every registered bot."""
        ...


class RateLimiter(Protocol):
    """Rates by key (GCRA, the token bucket as a schedule): in this process for one node, in
    Redis for a cluster."""

    async def acquire(self, key: str, rate: float, burst: int, max_delay: float) -> Admission:
        """Admit one event under `key`, allowing `rate` per second on average and `burst` at
        once. An event over the burst is admitted `delay` seconds later when that is at most
        `max_delay` (its slot is reserved: it must then happen), and refused otherwise."""
        ...


class UserConversations(Protocol):
    """Which conversations a user is in, for the session frames that name one (typing,
    delivery acks): cached, so a frame naming a made-up conversation costs no query."""

    async def includes(self, user_id: str, conversation_id: str) -> bool:
        """Whether the user is (or was a moment ago) a member of the conversation."""
        ...
