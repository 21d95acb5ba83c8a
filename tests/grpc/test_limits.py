"""Per-user limits (issue 11): each refusal is RESOURCE_EXHAUSTED with its ErrorInfo reason and
a google.rpc.RetryInfo, nothing refused is stored, and session frames over their rate or naming
a conversation the user is not in cost no work. Real servers, real sockets, both databases;
the cluster tests share their buckets and session counts through the shared Redis (keys under
a prefix of their own)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import pytest

from openchat.server.observability.metrics import Metrics
from openchat.v1 import messaging_service_pb2, presence_service_pb2
from tests.support.api import Api
from tests.support.servers import RunningServer, bearer, start_app
from tests.support.settings import settings_for
from tests.support.status import error_info, expect_error, retry_delay
from tests.support.streams import connect, open_call
from tests.support.waiting import until

SEND_RATE = 0.2  # a send every 5 s: no test gets one more by being slow
SEND_BURST = 3
MAX_SESSIONS = 2
GROUPS_PER_HOUR = 2
MAX_CONVERSATIONS = 3
FRAME_BURST = 5
LIMITS: dict[str, Any] = {
    "send_rate": SEND_RATE,
    "send_burst": SEND_BURST,
    "max_sessions_per_user": MAX_SESSIONS,
    "groups_per_hour": GROUPS_PER_HOUR,
    "max_conversations_per_user": MAX_CONVERSATIONS,
    "session_frame_rate": 0.01,
    "session_frame_burst": FRAME_BURST,
}
QUIET_ROUTES = {"push_provider": "none"}
EXHAUSTED = grpc.StatusCode.RESOURCE_EXHAUSTED


@pytest.fixture(scope="module")
async def limited(module_database_url: str) -> AsyncIterator[RunningServer]:
    settings = settings_for(module_database_url, limits=LIMITS, routing=QUIET_ROUTES)
    async with start_app(settings) as running:
        yield running


@pytest.fixture
def api(limited: RunningServer) -> Api:
    return Api(limited.channel)


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def queries(metrics: Metrics) -> float:
    """Database statements the server ran so far."""
    return sum(
        sample.value
        for family in metrics.registry.collect()
        if family.name == "openchat_database_query_duration_seconds"
        for sample in family.samples
        if sample.name.endswith("_count")
    )


async def test_sends_over_the_rate_are_refused_with_a_retry_delay_and_not_stored(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    for n in range(SEND_BURST):
        await api.send(alice, group.conversation_id, f"m{n}")
    error = await expect_error(
        api.send(alice, group.conversation_id, "one too many", client_msg_id="late"),
        EXHAUSTED,
        "SEND_RATE_EXCEEDED",
    )
    assert 0 < retry_delay(error) <= 1 / SEND_RATE
    listed = await api.messaging.ListMessages(
        messaging_service_pb2.ListMessagesRequest(conversation_id=group.conversation_id),
        metadata=bearer(bob),
    )
    assert len(listed.messages) == SEND_BURST
    # Another user's bucket is their own.
    await api.send(bob, group.conversation_id, "bob is not limited by alice")

    async def retried() -> bool:
        try:
            await api.send(alice, group.conversation_id, "one too many", client_msg_id="late")
        except grpc.aio.AioRpcError as refused:
            failure = refused
        else:
            return True
        assert failure.code() == EXHAUSTED
        return False

    await until(retried, within=3 / SEND_RATE, what="the send after its retry delay")


async def test_stream_sends_share_the_senders_bucket_and_fail_with_a_retry_delay(
    limited: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    for n in range(SEND_BURST - 1):
        await api.send(alice, group.conversation_id, f"unary {n}")
    async with connect(limited.channel, alice) as stream:
        # Alice's unary sends may still be on their way to her devices, this one included.
        skip = ("message", "presence", "pong")
        await stream.send_message(group.conversation_id, "s0", "the last token")
        assert (await stream.next("ack", skip=skip)).ack.client_msg_id == "s0"
        await stream.send_message(group.conversation_id, "s1", "over the rate")
        failed = (await stream.next("send_failed", skip=skip)).send_failed
    assert (failed.client_msg_id, failed.reason) == ("s1", "SEND_RATE_EXCEEDED")
    assert failed.code == EXHAUSTED.value[0]
    assert 0 < failed.retry_delay.ToNanoseconds() / 1e9 <= 1 / SEND_RATE


async def opened(channel: grpc.aio.Channel, user_id: str, device_id: str) -> bool:
    """Whether a session of the device opens (it is closed again at once); fails on any other
    refusal than the session limit's."""
    call = open_call(channel, user_id)
    hello = presence_service_pb2.Hello(device_id=device_id)
    await call.write(presence_service_pb2.ClientFrame(hello=hello))
    try:
        first = await anext(aiter(call))
    except grpc.aio.AioRpcError as refused:
        error = refused
    else:
        assert first.WhichOneof("frame") == "welcome"
        return True
    finally:
        call.cancel()
    assert error.code() == EXHAUSTED, error
    assert error_info(error).reason == "SESSION_LIMIT_EXCEEDED"
    assert retry_delay(error) > 0
    return False


