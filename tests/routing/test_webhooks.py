"""Bot webhooks against real HTTP servers: signed deliveries that the receiver verifies, bot
replies, retries with backoff, dead letters and their replay, and isolation (a stuck webhook
delays neither stream delivery nor other bots)."""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Iterator

import grpc
import pytest
from google.protobuf import json_format

from openchat.server.domain.delivery import RouteJobStatus
from openchat.server.transport import page_tokens
from openchat.v1 import admin_service_pb2, bot_service_pb2, webhook_pb2
from openchat.v1.message_pb2 import DELIVERY_STATE_WEBHOOK_ANSWERED
from tests.support.api import Api
from tests.support.http_endpoints import (
    HttpEndpoint,
    Received,
    WebhookEndpoint,
    signature_valid,
)
from tests.support.servers import RunningServer, bearer
from tests.support.settings import FAST_ROUTING
from tests.support.streams import connect
from tests.support.waiting import until

EVENT_ID = "X-OpenChat-Event-Id"
ATTEMPT_TIMEOUT = FAST_ROUTING["attempt_timeout"]
MAX_ATTEMPTS = FAST_ROUTING["max_attempts"]
BACKOFF_BASE = FAST_ROUTING["backoff_base"]
# Time a retry may take beyond its backoff delay: the workers' poll interval, an HTTP round
# trip and two database writes, on a busy machine.
RETRY_SLACK = 1.0
ADMIN_METADATA = bearer("operator", roles=["admin"])


@pytest.fixture
def api(routing_server: RunningServer) -> Api:
    return Api(routing_server.channel)


@pytest.fixture
async def webhook() -> AsyncIterator[WebhookEndpoint]:
    async with WebhookEndpoint() as endpoint:
        yield endpoint


async def add_bot(api: Api, endpoint: WebhookEndpoint, bot_id: str) -> None:
    """Register `bot_id` with the endpoint as its webhook; the endpoint verifies with its secret."""
    endpoint.secret = (await api.register_bot(bot_id, endpoint.url)).secret


def event_of(request: Received) -> webhook_pb2.WebhookEvent:
    return json_format.Parse(request.body, webhook_pb2.WebhookEvent())


def delivered_message_ids(endpoint: WebhookEndpoint) -> set[str]:
    return {event_of(request).message.message_id for request in endpoint.answered()}


def has_message(message_id: str) -> object:
    def condition(requests: list[Received]) -> bool:
        return any(
            r.status == 200 and event_of(r).message.message_id == message_id for r in requests
        )

    return condition


async def test_a_bot_member_gets_every_message_signed_and_replies_with_its_own_token(
    api: Api, webhook: WebhookEndpoint, user_ids: Iterator[str]
) -> None:
    alice, bob, bot = next(user_ids), next(user_ids), next(user_ids)
    await add_bot(api, webhook, bot)
    group = await api.create_group(alice, [bob])
    await api.add_members(alice, group.conversation_id, [bot])
    elsewhere = await api.create_group(alice, [bob])  # the bot is not a member here
    acks = [
        await api.send(alice, group.conversation_id, "one"),
        await api.send(bob, group.conversation_id, "two"),
        await api.send(alice, elsewhere.conversation_id, "not for the bot"),
        await api.send(alice, group.conversation_id, "three"),
    ]
    for_bot = [acks[0], acks[1], acks[3]]

    await webhook.wait_for(lambda rs: len([r for r in rs if r.status == 200]) >= len(for_bot))

    assert all(request.verified for request in webhook.requests)
    events = {}
    for request in webhook.answered():
        event = event_of(request)
        assert request.headers[EVENT_ID] == event.event_id
        assert request.headers["Content-Type"] == "application/json"
        # Signed just now (the receiver accepts five minutes either way).
        assert abs(time.time() - int(request.headers["X-OpenChat-Timestamp"])) < 60
        assert (event.type, event.bot_id) == ("message.created", bot)
        events[event.message.message_id] = event
    assert sorted(events) == sorted(ack.message_id for ack in for_bot)
    for ack, text, sender in zip(
        for_bot, ["one", "two", "three"], [alice, bob, alice], strict=True
    ):
        message = events[ack.message_id].message
        assert (message.conversation_id, message.seq) == (group.conversation_id, ack.seq)
        assert (message.sender_id, message.content.text) == (sender, text)
    assert len({event.event_id for event in events.values()}) == len(for_bot)

    # The receiver's check is real: it fails for a changed body, another key or an old request.
    sample = webhook.answered()[0]
    assert signature_valid(webhook.secret, sample.headers, sample.body)
    assert not signature_valid(webhook.secret, sample.headers, sample.body + b" ")
    assert not signature_valid(webhook.secret + "x", sample.headers, sample.body)
    signed_at = int(sample.headers["X-OpenChat-Timestamp"])
    assert not signature_valid(webhook.secret, sample.headers, sample.body, now=signed_at + 301)

    # The bot answers with its own token; the reply is an ordinary message of the group, and
    # is not echoed back to the bot's webhook.
    reply = await api.send(bot, group.conversation_id, "hello, I am a bot")
    page = await api.list_messages(alice, group.conversation_id)
    stored = {message.message_id: message for message in page.messages}[reply.message_id]
    assert (stored.sender_id, stored.content.text, stored.seq) == (bot, "hello, I am a bot", 4)
    marker = await api.send(alice, group.conversation_id, "after the reply")
    await webhook.wait_for(has_message(marker.message_id))  # type: ignore[arg-type]
    assert reply.message_id not in delivered_message_ids(webhook)


