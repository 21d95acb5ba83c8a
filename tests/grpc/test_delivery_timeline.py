"""MessagingService.GetDeliveryTimeline: the steps of a message appear as they happen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest

from openchat.v1 import message_pb2, presence_service_pb2
from tests.support.api import Api
from tests.support.http_endpoints import WebhookEndpoint
from tests.support.servers import RunningServer
from tests.support.settings import FAST_ROUTING
from tests.support.streams import connect
from tests.support.waiting import until

State = message_pb2.DeliveryState
PERSISTED = message_pb2.DELIVERY_STATE_PERSISTED
DELIVERED = message_pb2.DELIVERY_STATE_DELIVERED
READ = message_pb2.DELIVERY_STATE_READ
PUSH_ACCEPTED = message_pb2.DELIVERY_STATE_PUSH_ACCEPTED
WEBHOOK_ANSWERED = message_pb2.DELIVERY_STATE_WEBHOOK_ANSWERED
FAILED = message_pb2.DELIVERY_STATE_FAILED

Step = tuple[int, str, str]  # (state, user_id, device_id)


@pytest.fixture(scope="module")
def routing_settings() -> dict[str, Any]:
    # The logging push provider accepts every notification; members online are not pushed
    # for a minute (longer than any test here).
    return FAST_ROUTING | {"push_provider": "log", "push_grace": 60.0, "push_sweep_interval": 0.05}


@pytest.fixture
def api(routing_server: RunningServer) -> Api:
    return Api(routing_server.channel)


def steps(events: list[message_pb2.DeliveryEvent]) -> list[Step]:
    return [(event.state, event.user_id, event.device_id) for event in events]


async def timeline_with(
    api: Api, sender: str, message_id: str, wanted: Callable[[list[Step]], bool]
) -> list[message_pb2.DeliveryEvent]:
    """The timeline once `wanted(steps)` holds."""

    async def probe() -> list[message_pb2.DeliveryEvent]:
        events = await api.timeline(sender, message_id)
        return events if wanted(steps(events)) else []

    return await until(probe)


async def test_steps_appear_as_they_happen(
    api: Api, routing_server: RunningServer, user_ids: Iterator[str]
) -> None:
    alice, bob, carol, bot = (next(user_ids) for _ in range(4))
    async with WebhookEndpoint() as webhook:
        webhook.secret = (await api.register_bot(bot, webhook.url)).secret
        group = await api.create_group(alice, [bob, carol, bot])
        async with (
            connect(routing_server.channel, bob, "phone") as bob_phone,
            connect(routing_server.channel, alice, "laptop") as alice_laptop,
        ):
            ack = await api.send(alice, group.conversation_id, "hello")
            first = await api.timeline(alice, ack.message_id)
            assert first[0].state == PERSISTED
            assert first[0].time.ToDatetime() <= first[-1].time.ToDatetime()

            # The routes ran: the bot's webhook answered, carol (offline) was pushed.
            await timeline_with(
                api,
                alice,
                ack.message_id,
                lambda s: (WEBHOOK_ANSWERED, bot, "") in s and (PUSH_ACCEPTED, carol, "") in s,
            )
            await routing_server.routes_finished(ack.message_id)
            routed = steps(await api.timeline(alice, ack.message_id))
            assert DELIVERED not in [state for state, _, _ in routed]
            assert READ not in [state for state, _, _ in routed]

            # Bob's phone acknowledges the message on its stream: DELIVERED, for that device.
            (message,) = await bob_phone.messages(1)
            await bob_phone.send(
                presence_service_pb2.ClientFrame(
                    delivery_ack=presence_service_pb2.DeliveryAck(
                        conversation_id=group.conversation_id, seq=message.seq
                    )
                )
            )
            await timeline_with(
                api, alice, ack.message_id, lambda s: (DELIVERED, bob, "phone") in s
            )

            # The sender's own devices and reads are not deliveries to a recipient.
            (own,) = await alice_laptop.messages(1)
            await alice_laptop.send(
                presence_service_pb2.ClientFrame(
                    delivery_ack=presence_service_pb2.DeliveryAck(
                        conversation_id=group.conversation_id, seq=own.seq
                    )
                )
            )
            await api.mark_read(alice, group.conversation_id, ack.seq)

            # Bob reads it: READ.
            await api.mark_read(bob, group.conversation_id, ack.seq)
            final = await timeline_with(api, alice, ack.message_id, lambda s: (READ, bob, "") in s)

    assert final[0].state == PERSISTED
    times = [event.time.ToDatetime() for event in final]
    assert times == sorted(times)
    assert all(event.user_id != alice for event in final), steps(final)
    by_state: dict[int, list[message_pb2.DeliveryEvent]] = {}
    for event in final:
        by_state.setdefault(event.state, []).append(event)
    assert sorted(by_state) == sorted([PERSISTED, WEBHOOK_ANSWERED, PUSH_ACCEPTED, DELIVERED, READ])
    assert all(len(events) == 1 for events in by_state.values()), steps(final)
    (push,) = by_state[PUSH_ACCEPTED]
    assert push.user_id == carol


async def test_no_push_step_when_nobody_was_pushed(
    api: Api, routing_server: RunningServer, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    async with connect(routing_server.channel, bob) as phone:
        ack = await api.send(alice, group.conversation_id, "bob is online")
        (message,) = await phone.messages(1)
        await phone.send(
            presence_service_pb2.ClientFrame(
                delivery_ack=presence_service_pb2.DeliveryAck(
                    conversation_id=group.conversation_id, seq=message.seq
                )
            )
        )
        await routing_server.push_settled(group.conversation_id)
    assert PUSH_ACCEPTED not in [
        state for state, _, _ in steps(await api.timeline(alice, ack.message_id))
    ]


async def test_a_dead_letter_is_a_failed_step(
    api: Api, routing_server: RunningServer, user_ids: Iterator[str]
) -> None:
    alice, bot = next(user_ids), next(user_ids)
    async with WebhookEndpoint(status=500) as webhook:
        webhook.secret = (await api.register_bot(bot, webhook.url)).secret
        group = await api.create_group(alice, [bot])
        ack = await api.send(alice, group.conversation_id, "nobody will answer")
        events = await timeline_with(api, alice, ack.message_id, lambda s: (FAILED, bot, "") in s)
    (failed,) = [event for event in events if event.state == FAILED]
    assert failed.detail == "webhook: HTTP 500 from the webhook"
    assert WEBHOOK_ANSWERED not in [event.state for event in events]
    assert len(webhook.requests) == FAST_ROUTING["max_attempts"]


async def test_only_the_sender_may_ask(api: Api, user_ids: Iterator[str]) -> None:
    alice, bob, stranger = next(user_ids), next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    ack = await api.send(alice, group.conversation_id, "mine")
    for user in (bob, stranger):
        with pytest.raises(grpc.aio.AioRpcError) as denied:
            await api.timeline(user, ack.message_id)
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await api.timeline(alice, "no-such-message")
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as empty:
        await api.timeline(alice, "")
    assert empty.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "message_id" in (empty.value.details() or "")
