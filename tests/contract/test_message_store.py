"""The MessageStore contract on SQLite and PostgreSQL: what append_batch answers for each draft
(new, duplicate, reused key, missing conversation, non-member), that a repeat never stores a
row or consumes a seq, and the order and bounds of read_ranges and list_range."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import NamedTuple

import pytest

from openchat.server.domain.errors import ClientMsgIdReused, ConversationNotFound, NotAMember
from openchat.server.domain.model import Appended, Message, MessageDraft
from openchat.server.storage.database import Database
from openchat.server.storage.message_store import SqlMessageStore
from openchat.server.storage.sequences import TransactionalSequenceAllocator
from tests.support.databases import draft, message_count, new_group, rich_content, stored_seqs


@pytest.fixture
def store(database: Database) -> SqlMessageStore:
    return SqlMessageStore(database, TransactionalSequenceAllocator())


@pytest.fixture
def alice(user_ids: Iterator[str]) -> str:
    return next(user_ids)


@pytest.fixture
def bob(user_ids: Iterator[str]) -> str:
    return next(user_ids)


@pytest.fixture
async def conversation(database: Database, alice: str, bob: str) -> str:
    return await new_group(database, [alice, bob])


def appended(outcome: object) -> Message:
    assert isinstance(outcome, Appended), outcome
    return outcome.message


@pytest.fixture
async def original(store: SqlMessageStore, conversation: str, alice: str) -> Message:
    """Alice's message "hi", stored under client_msg_id "k"."""
    return appended((await store.append_batch([draft(conversation, alice, "hi", "k")]))[0])


async def test_a_new_draft_is_stored_with_everything_it_carries(
    store: SqlMessageStore, conversation: str, alice: str
) -> None:
    content = rich_content()
    [outcome] = await store.append_batch([MessageDraft(conversation, alice, "rich", content)])
    assert isinstance(outcome, Appended)
    assert not outcome.duplicate
    message = outcome.message
    assert (message.conversation_id, message.seq, message.sender_id) == (conversation, 1, alice)
    assert message.client_msg_id == "rich"
    assert message.server_time.tzinfo is not None
    [read] = (await store.read_ranges([(conversation, 0, 10)]))[(conversation, 0, 10)]
    assert read == message


async def test_a_repeat_of_a_stored_message_is_a_duplicate_and_stores_nothing(
    database: Database, store: SqlMessageStore, conversation: str, alice: str, original: Message
) -> None:
    rows = await message_count(database)

    [again] = await store.append_batch([draft(conversation, alice, "hi", "k")])
    assert isinstance(again, Appended)
    assert again.duplicate
    assert again.message == original
    assert await message_count(database) == rows
    next_one = appended((await store.append_batch([draft(conversation, alice)]))[0])
    assert next_one.seq == 2, "a duplicate must not consume a seq"


async def test_a_repeat_inside_one_batch_is_a_duplicate_of_the_first(
    database: Database, store: SqlMessageStore, conversation: str, alice: str, bob: str
) -> None:
    outcomes = await store.append_batch(
        [
            draft(conversation, alice, "hi", "k"),
            draft(conversation, bob, "other"),
            draft(conversation, alice, "hi", "k"),
        ]
    )
    first, other, repeat = outcomes
    assert isinstance(first, Appended)
    assert not first.duplicate
    assert isinstance(repeat, Appended)
    assert repeat.duplicate
    assert repeat.message == first.message
    assert appended(other).seq == 2
    assert await stored_seqs(database, conversation) == [1, 2]


async def test_the_same_key_from_another_sender_is_another_message(
    store: SqlMessageStore, conversation: str, alice: str, bob: str
) -> None:
    first, second = await store.append_batch(
        [draft(conversation, alice, "hi", "k"), draft(conversation, bob, "hi", "k")]
    )
    assert appended(first).message_id != appended(second).message_id
    assert [appended(first).seq, appended(second).seq] == [1, 2]


async def test_reusing_a_key_for_other_content_names_the_original_and_changes_nothing(
    database: Database, store: SqlMessageStore, conversation: str, alice: str, original: Message
) -> None:
    rows = await message_count(database)

    [reused] = await store.append_batch([draft(conversation, alice, "changed", "k")])
    assert isinstance(reused, ClientMsgIdReused)
    assert reused.original_message_id == original.message_id
    assert original.message_id in str(reused)
    assert await message_count(database) == rows
    [stored] = (await store.read_ranges([(conversation, 0, 10)]))[(conversation, 0, 10)]
    assert stored == original


