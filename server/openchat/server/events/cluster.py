"""The cluster topics and the wire format of their events (JSON, via pydantic's dataclass
support), for buses that leave the process."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from openchat.server.domain.events import (
    BOTS_CHANGED,
    DELIVER_MESSAGE,
    DELIVER_RECEIPT,
    DELIVER_TYPING,
    MEMBERSHIP_CHANGED,
    PRESENCE_CHANGED,
    SESSION_REPLACED,
    BotsChanged,
    MembershipChanged,
    MessagePersisted,
    PresenceChanged,
    ReceiptDelivery,
    SessionReplaced,
    TypingDelivery,
)

Event = TypeVar("Event")


class _Envelope(BaseModel, Generic[Event]):
    # Message content may carry arbitrary bytes, which JSON only holds as base64. The domain
    # dataclasses inside inherit this configuration.
    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64", frozen=True)

    event: Event


CLUSTER_EVENTS: dict[str, type] = {
    DELIVER_MESSAGE: MessagePersisted,
    DELIVER_RECEIPT: ReceiptDelivery,
    DELIVER_TYPING: TypingDelivery,
    PRESENCE_CHANGED: PresenceChanged,
    MEMBERSHIP_CHANGED: MembershipChanged,
    SESSION_REPLACED: SessionReplaced,
    BOTS_CHANGED: BotsChanged,
}


class ClusterCodec:
    """Encodes and decodes the events of each cluster topic."""

    def __init__(self) -> None:
        self._envelopes: dict[str, type[_Envelope[Any]]] = {
            topic: _Envelope[event_type]  # type: ignore[valid-type]  # a runtime type parameter
            for topic, event_type in CLUSTER_EVENTS.items()
        }

    def encode(self, topic: str, event: object) -> bytes:
        return self._envelopes[topic](event=event).model_dump_json().encode()

    def decode(self, topic: str, payload: bytes) -> object:
        return self._envelopes[topic].model_validate_json(payload).event
