"""PresenceService.Connect: hello/welcome, pings, live delivery, sends on the stream."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import grpc

from openchat.server.domain.frames import ReconnectRequest
from openchat.v1 import message_pb2, messaging_service_pb2, presence_service_pb2
from tests.support.api import Api
from tests.support.gates import StatementMatch, statement_held
from tests.support.servers import RunningServer, bearer, start_app
from tests.support.settings import settings_for
from tests.support.streams import DEFAULT_WAIT, connect, open_call, read_to_end

DRAINING = ReconnectRequest("the server is shutting down", retry_after=1.0)


async def test_welcome_then_pong_with_watermark(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    group = await api.create_group(alice, [])
    await api.send(alice, group.conversation_id)
    await api.send(alice, group.conversation_id)
    async with connect(server.channel, alice) as stream:
        pong = await stream.ping(42)
        assert pong.nonce == 42
        assert pong.watermark == 2


async def test_message_is_pushed_to_other_members_and_senders_other_devices(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    async with (
        connect(server.channel, bob) as bob_phone,
        connect(server.channel, alice, "phone") as alice_phone,
        connect(server.channel, alice, "laptop") as alice_laptop,
    ):
        await alice_phone.send_message(group.conversation_id, "m1", "hello bob")
        ack = (await alice_phone.next("ack")).ack
        assert (ack.client_msg_id, ack.seq) == ("m1", 1)
        for device in (bob_phone, alice_laptop):
            (message,) = await device.messages(1)
            assert (message.seq, message.content.text) == (1, "hello bob")
        # The sending device does not get its own message back.
        pong = await alice_phone.ping(1)
        assert pong.nonce == 1
        assert alice_phone.frames.empty()


async def test_send_on_stream_reports_failures_per_message(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    async with connect(server.channel, alice) as stream:
        await stream.send_message("no-such-conversation", "m1", "hi")
        failure = (await stream.next("send_failed")).send_failed
        assert failure.client_msg_id == "m1"
        assert failure.code == grpc.StatusCode.NOT_FOUND.value[0]
        assert failure.reason == "CONVERSATION_NOT_FOUND"
        assert (await stream.ping(7)).nonce == 7


async def test_first_frame_must_be_hello(server: RunningServer, user_ids: Iterator[str]) -> None:
    call = open_call(server.channel, next(user_ids))
    await call.write(presence_service_pb2.ClientFrame(ping=presence_service_pb2.Ping(nonce=1)))
    async with asyncio.timeout(10):
        assert await call.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_resume_pushes_missed_messages_before_live_ones_without_holes(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    for n in range(1, 151):
        await api.send(alice, group.conversation_id, f"offline {n}")

    async def keep_sending() -> None:
        for n in range(151, 201):
            await api.send(alice, group.conversation_id, f"live {n}")

    sender = asyncio.create_task(keep_sending())
    async with connect(server.channel, bob, resume={group.conversation_id: 20}) as stream:
        seqs: list[int] = []
        caught_up = None
        async with asyncio.timeout(20):
            while len(seqs) < 180:
                frame = await stream.frames.get()
                kind = frame.WhichOneof("frame")
                if kind == "message":
                    seqs.append(frame.message.seq)
                elif kind == "caught_up":
                    caught_up = len(seqs)
                    assert frame.caught_up.message_count == caught_up
        await sender
        assert seqs == list(range(21, 201)), "no duplicates, no holes, in seq order"
        assert caught_up is not None
        assert caught_up >= 130, "everything committed before the hello comes in the catch-up"


async def test_resume_all_learns_conversations_without_cursors(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    first = await api.create_group(alice, [bob])
    second = await api.create_group(alice, [bob])
    await api.send(alice, first.conversation_id, "one")
    await api.send(alice, second.conversation_id, "two")
    async with connect(server.channel, bob, resume_all=True) as stream:
        texts = {m.content.text for m in await stream.messages(2)}
        assert texts == {"one", "two"}
        assert (await stream.next("caught_up")).caught_up.message_count == 2


async def test_delivery_ack_and_mark_read_send_receipts_to_the_sender(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    async with (
        connect(server.channel, alice, "alice-phone") as alice_phone,
        connect(server.channel, bob, "bob-phone") as bob_phone,
    ):
        ack = await api.send(alice, group.conversation_id, "read me")
        (message,) = await bob_phone.messages(1)
        await bob_phone.send(
            presence_service_pb2.ClientFrame(
                delivery_ack=presence_service_pb2.DeliveryAck(
                    conversation_id=group.conversation_id, seq=message.seq
                )
            )
        )
        # Alice sent through the unary RPC, so her phone gets her message too; skip it.
        delivered = (await alice_phone.next("receipt", skip=("message",))).receipt
        assert (delivered.user_id, delivered.device_id, delivered.seq) == (bob, "bob-phone", 1)
        assert delivered.kind == presence_service_pb2.RECEIPT_KIND_DELIVERED
        await bob_phone.send(
            presence_service_pb2.ClientFrame(
                read=presence_service_pb2.ReadUpdate(conversation_id=group.conversation_id, seq=1)
            )
        )
        read = (await alice_phone.next("receipt")).receipt
        assert (read.user_id, read.kind, read.seq) == (
            bob,
            presence_service_pb2.RECEIPT_KIND_READ,
            1,
        )
    timeline = await api.messaging.GetDeliveryTimeline(
        messaging_service_pb2.GetDeliveryTimelineRequest(message_id=ack.message_id),
        metadata=bearer(alice),
    )
    steps = [(event.state, event.user_id, event.device_id) for event in timeline.events]
    assert steps[0][0] == message_pb2.DELIVERY_STATE_PERSISTED
    assert (message_pb2.DELIVERY_STATE_DELIVERED, bob, "bob-phone") in steps
    assert (message_pb2.DELIVERY_STATE_READ, bob, "") in steps


async def test_typing_reaches_the_other_members_only(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob, carol = next(user_ids), next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    async with (
        connect(server.channel, alice) as alice_stream,
        connect(server.channel, bob) as bob_stream,
        connect(server.channel, carol) as carol_stream,
    ):
        await alice_stream.send(
            presence_service_pb2.ClientFrame(
                typing=presence_service_pb2.TypingUpdate(
                    conversation_id=group.conversation_id, typing=True
                )
            )
        )
        typing = (await bob_stream.next("typing")).typing
        assert (typing.user_id, typing.conversation_id, typing.typing) == (
            alice,
            group.conversation_id,
            True,
        )
        # Carol is no member and Alice does not hear herself: their next frame is a pong.
        assert (await carol_stream.ping(1)).nonce == 1
        assert (await alice_stream.ping(2)).nonce == 2
        assert carol_stream.frames.empty()
        assert alice_stream.frames.empty()


async def test_a_second_session_of_the_same_device_replaces_the_first(
    server: RunningServer, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    async with (
        connect(server.channel, alice, "phone") as old,
        connect(server.channel, alice, "phone") as new,
    ):
        farewell = (await old.next("reconnect")).reconnect
        assert farewell.cause == presence_service_pb2.RECONNECT_CAUSE_REPLACED
        assert "replaced" in farewell.reason
        assert await old.status() == grpc.StatusCode.OK
        assert (await new.ping(5)).nonce == 5


async def test_draining_server_asks_clients_to_reconnect_and_refuses_new_sessions(
    database_url: str, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    async with start_app(settings_for(database_url)) as server:
        async with connect(server.channel, alice) as stream:
            stopping = asyncio.create_task(server.app.hub.stop(DRAINING, grace=30))
            reconnect = (await stream.next("reconnect")).reconnect
            assert reconnect.retry_after.seconds == 1
            assert reconnect.cause == presence_service_pb2.RECONNECT_CAUSE_DRAINING
            # The client closes its side, as asked; the server then ends the stream (long
            # before the grace).
            await stream.call.done_writing()
            assert await stream.status() == grpc.StatusCode.OK
            await stopping
        late = open_call(server.channel, bob)
        await late.write(
            presence_service_pb2.ClientFrame(hello=presence_service_pb2.Hello(device_id="d"))
        )
        _, error = await read_to_end(late)
        assert error is not None
        assert error.code() == grpc.StatusCode.UNAVAILABLE


def typing_frame(conversation_id: str, typing: bool) -> presence_service_pb2.ClientFrame:
    return presence_service_pb2.ClientFrame(
        typing=presence_service_pb2.TypingUpdate(conversation_id=conversation_id, typing=typing)
    )


async def test_resume_cursors_of_conversations_of_others_get_nothing(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, carol, mallory = next(user_ids), next(user_ids), next(user_ids)
    never_in = await api.create_group(alice, [carol])
    removed_from = await api.create_group(alice, [mallory])
    own = await api.create_group(mallory, [alice])
    await api.send(alice, never_in.conversation_id, "not for mallory")
    await api.send(alice, removed_from.conversation_id, "seen while a member")
    await api.remove_members(alice, removed_from.conversation_id, [mallory])
    await api.send(alice, removed_from.conversation_id, "after mallory left")
    await api.send(alice, own.conversation_id, "for mallory")
    cursors = {c.conversation_id: 0 for c in (never_in, removed_from, own)}

    async with connect(server.channel, mallory, resume=cursors) as stream:
        (message,) = await stream.messages(1)
        assert message.content.text == "for mallory"
        assert (await stream.next("caught_up")).caught_up.message_count == 1
        # Nor does anything of theirs arrive live: the next message is the one sent after.
        await api.send(alice, never_in.conversation_id, "still not for mallory")
        await api.send(alice, removed_from.conversation_id, "nor this")
        await api.send(alice, own.conversation_id, "marker")
        assert [m.content.text for m in await stream.messages(1)] == ["marker"]


def heads_read_of(user_id: str) -> StatementMatch:
    """Matches the read of a user's conversation heads that a resuming session starts with."""

    def match(statement: str, parameters: object) -> bool:
        return "read_seq" in statement and user_id in repr(parameters)

    return match


