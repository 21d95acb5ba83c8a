"""A message's delivery timeline, for its sender."""

from __future__ import annotations

from openchat.server.domain.delivery import (
    WEBHOOK_ROUTE,
    DeliveryState,
    DeliveryStep,
    ReceiptKind,
    RouteJobRecord,
    RouteJobStatus,
)
from openchat.server.domain.errors import MessageNotFound, PermissionDenied
from openchat.server.ports import MessageStore, ReceiptStore, RouteOutbox

_RECEIPT_STATES = {
    ReceiptKind.DELIVERED: DeliveryState.DELIVERED,
    ReceiptKind.READ: DeliveryState.READ,
    ReceiptKind.PUSHED: DeliveryState.PUSH_ACCEPTED,
}


def _route_step(job: RouteJobRecord) -> DeliveryStep | None:
    """The step a finished route job adds; None while it is pending or when it delivered
    nothing."""
    if job.status is RouteJobStatus.DEAD:
        return DeliveryStep(
            DeliveryState.FAILED,
            job.updated_at,
            user_id=job.target,
            detail=f"{job.route}: {job.last_error}",
        )
    if job.status in (RouteJobStatus.PENDING, RouteJobStatus.SKIPPED):
        return None
    if job.route == WEBHOOK_ROUTE:
        return DeliveryStep(DeliveryState.WEBHOOK_ANSWERED, job.updated_at, user_id=job.target)
    return DeliveryStep(DeliveryState.PROVIDER_ACCEPTED, job.updated_at, detail=job.route)


class DeliveryTimeline:
    """What happened to a message: stored, delivered to devices, read, routed."""

    def __init__(self, messages: MessageStore, receipts: ReceiptStore, outbox: RouteOutbox) -> None:
        self._messages = messages
        self._receipts = receipts
        self._outbox = outbox

    async def of(self, user_id: str, message_id: str) -> list[DeliveryStep]:
        message = await self._messages.get(message_id)
        if message is None:
            raise MessageNotFound(message_id)
        if message.sender_id != user_id:
            raise PermissionDenied("only the sender of a message may read its delivery timeline")
        steps = [DeliveryStep(DeliveryState.PERSISTED, message.server_time)]
        for advance in await self._receipts.covering(message.conversation_id, message.seq):
            if advance.user_id == message.sender_id:
                # The sender's other devices and the sender's own reads are not deliveries.
                continue
            steps.append(
                DeliveryStep(
                    _RECEIPT_STATES[advance.kind],
                    advance.at,
                    user_id=advance.user_id,
                    device_id=advance.device_id,
                )
            )
        for job in await self._outbox.for_message(message_id):
            step = _route_step(job)
            if step is not None:
                steps.append(step)
        return sorted(steps, key=lambda step: step.at)
