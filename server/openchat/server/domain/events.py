"""Events the core publishes on the event bus, and their topics."""

from __future__ import annotations

from dataclasses import dataclass

from openchat.server.domain.model import Message, MessageDraft

MESSAGE_PERSISTED = "message.persisted"
MESSAGE_PERSIST_FAILED = "message.persist_failed"


@dataclass(frozen=True, slots=True)
class MessagePersisted:
    """A message is committed; routing may deliver it. Published once per stored message."""

    message: Message


@dataclass(frozen=True, slots=True)
class MessagePersistFailed:
    """A message could not be stored; the sender was told UNAVAILABLE."""

    draft: MessageDraft
    error: str
