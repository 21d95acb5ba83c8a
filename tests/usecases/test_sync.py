"""The SyncService use case over the SQL stores: only conversations past the caller's cursors
come back, each with up to `limit` messages after its cursor, within the conversation and
response budgets, and with has_more flags that say where to continue."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from openchat.server.domain.model import Message, SyncResult
from openchat.server.storage.conversation_store import SqlConversationStore
from openchat.server.storage.database import Database
from openchat.server.storage.message_store import SqlMessageStore
from openchat.server.storage.sequences import TransactionalSequenceAllocator
from openchat.server.usecases.sync import Synchronization
from tests.support.databases import MAX_MEMBERS, draft, new_group

BUDGET = 1 << 20
TEXT_BYTES = 1000

SyncFactory = Callable[..., Synchronization]


@pytest.fixture
def messages(database: Database) -> SqlMessageStore:
    return SqlMessageStore(database, TransactionalSequenceAllocator())


@pytest.fixture
def make_sync(database: Database, messages: SqlMessageStore) -> SyncFactory:
    def make(max_conversations: int = 100, budget: int = BUDGET) -> Synchronization:
        return Synchronization(
            SqlConversationStore(database, max_members=MAX_MEMBERS),
            messages,
            max_conversations=max_conversations,
            response_budget_bytes=budget,
        )

    return make


async def send(messages: SqlMessageStore, conversation: str, sender: str, count: int) -> None:
    await messages.append_batch([draft(conversation, sender, f"m{n}") for n in range(count)])


def summary(result: SyncResult) -> dict[str, tuple[int, list[int], bool]]:
    """Per conversation: its last seq, the seqs it came with, and whether it has more."""
    return {
        item.head.conversation_id: (
            item.head.last_seq,
            [m.seq for m in item.messages],
            item.has_more,
        )
        for item in result.conversations
    }


async def test_conversations_past_their_cursors_come_with_messages_after_them(
    make_sync: SyncFactory, database: Database, messages: SqlMessageStore, members: list[str]
) -> None:
    alice, bob, *_ = members
    fresh, read, quiet = [await new_group(database, [alice, bob]) for _ in range(3)]
    await send(messages, fresh, bob, 3)
    await send(messages, read, bob, 2)

    result = await make_sync().sync(alice, {read: 2, "not-mine": 7}, limit=10)
    assert summary(result) == {fresh: (3, [1, 2, 3], False)}
    assert not result.has_more_conversations
    [item] = result.conversations
    assert item.head.read_seq == 0
    assert [m.content.text for m in item.messages] == ["m0", "m1", "m2"]

    caught_up = await make_sync().sync(alice, {fresh: 3, read: 2, quiet: 0}, limit=10)
    assert caught_up == SyncResult((), has_more_conversations=False)


async def test_a_conversation_with_more_than_the_limit_says_it_has_more(
    make_sync: SyncFactory, database: Database, messages: SqlMessageStore, members: list[str]
) -> None:
    alice, bob, *_ = members
    conversation = await new_group(database, [alice, bob])
    await send(messages, conversation, bob, 5)

    first = await make_sync().sync(alice, {}, limit=2)
    assert summary(first) == {conversation: (5, [1, 2], True)}
    second = await make_sync().sync(alice, {conversation: 2}, limit=2)
    assert summary(second) == {conversation: (5, [3, 4], True)}
    last = await make_sync().sync(alice, {conversation: 4}, limit=2)
    assert summary(last) == {conversation: (5, [5], False)}


async def test_at_most_max_conversations_come_back_and_the_rest_is_announced(
    make_sync: SyncFactory, database: Database, messages: SqlMessageStore, members: list[str]
) -> None:
    alice, bob, *_ = members
    conversations = [await new_group(database, [alice, bob]) for _ in range(3)]
    for conversation in conversations:
        await send(messages, conversation, bob, 1)

    result = await make_sync(max_conversations=2).sync(alice, {}, limit=10)
    assert len(result.conversations) == 2
    assert result.has_more_conversations
    served = set(summary(result))
    rest = await make_sync(max_conversations=2).sync(alice, dict.fromkeys(served, 1), limit=10)
    assert set(summary(rest)) == set(conversations) - served
    assert not rest.has_more_conversations


async def test_the_response_budget_cuts_messages_and_leaves_later_conversations_empty(
    make_sync: SyncFactory, database: Database, messages: SqlMessageStore, members: list[str]
) -> None:
    """Conversations are filled in id order: while budget is left each gets at least one
    message; once it is spent the rest report only their heads, so the client syncs again."""
    alice, bob, *_ = members
    first, second, third = sorted([await new_group(database, [alice, bob]) for _ in range(3)])
    for conversation in (first, second, third):
        await messages.append_batch([draft(conversation, bob, "x" * TEXT_BYTES) for _ in range(3)])

    result = await make_sync(budget=2 * TEXT_BYTES + TEXT_BYTES // 2).sync(alice, {}, limit=10)
    assert summary(result) == {
        first: (3, [1, 2], True),
        second: (3, [1], True),
        third: (3, [], True),
    }
    assert [item.head.conversation_id for item in result.conversations] == [first, second, third]


async def test_a_user_in_no_conversation_syncs_nothing(
    make_sync: SyncFactory, members: list[str]
) -> None:
    assert await make_sync().sync(members[0], {}, limit=10) == SyncResult((), False)


class CountingMessages(SqlMessageStore):
    """The SQL message store, counting the rows its range reads return."""

    rows_read = 0

    async def read_ranges(
        self, ranges: Sequence[tuple[str, int, int]]
    ) -> dict[tuple[str, int, int], list[Message]]:
        found = await super().read_ranges(ranges)
        self.rows_read += sum(map(len, found.values()))
        return found


async def test_a_sync_cut_by_the_budget_reads_about_as_many_rows_as_it_returns(
    database: Database, messages: SqlMessageStore, members: list[str]
) -> None:
    alice, bob, *_ = members
    conversations = [await new_group(database, [alice, bob]) for _ in range(20)]
    for conversation in conversations:
        await messages.append_batch([draft(conversation, bob, "x" * 300) for _ in range(50)])
    counting = CountingMessages(database, TransactionalSequenceAllocator())
    one_message = (
        await messages.list_range(
            conversations[0], after_seq=0, before_seq=None, newest_first=False, limit=1
        )
    )[0].approximate_size()
    sync = Synchronization(
        SqlConversationStore(database, max_members=MAX_MEMBERS),
        counting,
        response_budget_bytes=one_message * 120,
    )

    result = await sync.sync(alice, {}, limit=50)

    returned = sum(len(item.messages) for item in result.conversations)
    assert returned == 120
    # Not 50 rows for each of the 20 conversations (1,000): the budget's worth, give or take
    # the last read's estimate.
    assert counting.rows_read <= returned + 2, counting.rows_read
    assert [len(item.messages) for item in result.conversations if item.messages] == [50, 50, 20]
    assert all(item.has_more for item in result.conversations[2:])
