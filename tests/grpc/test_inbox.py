"""The inbox through gRPC: unread and mention counts, ListConversations' order, paging and
last-message summary, read-by, mute and pin."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import grpc
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.timestamp_pb2 import Timestamp

from openchat.v1 import (
    conversation_pb2,
    conversation_service_pb2,
    message_pb2,
    messaging_service_pb2,
)
from tests.support.api import Api
from tests.support.servers import bearer
from tests.support.status import expect_error


async def counts(api: Api, user: str, conversation_id: str) -> tuple[int, int]:
    conversation = await api.get_conversation(user, conversation_id)
    return conversation.unread_count, conversation.mention_count


async def settings(
    api: Api,
    user: str,
    conversation_id: str,
    *,
    paths: list[str],
    muted_until: Timestamp | None = None,
    pinned: bool = False,
) -> conversation_pb2.Conversation:
    response = await api.conversations.UpdateMemberSettings(
        conversation_service_pb2.UpdateMemberSettingsRequest(
            conversation_id=conversation_id,
            update_mask=FieldMask(paths=paths),
            muted_until=muted_until,
            pinned=pinned,
        ),
        metadata=bearer(user),
    )
    return response.conversation


async def test_unread_counts_others_messages_after_the_read_position_only(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    conversation_id = group.conversation_id
    first = await api.send(alice, conversation_id, "one")
    await api.send(alice, conversation_id, "two")
    mention = message_pb2.Content(text="hey @bob", mention_user_ids=[bob])
    third = await api.send(alice, conversation_id, content=mention)
    assert await counts(api, bob, conversation_id) == (3, 1)
    assert await counts(api, alice, conversation_id) == (0, 0), "own messages never count"

    await api.edit(alice, conversation_id, first.message_id, "one!")
    await api.react(alice, conversation_id, first.message_id, "👀")
    assert await counts(api, bob, conversation_id) == (3, 1), "changes do not count"

    assert await api.delete_for_me(bob, conversation_id, [third.message_id]) == 1
    assert await counts(api, bob, conversation_id) == (2, 0), "deleted for me: not unread"

    await api.mark_read(bob, conversation_id, first.seq)
    assert await counts(api, bob, conversation_id) == (1, 0)
    # Sending counts as having read what came before.
    await api.send(alice, conversation_id, "four")
    await api.send(bob, conversation_id, "reply")
    assert await counts(api, bob, conversation_id) == (0, 0)
    assert await counts(api, alice, conversation_id) == (1, 0)

    # A member added later counts from when they joined.
    carol = next(user_ids)
    await api.add_members(alice, conversation_id, [carol])
    assert await counts(api, carol, conversation_id) == (0, 0)
    await api.send(bob, conversation_id, "welcome")
    assert await counts(api, carol, conversation_id) == (1, 0)


async def test_a_recalled_message_is_neither_unread_nor_a_mention(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    conversation_id = (await api.create_group(alice, [bob])).conversation_id
    first = await api.send(alice, conversation_id, "one")
    mention = message_pb2.Content(text="hey @bob", mention_user_ids=[bob])
    second = await api.send(alice, conversation_id, content=mention)
    third = await api.send(alice, conversation_id, "three")
    assert await counts(api, bob, conversation_id) == (3, 1)

    await api.recall(alice, conversation_id, second.message_id)
    assert await counts(api, bob, conversation_id) == (2, 0)
    # Deleted for bob and then recalled: subtracted once.
    assert await api.delete_for_me(bob, conversation_id, [third.message_id]) == 1
    await api.recall(alice, conversation_id, third.message_id)
    assert await counts(api, bob, conversation_id) == (1, 0)
    # A recall of a message bob had read changes nothing.
    await api.mark_read(bob, conversation_id, first.seq)
    assert await counts(api, bob, conversation_id) == (0, 0)
    await api.recall(alice, conversation_id, first.message_id)
    assert await counts(api, bob, conversation_id) == (0, 0)
    await api.send(alice, conversation_id, "four")
    assert await counts(api, bob, conversation_id) == (1, 0)


async def test_unread_counts_are_exact_under_concurrent_senders_and_readers(
    api: Api, user_ids: Iterator[str]
) -> None:
    reader = next(user_ids)
    senders = [next(user_ids) for _ in range(4)]
    group = await api.create_group(senders[0], [reader, *senders[1:]])
    conversation_id = group.conversation_id
    rng = random.Random(7)

    async def send_some(sender: str) -> None:
        for n in range(8):
            await api.send(sender, conversation_id, f"{sender} {n}")

    async def read_along() -> None:
        for _ in range(8):
            last = (await api.get_conversation(reader, conversation_id)).last_seq
            await api.mark_read(reader, conversation_id, rng.randint(0, last))

    await asyncio.gather(*(send_some(sender) for sender in senders), read_along())
    await asyncio.gather(api.send(reader, conversation_id, "mine"), send_some(senders[1]))

    history = await api.history(reader, conversation_id)
    conversation = await api.get_conversation(reader, conversation_id)
    own = max(m.seq for m in history if m.sender_id == reader)
    position = max(conversation.read_seq, own)
    expected = sum(1 for m in history if m.seq > position and m.sender_id != reader)
    assert conversation.unread_count == expected
    for sender in senders:
        mine = await api.get_conversation(sender, conversation_id)
        last_own = max(m.seq for m in history if m.sender_id == sender)
        assert mine.unread_count == sum(
            1 for m in history if m.seq > last_own and m.sender_id != sender
        )


async def test_list_conversations_is_an_inbox_newest_activity_first_with_summaries(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    groups = [
        (await api.create_group(alice, [bob], title=f"g{n}")).conversation_id for n in range(4)
    ]
    await api.send(bob, groups[1], "older news")
    await api.send(bob, groups[0], "latest news")
    await api.react(bob, groups[2], (await api.send(alice, groups[2], "mine")).message_id, "👍")
    # groups[2]'s activity is alice's message, not bob's later reaction (changes are not
    # activity); groups[3] has no message: its creation is its activity.
    pages, token = [], ""
    while True:
        page = await api.list_conversations(alice, page_size=3, page_token=token)
        pages.append(list(page.conversations))
        token = page.next_page_token
        if not token:
            break
    inbox = [c for page in pages for c in page]
    assert [c.conversation_id for c in inbox] == [groups[2], groups[0], groups[1], groups[3]]
    assert [len(page) for page in pages] == [3, 1]
    assert [c.unread_count for c in inbox] == [0, 1, 1, 0]
    assert inbox[0].last_message.content.text == "mine"
    assert inbox[0].last_seq == 2
    assert inbox[1].last_message.content.text == "latest news"
    assert not inbox[3].HasField("last_message")
    times = [c.last_activity_time.ToDatetime() for c in inbox]
    assert times == sorted(times, reverse=True)

    pinned = await settings(api, alice, groups[3], paths=["pinned"], pinned=True)
    assert pinned.pinned
    first = (await api.list_conversations(alice, page_size=1)).conversations[0]
    assert first.conversation_id == groups[3], "pinned first"
    assert not (await api.get_conversation(bob, groups[3])).pinned, "a setting of one member"


async def test_mute_until_a_time_or_forever_and_unmute(api: Api, user_ids: Iterator[str]) -> None:
    alice, bob = next(user_ids), next(user_ids)
    conversation_id = (await api.create_group(alice, [bob])).conversation_id
    until = Timestamp()
    until.FromDatetime(datetime.now(UTC) + timedelta(hours=8))
    muted = await settings(api, bob, conversation_id, paths=["muted_until"], muted_until=until)
    assert muted.muted_until == until
    forever = Timestamp()
    forever.FromDatetime(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC))
    muted = await settings(api, bob, conversation_id, paths=["muted_until"], muted_until=forever)
    assert muted.muted_until == forever
    pinned = await settings(api, bob, conversation_id, paths=["pinned"], pinned=True)
    assert pinned.muted_until == forever, "fields outside the mask keep their values"
    unmuted = await settings(api, bob, conversation_id, paths=["muted_until"])
    assert not unmuted.HasField("muted_until")
    assert unmuted.pinned

    await expect_error(
        settings(api, bob, conversation_id, paths=["title"]),
        grpc.StatusCode.INVALID_ARGUMENT,
        "FIELD_INVALID",
        naming="update_mask",
    )
    outsider = next(user_ids)
    await expect_error(
        settings(api, outsider, conversation_id, paths=["pinned"], pinned=True),
        grpc.StatusCode.PERMISSION_DENIED,
        "NOT_A_MEMBER",
    )


async def test_read_by_lists_who_read_a_group_message_for_its_sender(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob, carol, dave = (next(user_ids) for _ in range(4))
    conversation_id = (await api.create_group(alice, [bob, carol, dave])).conversation_id
    sent = await api.send(alice, conversation_id, "did you read this?")
    await api.send(alice, conversation_id, "and this?")
    await api.mark_read(bob, conversation_id, 2)
    await api.mark_read(carol, conversation_id, 1)

    async def read_by(user: str, message_id: str) -> messaging_service_pb2.GetReadByResponse:
        return await api.messaging.GetReadBy(
            messaging_service_pb2.GetReadByRequest(
                conversation_id=conversation_id, message_id=message_id
            ),
            metadata=bearer(user),
        )

    response = await read_by(alice, sent.message_id)
    assert list(response.reader_ids) == sorted([bob, carol])
    assert list(response.unread_member_ids) == [dave]
    await expect_error(
        read_by(bob, sent.message_id), grpc.StatusCode.PERMISSION_DENIED, "ACTION_NOT_ALLOWED"
    )
    await expect_error(
        read_by(next(user_ids), sent.message_id), grpc.StatusCode.PERMISSION_DENIED, "NOT_A_MEMBER"
    )