async def test_a_failing_webhook_is_retried_with_growing_delays_then_dead_lettered(
    api: Api, webhook: WebhookEndpoint, user_ids: Iterator[str]
) -> None:
    webhook.status = 500
    alice, bot = next(user_ids), next(user_ids)
    await add_bot(api, webhook, bot)
    group = await api.create_group(alice, [])
    await api.add_members(alice, group.conversation_id, [bot])
    count = 12
    acks = [await api.send(alice, group.conversation_id, f"m{i}") for i in range(count)]
    message_ids = {ack.message_id for ack in acks}

    async def dead_letters() -> list[admin_service_pb2.DeadLetter]:
        return [d for d in await api.dead_letters("webhook") if d.message_id in message_ids]

    async def all_dead() -> list[admin_service_pb2.DeadLetter]:
        letters = await dead_letters()
        return letters if len(letters) == count else []

    dead = await until(all_dead, within=30)

    # Each message was tried exactly the budget, no more.
    tries_per_message = Counter(event_of(r).message.message_id for r in webhook.requests)
    assert tries_per_message == dict.fromkeys(message_ids, MAX_ATTEMPTS), [
        (d.message_id[-6:], tries_per_message[d.message_id], d.attempts, d.last_error) for d in dead
    ]
    assert all(request.verified and request.status == 500 for request in webhook.requests)
    for letter in dead:
        assert (letter.route, letter.target, letter.conversation_id) == (
            "webhook",
            bot,
            group.conversation_id,
        )
        assert (letter.attempts, letter.last_error) == (MAX_ATTEMPTS, "HTTP 500 from the webhook")
        assert letter.update_time.ToDatetime() >= letter.create_time.ToDatetime()

    await check_dead_letter_pages(api)

    attempts: dict[str, list[Received]] = defaultdict(list)
    for request in webhook.requests:
        attempts[request.headers[EVENT_ID]].append(request)
    assert len(attempts) == count
    gaps: dict[int, list[float]] = defaultdict(list)
    for tries in attempts.values():
        # The same event each time: same id, same creation time, same message.
        assert all(event_of(r) == event_of(tries[0]) for r in tries), "a retry changed the event"
        for retry, (before, after) in enumerate(itertools.pairwise(tries), start=1):
            gaps[retry].append(after.at - before.at)
    for retry, retry_gaps in gaps.items():
        # Full jitter: the n-th retry waits at most base * 2**(n-1).
        ceiling = BACKOFF_BASE * 2 ** (retry - 1)
        assert max(retry_gaps) <= ceiling + RETRY_SLACK, (retry, retry_gaps)
    # ...and later retries wait longer: their delays are drawn from four times the range.
    assert statistics.mean(gaps[3]) > statistics.mean(gaps[1]) + BACKOFF_BASE / 2, gaps

    # An operator replays them once the endpoint is healthy: each is delivered once more, with
    # the same event id, and leaves the dead-letter list.
    webhook.status = 200
    assert await api.replay([letter.job_id for letter in dead]) == count
    await webhook.wait_for(lambda rs: len([r for r in rs if r.status == 200]) >= count)
    assert sorted(webhook.event_ids()) == sorted(attempts)
    assert await dead_letters() == []
    assert await api.replay([letter.job_id for letter in dead]) == 0  # not dead any more


