"""Delete for me, live (MessagingService.DeleteMessages, ServerFrame.messages_deleted): every
session of the user who deleted, on every device, hears of it at once; no other member does."""

from __future__ import annotations

from collections.abc import Iterator

from openchat.v1 import presence_service_pb2
from tests.support.api import Api
from tests.support.servers import RunningServer
from tests.support.streams import StreamClient, connect


async def deletion(device: StreamClient) -> presence_service_pb2.MessagesDeleted:
    """The next messages_deleted frame (the messages sent before the session may still be
    arriving live: their fan-out runs after the send returned)."""
    frame = await device.next("messages_deleted", skip=("pong", "presence", "message"))
    return frame.messages_deleted


async def test_every_device_of_the_user_hears_of_a_deletion_and_no_other_member_does(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    conversation_id = (await api.create_group(alice, [bob])).conversation_id
    first = await api.send(bob, conversation_id, "first")
    second = await api.send(bob, conversation_id, "second")
    kept = await api.send(bob, conversation_id, "kept")
    async with (
        connect(server.channel, alice, "d1") as d1,
        connect(server.channel, alice, "d2") as d2,
        connect(server.channel, bob, "phone") as bob_phone,
    ):
        # From d1, naming the messages out of order: they are announced in seq order.
        deleted = await api.delete_for_me(
            alice, conversation_id, [second.message_id, first.message_id]
        )
        assert deleted == 2
        for device in (d2, d1):  # the calling device too: one rule for every session
            frame = await deletion(device)
            assert frame.conversation_id == conversation_id
            assert list(frame.message_ids) == [first.message_id, second.message_id]
            assert list(frame.seqs) == [1, 2]

        # The fan-out handles the event in one step, without a pause: had it meant Bob, the
        # frame would sit in his session's queue by now, ahead of the pong. (ping() fails on
        # any frame but the pong, presence, messages, receipts and typing.)
        assert (await bob_phone.ping(7)).nonce == 7

        # A retry hides nothing new, and announces the messages again (applying it twice
        # changes nothing on a device; it repairs a device that missed the first one).
        assert await api.delete_for_me(alice, conversation_id, [first.message_id]) == 0
        for device in (d1, d2):
            again = await deletion(device)
            assert (list(again.message_ids), list(again.seqs)) == ([first.message_id], [1])
        assert (await bob_phone.ping(8)).nonce == 8

    assert [m.message_id for m in await api.history(alice, conversation_id)] == [kept.message_id]
    assert len(await api.history(bob, conversation_id)) == 3, "Bob's history is untouched"
