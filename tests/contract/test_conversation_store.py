"""The ConversationStore contract on SQLite and PostgreSQL: creating groups (idempotent per
creator and request id) and direct conversations (one per pair), member changes within the
member limit, read positions that never go back, and the member's views (pages of
conversations, heads, watermarks) that Sync and session streams are built on."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from openchat.server.domain.errors import MemberLimitExceeded
from openchat.server.domain.model import (
    Appended,
    ConversationHead,
    ConversationKind,
    Message,
    UserHeads,
)
from openchat.server.storage.conversation_store import SqlConversationStore
from openchat.server.storage.database import Database
from openchat.server.storage.message_store import SqlMessageStore
from openchat.server.storage.sequences import TransactionalSequenceAllocator
from tests.support.databases import draft

MAX_MEMBERS = 5


@pytest.fixture
def store(database: Database) -> SqlConversationStore:
    return SqlConversationStore(database, max_members=MAX_MEMBERS)


@pytest.fixture
def messages(database: Database) -> SqlMessageStore:
    return SqlMessageStore(database, TransactionalSequenceAllocator())


async def send(
    messages: SqlMessageStore, conversation_id: str, sender_id: str, count: int
) -> list[Message]:
    """Store `count` messages, so that the conversation's last seq grows by `count`."""
    outcomes = await messages.append_batch(
        [draft(conversation_id, sender_id) for _ in range(count)]
    )
    return [outcome.message for outcome in outcomes if isinstance(outcome, Appended)]


def request_id() -> str:
    return uuid.uuid4().hex


async def test_a_group_holds_its_creator_and_members_once_each(
    store: SqlConversationStore, members: list[str]
) -> None:
    creator, *others = members
    group = await store.create_group(creator, "friends", [*others, others[0], creator], "")
    assert group.kind is ConversationKind.GROUP
    assert (group.title, group.creator_id, group.last_seq) == ("friends", creator, 0)
    assert group.member_ids == tuple(sorted(members))
    assert group.created_at.tzinfo is not None
    assert await store.get(group.conversation_id) == group


async def test_a_repeated_request_id_returns_the_first_group(
    store: SqlConversationStore, members: list[str]
) -> None:
    creator, bob, carol, _ = members
    key = request_id()
    first = await store.create_group(creator, "first", [bob], key)

    again = await store.create_group(creator, "second", [carol], key)
    assert again == first
    assert [view.conversation for view in await store.inbox(creator, after=None, limit=10)] == [
        first
    ]


async def test_a_request_id_is_scoped_to_its_creator_and_an_empty_one_never_repeats(
    store: SqlConversationStore, members: list[str]
) -> None:
    alice, bob, *_ = members
    key = request_id()
    of_alice = await store.create_group(alice, "a", [bob], key)
    of_bob = await store.create_group(bob, "b", [alice], key)
    assert of_alice.conversation_id != of_bob.conversation_id
    unkeyed = [await store.create_group(alice, "c", [bob], "") for _ in range(2)]
    assert unkeyed[0].conversation_id != unkeyed[1].conversation_id


async def test_concurrent_creates_with_one_request_id_make_one_group(
    store: SqlConversationStore, members: list[str]
) -> None:
    creator, *others = members
    key = request_id()
    groups = await asyncio.gather(
        *(store.create_group(creator, "race", others, key) for _ in range(6))
    )
    assert len({group.conversation_id for group in groups}) == 1
    views = await store.inbox(creator, after=None, limit=10)
    assert len(views) == 1


async def test_a_group_over_the_limit_is_refused_and_not_stored(
    store: SqlConversationStore, user_ids: Iterator[str]
) -> None:
    creator = next(user_ids)
    too_many = [next(user_ids) for _ in range(MAX_MEMBERS)]  # plus the creator

    with pytest.raises(MemberLimitExceeded, match=f"at most {MAX_MEMBERS} members"):
        await store.create_group(creator, "crowd", too_many, request_id())
    assert await store.inbox(creator, after=None, limit=10) == []
    full = await store.create_group(creator, "full", too_many[1:], "")
    assert len(full.member_ids) == MAX_MEMBERS


async def test_a_pair_has_one_direct_conversation_whoever_asks(
    store: SqlConversationStore, members: list[str]
) -> None:
    alice, bob, carol, _ = members
    direct, created = await store.get_or_create_direct(alice, bob)
    assert created
    assert direct.kind is ConversationKind.DIRECT
    assert direct.member_ids == tuple(sorted((alice, bob)))
    assert direct.creator_id == alice

    assert await store.get_or_create_direct(alice, bob) == (direct, False)
    assert await store.get_or_create_direct(bob, alice) == (direct, False)
    other, created_other = await store.get_or_create_direct(alice, carol)
    assert created_other
    assert other.conversation_id != direct.conversation_id


