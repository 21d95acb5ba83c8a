"""Delivery and read receipts: devices acknowledge what they received, members mark what they
read, and the senders of those messages hear about it on their sessions."""

from __future__ import annotations

from datetime import UTC, datetime

from openchat.server.domain.delivery import Receipt, ReceiptAdvance, ReceiptKind
from openchat.server.domain.events import DELIVER_RECEIPT, ReceiptDelivery
from openchat.server.domain.model import SessionKey
from openchat.server.ports import EventBus, MemberDirectory, ReceiptStore

# The newest messages of a receipt's range whose senders are looked up. A longer range (a
# member catching up on a long backlog) goes to every member instead: its cost then is the
# cached member list, not a scan of the backlog, and a receipt reaching a member who sent
# nothing in the range changes nothing for them.
SENDER_WINDOW = 256


class Receipts:
    """Records receipts and tells the senders.

    Devices acknowledge every batch of messages they receive; acknowledgements are coalesced
    per device and conversation until the next flush (background/receipt_flush.py runs one
    every 200 ms) and written in one transaction, so a burst of acks costs one write, not one
    per message.
    """

    def __init__(self, store: ReceiptStore, cluster: EventBus, members: MemberDirectory) -> None:
        self._store = store
        self._cluster = cluster
        self._members = members
        self._pending: dict[tuple[str, str, str], int] = {}

    def acknowledge(self, session: SessionKey, conversation_id: str, seq: int) -> None:
        """A device received the conversation's messages up to `seq`."""
        key = (conversation_id, session.user_id, session.device_id)
        if seq > self._pending.get(key, 0):
            self._pending[key] = seq

    async def flush(self) -> None:
        """Write the coalesced acknowledgements and send the receipts."""
        if not self._pending:
            return
        acks, self._pending = self._pending, {}
        try:
            advances = await self._store.advance_delivered(acks)
        except BaseException:
            # Keep them for the next flush (acks are cumulative: the highest seq wins).
            for key, seq in acks.items():
                self._pending[key] = max(seq, self._pending.get(key, 0))
            raise
        await self._notify_senders(advances)

    async def read(self, conversation_id: str, user_id: str, before: int, after: int) -> None:
        """A member's read position moved from `before` to `after`."""
        advance = ReceiptAdvance(
            conversation_id, user_id, "", ReceiptKind.READ, before, after, datetime.now(UTC)
        )
        await self._store.record(advance)
        await self._notify_senders([advance])

    async def _notify_senders(self, advances: list[ReceiptAdvance]) -> None:
        """Tell the senders of the advances' messages, their senders read in one query."""
        short = [
            (a.conversation_id, a.from_seq, a.to_seq)
            for a in advances
            if a.to_seq - a.from_seq <= SENDER_WINDOW
        ]
        senders_of = await self._store.senders_in_ranges(short)
        for advance in advances:
            key = (advance.conversation_id, advance.from_seq, advance.to_seq)
            if key in senders_of:
                senders = set(senders_of[key])
            else:
                senders = set(await self._members.members(advance.conversation_id))
            senders.discard(advance.user_id)
            if senders:
                await self._publish(advance, senders)

    async def _publish(self, advance: ReceiptAdvance, senders: set[str]) -> None:
        receipt = Receipt(
            advance.conversation_id,
            advance.user_id,
            advance.kind,
            advance.to_seq,
            advance.at,
            advance.device_id,
        )
        await self._cluster.publish(
            DELIVER_RECEIPT, ReceiptDelivery(receipt, tuple(sorted(senders)))
        )
