"""PresenceService.Connect: hello/welcome, pings, live delivery, sends on the stream."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import grpc

from openchat.v1 import presence_service_pb2
from tests.support.api import Api
from tests.support.servers import RunningServer
from tests.support.streams import connect, open_call


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
