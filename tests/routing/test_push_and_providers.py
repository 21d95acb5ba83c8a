"""Push notifications through the HTTP push gateway (a real local HTTP server), and external IM
providers (a provider implemented here, behind the IMProvider interface)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.timestamp_pb2 import Timestamp

from openchat.server.domain.model import Message
from openchat.server.routing.providers import BuiltinProvider, IMProvider
from openchat.server.storage.route_outbox import SqlRouteOutbox
from openchat.v1 import conversation_service_pb2, message_pb2, presence_service_pb2
from tests.support.api import Api
from tests.support.http_endpoints import HttpEndpoint, Received, WebhookEndpoint
from tests.support.servers import RunningServer, bearer, start_app
from tests.support.settings import FAST_ROUTING, settings_for
from tests.support.streams import connect
from tests.support.waiting import Arrivals, until


@pytest.fixture(scope="module")
async def gateway() -> AsyncIterator[HttpEndpoint]:
    async with HttpEndpoint() as endpoint:
        yield endpoint


# Members with an online session are not pushed for a minute (longer than any test here), and
# the push sweeper looks every 50 ms.
PUSH_SETTINGS = {"push_provider": "http", "push_grace": 60.0, "push_sweep_interval": 0.05}


@pytest.fixture(scope="module")
def routing_settings(gateway: HttpEndpoint) -> dict[str, Any]:
    return FAST_ROUTING | PUSH_SETTINGS | {"push_gateway_url": gateway.url}


@pytest.fixture
def api(routing_server: RunningServer) -> Api:
    return Api(routing_server.channel)


@pytest.fixture
def fresh_gateway(gateway: HttpEndpoint) -> HttpEndpoint:
    """The module's gateway, answering 200 again."""
    gateway.status = 200
    gateway.location = ""
    return gateway


def notifications_for(gateway: HttpEndpoint, message_id: str) -> list[Received]:
    return [r for r in gateway.requests if r.json()["notification"]["message_id"] == message_id]


async def wait_for_notification(
    gateway: HttpEndpoint, message_id: str, status: int = 200
) -> dict[str, Any]:
    await gateway.wait_for(
        lambda _: any(r.status == status for r in notifications_for(gateway, message_id))
    )
    (accepted,) = [r for r in notifications_for(gateway, message_id) if r.status == status]
    notification: dict[str, Any] = accepted.json()["notification"]
    return notification


async def test_offline_members_are_notified_but_not_online_ones_nor_the_sender_nor_bots(
    api: Api, routing_server: RunningServer, fresh_gateway: HttpEndpoint, user_ids: Iterator[str]
) -> None:
    alice, bob, carol, dave, bot = (next(user_ids) for _ in range(5))
    text = "a long message " * 10
    # A bot has no sessions, but gets its messages through its webhook, never by push.
    async with WebhookEndpoint() as webhook, connect(routing_server.channel, bob):
        webhook.secret = (await api.register_bot(bot, webhook.url)).secret
        group = await api.create_group(alice, [bob, carol, dave, bot])
        ack = await api.send(
            alice,
            group.conversation_id,
            content=message_pb2.Content(text=text, mention_user_ids=[bob, carol]),
        )
        notification = await wait_for_notification(fresh_gateway, ack.message_id)

    assert notification == {
        "user_ids": sorted([carol, dave]),
        "conversation_id": group.conversation_id,
        "message_id": ack.message_id,
        "sender_id": alice,
        "seq": ack.seq,
        "preview": text[:100],
        # Mentions of online members are not pushed either.
        "mentioned_user_ids": [carol],
    }
    assert len(notifications_for(fresh_gateway, ack.message_id)) == 1