async def check_dead_letter_pages(api: Api) -> None:
    """Small pages of dead letters add up to the whole list, newest first, each once."""
    everything = await api.dead_letters()
    paged: list[admin_service_pb2.DeadLetter] = []
    token = ""
    while True:
        page = await api.admin.ListDeadLetters(
            admin_service_pb2.ListDeadLettersRequest(page_size=5, page_token=token),
            metadata=ADMIN_METADATA,
        )
        assert len(page.dead_letters) <= 5
        paged.extend(page.dead_letters)
        token = page.next_page_token
        if not token:
            break
    assert [d.job_id for d in paged] == [d.job_id for d in everything]
    job_ids = [int(d.job_id) for d in paged]
    assert job_ids == sorted(set(job_ids), reverse=True)


async def test_dead_letter_pages_reject_tokens_they_did_not_issue(api: Api) -> None:
    first = await api.admin.ListDeadLetters(
        admin_service_pb2.ListDeadLettersRequest(page_size=1), metadata=ADMIN_METADATA
    )
    tokens = [
        "garbage",
        # Well-formed, but for other parameters, or with a position that is not a job id.
        page_tokens.encode({"route": "push"}, 5),
        page_tokens.encode({"route": ""}, "not a job id"),
        page_tokens.encode({"route": ""}, None),  # type: ignore[arg-type]  # a forged position
    ]
    if first.next_page_token:
        tokens.append(first.next_page_token)  # issued for route "", asked with route "webhook"
    for token in tokens:
        with pytest.raises(grpc.aio.AioRpcError) as invalid:
            await api.admin.ListDeadLetters(
                admin_service_pb2.ListDeadLettersRequest(route="webhook", page_token=token)
                if token == first.next_page_token
                else admin_service_pb2.ListDeadLettersRequest(page_token=token),
                metadata=ADMIN_METADATA,
            )
        assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT, token
        assert "page_token" in (invalid.value.details() or "")


async def test_a_stuck_webhook_delays_neither_streams_nor_other_bots_and_times_out(
    api: Api,
    routing_server: RunningServer,
    webhook: WebhookEndpoint,
    user_ids: Iterator[str],
) -> None:
    stuck = webhook
    stuck.hang = True
    alice, bob, stuck_bot, healthy_bot = (next(user_ids) for _ in range(4))
    async with WebhookEndpoint() as healthy:
        await add_bot(api, stuck, stuck_bot)
        await add_bot(api, healthy, healthy_bot)
        group = await api.create_group(alice, [bob, stuck_bot, healthy_bot])
        async with connect(routing_server.channel, bob) as bob_phone:
            first = await api.send(alice, group.conversation_id, "first")
            await stuck.wait_for_count(1)  # its delivery hangs from now on
            (message,) = await bob_phone.messages(1)
            assert message.message_id == first.message_id

            more = await asyncio.gather(
                *(api.send(alice, group.conversation_id, f"more {i}") for i in range(4))
            )
            received = await bob_phone.messages(len(more))
            await healthy.wait_for(lambda rs: len([r for r in rs if r.status == 200]) >= 5)

            # Nobody waited for the stuck webhook: its first attempt is still hanging.
            assert not stuck.requests[0].abandoned
            assert stuck.requests[0].status is None
        assert sorted(m.message_id for m in received) == sorted(a.message_id for a in more)
        assert delivered_message_ids(healthy) == {first.message_id} | {
            ack.message_id for ack in more
        }

    # Each attempt of the stuck webhook is abandoned after the attempt timeout and retried,
    # until the message becomes a dead letter.
    async def dead_letter() -> admin_service_pb2.DeadLetter | None:
        for letter in await api.dead_letters("webhook"):
            if letter.message_id == first.message_id:
                return letter
        return None

    letter = await until(dead_letter, within=MAX_ATTEMPTS * (ATTEMPT_TIMEOUT + 1) + 10)
    assert letter is not None  # until() only returns what is truthy
    assert (letter.target, letter.attempts) == (stuck_bot, MAX_ATTEMPTS)
    assert letter.last_error == f"timed out after {ATTEMPT_TIMEOUT:g} s"
    tries = [r for r in stuck.requests if event_of(r).message.message_id == first.message_id]
    assert len(tries) == MAX_ATTEMPTS
    assert all(r.abandoned for r in tries)
    assert all(b.at - a.at >= ATTEMPT_TIMEOUT * 0.9 for a, b in itertools.pairwise(tries))


