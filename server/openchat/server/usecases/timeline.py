"""A message's delivery timeline, for its sender."""

from __future__ import annotations

from openchat.server.domain.errors import MessageNotFound, PermissionDenied
from openchat.server.domain.model import DeliveryState, DeliveryStep, ReceiptKind
from openchat.server.ports import MessageStore, ReceiptStore

_RECEIPT_STATES = {
    ReceiptKind.DELIVERED: DeliveryState.DELIVERED,
    ReceiptKind.READ: DeliveryState.READ,
}


class DeliveryTimeline:
    """What happened to a message: stored, delivered to devices, read."""

    def __init__(self, messages: MessageStore, receipts: ReceiptStore) -> None:
        self._messages = messages
        self._receipts = receipts

    async def of(self, user_id: str, message_id: str) -> list[DeliveryStep]:
        message = await self._messages.get(message_id)
        if message is None:
            raise MessageNotFound(message_id)
        if message.sender_id != user_id:
            raise PermissionDenied("only the sender of a message may read its delivery timeline")
        steps = [DeliveryStep(DeliveryState.PERSISTED, message.server_time)]
        for advance in await self._receipts.covering(message.conversation_id, message.seq):
            steps.append(
                DeliveryStep(
                    _RECEIPT_STATES[advance.kind],
                    advance.at,
                    user_id=advance.user_id,
                    device_id=advance.device_id,
                )
            )
        return sorted(steps, key=lambda step: step.at)
