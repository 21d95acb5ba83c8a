"""Receiving with the client SDK: each message once, in seq order per conversation, across
disconnects, gaps and restarts; history from the local store; presence, typing, receipts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from openchat.client import (
    CaughtUp,
    Connected,
    Disconnected,
    Message,
    PresenceChanged,
    ReceiptKind,
    ReceiptReceived,
    RetryPolicy,
    TypingChanged,
    Unavailable,
)
from tests.support.api import Api
from tests.support.client_events import EventLog, messages_in, of_kind
from tests.support.clients import FAST_BACKOFF, OpenClient
from tests.support.proxy import proxy_to
from tests.support.servers import RunningServer
from tests.support.traffic import send_in_order, send_round_robin


def assert_in_order_once(messages: list[Message], expected: dict[str, int]) -> None:
    """Per conversation, seqs 1..expected[c] in order, each once."""
    for conversation_id, count in expected.items():
        seqs = [m.seq for m in messages if m.conversation_id == conversation_id]
        assert seqs == list(range(1, count + 1)), conversation_id
    assert {m.conversation_id for m in messages} == set(expected)


async def test_messages_arrive_once_in_order_own_ones_included(
    open_client: OpenClient, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    groups = [(await chat_api.create_group(bob, [alice])).conversation_id for _ in range(2)]
    alice_client = await open_client(alice)
    bob_client = await open_client(bob)
    alice_events, bob_events = EventLog(alice_client), EventLog(bob_client)
    await alice_events.until(of_kind(CaughtUp))
    await bob_events.until(of_kind(CaughtUp))

    await asyncio.gather(*(bob_client.send(groups[n % 2], f"#{n}") for n in range(30)))

    assert_in_order_once(await alice_events.messages(30), {groups[0]: 15, groups[1]: 15})
    # The sender's client sees its own messages too: the conversation's full log.
    own = await bob_events.messages(30)
    assert_in_order_once(own, {groups[0]: 15, groups[1]: 15})
    assert {m.sender_id for m in own} == {bob}
    # Alice's client acknowledged what it handed over: Bob hears it was delivered.
    delivered = await bob_events.first(
        ReceiptReceived, lambda e: (e.receipt.conversation_id, e.receipt.seq) == (groups[0], 15)
    )
    assert (delivered.receipt.user_id, delivered.receipt.kind) == (alice, ReceiptKind.DELIVERED)
    assert alice_client.stats().duplicates_dropped == 0


async def test_a_client_offline_while_200_messages_arrive_gets_them_in_order_before_new_ones(
    open_client: OpenClient, chat_server: RunningServer, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    groups = [(await chat_api.create_group(bob, [alice])).conversation_id for _ in range(2)]
    async with proxy_to(chat_server.target) as proxy:
        client = await open_client(alice, target=proxy.target)
        events = EventLog(client)
        await events.until(of_kind(CaughtUp))
        proxy.cut()
        await events.until(of_kind(Disconnected))

        await send_round_robin(chat_api, bob, groups, 200)
        proxy.restore()
        resumed = await events.until(of_kind(CaughtUp), within=20)
        await send_round_robin(chat_api, bob, groups, 10)
        live = await events.messages(10)

    caught_up = resumed[-1]
    assert isinstance(caught_up, CaughtUp)
    assert caught_up.message_count == 200
    after_connect = resumed[next(i for i, e in enumerate(resumed) if isinstance(e, Connected)) :]
    missed = messages_in(after_connect)
    assert_in_order_once(missed, {groups[0]: 100, groups[1]: 100})
    assert messages_in(resumed) == missed  # nothing reached the app while it was cut off
    assert [m.seq for m in live if m.conversation_id == groups[0]] == list(range(101, 106))
    assert client.stats().disconnects == 1


async def test_a_jump_in_seq_is_filled_from_the_server(
    open_client: OpenClient, server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    # With the default server the client pings every 30 s: no pong reveals the hole (which
    # would trigger a sync) before the client notices the jump itself.
    alice, bob = next(user_ids), next(user_ids)
    client = await open_client(alice, target=server.target)
    events = EventLog(client)
    await events.until(of_kind(CaughtUp))
    # Alice joins a group with a history while connected: the first message her session is
    # pushed is #31, which the client cannot show before #1..#30.
    group = (await api.create_group(bob, [])).conversation_id
    await send_in_order(api, bob, group, [f"{n}" for n in range(30)])
    await api.add_members(bob, group, [alice])
    await api.send(bob, group, "welcome")

    received = await events.messages(31)

    assert_in_order_once(received, {group: 31})
    assert received[-1].content.text == "welcome"
    assert client.stats().gaps_filled == 1


async def test_a_restarted_client_resumes_from_its_store(
    open_client: OpenClient, chat_api: Api, user_ids: Iterator[str], tmp_path: Path
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = (await chat_api.create_group(bob, [alice])).conversation_id
    store = tmp_path / "alice.db"
    await send_in_order(chat_api, bob, group, ["1", "2", "3"])
    first_run = await open_client(alice, store_path=store)
    assert [m.seq for m in await EventLog(first_run).messages(3)] == [1, 2, 3]
    await send_in_order(chat_api, bob, group, ["4", "5"])
    await first_run.close()  # #4 and #5 may have been queued, but were never handed over

    await send_in_order(chat_api, bob, group, ["6"])
    second_run = await open_client(alice, store_path=store)
    events = EventLog(second_run)
    resumed = await events.until(of_kind(CaughtUp))

    assert [m.seq for m in messages_in(resumed)] == [4, 5, 6]


async def test_without_catch_up_history_a_new_device_starts_at_the_newest_message(
    open_client: OpenClient, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = (await chat_api.create_group(bob, [alice])).conversation_id
    await send_in_order(chat_api, bob, group, [f"old {n}" for n in range(5)])
    client = await open_client(alice, catch_up_history=False)
    events = EventLog(client)
    assert (await events.first(CaughtUp)).message_count == 0

    await chat_api.send(bob, group, "new")
    (new,) = await events.messages(1)
    older = await client.history(group, before_seq=new.seq, limit=10)

    assert new.seq == 6
    assert [m.content.text for m in older] == [f"old {n}" for n in range(5)]


async def test_history_is_served_from_the_store_when_it_holds_the_range(
    open_client: OpenClient, chat_server: RunningServer, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = (await chat_api.create_group(bob, [alice])).conversation_id
    await send_in_order(chat_api, bob, group, [f"{n}" for n in range(1, 21)])
    async with proxy_to(chat_server.target) as proxy:
        client = await open_client(
            alice,
            target=proxy.target,
            catch_up_history=False,
            retry=RetryPolicy(attempt_timeout=0.5, total_timeout=1.0, backoff=FAST_BACKOFF),
        )
        events = EventLog(client)
        await events.until(of_kind(CaughtUp))
        older = await client.history(group, limit=10)  # from the server: nothing stored yet
        await send_in_order(chat_api, bob, group, ["21", "22"])
        await events.messages(2)
        proxy.cut()

        latest = await client.history(group, limit=5)
        before = await client.history(group, before_seq=15, limit=4)
        with pytest.raises(Unavailable):
            await client.history(group, before_seq=5, limit=4)

    assert [m.seq for m in older] == list(range(11, 21))
    assert [m.seq for m in latest] == list(range(18, 23))
    assert [m.content.text for m in before] == ["11", "12", "13", "14"]


async def test_presence_and_typing_reach_the_app(
    open_client: OpenClient, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = (await chat_api.create_group(bob, [alice])).conversation_id
    alice_client = await open_client(alice)
    events = EventLog(alice_client)
    await events.first(Connected)
    await alice_client.watch_presence([bob])
    offline = await events.first(PresenceChanged)
    assert (offline.presence.user_id, offline.presence.online) == (bob, False)

    bob_client = await open_client(bob, "phone")
    online = await events.first(PresenceChanged, lambda e: e.presence.online)
    await EventLog(bob_client).first(Connected)
    assert await bob_client.set_typing(group)
    typing = (await events.first(TypingChanged)).typing

    assert online.presence.device_count == 1
    assert (typing.user_id, typing.conversation_id, typing.typing) == (bob, group, True)


async def test_a_read_marker_reaches_the_sender(
    open_client: OpenClient, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = (await chat_api.create_group(bob, [alice])).conversation_id
    bob_client = await open_client(bob)
    bob_events = EventLog(bob_client)
    await bob_events.until(of_kind(CaughtUp))
    alice_client = await open_client(alice, live=False)
    ack = await bob_client.send(group, "read me")

    assert await alice_client.mark_read(group, ack.seq) == ack.seq

    read = await bob_events.first(ReceiptReceived, lambda e: e.receipt.kind is ReceiptKind.READ)
    assert (read.receipt.user_id, read.receipt.seq) == (alice, ack.seq)
