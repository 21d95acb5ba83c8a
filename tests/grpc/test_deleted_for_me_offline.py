"""Delete for me, for devices that were offline (Hello.deletions_after, the deletion feed): a
device that reconnects with its deletion cursor is told, before caught_up, of every deletion
made meanwhile on another device, once; no other member is; a catch-up and Sync carry deleted
messages as placeholders; and Sync carries the feed too."""

from __future__ import annotations

from collections.abc import Iterator

from openchat.v1 import presence_service_pb2
from tests.support.api import Api
from tests.support.servers import RunningServer
from tests.support.streams import StreamClient, connect


async def caught_up(device: StreamClient) -> presence_service_pb2.CaughtUp:
    """The catch-up's end; fails on any deletion (or message) frame before it."""
    return (await device.next("caught_up")).caught_up


async def test_a_device_that_was_offline_learns_of_a_deletion_once_when_it_reconnects(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    conversation_id = (await api.create_group(alice, [bob])).conversation_id
    first = await api.send(bob, conversation_id, "first")
    second = await api.send(bob, conversation_id, "second")
    await api.send(bob, conversation_id, "kept")
    async with connect(server.channel, alice, "d2", resume_all=True, deletions_after=0) as d2:
        assert len(await d2.messages(3)) == 3
        assert (await caught_up(d2)).message_count == 3, "no deletion yet"

    # While d2 is offline, Alice deletes on another device (out of seq order).
    assert await api.delete_for_me(alice, conversation_id, [second.message_id, first.message_id])
    held = {conversation_id: 3}

    async with connect(server.channel, alice, "d2", resume=held, deletions_after=0) as d2:
        deleted = (await d2.next("messages_deleted")).messages_deleted
        assert deleted.conversation_id == conversation_id
        assert list(deleted.message_ids) == [first.message_id, second.message_id]
        assert list(deleted.seqs) == [1, 2]
        assert deleted.deletions_position == 2
        assert (await caught_up(d2)).message_count == 0

    # With the cursor it stored, nothing again; a retry on another device took no position.
    assert await api.delete_for_me(alice, conversation_id, [first.message_id]) == 0
    async with connect(server.channel, alice, "d2", resume=held, deletions_after=2) as d2:
        assert (await caught_up(d2)).message_count == 0
    # Another member of the conversation hears nothing of it, whatever cursor they send.
    async with connect(server.channel, bob, "phone", resume=held, deletions_after=0) as phone:
        assert (await caught_up(phone)).message_count == 0
    # A device that keeps no deletion cursor (older clients) gets no deletions in its catch-up.
    async with connect(server.channel, alice, "old", resume=held) as old:
        assert (await caught_up(old)).message_count == 0


async def test_live_deletions_carry_the_cursor_of_each_session(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    conversation_id = (await api.create_group(alice, [bob])).conversation_id
    first = await api.send(bob, conversation_id, "first")
    second = await api.send(bob, conversation_id, "second")
    assert await api.delete_for_me(alice, conversation_id, [first.message_id]) == 1
    async with (
        connect(server.channel, alice, "d1", deletions_after=0) as d1,
        connect(server.channel, alice, "d2") as d2,
    ):
        # d1 asked for the feed: the catch-up brings position 1 (with no messages asked for).
        assert (await d1.next("messages_deleted")).messages_deleted.deletions_position == 1
        assert (await caught_up(d1)).message_count == 0

        assert await api.delete_for_me(alice, conversation_id, [second.message_id]) == 1
        live = await d1.next("messages_deleted", skip=("pong", "presence", "message"))
        assert (list(live.messages_deleted.seqs), live.messages_deleted.deletions_position) == (
            [2],
            2,
        )
        without = await d2.next("messages_deleted", skip=("pong", "presence", "message"))
        assert without.messages_deleted.deletions_position == 0, "d2 keeps no cursor"

        # A retry is announced again, with the cursor as it stands.
        assert await api.delete_for_me(alice, conversation_id, [first.message_id]) == 0
        again = (await d1.next("messages_deleted", skip=("pong", "presence"))).messages_deleted
        assert (list(again.seqs), again.deletions_position) == ([1], 2)


async def test_a_catch_up_across_a_deleted_message_carries_a_placeholder(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    conversation_id = (await api.create_group(alice, [bob])).conversation_id
    for text in ("one", "two", "three"):
        await api.send(bob, conversation_id, text)
    two = (await api.history(bob, conversation_id))[1]
    assert await api.delete_for_me(alice, conversation_id, [two.message_id]) == 1

    async with connect(server.channel, alice, "new", resume_all=True) as device:
        caught = await device.messages(3)
    assert [(m.seq, m.content.text, m.deleted_for_me) for m in caught] == [
        (1, "one", False),
        (2, "", True),
        (3, "three", False),
    ]
    async with connect(server.channel, bob, "phone", resume={conversation_id: 1}) as phone:
        assert [m.content.text for m in await phone.messages(2)] == ["two", "three"]


async def test_sync_carries_the_deletions_after_the_cursor(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    conversation_id = (await api.create_group(alice, [bob])).conversation_id
    first = await api.send(bob, conversation_id, "first")
    second = await api.send(bob, conversation_id, "second")
    assert await api.delete_for_me(alice, conversation_id, [second.message_id]) == 1
    assert await api.delete_for_me(alice, conversation_id, [first.message_id]) == 1
    held = {conversation_id: 2}

    synced = await api.sync(alice, held, deletions_after=0)
    assert [(m.seq, m.deleted_for_me, m.content.text) for m in synced.deletions] == [
        (2, True, ""),
        (1, True, ""),
    ], "in the order of the deletions, as placeholders"
    assert (synced.deletions_position, synced.has_more_deletions) == (2, False)
    again = await api.sync(alice, held, deletions_after=2)
    assert (list(again.deletions), again.deletions_position) == ([], 2)
    # Without a cursor, none (as before the feed); another member has none.
    assert list((await api.sync(alice, held)).deletions) == []
    bobs = await api.sync(bob, held, deletions_after=0)
    assert (list(bobs.deletions), bobs.deletions_position) == ([], 0)
    # A cursor no feed of this server gave comes back as the feed's head.
    assert (await api.sync(alice, held, deletions_after=99)).deletions_position == 2
    # Messages after the cursor that the caller deleted come as placeholders.
    (conversation,) = (await api.sync(alice, {}, deletions_after=2)).conversations
    assert [m.deleted_for_me for m in conversation.messages] == [True, True]