async def test_concurrent_direct_requests_of_a_pair_make_one_conversation(
    store: SqlConversationStore, members: list[str]
) -> None:
    alice, bob, *_ = members
    outcomes = await asyncio.gather(
        *(store.get_or_create_direct(*pair) for pair in [(alice, bob), (bob, alice)] * 4)
    )
    assert len({conversation.conversation_id for conversation, _ in outcomes}) == 1
    assert sum(created for _, created in outcomes) == 1


async def test_direct_keys_of_different_pairs_never_collide(
    store: SqlConversationStore,
) -> None:
    """Pairs whose ids concatenate to the same text are different pairs."""
    tag = uuid.uuid4().hex[:8]
    first, _ = await store.get_or_create_direct(f"{tag}a", f"{tag}bc")
    second, created = await store.get_or_create_direct(f"{tag}ab", f"{tag}c")
    assert created
    assert first.conversation_id != second.conversation_id


async def test_adding_ignores_current_members_and_returns_the_new_member_list(
    store: SqlConversationStore, members: list[str]
) -> None:
    alice, bob, carol, dave = members
    group = await store.create_group(alice, "g", [bob], "")

    changed = await store.add_members(group.conversation_id, [bob, carol, carol, dave])
    assert changed.member_ids == tuple(sorted(members))
    assert await store.get(group.conversation_id) == changed
    assert await store.read_position(group.conversation_id, carol) == 0


async def test_adding_past_the_limit_is_refused_and_adds_no_one(
    store: SqlConversationStore, members: list[str], user_ids: Iterator[str]
) -> None:
    alice, bob, *_ = members
    group = await store.create_group(alice, "g", [bob], "")
    newcomers = [next(user_ids) for _ in range(MAX_MEMBERS - 1)]  # one too many

    with pytest.raises(MemberLimitExceeded):
        await store.add_members(group.conversation_id, newcomers)
    assert await store.get(group.conversation_id) == group
    assert await store.read_position(group.conversation_id, newcomers[0]) is None


async def test_concurrent_additions_never_overshoot_the_limit(
    store: SqlConversationStore, members: list[str], user_ids: Iterator[str]
) -> None:
    """Each addition fits alone; together they do not. Those that win fit, the rest fail."""
    alice = members[0]
    group = await store.create_group(alice, "g", [], "")
    batches = [[next(user_ids), next(user_ids)] for _ in range(4)]

    outcomes = await asyncio.gather(
        *(store.add_members(group.conversation_id, batch) for batch in batches),
        return_exceptions=True,
    )
    added = [
        batch
        for batch, outcome in zip(batches, outcomes, strict=True)
        if not isinstance(outcome, BaseException)
    ]
    refused = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert all(isinstance(outcome, MemberLimitExceeded) for outcome in refused), refused
    final = await store.get(group.conversation_id)
    assert final is not None
    assert len(added) == (MAX_MEMBERS - 1) // 2
    assert set(final.member_ids) == {alice, *(user for batch in added for user in batch)}


async def test_removing_ignores_non_members_and_returns_the_new_member_list(
    store: SqlConversationStore, members: list[str]
) -> None:
    alice, bob, carol, dave = members
    group = await store.create_group(alice, "g", [bob, carol], "")

    changed = await store.remove_members(group.conversation_id, [bob, dave, bob])
    assert changed.member_ids == tuple(sorted((alice, carol)))
    assert await store.read_position(group.conversation_id, bob) is None
    assert await store.get(group.conversation_id) == changed
    assert await store.member_ids(group.conversation_id) == {alice, carol}


async def test_a_missing_conversation_is_none_and_has_no_members(
    store: SqlConversationStore, members: list[str]
) -> None:
    missing = f"missing-{uuid.uuid4().hex}"
    assert await store.get(missing) is None
    assert await store.member_ids(missing) == frozenset()
    assert await store.read_position(missing, members[0]) is None
    assert await store.mark_read(missing, members[0], 1) is None


async def test_read_positions_only_move_forward_and_only_for_members(
    store: SqlConversationStore, messages: SqlMessageStore, members: list[str]
) -> None:
    alice, bob, _, stranger = members
    group = await store.create_group(alice, "g", [bob], "")
    conversation = group.conversation_id
    await send(messages, conversation, alice, 5)

    assert await store.read_position(conversation, bob) == 0
    assert await store.mark_read(conversation, bob, 3) == (0, 3)
    assert await store.mark_read(conversation, bob, 2) == (3, 3)
    assert await store.mark_read(conversation, bob, 3) == (3, 3)
    assert await store.mark_read(conversation, bob, 5) == (3, 5)
    assert await store.read_position(conversation, bob) == 5
    assert await store.read_position(conversation, alice) == 0, "positions are per member"
    assert await store.mark_read(conversation, stranger, 1) is None
    assert await store.read_position(conversation, stranger) is None


