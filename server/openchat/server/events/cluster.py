"""The cluster topics and the wire format of their events (JSON, via pydantic's dataclass
support), for buses that leave the process."""

from __future__ import annotations

from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, ConfigDict

from openchat.server.domain.events import (
    BOTS_CHANGED,
    DELIVER_HIDDEN,
    DELIVER_MESSAGE,
    DELIVER_RECEIPT,
    DELIVER_TYPING,
    MEMBERSHIP_CHANGED,
    PRESENCE_CHANGED,
    SESSION_REPLACED,
    Topic,
)

Event = TypeVar("Event")


class _Envelope(BaseModel, Generic[Event]):
    # Message content may carry arbitrary bytes, which JSON only holds as base64. The domain
    # dataclasses inside inherit this configuration.
    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64", frozen=True)

    event: Event


# The topics that reach every node; each travels on a channel named after the topic.
CLUSTER_TOPICS: tuple[Topic[Any], ...] = (
    DELIVER_MESSAGE,
    DELIVER_RECEIPT,
    DELIVER_TYPING,
    PRESENCE_CHANGED,
    MEMBERSHIP_CHANGED,
    SESSION_REPLACED,
    BOTS_CHANGED,
    DELIVER_HIDDEN,
)


class ClusterCodec:
    """Encodes and decodes the events of each cluster topic."""

    def __init__(self) -> None:
        self._envelopes: dict[Topic[Any], type[_Envelope[Any]]] = {
            # A type parameter known only at run time, which mypy cannot read.
            topic: _Envelope[topic.event_type]  # type: ignore[name-defined]
            for topic in CLUSTER_TOPICS
        }

    def encode(self, topic: Topic[Event], event: Event) -> bytes:
        return self._envelopes[topic](event=event).model_dump_json().encode()

    def decode(self, topic: Topic[Event], payload: bytes) -> Event:
        """The event, or ValueError when the payload is not one (pydantic's ValidationError)."""
        # The envelope of the topic validated the payload into the topic's event type.
        return cast(Event, self._envelopes[topic].model_validate_json(payload).event)