async def test_a_user_holds_at_most_the_session_limit(
    limited: RunningServer, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    async with (
        connect(limited.channel, alice, "phone"),
        connect(limited.channel, alice, "laptop") as laptop,
    ):
        assert not await opened(limited.channel, alice, "tablet")
        # The same device reconnecting replaces its session rather than counting twice.
        assert await opened(limited.channel, alice, "phone")
        await laptop.close()
        await until(lambda: opened(limited.channel, alice, "tablet"), what="a free session")


async def test_group_creation_is_limited_per_hour(api: Api, user_ids: Iterator[str]) -> None:
    alice, bob = next(user_ids), next(user_ids)
    for n in range(GROUPS_PER_HOUR):
        await api.create_group(alice, [bob], title=f"g{n}")
    error = await expect_error(
        api.create_group(alice, [bob]), EXHAUSTED, "GROUP_CREATION_RATE_EXCEEDED"
    )
    assert 0 < retry_delay(error) <= 3600 / GROUPS_PER_HOUR
    listed = await api.list_conversations(alice)
    assert len(listed.conversations) == GROUPS_PER_HOUR


async def test_nobody_can_be_put_in_more_conversations_than_the_limit(
    api: Api, user_ids: Iterator[str]
) -> None:
    target = next(user_ids)
    owners = [next(user_ids) for _ in range(MAX_CONVERSATIONS + 1)]
    for owner in owners[:MAX_CONVERSATIONS]:
        await api.create_group(owner, [target])
    last_owner = owners[-1]
    error = await expect_error(
        api.create_group(last_owner, [target]),
        EXHAUSTED,
        "MEMBERSHIP_LIMIT_EXCEEDED",
        naming=target,
    )
    assert retry_delay(error) > 0
    group = await api.create_group(last_owner, [])
    await expect_error(
        api.add_members(last_owner, group.conversation_id, [target]),
        EXHAUSTED,
        "MEMBERSHIP_LIMIT_EXCEEDED",
    )
    await expect_error(
        api.get_or_create_direct(last_owner, target), EXHAUSTED, "MEMBERSHIP_LIMIT_EXCEEDED"
    )
    assert list((await api.get_conversation(last_owner, group.conversation_id)).member_ids) == [
        last_owner
    ]
    assert len((await api.list_conversations(target)).conversations) == MAX_CONVERSATIONS


async def test_acks_over_the_frame_rate_are_dropped(
    limited: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    for n in range(SEND_BURST):
        await api.send(alice, group.conversation_id, f"m{n}")
    metrics = limited.app.metrics
    dropped = "openchat_session_frames_dropped_total"
    before = sample(metrics, dropped, frame="delivery_ack", cause="limit")
    async with connect(limited.channel, bob) as stream:
        for _ in range(FRAME_BURST + 7):
            ack = presence_service_pb2.DeliveryAck(conversation_id=group.conversation_id, seq=1)
            await stream.send(presence_service_pb2.ClientFrame(delivery_ack=ack))
        await stream.ping(1)  # frames are handled in order: every ack was seen
    assert sample(metrics, dropped, frame="delivery_ack", cause="limit") - before == 7


@pytest.fixture(scope="module")
async def unlimited_frames(module_database_url: str) -> AsyncIterator[RunningServer]:
    """A server whose frame rate does not drop anything, to see what the frames cost."""
    limits = {**LIMITS, "session_frame_rate": 0}
    settings = settings_for(module_database_url, limits=limits, routing=QUIET_ROUTES)
    async with start_app(settings) as running:
        yield running


async def test_frames_naming_other_conversations_cost_no_query_each(
    unlimited_frames: RunningServer, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    api = Api(unlimited_frames.channel)
    group = await api.create_group(alice, [bob])
    metrics = unlimited_frames.app.metrics
    async with (
        connect(unlimited_frames.channel, alice) as alice_stream,
        connect(unlimited_frames.channel, bob) as bob_stream,
    ):
        await alice_stream.ping(1)
        before = queries(metrics)
        for _ in range(100):
            made_up = str(uuid.uuid4())
            typing = presence_service_pb2.TypingUpdate(conversation_id=made_up, typing=True)
            ack = presence_service_pb2.DeliveryAck(conversation_id=made_up, seq=1)
            await alice_stream.send(presence_service_pb2.ClientFrame(typing=typing))
            await alice_stream.send(presence_service_pb2.ClientFrame(delivery_ack=ack))
        # A real one still goes through (and proves every frame before it was handled).
        typing = presence_service_pb2.TypingUpdate(
            conversation_id=group.conversation_id, typing=True
        )
        await alice_stream.send(presence_service_pb2.ClientFrame(typing=typing))
        assert (await bob_stream.next("typing")).typing.user_id == alice
        spent = queries(metrics) - before
    # A list of alice's conversations per second of frames, a member list, the pings' reads;
    # not 200.
    assert spent < 20, spent
    dropped = "openchat_session_frames_dropped_total"
    assert sample(metrics, dropped, frame="typing", cause="not_member") >= 100
    assert sample(metrics, dropped, frame="delivery_ack", cause="not_member") >= 100


@pytest.fixture(scope="module")
async def cluster(
    module_database_url: str, redis_url: str
) -> AsyncIterator[tuple[RunningServer, RunningServer]]:
    """Two nodes on one database and the shared Redis, under a key prefix of their own."""
    redis = {"url": redis_url, "key_prefix": f"test-limits-{uuid.uuid4().hex[:8]}:"}
    settings = settings_for(module_database_url, limits=LIMITS, redis=redis, routing=QUIET_ROUTES)
    async with start_app(settings) as first, start_app(settings) as second:
        yield first, second


async def test_the_send_bucket_is_shared_by_the_nodes(
    cluster: tuple[RunningServer, RunningServer], user_ids: Iterator[str]
) -> None:
    first, second = (Api(node.channel) for node in cluster)
    alice, bob = next(user_ids), next(user_ids)
    group = await first.create_group(alice, [bob])
    for n in range(SEND_BURST):
        await (first if n % 2 else second).send(alice, group.conversation_id, f"m{n}")
    for node in (first, second):
        error = await expect_error(
            node.send(alice, group.conversation_id, "over"), EXHAUSTED, "SEND_RATE_EXCEEDED"
        )
        assert 0 < retry_delay(error) <= 1 / SEND_RATE


async def test_the_session_limit_counts_the_sessions_on_every_node(
    cluster: tuple[RunningServer, RunningServer], user_ids: Iterator[str]
) -> None:
    first, second = cluster
    alice = next(user_ids)
    async with connect(first.channel, alice, "phone"), connect(second.channel, alice, "laptop"):
        assert not await opened(first.channel, alice, "tablet")
        assert not await opened(second.channel, alice, "tablet")