@pytest.mark.parametrize("status", [301, 308])
async def test_a_redirect_is_a_failed_attempt_not_a_delivery(
    api: Api, webhook: WebhookEndpoint, user_ids: Iterator[str], status: int
) -> None:
    """Following it would deliver a body-less GET (301) or the signed event to a URL nobody
    registered (308)."""
    alice, bot = next(user_ids), next(user_ids)
    async with HttpEndpoint() as elsewhere:
        webhook.status = status
        webhook.location = elsewhere.url
        await add_bot(api, webhook, bot)
        group = await api.create_group(alice, [bot])
        await api.send(alice, group.conversation_id, "stay where you are")
        # Retried, so the redirect counted as a failure.
        await webhook.wait_for_count(2)
    assert elsewhere.requests == []


async def test_unregistered_bots_get_nothing_and_reregistering_changes_the_secret(
    api: Api, routing_server: RunningServer, webhook: WebhookEndpoint, user_ids: Iterator[str]
) -> None:
    alice, bot, witness = next(user_ids), next(user_ids), next(user_ids)
    await add_bot(api, webhook, bot)
    old_secret = webhook.secret
    await add_bot(api, webhook, bot)
    assert webhook.secret != old_secret
    async with WebhookEndpoint() as witness_hook:
        await add_bot(api, witness_hook, witness)
        group = await api.create_group(alice, [bot, witness])
        signed = await api.send(alice, group.conversation_id, "signed with the new secret")
        await webhook.wait_for(has_message(signed.message_id))  # type: ignore[arg-type]
        assert all(request.verified for request in webhook.requests)

        admin = bearer("operator", roles=["admin"])
        got = await api.bots.GetBot(bot_service_pb2.GetBotRequest(bot_id=bot), metadata=admin)
        assert (got.bot.bot_id, got.bot.webhook_url) == (bot, webhook.url)
        await api.bots.UnregisterBot(
            bot_service_pb2.UnregisterBotRequest(bot_id=bot), metadata=admin
        )
        after = await api.send(alice, group.conversation_id, "not for the unregistered bot")
        # The other bot got it, so the unregistered one would have had its chance.
        await witness_hook.wait_for(has_message(after.message_id))  # type: ignore[arg-type]
        assert after.message_id not in delivered_message_ids(webhook)
        await routing_server.routes_finished(after.message_id)
        timeline = await api.timeline(alice, after.message_id)
        answered = [e.user_id for e in timeline if e.state == DELIVERY_STATE_WEBHOOK_ANSWERED]
        assert answered == [witness]
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await api.bots.GetBot(bot_service_pb2.GetBotRequest(bot_id=bot), metadata=admin)
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND


