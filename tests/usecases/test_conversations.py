"""The ConversationService use cases over the SQL store and the in-process bus: who may see and
change a conversation, what each change answers, and that every member change is announced
(MembershipChanged) so that cached member lists are reloaded."""

from __future__ import annotations

import uuid

import pytest

from openchat.server.domain.errors import (
    ActionNotAllowed,
    ConversationKindMismatch,
    ConversationNotFound,
    InvalidArgument,
    MemberLimitExceeded,
    NotAMember,
)
from openchat.server.domain.events import MEMBERSHIP_CHANGED, MembershipChanged
from openchat.server.domain.model import ConversationKind
from openchat.server.events.in_process import InProcessEventBus
from openchat.server.storage.conversation_store import SqlConversationStore
from openchat.server.storage.database import Database
from openchat.server.usecases.conversations import Conversations
from tests.support.published import Published, collected
from tests.support.settings import without_quotas

MAX_MEMBERS = 6


@pytest.fixture
def store(database: Database) -> SqlConversationStore:
    return SqlConversationStore(database, max_members=MAX_MEMBERS)


@pytest.fixture
def conversations(store: SqlConversationStore, events: InProcessEventBus) -> Conversations:
    return Conversations(store, events, without_quotas())


@pytest.fixture
async def membership_changes(events: InProcessEventBus) -> Published[MembershipChanged]:
    return await collected(events, MEMBERSHIP_CHANGED, [])


async def test_a_new_group_is_seen_by_its_creator_with_nothing_read(
    conversations: Conversations, members: list[str]
) -> None:
    alice, bob, *_ = members
    view = await conversations.create_group(alice, "team", [bob], uuid.uuid4().hex)
    assert view.read_seq == 0
    assert view.conversation.member_ids == tuple(sorted((alice, bob)))
    assert await conversations.get(bob, view.conversation.conversation_id) == view


async def test_a_direct_conversation_needs_another_user(
    conversations: Conversations, members: list[str]
) -> None:
    alice, bob, *_ = members
    with pytest.raises(InvalidArgument, match="peer_id"):
        await conversations.get_or_create_direct(alice, alice)
    view, created = await conversations.get_or_create_direct(alice, bob)
    assert created
    assert view.conversation.kind is ConversationKind.DIRECT
    assert await conversations.get_or_create_direct(bob, alice) == (view, False)


async def test_only_members_see_a_conversation(
    conversations: Conversations, members: list[str]
) -> None:
    alice, bob, _, stranger = members
    group = (await conversations.create_group(alice, "g", [bob], "")).conversation
    with pytest.raises(NotAMember, match=stranger):
        await conversations.get(stranger, group.conversation_id)
    with pytest.raises(ConversationNotFound):
        await conversations.get(alice, "no-such-conversation")


async def test_members_add_members_and_the_change_is_announced(
    conversations: Conversations,
    members: list[str],
    membership_changes: Published[MembershipChanged],
) -> None:
    alice, bob, carol, dave = members
    group = (await conversations.create_group(alice, "g", [bob], "")).conversation

    view = await conversations.add_members(bob, group.conversation_id, [carol, dave])
    assert view.conversation.member_ids == tuple(sorted(members))
    assert await membership_changes() == [MembershipChanged(group.conversation_id)]


async def test_refused_additions_change_nothing_and_announce_nothing(
    conversations: Conversations,
    members: list[str],
    membership_changes: Published[MembershipChanged],
) -> None:
    alice, bob, carol, stranger = members
    group = (await conversations.create_group(alice, "g", [bob], "")).conversation
    direct, _ = await conversations.get_or_create_direct(alice, bob)
    crowd = [f"user-{uuid.uuid4().hex[:10]}" for _ in range(MAX_MEMBERS)]

    with pytest.raises(NotAMember):
        await conversations.add_members(stranger, group.conversation_id, [carol])
    with pytest.raises(ConversationNotFound):
        await conversations.add_members(alice, "no-such-conversation", [carol])
    with pytest.raises(ConversationKindMismatch, match="direct"):
        await conversations.add_members(alice, direct.conversation.conversation_id, [carol])
    with pytest.raises(MemberLimitExceeded):
        await conversations.add_members(alice, group.conversation_id, crowd)
    assert (await conversations.get(alice, group.conversation_id)).conversation == group
    assert await membership_changes() == []


async def test_the_owner_removes_anyone_and_the_change_is_announced(
    conversations: Conversations,
    members: list[str],
    membership_changes: Published[MembershipChanged],
) -> None:
    alice, bob, carol, _ = members
    group = (await conversations.create_group(alice, "g", [bob, carol], "")).conversation

    view = await conversations.remove_members(alice, group.conversation_id, [bob, carol])
    assert view.conversation.member_ids == (alice,)
    assert await membership_changes() == [MembershipChanged(group.conversation_id)]


async def test_a_member_may_remove_only_themselves(
    conversations: Conversations,
    members: list[str],
    membership_changes: Published[MembershipChanged],
) -> None:
    alice, bob, carol, _ = members
    group = (await conversations.create_group(alice, "g", [bob, carol], "")).conversation

    with pytest.raises(ActionNotAllowed, match="owner"):
        await conversations.remove_members(bob, group.conversation_id, [bob, carol])
    assert (await conversations.get(alice, group.conversation_id)).conversation == group
    left = await conversations.remove_members(bob, group.conversation_id, [bob])
    assert left.conversation.member_ids == tuple(sorted((alice, carol)))
    with pytest.raises(NotAMember):
        await conversations.get(bob, group.conversation_id)
    assert await membership_changes() == [MembershipChanged(group.conversation_id)]


async def test_the_list_pages_through_the_callers_conversations(
    conversations: Conversations, members: list[str]
) -> None:
    alice, bob, carol, _ = members
    mine = [
        (await conversations.create_group(alice, f"g{n}", [bob], "")).conversation.conversation_id
        for n in range(3)
    ]
    await conversations.create_group(bob, "not alice's", [carol], "")

    first = await conversations.inbox(alice, after=None, limit=2)
    rest = await conversations.inbox(alice, after=first[-1].position(), limit=2)
    assert [view.conversation.conversation_id for view in first + rest] == mine[::-1]
