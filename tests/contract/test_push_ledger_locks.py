"""The push ledger's settle takes its row locks in the order a send transaction takes them
(conversations, then members), so settling a push never deadlocks against a send (PostgreSQL,
where rows are locked one by one; SQLite locks the whole database per write)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select, text, update

from openchat.server.domain.delivery import PushSettlement, ReceiptAdvance, ReceiptKind
from openchat.server.storage.message_store import SqlMessageStore
from openchat.server.storage.push_ledger import SqlPushLedger
from openchat.server.storage.sequences import TransactionalSequenceAllocator
from openchat.server.storage.tables import conversations, members
from tests.support.databases import draft, migrated_database, new_group
from tests.support.waiting import until

WAITING_FOR_A_LOCK = text(
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


async def test_settling_a_push_while_a_send_holds_the_conversation_does_not_deadlock(
    fresh_postgres_url: str,
) -> None:
    async with migrated_database(fresh_postgres_url) as database:
        conversation = await new_group(database, ["alice", "bob"])
        store = SqlMessageStore(database, TransactionalSequenceAllocator())
        await store.append_batch([draft(conversation, "alice", "hi", "k1")])
        pushed = ReceiptAdvance(
            conversation, "bob", "", ReceiptKind.PUSHED, 0, 1, datetime.now(UTC)
        )
        async with database.writer.connect() as send:
            # Bob's send, half way: the allocator holds the conversation row, and the send will
            # next move bob's counted position (his member row).
            transaction = await send.begin()
            await send.execute(
                update(conversations)
                .where(conversations.c.conversation_id == conversation)
                .values(last_seq=conversations.c.last_seq)
            )
            settling = asyncio.create_task(
                SqlPushLedger(database).settle([PushSettlement(conversation, 1, (pushed,))])
            )

            async def settle_waits() -> bool:
                async with database.reader.connect() as observer:
                    return bool(await observer.scalar(WAITING_FOR_A_LOCK))

            await until(settle_waits, what="settle waiting for the send's conversation lock")
            # With members locked before conversations, settle would hold bob's row here and
            # this statement would end in `deadlock detected`.
            await send.execute(text("SET LOCAL lock_timeout = '5s'"))
            await send.execute(
                update(members)
                .where(members.c.conversation_id == conversation, members.c.user_id == "bob")
                .values(counted_seq=members.c.counted_seq)
            )
            await transaction.commit()
        await asyncio.wait_for(settling, timeout=10)
        async with database.reader.connect() as connection:
            pushed_seq = await connection.scalar(
                select(func.max(members.c.pushed_seq)).where(
                    members.c.conversation_id == conversation
                )
            )
        assert pushed_seq == 1
