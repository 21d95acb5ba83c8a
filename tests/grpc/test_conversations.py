"""ConversationService: groups, direct conversations, membership changes and listing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import grpc

from openchat.v1 import conversation_pb2
from tests.grpc.conftest import SMALL_MAX_GROUP_MEMBERS
from tests.support.api import Api
from tests.support.servers import RunningServer
from tests.support.status import expect_error
from tests.support.storage import snapshot

GROUP = conversation_pb2.CONVERSATION_KIND_GROUP
DIRECT = conversation_pb2.CONVERSATION_KIND_DIRECT
INVALID_ARGUMENT = grpc.StatusCode.INVALID_ARGUMENT
PERMISSION_DENIED = grpc.StatusCode.PERMISSION_DENIED


async def test_create_group_always_includes_the_caller_once(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob, carol = next(user_ids), next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob, carol, bob, alice], title="team")
    assert group.kind == GROUP
    assert group.title == "team"
    assert group.creator_id == alice
    assert list(group.member_ids) == sorted([alice, bob, carol])
    assert group.last_seq == 0
    assert group.create_time.seconds > 0
    alone = await api.create_group(alice, [])
    assert list(alone.member_ids) == [alice]


async def test_create_group_repeated_request_id_returns_the_first_group(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    first = await api.create_group(alice, [bob], request_id="req-1")
    again = await api.create_group(alice, [bob], request_id="req-1")
    assert again.conversation_id == first.conversation_id
    other = await api.create_group(alice, [bob], request_id="req-2")
    assert other.conversation_id != first.conversation_id
    # The key is per caller: bob using the same request_id creates his own group.
    bobs = await api.create_group(bob, [alice], request_id="req-1")
    assert bobs.conversation_id != first.conversation_id
    assert bobs.creator_id == bob
    without_key = [await api.create_group(alice, []) for _ in range(2)]
    assert without_key[0].conversation_id != without_key[1].conversation_id


async def test_racing_identical_creates_make_one_group(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    request_id = uuid.uuid4().hex
    before = await snapshot(server.app.database)
    groups = await asyncio.gather(
        *(api.create_group(alice, [bob], request_id=request_id) for _ in range(10))
    )
    assert len({group.conversation_id for group in groups}) == 1
    after = await snapshot(server.app.database)
    assert after.conversations == before.conversations + 1
    assert after.members == before.members + 2
    listed = await api.list_conversations(alice)
    assert [c.conversation_id for c in listed.conversations] == [groups[0].conversation_id]


async def test_both_sides_racing_get_or_create_direct_share_one_conversation(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    responses = await asyncio.gather(
        *(api.get_or_create_direct(alice, bob) for _ in range(5)),
        *(api.get_or_create_direct(bob, alice) for _ in range(5)),
    )
    assert len({r.conversation.conversation_id for r in responses}) == 1
    assert sum(r.created for r in responses) == 1
    direct = responses[0].conversation
    assert direct.kind == DIRECT
    assert direct.title == ""
    assert list(direct.member_ids) == sorted([alice, bob])
    later = await api.get_or_create_direct(bob, alice)
    assert not later.created
    assert later.conversation.conversation_id == direct.conversation_id


async def test_direct_with_oneself_is_invalid(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    before = await snapshot(server.app.database)
    await expect_error(
        api.get_or_create_direct(alice, alice), INVALID_ARGUMENT, "FIELD_INVALID", naming="peer_id"
    )
    assert await snapshot(server.app.database) == before


async def test_any_member_adds_members_and_duplicates_are_ignored(
    api: Api, user_ids: Iterator[str]
) -> None:
    owner, member, newcomer, other = (next(user_ids) for _ in range(4))
    group = await api.create_group(owner, [member])
    changed = await api.add_members(
        member, group.conversation_id, [newcomer, owner, newcomer, other]
    )
    assert list(changed.member_ids) == sorted([owner, member, newcomer, other])
    again = await api.add_members(owner, group.conversation_id, [newcomer])
    assert list(again.member_ids) == list(changed.member_ids)
    # A new member can immediately send and read.
    ack = await api.send(newcomer, group.conversation_id, "hello all")
    assert ack.seq == 1


async def test_members_of_a_direct_conversation_cannot_change(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob, carol = next(user_ids), next(user_ids), next(user_ids)
    direct = (await api.get_or_create_direct(alice, bob)).conversation
    before = await snapshot(server.app.database)
    for call in (
        api.add_members(alice, direct.conversation_id, [carol]),
        api.remove_members(alice, direct.conversation_id, [bob]),
    ):
        await expect_error(call, grpc.StatusCode.FAILED_PRECONDITION, "CONVERSATION_KIND_MISMATCH")
    assert await snapshot(server.app.database) == before


async def test_group_limit_rejects_creates_and_additions_without_adding_anyone(
    limited_server: RunningServer, limited_api: Api, user_ids: Iterator[str]
) -> None:
    owner = next(user_ids)
    others = [next(user_ids) for _ in range(SMALL_MAX_GROUP_MEMBERS)]
    before = await snapshot(limited_server.app.database)
    await expect_error(
        limited_api.create_group(owner, others),
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "MEMBER_LIMIT_EXCEEDED",
        naming=str(SMALL_MAX_GROUP_MEMBERS),
    )
    assert await snapshot(limited_server.app.database) == before

    full_minus_one = others[: SMALL_MAX_GROUP_MEMBERS - 2]
    group = await limited_api.create_group(owner, full_minus_one)
    before = await snapshot(limited_server.app.database)
    # Two newcomers would make the group one over the limit: neither is added.
    await expect_error(
        limited_api.add_members(owner, group.conversation_id, others[-2:]),
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "MEMBER_LIMIT_EXCEEDED",
    )
    assert await snapshot(limited_server.app.database) == before
    unchanged = await limited_api.get_conversation(owner, group.conversation_id)
    assert list(unchanged.member_ids) == sorted([owner, *full_minus_one])
    # Exactly at the limit is fine.
    full = await limited_api.add_members(owner, group.conversation_id, others[-2:-1])
    assert len(full.member_ids) == SMALL_MAX_GROUP_MEMBERS


async def test_members_may_leave_and_only_the_owner_removes_others(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    owner, member, leaver = next(user_ids), next(user_ids), next(user_ids)
    group = await api.create_group(owner, [member, leaver])
    conversation_id = group.conversation_id

    left = await api.remove_members(leaver, conversation_id, [leaver])
    assert leaver not in left.member_ids

    before = await snapshot(server.app.database)
    await expect_error(
        api.remove_members(member, conversation_id, [owner]),
        PERMISSION_DENIED,
        "ACTION_NOT_ALLOWED",
    )
    await expect_error(
        api.remove_members(member, conversation_id, [member, owner]),
        PERMISSION_DENIED,
        "ACTION_NOT_ALLOWED",
    )
    assert await snapshot(server.app.database) == before

    removed = await api.remove_members(owner, conversation_id, [member])
    assert list(removed.member_ids) == [owner]
    # Users who are not in the group are ignored.
    assert list((await api.remove_members(owner, conversation_id, [member])).member_ids) == [owner]


async def test_a_removed_member_can_no_longer_send_read_mark_or_sync(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    owner, member = next(user_ids), next(user_ids)
    group = await api.create_group(owner, [member])
    conversation_id = group.conversation_id
    await api.send(member, conversation_id, "before removal")
    await api.remove_members(owner, conversation_id, [member])
    await api.send(owner, conversation_id, "after removal")

    before = await snapshot(server.app.database)
    for call in api.member_only_calls(member, conversation_id).values():
        await expect_error(call(), PERMISSION_DENIED, "NOT_A_MEMBER")
    assert await snapshot(server.app.database) == before
    # Sync drops the conversation, even when the former member still holds a cursor for it.
    assert not (await api.sync(member)).conversations
    assert not (await api.sync(member, {conversation_id: 0})).conversations
    assert not (await api.list_conversations(member)).conversations


async def test_get_conversation_reflects_the_messages_sent(
    api: Api, user_ids: Iterator[str]
) -> None:
    owner, member = next(user_ids), next(user_ids)
    group = await api.create_group(owner, [member], title="news")
    for n in range(3):
        await api.send(member, group.conversation_id, f"m{n}")
    seen = await api.get_conversation(owner, group.conversation_id)
    assert seen.last_seq == 3
    assert (seen.title, seen.kind, seen.creator_id) == ("news", GROUP, owner)
    assert seen.create_time == group.create_time


async def test_list_conversations_pages_through_every_conversation_once(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    created = [
        (await api.create_group(alice, [bob], title=f"g{n}")).conversation_id for n in range(6)
    ]
    created.append((await api.get_or_create_direct(alice, bob)).conversation.conversation_id)
    # bob's own groups without alice must not show up in her list.
    await api.create_group(bob, [], title="bob only")

    for page_size, expected_pages in ((3, [3, 3, 1]), (7, [7]), (1, [1] * 7)):
        pages: list[list[str]] = []
        token = ""
        while True:
            page = await api.list_conversations(alice, page_size=page_size, page_token=token)
            pages.append([c.conversation_id for c in page.conversations])
            token = page.next_page_token
            if not token:
                break
        assert [len(page) for page in pages] == expected_pages, page_size
        flat = [conversation_id for page in pages for conversation_id in page]
        assert flat == created[::-1], "no messages yet: the newest created first"

    everything = await api.list_conversations(alice)
    assert len(everything.conversations) == 7
    assert everything.next_page_token == ""
    # When the last page is exactly full, its token is already empty (no empty page follows).
    first = await api.list_conversations(alice, page_size=4)
    last = await api.list_conversations(alice, page_size=3, page_token=first.next_page_token)
    assert len(last.conversations) == 3
    assert last.next_page_token == ""


async def test_list_conversations_rejects_a_forged_page_token(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    await expect_error(
        api.list_conversations(alice, page_token="not-a-token"),
        INVALID_ARGUMENT,
        "FIELD_INVALID",
        naming="page_token",
    )


async def test_concurrent_additions_never_exceed_the_group_limit(
    limited_server: RunningServer, limited_api: Api, user_ids: Iterator[str]
) -> None:
    owner = next(user_ids)
    # Several groups at once, so that the additions really interleave in the database.
    groups = [await limited_api.create_group(owner, []) for _ in range(6)]

    async def race_to_fill(conversation_id: str) -> None:
        # Each addition alone fits; any two together would exceed the limit.
        batches = [[next(user_ids) for _ in range(SMALL_MAX_GROUP_MEMBERS - 1)] for _ in range(4)]
        results = await asyncio.gather(
            *(limited_api.add_members(owner, conversation_id, batch) for batch in batches),
            return_exceptions=True,
        )
        succeeded = [r for r in results if isinstance(r, conversation_pb2.Conversation)]
        failed = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
        assert len(succeeded) == 1, results
        assert {error.code() for error in failed} == {grpc.StatusCode.RESOURCE_EXHAUSTED}
        final = await limited_api.get_conversation(owner, conversation_id)
        assert len(final.member_ids) == SMALL_MAX_GROUP_MEMBERS

    await asyncio.gather(*(race_to_fill(group.conversation_id) for group in groups))