async def test_reusing_a_key_in_another_conversation_is_client_msg_id_reused(
    database: Database, store: SqlMessageStore, alice: str, bob: str, original: Message
) -> None:
    elsewhere = await new_group(database, [alice, bob])

    [reused] = await store.append_batch([draft(elsewhere, alice, "hi", "k")])
    assert isinstance(reused, ClientMsgIdReused)
    assert reused.original_message_id == original.message_id
    assert await stored_seqs(database, elsewhere) == []


async def test_reusing_a_key_inside_one_batch_is_client_msg_id_reused(
    database: Database, store: SqlMessageStore, conversation: str, alice: str
) -> None:
    first, reused = await store.append_batch(
        [draft(conversation, alice, "hi", "k"), draft(conversation, alice, "changed", "k")]
    )
    assert isinstance(reused, ClientMsgIdReused)
    assert reused.original_message_id == appended(first).message_id
    assert await stored_seqs(database, conversation) == [1]


async def test_missing_conversation_and_non_member_fail_alone(
    database: Database, store: SqlMessageStore, conversation: str, alice: str, bob: str
) -> None:
    stranger = f"stranger-{uuid.uuid4().hex[:8]}"
    missing = f"missing-{uuid.uuid4().hex[:8]}"
    rows = await message_count(database)

    outcomes = await store.append_batch(
        [
            draft(conversation, alice, "one"),
            draft(missing, alice, "lost"),
            draft(conversation, stranger, "intruder"),
            draft(conversation, bob, "two"),
            draft(missing, alice, "lost again"),
        ]
    )
    good, not_found, not_member, also_good, not_found_again = outcomes
    assert isinstance(not_found, ConversationNotFound)
    assert not_found.conversation_id == missing
    assert isinstance(not_found_again, ConversationNotFound)
    assert isinstance(not_member, NotAMember)
    assert stranger in str(not_member)
    assert [appended(good).seq, appended(also_good).seq] == [1, 2]
    assert await message_count(database) == rows + 2


async def test_a_failed_drafts_key_stays_free(
    store: SqlMessageStore, conversation: str, alice: str
) -> None:
    """A draft that failed stored nothing, so its client_msg_id can carry a message later."""
    [failed] = await store.append_batch([draft("no-such-conversation", alice, "hi", "k")])
    assert isinstance(failed, ConversationNotFound)
    [stored] = await store.append_batch([draft(conversation, alice, "hi", "k")])
    assert isinstance(stored, Appended)
    assert not stored.duplicate


async def test_identical_concurrent_appends_store_one_message(
    database: Database, store: SqlMessageStore, conversation: str, alice: str
) -> None:
    """Separate transactions (on PostgreSQL, really concurrent ones) racing on one key."""
    outcomes = await asyncio.gather(
        *(store.append_batch([draft(conversation, alice, "same", "k")]) for _ in range(8))
    )
    results = [outcome for [outcome] in outcomes]
    assert all(isinstance(result, Appended) for result in results)
    assert len({appended(result).message_id for result in results}) == 1
    assert sum(isinstance(r, Appended) and not r.duplicate for r in results) == 1
    assert await stored_seqs(database, conversation) == [1]


async def test_read_ranges_returns_each_range_in_seq_order(
    store: SqlMessageStore, database: Database, alice: str, bob: str
) -> None:
    busy, quiet = [await new_group(database, [alice, bob]) for _ in range(2)]
    await store.append_batch([draft(busy, alice, f"b{n}") for n in range(1, 11)])
    await store.append_batch([draft(quiet, bob, f"q{n}") for n in range(1, 4)])

    ranges = [(busy, 3, 6), (busy, 5, 8), (quiet, 0, 99), (busy, 10, 12), ("no-such", 0, 5)]
    pages = await store.read_ranges(ranges)
    assert set(pages) == set(ranges)
    assert [m.content.text for m in pages[(busy, 3, 6)]] == ["b4", "b5", "b6"]
    assert [m.seq for m in pages[(busy, 5, 8)]] == [6, 7, 8], "ranges may overlap"
    assert [m.seq for m in pages[(quiet, 0, 99)]] == [1, 2, 3]
    assert pages[(busy, 10, 12)] == []
    assert pages[("no-such", 0, 5)] == []
    assert (await store.read_ranges([])) == {}