async def test_concurrent_marks_leave_the_highest_position(
    store: SqlConversationStore, messages: SqlMessageStore, members: list[str]
) -> None:
    alice, bob, *_ = members
    group = await store.create_group(alice, "g", [bob], "")
    await send(messages, group.conversation_id, alice, 10)

    await asyncio.gather(*(store.mark_read(group.conversation_id, bob, s) for s in range(1, 11)))
    assert await store.read_position(group.conversation_id, bob) == 10


async def test_a_members_inbox_comes_in_pages_most_recently_active_first(
    store: SqlConversationStore, messages: SqlMessageStore, members: list[str]
) -> None:
    alice, bob, carol, _ = members
    groups = [await store.create_group(alice, f"g{n}", [bob], "") for n in range(5)]
    await store.create_group(bob, "without alice", [carol], "")
    await send(messages, groups[2].conversation_id, bob, 2)
    await store.mark_read(groups[2].conversation_id, alice, 1)
    # The active one first, then the others, the newest created first.
    ids = [group.conversation_id for group in groups]
    expected = [ids[2], ids[4], ids[3], ids[1], ids[0]]

    first = await store.inbox(alice, after=None, limit=2)
    second = await store.inbox(alice, after=first[-1].position(), limit=2)
    rest = await store.inbox(alice, after=second[-1].position(), limit=2)
    pages = [first, second, rest]
    assert [len(page) for page in pages] == [2, 2, 1]
    views = [view for page in pages for view in page]
    assert [view.conversation.conversation_id for view in views] == expected
    read = {view.conversation.conversation_id: view.read_seq for view in views}
    assert read == {c: 1 if c == ids[2] else 0 for c in expected}
    unread = {view.conversation.conversation_id: view.unread_count for view in views}
    assert unread == {c: 1 if c == ids[2] else 0 for c in expected}
    by_id = {view.conversation.conversation_id: view for view in views}
    active = by_id[ids[2]]
    assert active.conversation.last_seq == 2
    assert active.last_message is not None
    assert active.last_message.seq == 2
    assert by_id[ids[0]].last_message is None
    assert by_id[ids[0]].conversation.member_ids == tuple(sorted((alice, bob)))
    assert await store.inbox(alice, after=rest[-1].position(), limit=2) == []


async def test_heads_show_each_members_last_and_read_seq_and_deletion_head(
    store: SqlConversationStore, messages: SqlMessageStore, members: list[str]
) -> None:
    alice, bob, carol, nobody = members
    busy = (await store.create_group(alice, "busy", [bob], "")).conversation_id
    quiet = (await store.create_group(alice, "quiet", [carol], "")).conversation_id
    sent = await send(messages, busy, alice, 4)
    await store.mark_read(busy, bob, 3)
    await messages.hide(bob, busy, [sent[0].message_id, sent[2].message_id])

    alices = await store.heads_for_member(alice)
    assert sorted(alices.conversations, key=lambda h: h.conversation_id) == sorted(
        [ConversationHead(busy, 4, 0), ConversationHead(quiet, 0, 0)],
        key=lambda h: h.conversation_id,
    )
    assert alices.deletions_position == 0, "alice never deleted anything"
    heads = await store.heads_for_members([bob, carol, nobody])
    assert heads == {
        bob: UserHeads((ConversationHead(busy, 4, 3),), deletions_position=2),
        carol: UserHeads((ConversationHead(quiet, 0, 0),), deletions_position=0),
        nobody: UserHeads((), deletions_position=0),
    }
    assert await store.heads_for_member(nobody) == UserHeads((), 0)


async def test_watermarks_sum_the_last_seqs_of_each_users_conversations(
    store: SqlConversationStore, messages: SqlMessageStore, members: list[str]
) -> None:
    alice, bob, carol, nobody = members
    both = (await store.create_group(alice, "both", [bob], "")).conversation_id
    mine = (await store.create_group(alice, "mine", [carol], "")).conversation_id
    await send(messages, both, alice, 3)
    await send(messages, mine, carol, 2)

    assert await store.watermarks([alice, bob, carol, nobody]) == {
        alice: 5,
        bob: 3,
        carol: 2,
        nobody: 0,
    }
    await send(messages, both, bob, 1)
    assert (await store.watermarks([alice, bob]))[bob] == 4, "a new message raises the mark"
    await store.remove_members(mine, [carol])
    assert await store.watermarks([carol]) == {carol: 0}