async def test_nothing_is_pushed_to_a_recipient_who_acknowledges_and_no_job_is_written(
    api: Api, routing_server: RunningServer, fresh_gateway: HttpEndpoint, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    async with connect(routing_server.channel, bob) as phone:
        ack = await api.send(alice, group.conversation_id, "bob is here")
        [message] = await phone.messages(1)
        await phone.send(
            presence_service_pb2.ClientFrame(
                delivery_ack=presence_service_pb2.DeliveryAck(
                    conversation_id=group.conversation_id, seq=message.seq
                )
            )
        )
        # Bob is online for the whole grace, so only his acknowledgement settles the push.
        await routing_server.push_settled(group.conversation_id)

    assert notifications_for(fresh_gateway, ack.message_id) == []
    assert await SqlRouteOutbox(routing_server.app.database).for_message(ack.message_id) == []


async def test_a_recipient_online_but_not_acknowledging_within_the_grace_is_pushed_once(
    own_database_url: str, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    async with HttpEndpoint() as gateway:
        routing = FAST_ROUTING | PUSH_SETTINGS | {"push_gateway_url": gateway.url}
        settings = settings_for(own_database_url, routing=routing | {"push_grace": 0.5})
        async with start_app(settings) as server:
            api = Api(server.channel)
            group = await api.create_group(alice, [bob])
            async with connect(server.channel, bob) as phone:
                sent_at = asyncio.get_running_loop().time()
                ack = await api.send(alice, group.conversation_id, "asleep?")
                await phone.messages(1)  # received, never acknowledged
                notification = await wait_for_notification(gateway, ack.message_id)
                await server.push_settled(group.conversation_id)
    # Once, and not before the grace was over.
    assert [r.status for r in gateway.requests] == [200]
    assert gateway.requests[0].at - sent_at >= 0.5
    assert notification["user_ids"] == [bob]


async def test_muted_members_are_pushed_only_their_mentions_and_changes_push_nobody(
    api: Api, routing_server: RunningServer, fresh_gateway: HttpEndpoint, user_ids: Iterator[str]
) -> None:
    alice, bob, carol = next(user_ids), next(user_ids), next(user_ids)
    conversation_id = (await api.create_group(alice, [bob, carol])).conversation_id
    forever = Timestamp()
    forever.FromDatetime(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC))
    await api.conversations.UpdateMemberSettings(
        conversation_service_pb2.UpdateMemberSettingsRequest(
            conversation_id=conversation_id,
            update_mask=FieldMask(paths=["muted_until"]),
            muted_until=forever,
        ),
        metadata=bearer(bob),
    )
    plain = await api.send(alice, conversation_id, "for everyone")
    assert (await wait_for_notification(fresh_gateway, plain.message_id))["user_ids"] == [carol]
    mention = message_pb2.Content(text="@bob look", mention_user_ids=[bob])
    mentioning = await api.send(alice, conversation_id, content=mention)
    notification = await wait_for_notification(fresh_gateway, mentioning.message_id)
    assert notification["user_ids"] == sorted([bob, carol])

    edit = await api.edit(alice, conversation_id, plain.message_id, "for everyone!")
    reaction = await api.react(bob, conversation_id, plain.message_id, "👍")
    await routing_server.push_settled(conversation_id)
    # The sweeper passed over both changes: nobody is told of an edit or a reaction.
    for ack in (edit, reaction):
        assert notifications_for(fresh_gateway, ack.message_id) == []
    told = [r.json()["notification"] for r in fresh_gateway.requests]
    assert [n["message_id"] for n in told if n["conversation_id"] == conversation_id] == [
        plain.message_id,
        mentioning.message_id,
    ]


async def test_a_message_recalled_before_its_push_is_not_pushed(
    own_database_url: str, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    async with HttpEndpoint() as gateway:
        routing = FAST_ROUTING | PUSH_SETTINGS | {"push_gateway_url": gateway.url}
        settings = settings_for(own_database_url, routing=routing | {"push_grace": 5.0})
        async with start_app(settings) as server:
            api = Api(server.channel)
            group = await api.create_group(alice, [bob])
            # Bob is online without acknowledging: his push waits for the grace, and the
            # recall comes within it.
            async with connect(server.channel, bob):
                ack = await api.send(alice, group.conversation_id, "oops")
                recall = await api.recall(alice, group.conversation_id, ack.message_id)
                await server.push_settled(group.conversation_id)
    assert notifications_for(gateway, ack.message_id) == []
    assert notifications_for(gateway, recall.message_id) == []
    assert gateway.requests == []


async def test_a_gateway_answering_503_is_retried(
    api: Api, fresh_gateway: HttpEndpoint, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    fresh_gateway.status = 503
    ack = await api.send(alice, group.conversation_id, "are you there?")
    await fresh_gateway.wait_for(
        lambda _: len(notifications_for(fresh_gateway, ack.message_id)) >= 2
    )
    fresh_gateway.status = 200

    notification = await wait_for_notification(fresh_gateway, ack.message_id)

    tries = notifications_for(fresh_gateway, ack.message_id)
    assert [r.status for r in tries] == [503] * (len(tries) - 1) + [200]
    assert all(r.json()["notification"] == notification for r in tries)
    assert notification["user_ids"] == [bob]


async def test_a_gateway_redirect_is_a_failure_not_followed(
    api: Api, fresh_gateway: HttpEndpoint, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    async with HttpEndpoint() as elsewhere:
        fresh_gateway.status = 307
        fresh_gateway.location = elsewhere.url
        ack = await api.send(alice, group.conversation_id, "stay where you are")
        await fresh_gateway.wait_for(
            lambda _: len(notifications_for(fresh_gateway, ack.message_id)) >= 2
        )
    assert elsewhere.requests == []


class RecordingProvider(Arrivals[Message]):
    """An external IM provider for tests: keeps what it is given ("accepts"), or fails
    ("raises"), or never answers until released ("hangs")."""

    relays = True

    def __init__(self, name: str, behaviour: str = "accepts") -> None:
        super().__init__()
        self.name = name
        self.behaviour = behaviour
        self.calls = 0
        self._released = asyncio.Event()

    async def relay(self, message: Message) -> None:
        self.calls += 1
        if self.behaviour == "raises":
            raise ConnectionError(f"{self.name} is down")
        if self.behaviour == "hangs":
            await self._released.wait()
        self.add(message)

    def release(self) -> None:
        self._released.set()


@pytest.mark.parametrize("failure", ["raises", "hangs"])
async def test_every_message_reaches_each_provider_and_a_broken_one_stops_nothing(
    own_database_url: str, user_ids: Iterator[str], failure: str
) -> None:
    bridge = RecordingProvider("bridge")
    broken = RecordingProvider("broken", behaviour=failure)
    providers: list[IMProvider] = [BuiltinProvider(), broken, bridge]
    settings = settings_for(own_database_url, routing=FAST_ROUTING)
    async with (
        WebhookEndpoint() as webhook,
        start_app(settings, im_providers=providers) as server,
    ):
        api = Api(server.channel)
        alice, bob, bot = next(user_ids), next(user_ids), next(user_ids)
        webhook.secret = (await api.register_bot(bot, webhook.url)).secret
        group = await api.create_group(alice, [bob, bot])
        acks = [await api.send(alice, group.conversation_id, f"m{i}") for i in range(3)]
        acks.append(await api.send(bob, group.conversation_id, "from bob"))
        try:
            relayed = await bridge.wait_for_count(len(acks))
            await webhook.wait_for(lambda rs: len([r for r in rs if r.status == 200]) >= len(acks))
            # The broken provider was tried, and is still failing or hanging.
            await until(lambda: broken.calls >= 1, what="the broken provider was tried")
            assert broken.items == []
            await check_outcomes(
                api,
                acks,
                relayed,
                sender=alice,
                conversation_id=group.conversation_id,
                failure=failure,
            )
        finally:
            broken.release()


async def check_outcomes(
    api: Api,
    acks: list[message_pb2.MessageAck],
    relayed: list[Message],
    *,
    sender: str,
    conversation_id: str,
    failure: str,
) -> None:
    """The bridge got every message; the broken provider's work is FAILED once it is dead."""
    by_id = {message.message_id: message for message in relayed}
    assert sorted(by_id) == sorted(ack.message_id for ack in acks)
    for ack in acks:
        message = by_id[ack.message_id]
        assert (message.conversation_id, message.seq) == (conversation_id, ack.seq)
    assert [by_id[a.message_id].content.text for a in acks] == ["m0", "m1", "m2", "from bob"]

    async def accepted() -> list[message_pb2.DeliveryEvent]:
        # Outcomes are recorded shortly after the relay (workers record them in batches).
        timeline = await api.timeline(sender, acks[0].message_id)
        return [e for e in timeline if e.state == message_pb2.DELIVERY_STATE_PROVIDER_ACCEPTED]

    assert [e.detail for e in await until(accepted)] == ["provider:bridge"]
    if failure == "hangs":
        return

    message_ids = {ack.message_id for ack in acks}

    async def all_dead() -> list[Any]:
        letters = await api.dead_letters("provider:broken")
        dead = [d for d in letters if d.message_id in message_ids]
        return dead if len(dead) == len(acks) else []

    for letter in await until(all_dead):
        assert (letter.target, letter.last_error) == ("", "broken is down")
        assert letter.attempts == FAST_ROUTING["max_attempts"]
    timeline = await api.timeline(sender, acks[0].message_id)
    failed = [e for e in timeline if e.state == message_pb2.DELIVERY_STATE_FAILED]
    assert [e.detail for e in failed] == ["provider:broken: broken is down"]


async def test_a_removed_member_is_not_notified_any_more(
    api: Api, fresh_gateway: HttpEndpoint, user_ids: Iterator[str]
) -> None:
    alice, bob, carol = next(user_ids), next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob, carol])
    before = await api.send(alice, group.conversation_id, "to both")
    assert (await wait_for_notification(fresh_gateway, before.message_id))["user_ids"] == sorted(
        [bob, carol]
    )

    await api.remove_members(alice, group.conversation_id, [bob])
    after = await api.send(alice, group.conversation_id, "to carol")

    assert (await wait_for_notification(fresh_gateway, after.message_id))["user_ids"] == [carol]