async def test_read_ranges_answers_many_ranges_in_one_statement(
    store: SqlMessageStore, database: Database, alice: str, bob: str
) -> None:
    first, last = sorted([await new_group(database, [alice, bob]) for _ in range(2)])
    await store.append_batch([draft(first, alice, "a"), draft(last, alice, "z")])
    # Ids that sort between `first` and `last`, so the two stand at both ends of the batch.
    absent = [(f"{first}-{n:04d}", 0, 5) for n in range(450)]
    ranges = [(first, 0, 5), *absent, (last, 0, 5)]
    pages = await store.read_ranges(ranges)
    assert set(pages) == set(ranges)
    assert [m.content.text for m in pages[(first, 0, 5)]] == ["a"]
    assert [m.content.text for m in pages[(last, 0, 5)]] == ["z"]
    assert all(pages[key] == [] for key in absent)


class Range(NamedTuple):
    """A list_range request and the seqs it must return, out of messages 1..10."""

    after_seq: int
    before_seq: int | None
    newest_first: bool
    limit: int
    expected: list[int]


@pytest.mark.parametrize(
    "asked",
    [
        Range(0, None, False, 100, list(range(1, 11))),
        Range(0, None, True, 100, list(range(10, 0, -1))),
        Range(0, None, True, 3, [10, 9, 8]),
        Range(0, None, False, 3, [1, 2, 3]),
        Range(4, None, False, 100, [5, 6, 7, 8, 9, 10]),
        Range(0, 4, True, 100, [3, 2, 1]),
        Range(3, 7, False, 100, [4, 5, 6]),
        Range(3, 7, True, 2, [6, 5]),
        Range(5, 6, False, 100, []),
        Range(10, None, False, 100, []),
        Range(0, 1, True, 100, []),
    ],
    ids=str,
)
async def test_list_range_bounds_are_exclusive_and_order_is_as_asked(
    store: SqlMessageStore, conversation: str, alice: str, asked: Range
) -> None:
    await store.append_batch([draft(conversation, alice, f"m{n}") for n in range(1, 11)])
    page = await store.list_range(
        conversation,
        after_seq=asked.after_seq,
        before_seq=asked.before_seq,
        newest_first=asked.newest_first,
        limit=asked.limit,
    )
    assert [message.seq for message in page] == asked.expected
    assert [message.content.text for message in page] == [f"m{seq}" for seq in asked.expected]


async def test_hidden_seqs_reads_only_within_the_ranges_asked_for(
    store: SqlMessageStore, database: Database, conversation: str, alice: str, bob: str
) -> None:
    other = await new_group(database, [alice, bob])
    sent = [
        appended(outcome)
        for outcome in await store.append_batch(
            [draft(conversation, alice, f"m{n}", f"h{n}") for n in range(6)]
            + [draft(other, alice, "x", "hx")]
        )
    ]
    here = [message for message in sent if message.conversation_id == conversation]
    hidden = await store.hide(bob, conversation, [here[1].message_id, here[4].message_id])
    assert hidden.newly_hidden == 2
    assert (await store.hide(bob, other, [sent[-1].message_id])).newly_hidden == 1

    assert await store.hidden_seqs([(bob, conversation, 0, 6), (bob, other, 0, 1)]) == {
        (bob, conversation, 2),
        (bob, conversation, 5),
        (bob, other, 1),
    }
    # Bounds are (after, until]: seq 2 is outside (2, 5], seq 5 inside.
    assert await store.hidden_seqs([(bob, conversation, 2, 5)]) == {(bob, conversation, 5)}
    assert await store.hidden_seqs([(bob, conversation, 0, 1), (bob, other, 1, 9)]) == set()
    assert await store.hidden_seqs([(alice, conversation, 0, 6)]) == set(), "bob's alone"
    assert await store.hidden_seqs([]) == set()
    # Many users' ranges in one read (the catch-ups of many sessions).
    await store.hide(alice, conversation, [here[0].message_id])
    assert await store.hidden_seqs([(alice, conversation, 0, 6), (bob, conversation, 3, 6)]) == {
        (alice, conversation, 1),
        (bob, conversation, 5),
    }
