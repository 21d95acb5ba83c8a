"""PresenceService.OpenSession + SendSessionFrames, over Connect and gRPC-Web: the session a
browser holds has the guarantees of the Connect stream (catch-up, caught_up, live, in seq order
without duplicates or holes; receipts, typing, presence, deletions for the user; heartbeat
reaping; replacement)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from connectrpc.errors import ConnectError

from openchat.v1 import presence_service_pb2 as pb
from tests.support.api import Api
from tests.support.servers import RunningServer, start_app
from tests.support.settings import settings_for
from tests.support.streams import connect
from tests.web.conftest import PROTOCOLS, WebProtocol, web_refusal
from tests.web.sessions import open_web_session

BROWSER_PROTOCOLS = [PROTOCOLS[0], PROTOCOLS[3]]  # Connect binary, gRPC-Web JSON


def fresh_user() -> str:
    return f"user-{uuid.uuid4().hex[:10]}"


@pytest.mark.parametrize("protocol", BROWSER_PROTOCOLS, ids=lambda p: p.name)
async def test_catch_up_then_caught_up_then_live_without_holes(
    web_server: RunningServer, base_url: str, protocol: WebProtocol
) -> None:
    api = Api(web_server.channel)
    alice, bob = fresh_user(), fresh_user()
    group = await api.create_group(alice, [bob])
    for n in range(1, 41):
        await api.send(alice, group.conversation_id, f"offline {n}")

    async def keep_sending() -> None:
        for n in range(41, 61):
            await api.send(alice, group.conversation_id, f"live {n}")

    sender = asyncio.create_task(keep_sending())
    async with open_web_session(
        base_url, bob, protocol=protocol, resume={group.conversation_id: 5}
    ) as session:
        seqs: list[int] = []
        caught_up = None
        async with asyncio.timeout(20):
            while len(seqs) < 55:
                frame = await session.frames.get()
                kind = frame.WhichOneof("frame")
                if kind == "message":
                    seqs.append(frame.message.seq)
                elif kind == "caught_up":
                    caught_up = len(seqs)
                    assert frame.caught_up.message_count == caught_up
        await sender
    assert seqs == list(range(6, 61)), "no duplicates, no holes, in seq order"
    assert caught_up is not None
    assert caught_up >= 35, "everything committed before the hello comes in the catch-up"


@pytest.mark.parametrize("protocol", BROWSER_PROTOCOLS, ids=lambda p: p.name)
async def test_frames_sent_as_calls_ping_send_ack_and_receipts(
    web_server: RunningServer, base_url: str, protocol: WebProtocol
) -> None:
    api = Api(web_server.channel)
    alice, bob = fresh_user(), fresh_user()
    group = await api.create_group(alice, [bob])
    async with (
        connect(web_server.channel, alice, "alice-phone") as alice_phone,
        open_web_session(base_url, bob, protocol=protocol) as bob_tab,
    ):
        pong = await bob_tab.ping(7)
        assert pong.nonce == 7

        await bob_tab.send_message(group.conversation_id, "tab-1", "from the browser")
        ack = (await bob_tab.next("ack")).ack
        (received,) = await alice_phone.messages(1)
        assert (received.seq, received.content.text) == (ack.seq, "from the browser")

        sent = await api.send(alice, group.conversation_id, "to the browser")
        (message,) = await bob_tab.messages(1)
        assert message.seq == sent.seq
        await bob_tab.send(
            pb.ClientFrame(
                delivery_ack=pb.DeliveryAck(conversation_id=group.conversation_id, seq=sent.seq)
            )
        )
        # alice's own message comes to her phone too (another device of the sender)
        receipt = (await alice_phone.next("receipt", skip=("message",))).receipt
        assert (receipt.user_id, receipt.kind, receipt.seq) == (
            bob,
            pb.RECEIPT_KIND_DELIVERED,
            sent.seq,
        )
        await bob_tab.send(
            pb.ClientFrame(read=pb.ReadUpdate(conversation_id=group.conversation_id, seq=sent.seq))
        )
        receipt = (await alice_phone.next("receipt")).receipt
        assert (receipt.user_id, receipt.kind) == (bob, pb.RECEIPT_KIND_READ)


async def test_typing_and_presence_reach_a_browser(
    web_server: RunningServer, base_url: str
) -> None:
    api = Api(web_server.channel)
    alice, bob = fresh_user(), fresh_user()
    group = await api.create_group(alice, [bob])
    async with open_web_session(base_url, alice) as alice_tab:
        await alice_tab.send(pb.ClientFrame(watch_presence=pb.WatchPresence(user_ids=[bob])))
        assert not (await alice_tab.next("presence", skip=())).presence.online
        async with connect(web_server.channel, bob, "bob-phone") as bob_phone:
            assert (await alice_tab.next("presence", skip=())).presence.online
            await bob_phone.send(
                pb.ClientFrame(
                    typing=pb.TypingUpdate(conversation_id=group.conversation_id, typing=True)
                )
            )
            typing = (await alice_tab.next("typing")).typing
            assert (typing.user_id, typing.typing) == (bob, True)
        assert not (await alice_tab.next("presence", skip=("typing",))).presence.online


@pytest.mark.parametrize("protocol", BROWSER_PROTOCOLS, ids=lambda p: p.name)
async def test_a_browser_hears_of_messages_its_user_deleted_on_another_device(
    web_server: RunningServer, base_url: str, protocol: WebProtocol
) -> None:
    api = Api(web_server.channel)
    alice, bob = fresh_user(), fresh_user()
    group = await api.create_group(alice, [bob])
    async with open_web_session(base_url, alice, protocol=protocol) as alice_tab:
        sent = await api.send(bob, group.conversation_id, "hide me")
        assert (await alice_tab.messages(1))[0].message_id == sent.message_id
        await api.delete_for_me(alice, group.conversation_id, [sent.message_id])
        deleted = (await alice_tab.next("messages_deleted")).messages_deleted
    assert deleted.conversation_id == group.conversation_id
    assert (list(deleted.message_ids), list(deleted.seqs)) == ([sent.message_id], [1])


async def test_only_the_sessions_owner_may_send_its_frames(
    web_server: RunningServer, base_url: str
) -> None:
    alice, mallory = fresh_user(), fresh_user()
    async with open_web_session(base_url, alice) as alice_tab:
        async with open_web_session(base_url, mallory) as mallory_tab:
            mallory_tab.session_id = alice_tab.session_id
            with pytest.raises(ConnectError) as raised:
                await mallory_tab.ping(1)
        assert web_refusal(raised.value).reason == "RESOURCE_NOT_FOUND"
        assert (await alice_tab.ping(2)).nonce == 2


async def test_a_second_tab_of_the_same_device_replaces_the_first(
    web_server: RunningServer, base_url: str
) -> None:
    alice = fresh_user()
    async with (
        open_web_session(base_url, alice, "laptop") as first,
        open_web_session(base_url, alice, "laptop") as second,
    ):
        reconnect = (await first.next("reconnect")).reconnect
        assert reconnect.cause == pb.RECONNECT_CAUSE_REPLACED
        assert await first.ended_with() is None
        with pytest.raises(ConnectError) as raised:
            await first.ping(1)
        assert web_refusal(raised.value).reason == "RESOURCE_NOT_FOUND"
        assert (await second.ping(2)).nonce == 2


@pytest.fixture
async def impatient_server(own_database_url: str) -> AsyncIterator[RunningServer]:
    settings = settings_for(
        own_database_url,
        server={"web_listen": "127.0.0.1:0"},
        sessions={"heartbeat_interval": 0.2, "heartbeat_timeout": 0.6},
    )
    async with start_app(settings) as running:
        yield running


async def test_a_silent_browser_session_is_reaped(impatient_server: RunningServer) -> None:
    base_url = f"http://127.0.0.1:{impatient_server.app.web_port}"
    async with open_web_session(base_url, fresh_user()) as silent:
        error = await silent.ended_with()
    assert error is not None
    refusal = web_refusal(error)
    assert (refusal.code, refusal.reason) == ("UNAVAILABLE", "HEARTBEAT_TIMEOUT")