async def test_bot_and_admin_rpcs_require_the_admin_role(
    api: Api, webhook: WebhookEndpoint, user_ids: Iterator[str]
) -> None:
    user, bot = next(user_ids), next(user_ids)
    calls: list[Awaitable[object]] = [
        api.bots.RegisterBot(
            bot_service_pb2.RegisterBotRequest(bot_id=bot, webhook_url=webhook.url),
            metadata=bearer(user),
        ),
        api.bots.GetBot(bot_service_pb2.GetBotRequest(bot_id=bot), metadata=bearer(user)),
        api.bots.UnregisterBot(
            bot_service_pb2.UnregisterBotRequest(bot_id=bot), metadata=bearer(user)
        ),
        api.admin.ListDeadLetters(
            admin_service_pb2.ListDeadLettersRequest(), metadata=bearer(user)
        ),
        api.admin.ReplayDeadLetters(
            admin_service_pb2.ReplayDeadLettersRequest(job_ids=["1"]), metadata=bearer(user)
        ),
    ]
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as denied:
            await call
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "admin" in (denied.value.details() or "")
    with pytest.raises(grpc.aio.AioRpcError) as anonymous:
        await api.admin.ListDeadLetters(admin_service_pb2.ListDeadLettersRequest())
    assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED
    # Nothing was registered by the denied call.
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await api.bots.GetBot(
            bot_service_pb2.GetBotRequest(bot_id=bot), metadata=bearer("operator", roles=["admin"])
        )
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "ftp://example.com/hook",
        "/relative/hook",
        "http://",
        "http://example.com/" + "x" * 2048,
    ],
)
async def test_a_bad_webhook_url_is_invalid_and_registers_nothing(
    api: Api, user_ids: Iterator[str], url: str
) -> None:
    bot = next(user_ids)
    with pytest.raises(grpc.aio.AioRpcError) as invalid:
        await api.register_bot(bot, url)
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "webhook_url" in (invalid.value.details() or "")
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await api.bots.GetBot(
            bot_service_pb2.GetBotRequest(bot_id=bot), metadata=bearer("operator", roles=["admin"])
        )
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


async def test_replay_rejects_malformed_job_ids(api: Api) -> None:
    for job_ids in (["not-a-number"], []):
        with pytest.raises(grpc.aio.AioRpcError) as invalid:
            await api.replay(job_ids)
        assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "job_ids" in (invalid.value.details() or "")
    assert await api.replay(["999999999"]) == 0  # not a dead letter: ignored


@pytest.mark.parametrize("status", [400, 410])
async def test_a_webhook_refusing_the_event_is_retried_then_dead_never_delivered(
    api: Api,
    routing_server: RunningServer,
    webhook: WebhookEndpoint,
    user_ids: Iterator[str],
    status: int,
) -> None:
    """A 4xx is no delivery: the bot did not take the event (a bad deployment, a gone URL)."""
    webhook.status = status
    alice, bot = next(user_ids), next(user_ids)
    await add_bot(api, webhook, bot)
    group = await api.create_group(alice, [bot])
    ack = await api.send(alice, group.conversation_id, "are you there?")

    jobs = await routing_server.routes_finished(ack.message_id)
    assert [(job.route, job.status) for job in jobs] == [("webhook", RouteJobStatus.DEAD)]
    (letter,) = await dead_letters_of(api, ack.message_id)

    assert (letter.attempts, letter.last_error) == (MAX_ATTEMPTS, f"HTTP {status} from the webhook")
    assert [r.status for r in webhook.requests] == [status] * MAX_ATTEMPTS
    timeline = await api.timeline(alice, ack.message_id)
    assert not [e for e in timeline if e.state == DELIVERY_STATE_WEBHOOK_ANSWERED], timeline


async def test_a_replayed_dead_letter_gets_a_whole_new_retry_budget(
    api: Api, webhook: WebhookEndpoint, user_ids: Iterator[str]
) -> None:
    webhook.status = 500
    alice, bot = next(user_ids), next(user_ids)
    await add_bot(api, webhook, bot)
    group = await api.create_group(alice, [bot])
    ack = await api.send(alice, group.conversation_id, "try again")
    (letter,) = await until(lambda: dead_letters_of(api, ack.message_id), within=30)
    assert len(webhook.requests) == MAX_ATTEMPTS

    # Replayed while the webhook still fails: tried the whole budget again, then dead again.
    assert await api.replay([letter.job_id]) == 1
    (again,) = await until(lambda: dead_letters_of(api, ack.message_id), within=30)
    assert again.job_id == letter.job_id
    assert again.attempts == MAX_ATTEMPTS
    assert len(webhook.requests) == 2 * MAX_ATTEMPTS


async def dead_letters_of(api: Api, message_id: str) -> list[admin_service_pb2.DeadLetter]:
    return [d for d in await api.dead_letters("webhook") if d.message_id == message_id]
