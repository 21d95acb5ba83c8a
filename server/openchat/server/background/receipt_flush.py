"""Writes the delivery acknowledgements that Receipts coalesced, on a timer."""

from __future__ import annotations

from openchat.server.background.periodic import PeriodicTask
from openchat.server.usecases.receipts import Receipts

# Acknowledgements are coalesced for up to this long before they are written: long enough
# that a burst of acks becomes one transaction, short enough that a sender's DELIVERED
# receipt still feels immediate. An idle round costs no query.
FLUSH_SECONDS = 0.2


def receipt_flush(receipts: Receipts, interval: float = FLUSH_SECONDS) -> PeriodicTask:
    """A task that flushes `receipts` every `interval` seconds. A failed flush keeps its acks
    for the next round (acks are cumulative: the highest seq wins)."""
    return PeriodicTask("receipt-flush", interval, receipts.flush)
