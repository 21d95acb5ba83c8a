"""The ReceiptStore contract on SQLite and PostgreSQL: device cursors (delivered watermarks)
only move forward, never past the conversation's last seq and only for members; every advance
is kept for delivery timelines until purged, and a purge leaves the cursors alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from openchat.server.domain.delivery import ReceiptAdvance, ReceiptKind
from openchat.server.domain.model import Appended, Content, MessageDraft, MessageKind
from openchat.server.storage.database import Database
from openchat.server.storage.message_store import SqlMessageStore
from openchat.server.storage.receipt_store import SqlReceiptStore
from openchat.server.storage.sequences import TransactionalSequenceAllocator
from tests.support.databases import draft, new_group

DELIVERED, READ = ReceiptKind.DELIVERED, ReceiptKind.READ


@pytest.fixture
def database(module_database: Database) -> Database:
    """A database of this module's own. The session's shared one is also served by running
    servers, whose push sweepers record a PUSHED advance for any member left behind in any
    conversation: the exact lists of advances asserted here must not see those."""
    return module_database


@pytest.fixture
def store(database: Database) -> SqlReceiptStore:
    return SqlReceiptStore(database)


async def conversation_with(database: Database, member_ids: list[str], senders: list[str]) -> str:
    """A group of `member_ids` holding one message per entry of `senders` (seq 1, 2, ...)."""
    conversation = await new_group(database, member_ids)
    messages = SqlMessageStore(database, TransactionalSequenceAllocator())
    await messages.append_batch([draft(conversation, sender) for sender in senders])
    return conversation


def spans(advances: list[ReceiptAdvance]) -> list[tuple[str, str, ReceiptKind, int, int]]:
    return [(a.user_id, a.device_id, a.kind, a.from_seq, a.to_seq) for a in advances]


async def test_delivered_cursors_advance_per_device_and_only_forward(
    database: Database, store: SqlReceiptStore, members: list[str]
) -> None:
    alice, bob, *_ = members
    conversation = await conversation_with(database, [alice, bob], [alice] * 5)

    first = await store.advance_delivered(
        {(conversation, bob, "phone"): 2, (conversation, bob, "laptop"): 4}
    )
    assert sorted(spans(first)) == [
        (bob, "laptop", DELIVERED, 0, 4),
        (bob, "phone", DELIVERED, 0, 2),
    ]
    assert all(a.conversation_id == conversation and a.at.tzinfo for a in first)

    again = await store.advance_delivered(
        {(conversation, bob, "phone"): 3, (conversation, bob, "laptop"): 4}
    )
    assert spans(again) == [(bob, "phone", DELIVERED, 2, 3)], "the laptop is already at 4"
    assert await store.advance_delivered({(conversation, bob, "phone"): 1}) == []
    assert spans(await store.advance_delivered({(conversation, bob, "phone"): 5})) == [
        (bob, "phone", DELIVERED, 3, 5)
    ]


async def test_a_cursor_stops_at_the_last_seq_and_ignores_non_members(
    database: Database, store: SqlReceiptStore, members: list[str]
) -> None:
    alice, bob, _, stranger = members
    conversation = await conversation_with(database, [alice, bob], [alice] * 3)

    advances = await store.advance_delivered(
        {(conversation, bob, "phone"): 99, (conversation, stranger, "phone"): 2}
    )
    assert spans(advances) == [(bob, "phone", DELIVERED, 0, 3)]
    assert await store.advance_delivered({(conversation, bob, "phone"): 99}) == []
    assert await store.advance_delivered({("no-such-conversation", bob, "phone"): 1}) == []
    assert await store.advance_delivered({}) == []


async def test_concurrent_acks_of_a_device_never_move_its_cursor_back(
    database: Database, store: SqlReceiptStore, members: list[str]
) -> None:
    alice, bob, *_ = members
    conversation = await conversation_with(database, [alice, bob], [alice] * 10)

    await asyncio.gather(
        *(store.advance_delivered({(conversation, bob, "phone"): s}) for s in range(1, 11))
    )
    assert await store.advance_delivered({(conversation, bob, "phone"): 10}) == []


async def test_covering_returns_the_advances_whose_range_holds_the_seq_oldest_first(
    database: Database, store: SqlReceiptStore, members: list[str]
) -> None:
    alice, bob, carol, _ = members
    conversation = await conversation_with(database, [alice, bob, carol], [alice] * 4)
    await store.advance_delivered({(conversation, bob, "phone"): 2})
    await store.advance_delivered({(conversation, bob, "phone"): 4})
    start = datetime.now(UTC)
    read = ReceiptAdvance(conversation, carol, "", READ, 1, 3, start + timedelta(seconds=1))
    await store.record(read)

    assert spans(await store.covering(conversation, 1)) == [(bob, "phone", DELIVERED, 0, 2)]
    assert spans(await store.covering(conversation, 2)) == [
        (bob, "phone", DELIVERED, 0, 2),
        (carol, "", READ, 1, 3),
    ]
    assert spans(await store.covering(conversation, 3)) == [
        (bob, "phone", DELIVERED, 2, 4),
        (carol, "", READ, 1, 3),
    ]
    assert (await store.covering(conversation, 3))[-1] == read
    assert await store.covering(conversation, 5) == []
    assert await store.covering("no-such-conversation", 1) == []


async def test_senders_in_ranges_covers_each_half_open_range_in_one_call(
    database: Database, store: SqlReceiptStore, members: list[str]
) -> None:
    alice, bob, carol, _ = members
    conversation = await conversation_with(database, [alice, bob, carol], [alice, bob, bob, carol])
    other = await conversation_with(database, [alice, bob], [bob])
    ranges = [(conversation, 0, 4), (conversation, 1, 3), (conversation, 3, 4), (other, 0, 1)]

    assert await store.senders_in_ranges([*ranges, (conversation, 4, 9)]) == {
        (conversation, 0, 4): {alice, bob, carol},
        (conversation, 1, 3): {bob},
        (conversation, 3, 4): {carol},
        (other, 0, 1): {bob},
        (conversation, 4, 9): set(),
    }
    assert await store.senders_in_ranges([]) == {}


async def test_senders_in_ranges_leaves_out_the_authors_of_changes(
    database: Database, store: SqlReceiptStore, members: list[str]
) -> None:
    alice, bob, carol, _ = members
    conversation = await conversation_with(database, [alice, bob, carol], [alice])
    messages = SqlMessageStore(database, TransactionalSequenceAllocator())
    [target] = (await messages.read_ranges([(conversation, 0, 1)]))[(conversation, 0, 1)]
    reaction = MessageDraft(
        conversation,
        bob,
        "react",
        Content(),
        kind=MessageKind.REACTION_ADDED,
        target_message_id=target.message_id,
        emoji="👍",
    )
    [outcome] = await messages.append_batch([reaction])
    assert isinstance(outcome, Appended)
    assert outcome.message.seq == 2

    assert await store.senders_in_ranges([(conversation, 0, 2)]) == {(conversation, 0, 2): {alice}}


async def test_a_purge_deletes_old_advances_and_keeps_young_ones_and_the_cursors(
    own_database: Database, members: list[str]
) -> None:
    store = SqlReceiptStore(own_database)
    alice, bob, carol, _ = members
    conversation = await conversation_with(own_database, [alice, bob, carol], [alice] * 3)
    await store.advance_delivered({(conversation, bob, "phone"): 2})
    cutoff = datetime.now(UTC) + timedelta(seconds=1)
    old = ReceiptAdvance(conversation, carol, "", READ, 0, 1, cutoff - timedelta(days=8))
    young = ReceiptAdvance(conversation, carol, "", READ, 1, 2, cutoff + timedelta(minutes=1))
    for advance in (old, young):
        await store.record(advance)

    assert await store.purge(before=cutoff) == 2, "the delivery to 2 and the old read"
    assert await store.covering(conversation, 1) == []
    assert await store.covering(conversation, 2) == [young]
    assert await store.advance_delivered({(conversation, bob, "phone"): 2}) == [], (
        "the device's cursor survives the purge"
    )
    assert await store.purge(before=cutoff) == 0
