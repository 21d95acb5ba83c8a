"""Sending with the client SDK: acks, order per conversation, idempotency, errors that are
never retried, and sends that outlive an unreachable server."""

from __future__ import annotations

import asyncio
import gc
import uuid
from collections.abc import Iterator

import pytest

from openchat.client import (
    AlreadyExists,
    Content,
    InvalidArgument,
    MessageReceived,
    OutboxChanged,
    OutboxState,
    PermissionDenied,
    RetryPolicy,
    SendTimeout,
)
from tests.support.api import Api
from tests.support.clients import FAST_BACKOFF, OpenClient, new_client, token
from tests.support.processes import free_port
from tests.support.proxy import proxy_to
from tests.support.servers import RunningServer
from tests.support.waiting import until


async def test_send_returns_the_ack_and_the_outbox_shows_it_sent(
    open_client: OpenClient, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await chat_api.create_group(alice, [bob])
    client = await open_client(alice, live=False)

    ack = await client.send(group.conversation_id, "hello")

    assert (ack.conversation_id, ack.seq, ack.duplicate) == (group.conversation_id, 1, False)
    (entry,) = await client.outbox.entries()
    assert (entry.state, entry.ack, entry.attempts) == (OutboxState.SENT, ack, 1)
    (stored,) = await chat_api.history(bob, group.conversation_id)
    assert (stored.message_id, stored.client_msg_id, stored.content.text) == (
        ack.message_id,
        ack.client_msg_id,
        "hello",
    )
    assert client.stats().sends_acked == 1


async def test_concurrent_sends_keep_their_order_per_conversation(
    open_client: OpenClient, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    groups = [(await chat_api.create_group(alice, [])).conversation_id for _ in range(3)]
    client = await open_client(alice, live=False)
    written = [(groups[n % 3], f"message {n}") for n in range(60)]

    acks = await asyncio.gather(*(client.send(c, text) for c, text in written))

    for conversation_id in groups:
        mine = [ack for ack, (c, _) in zip(acks, written, strict=True) if c == conversation_id]
        assert [ack.seq for ack in mine] == list(range(1, 21))
        stored = await chat_api.history(alice, conversation_id)
        assert [m.client_msg_id for m in stored] == [ack.client_msg_id for ack in mine]
        assert [m.content.text for m in stored] == [t for c, t in written if c == conversation_id]


async def test_a_send_with_a_bad_argument_fails_at_once_without_retries(
    open_client: OpenClient, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    group = await chat_api.create_group(alice, [])
    client = await open_client(alice, live=False)

    with pytest.raises(InvalidArgument) as refused:
        await client.send(group.conversation_id, content=Content())

    assert refused.value.reason == "FIELD_INVALID"
    (entry,) = await client.outbox.entries()
    assert (entry.state, entry.attempts) == (OutboxState.FAILED, 1)
    assert entry.error is not None
    assert (entry.error.code, entry.error.reason) == ("INVALID_ARGUMENT", "FIELD_INVALID")
    stats = client.stats()
    assert (stats.send_retries, stats.sends_failed, stats.outbox_depth) == (0, 1, 0)
    # The failure is final: nothing more goes out, and the conversation is still empty.
    assert await chat_api.history(alice, group.conversation_id) == []


async def test_a_send_to_a_conversation_of_others_is_refused_without_retries(
    open_client: OpenClient, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice, mallory = next(user_ids), next(user_ids)
    group = await chat_api.create_group(alice, [])
    client = await open_client(mallory, live=False)

    with pytest.raises(PermissionDenied) as refused:
        await client.send(group.conversation_id, "let me in")

    assert refused.value.reason == "NOT_A_MEMBER"
    assert client.stats().send_retries == 0
    # A later message to a conversation the user belongs to is not held up by the failure.
    own = await chat_api.create_group(mallory, [])
    assert (await client.send(own.conversation_id, "fine")).seq == 1


async def test_a_client_msg_id_is_sent_once_and_cannot_be_reused(
    open_client: OpenClient, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    group = await chat_api.create_group(alice, [])
    phone = await open_client(alice, "phone", live=False)
    laptop = await open_client(alice, "laptop", live=False)
    key = str(uuid.uuid4())

    first = await phone.send(group.conversation_id, "once", client_msg_id=key)
    again = await phone.send(group.conversation_id, "once", client_msg_id=key)
    elsewhere = await laptop.send(group.conversation_id, "once", client_msg_id=key)

    assert again == first  # the same outbox entry
    assert elsewhere.duplicate
    assert (elsewhere.message_id, elsewhere.seq) == (first.message_id, first.seq)
    with pytest.raises(ValueError, match="taken"):
        await phone.send(group.conversation_id, "other text", client_msg_id=key)
    tablet = await open_client(alice, "tablet", live=False)
    with pytest.raises(AlreadyExists) as reused:
        await tablet.send(group.conversation_id, "other text", client_msg_id=key)
    assert reused.value.reason == "CLIENT_MSG_ID_REUSED"
    assert reused.value.metadata["message_id"] == first.message_id
    assert len(await chat_api.history(alice, group.conversation_id)) == 1


async def test_a_send_outlives_an_unreachable_server_and_goes_out_once(
    open_client: OpenClient, chat_server: RunningServer, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    group = await chat_api.create_group(alice, [])
    async with proxy_to(chat_server.target) as proxy:
        client = await open_client(alice, live=False, target=proxy.target)
        proxy.cut()

        with pytest.raises(SendTimeout) as late:
            await client.send(group.conversation_id, "patience", timeout=0.5)

        entry = await client.outbox.get(late.value.client_msg_id)
        assert entry is not None
        assert entry.state is OutboxState.PENDING
        assert client.stats().outbox_depth == 1
        proxy.restore()
        ack = await client.outbox.wait(late.value.client_msg_id, timeout=10)

    (stored,) = await chat_api.history(alice, group.conversation_id)
    assert (stored.message_id, stored.content.text) == (ack.message_id, "patience")


async def test_an_expired_token_is_refreshed_from_the_provider(
    open_client: OpenClient, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    group = await chat_api.create_group(alice, [])
    issued: list[str] = []

    def provider() -> str:
        # The first token has already expired; the provider's next one is valid.
        issued.append(token(alice, ttl_seconds=-60 if not issued else 3600))
        return issued[-1]

    client = await open_client(alice, live=False, token=provider)
    ack = await client.send(group.conversation_id, "with a fresh token")

    assert ack.seq == 1
    assert len(issued) == 2
    assert client.stats().send_retries == 0  # a refresh is not a transient failure


async def test_a_failing_token_provider_is_retried_like_the_network(
    open_client: OpenClient, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    group = await chat_api.create_group(alice, [])
    calls: list[str] = []

    async def provider() -> str:
        calls.append("asked")
        if len(calls) == 1:
            raise ConnectionError("the login service is down")
        return token(alice)

    client = await open_client(alice, live=False, token=provider)
    ack = await client.send(group.conversation_id, "eventually")

    assert ack.seq == 1
    assert client.stats().send_retries == 1


async def test_an_app_that_never_reads_events_keeps_every_message_and_a_bounded_queue(
    open_client: OpenClient, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    group = await chat_api.create_group(alice, [])
    client = await open_client(alice, live=False, max_buffered_events=5)

    for n in range(8):
        await client.send(group.conversation_id, f"#{n}")
    outbox_events = await client.poll_events()
    await client.sync()
    messages = await client.poll_events()

    assert [type(e) for e in outbox_events] == [OutboxChanged] * 5
    assert client.stats().events_dropped == 3
    assert [e.message.seq for e in messages if isinstance(e, MessageReceived)] == list(range(1, 9))


async def test_an_outage_longer_than_the_retry_deadline_keeps_the_message_pending(
    open_client: OpenClient, chat_server: RunningServer, chat_api: Api, user_ids: Iterator[str]
) -> None:
    """The retry policy's total_timeout bounds how long send() waits, never how long the outbox
    keeps trying: a message is sent however long the outage lasts, and once."""
    alice = next(user_ids)
    group = await chat_api.create_group(alice, [])
    policy = RetryPolicy(attempt_timeout=0.5, total_timeout=1.0, backoff=FAST_BACKOFF)
    loop = asyncio.get_running_loop()
    async with proxy_to(chat_server.target) as proxy:
        client = await open_client(alice, live=False, target=proxy.target, retry=policy)
        proxy.cut()
        cut_at = loop.time()
        with pytest.raises(SendTimeout) as late:
            await client.send(group.conversation_id, "outlast", timeout=0.2)
        key = late.value.client_msg_id

        await until(
            lambda: loop.time() - cut_at > 3 * policy.total_timeout,
            within=10 * policy.total_timeout,
            what="an outage three times the retry deadline",
        )
        entry = await client.outbox.get(key)
        assert entry is not None
        assert entry.state is OutboxState.PENDING, entry
        assert client.stats().send_retries >= 3, "retried all along"
        proxy.restore()
        ack = await client.outbox.wait(key, timeout=10)

    stored = await chat_api.history(alice, group.conversation_id)
    assert [(m.message_id, m.content.text) for m in stored] == [(ack.message_id, "outlast")]


async def test_closing_after_a_send_timed_out_leaves_no_unretrieved_error(
    user_ids: Iterator[str],
) -> None:
    """The outbox hands ClientClosed to whoever still waits for an entry when the client
    closes; a send() that timed out left no one, and asyncio must not report the error as
    "never retrieved" (which it does when the future is collected)."""
    loop = asyncio.get_running_loop()
    reported: list[dict[str, object]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:
        client = new_client(f"127.0.0.1:{free_port()}", next(user_ids), live=False)
        async with client:
            with pytest.raises(SendTimeout):
                await client.send("c-1", "never acknowledged", timeout=0.1)
        del client
        gc.collect()
    finally:
        loop.set_exception_handler(previous)
    assert reported == []