async def test_a_message_committed_between_registration_and_the_catch_up_arrives_once(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    """The message reaches the session twice, live (it is registered) and in the catch-up
    (committed before the heads are read): the client must get it once."""
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    with statement_held(server.app.database.reader, heads_read_of(bob)) as heads:
        async with connect(server.channel, bob, resume={group.conversation_id: 0}) as stream:
            await asyncio.wait_for(heads.arrived.wait(), DEFAULT_WAIT)
            await api.send(alice, group.conversation_id, "in between")
            heads.release()
            (caught,) = await stream.messages(1)
            assert (await stream.next("caught_up")).caught_up.message_count == 1
            await api.send(alice, group.conversation_id, "after")
            (live,) = await stream.messages(1)
    assert [(m.seq, m.content.text) for m in (caught, live)] == [(1, "in between"), (2, "after")]


async def test_a_removed_member_gets_no_more_messages_or_typing(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob, carol = next(user_ids), next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob, carol])
    # Where bob stays, to learn when whatever followed the removal has been delivered.
    elsewhere = await api.create_group(alice, [bob, carol])
    async with (
        connect(server.channel, bob) as bob_stream,
        connect(server.channel, carol) as carol_stream,
    ):
        # Bob hears the group (its members are cached now)...
        await api.send(alice, group.conversation_id, "before")
        assert [m.content.text for m in await bob_stream.messages(1)] == ["before"]
        await carol_stream.send(typing_frame(group.conversation_id, True))
        assert (await bob_stream.next("typing")).typing.conversation_id == group.conversation_id

        await api.remove_members(alice, group.conversation_id, [bob])

        # ...and nothing of it after his removal: each next frame comes from elsewhere.
        await api.send(alice, group.conversation_id, "after")
        await api.send(alice, elsewhere.conversation_id, "marker")
        (message,) = await bob_stream.messages(1)
        assert (message.conversation_id, message.content.text) == (
            elsewhere.conversation_id,
            "marker",
        )
        await carol_stream.send(typing_frame(group.conversation_id, False))
        await carol_stream.send(typing_frame(elsewhere.conversation_id, True))
        typing = (await bob_stream.next("typing")).typing
        assert typing.conversation_id == elsewhere.conversation_id
