"""The push ledger in SQL: per conversation the seq up to which push is settled and the sweeper's
lease, per member the newest seq pushed to them (columns of `conversations` and `members`).

Nothing here is written per message: a send moves `conversations.last_seq` past `push_seq`,
which puts the conversation into the partial index `ix_conversations_push_due`; the sweeper
claims it from there and moves `push_seq` up when it has decided.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, func, insert, or_, select, update

from openchat.server.domain.delivery import PushBacklog, PushCandidate, PushPosition, PushSettlement
from openchat.server.domain.model import MessageKind
from openchat.server.storage.database import Database
from openchat.server.storage.message_queries import ranges_query
from openchat.server.storage.receipt_store import event_row
from openchat.server.storage.tables import (
    PUSH_DUE,
    conversations,
    delivery_events,
    device_cursors,
    members,
    messages,
)

_CANDIDATE_COLUMNS = (
    messages.c.conversation_id,
    messages.c.seq,
    messages.c.message_id,
    messages.c.sender_id,
    messages.c.created_at,
    messages.c.kind,
    messages.c.recalled,
    messages.c.extras,
)


class SqlPushLedger:
    """PushLedger on SQLite or PostgreSQL."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def claim_due(self, limit: int, lease_seconds: float, window: int) -> list[PushBacklog]:
        now = datetime.now(UTC)
        lease = conversations.c.push_lease_until
        due = (
            select(conversations.c.conversation_id)
            .where(PUSH_DUE, or_(lease.is_(None), lease <= now))
            .limit(limit)
            # A conversation locked by a send (or another node's claim) waits for the next
            # round rather than holding this one up (SQLite has one writer and ignores this).
            .with_for_update(skip_locked=True)
        )
        async with self._database.writer.begin() as connection:
            claimed = (
                await connection.execute(
                    update(conversations)
                    .where(conversations.c.conversation_id.in_(due.scalar_subquery()))
                    .values(push_lease_until=now + timedelta(seconds=lease_seconds))
                    .returning(
                        conversations.c.conversation_id,
                        conversations.c.push_seq,
                        conversations.c.last_seq,
                    )
                )
            ).all()
        if not claimed:
            return []
        positions: dict[str, list[PushPosition]] = defaultdict(list)
        recent: dict[str, list[PushCandidate]] = defaultdict(list)
        ranges = [(c, max(settled, head - window), head) for c, settled, head in claimed]
        async with self._database.reader.connect() as connection:
            rows = await connection.execute(_positions_query([c for c, _, _ in claimed]))
            for conversation_id, user_id, read_seq, pushed_seq, muted_until, delivered in rows:
                positions[conversation_id].append(
                    PushPosition(
                        user_id,
                        max(read_seq, delivered or 0),
                        pushed_seq,
                        muted_until is not None and muted_until > now,
                    )
                )
            # Only what the decision needs: decoding whole messages cost more than the query.
            rows = await connection.execute(
                *ranges_query(connection.dialect.name, ranges, _CANDIDATE_COLUMNS)
            )
            for conversation_id, seq, message_id, sender_id, created_at, *more in rows:
                kind, recalled, extras, _, _ = more
                recent[conversation_id].append(
                    PushCandidate(
                        seq,
                        message_id,
                        sender_id,
                        created_at,
                        MessageKind(kind),
                        recalled,
                        frozenset((extras or {}).get("mentions", ())),
                    )
                )
        return [
            PushBacklog(
                conversation_id,
                settled,
                head,
                tuple(positions[conversation_id]),
                tuple(recent[conversation_id]),
            )
            for conversation_id, settled, head in claimed
        ]

    async def settle(self, settlements: Sequence[PushSettlement]) -> None:
        if not settlements:
            return
        now = datetime.now(UTC)
        pushed = [advance for s in settlements for advance in s.pushed]
        async with self._database.writer.begin() as connection:
            # Conversation rows before member rows, each in key order: the order the send
            # transaction locks them in (the allocator, then the senders' counted positions).
            # The other order deadlocks against a send by a member this settles a push for.
            await connection.execute(
                update(conversations)
                .where(conversations.c.conversation_id == bindparam("c"))
                .values(
                    push_seq=case(
                        (bindparam("seq") > conversations.c.push_seq, bindparam("seq")),
                        else_=conversations.c.push_seq,
                    ),
                    push_lease_until=bindparam("lease"),
                ),
                [
                    {
                        "c": s.conversation_id,
                        "seq": s.settled_seq,
                        "lease": now + timedelta(seconds=s.retry_after) if s.retry_after else None,
                    }
                    for s in sorted(settlements, key=lambda s: s.conversation_id)
                ],
            )
            if pushed:
                await connection.execute(
                    update(members)
                    .where(
                        members.c.conversation_id == bindparam("c"),
                        members.c.user_id == bindparam("u"),
                        members.c.pushed_seq < bindparam("seq"),
                    )
                    .values(pushed_seq=bindparam("seq")),
                    sorted(
                        ({"c": a.conversation_id, "u": a.user_id, "seq": a.to_seq} for a in pushed),
                        key=lambda row: (row["c"], row["u"]),
                    ),
                )
                # Recorded as receipts of their own, for delivery timelines.
                await connection.execute(insert(delivery_events), [event_row(a) for a in pushed])


def _positions_query(conversation_ids: list[str]) -> Select[Any]:
    """Every member of the conversations with their read, pushed and (over their devices)
    acknowledged positions and their mute: the members primary key, and the device cursors' per
    member."""
    cursor = and_(
        device_cursors.c.conversation_id == members.c.conversation_id,
        device_cursors.c.user_id == members.c.user_id,
    )
    return (
        select(
            members.c.conversation_id,
            members.c.user_id,
            members.c.read_seq,
            members.c.pushed_seq,
            members.c.muted_until,
            func.max(device_cursors.c.delivered_seq),
        )
        .select_from(members.outerjoin(device_cursors, cursor))
        .where(members.c.conversation_id.in_(conversation_ids))
        .group_by(
            members.c.conversation_id,
            members.c.user_id,
            members.c.read_seq,
            members.c.pushed_seq,
            members.c.muted_until,
        )
    )
