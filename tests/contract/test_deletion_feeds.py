"""The deletion feed on SQLite and PostgreSQL: every message a user hides for themselves takes
the next position of that user's feed (gapless, once, in commit order, also when calls race on
two nodes), retries take none, and read_deletions reads the feed by position ranges."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from openchat.server.domain.errors import MessageNotFound
from openchat.server.domain.model import Appended, Content, Message
from openchat.server.storage.database import Database, connect
from openchat.server.storage.message_store import SqlMessageStore
from openchat.server.storage.sequences import TransactionalSequenceAllocator
from tests.support.databases import draft, new_group


@pytest.fixture
def store(database: Database) -> SqlMessageStore:
    return SqlMessageStore(database, TransactionalSequenceAllocator())


async def sent(
    store: SqlMessageStore, conversation_id: str, sender_id: str, count: int
) -> list[Message]:
    outcomes = await store.append_batch(
        [draft(conversation_id, sender_id, f"m{n}") for n in range(count)]
    )
    return [outcome.message for outcome in outcomes if isinstance(outcome, Appended)]


async def test_hidden_messages_take_the_next_positions_and_retries_take_none(
    store: SqlMessageStore, database: Database, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    conversation = await new_group(database, [alice, bob])
    m = await sent(store, conversation, alice, 4)

    first = await store.hide(bob, conversation, [m[2].message_id, m[0].message_id])
    assert (first.seqs, first.newly_hidden, first.deletions_position) == ((1, 3), 2, 2)
    retry = await store.hide(bob, conversation, [m[0].message_id])
    assert (retry.newly_hidden, retry.deletions_position) == (0, 2), "nothing new, no position"
    mixed = await store.hide(bob, conversation, [m[0].message_id, m[3].message_id])
    assert (mixed.newly_hidden, mixed.deletions_position) == (1, 3)
    # Another user's feed is their own.
    other = await store.hide(alice, conversation, [m[3].message_id])
    assert (other.newly_hidden, other.deletions_position) == (1, 1)

    # In seq order within a call: positions 1, 2 are seqs 1, 3; position 3 is seq 4.
    feed = await store.read_deletions([(bob, 0, 3), (bob, 1, 2), (alice, 0, 1), (bob, 3, 3)])
    assert [(d.position, d.message.seq) for d in feed[(bob, 0, 3)]] == [(1, 1), (2, 3), (3, 4)]
    assert [(d.position, d.message.seq) for d in feed[(bob, 1, 2)]] == [(2, 3)]
    assert [(d.position, d.message.seq) for d in feed[(alice, 0, 1)]] == [(1, 4)]
    assert feed[(bob, 3, 3)] == []
    # Placeholders, as Sync sends a deleted message: no content.
    (placeholder,) = feed[(bob, 1, 2)]
    assert placeholder.message == m[2].hidden()
    assert placeholder.message.deleted_for_me
    assert placeholder.message.content == Content()


async def test_a_refused_call_takes_no_position(
    store: SqlMessageStore, database: Database, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    conversation = await new_group(database, [alice, bob])
    elsewhere = await new_group(database, [alice, bob])
    (here,) = await sent(store, conversation, alice, 1)
    (there,) = await sent(store, elsewhere, alice, 1)

    with pytest.raises(MessageNotFound):
        await store.hide(bob, conversation, [here.message_id, there.message_id])
    assert (await store.hide(bob, conversation, [here.message_id])).deletions_position == 1


async def test_racing_deletions_on_two_nodes_fill_the_feed_once_without_gaps(
    store: SqlMessageStore, database: Database, database_url: str, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    conversation = await new_group(database, [alice, bob])
    m = await sent(store, conversation, alice, 30)
    other_node = connect(database_url)
    try:
        stores = [store, SqlMessageStore(other_node, TransactionalSequenceAllocator())]
        # Overlapping calls: every message is named by two calls, on different nodes.
        calls = [
            stores[n % 2].hide(bob, conversation, [m[n].message_id, m[(n + 1) % 30].message_id])
            for n in range(30)
        ]
        results = await asyncio.gather(*calls)
    finally:
        await other_node.dispose()

    assert sum(result.newly_hidden for result in results) == 30, "each message hidden once"
    # Each call's new positions are its own: (position - newly_hidden, position].
    taken = sorted(
        position
        for result in results
        for position in range(
            result.deletions_position - result.newly_hidden + 1, result.deletions_position + 1
        )
    )
    assert taken == list(range(1, 31))
    feed = (await store.read_deletions([(bob, 0, 30)]))[(bob, 0, 30)]
    assert [d.position for d in feed] == list(range(1, 31))
    assert sorted(d.message.seq for d in feed) == list(range(1, 31))
