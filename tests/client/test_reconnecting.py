"""The session stream comes back after the network goes away: backoff with attempts the app
can see, a reconnect limit, token refresh, the heartbeat, and the server's reconnect request."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

from openchat.client import (
    CaughtUp,
    Connected,
    Disconnected,
    Reconnecting,
    ReconnectPolicy,
    Unavailable,
)
from tests.client.conftest import FAST_SESSIONS
from tests.support.api import Api
from tests.support.client_events import EventLog, of_kind
from tests.support.clients import FAST_BACKOFF, OpenClient, new_client, token
from tests.support.proxy import proxy_to
from tests.support.servers import RunningServer, start_app
from tests.support.settings import settings_for
from tests.support.streams import connect
from tests.support.waiting import until

# An attempt waits this long for the unreachable server before the next one is scheduled.
QUICK_ATTEMPTS = ReconnectPolicy(backoff=FAST_BACKOFF, connect_timeout=0.3)


async def test_the_client_reconnects_with_backoff_and_reports_each_attempt(
    open_client: OpenClient, chat_server: RunningServer, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    async with proxy_to(chat_server.target) as proxy:
        client = await open_client(alice, target=proxy.target, reconnect=QUICK_ATTEMPTS)
        events = EventLog(client)
        await events.until(of_kind(CaughtUp))
        assert client.connected

        proxy.cut()
        lost = await events.first(Disconnected)
        attempts = [await events.next() for _ in range(3)]
        proxy.restore()
        await events.first(Connected)

    assert lost.will_reconnect
    assert isinstance(lost.error, Unavailable)
    assert all(isinstance(e, Reconnecting) for e in attempts)
    numbers = [e.attempt for e in attempts if isinstance(e, Reconnecting)]
    assert numbers == [1, 2, 3]
    for event in attempts:
        assert isinstance(event, Reconnecting)
        assert 0 <= event.delay <= FAST_BACKOFF.ceiling(event.attempt)
    stats = client.stats()
    assert (stats.connects, stats.disconnects) == (2, 1)
    assert stats.reconnect_attempts >= 3


async def test_after_its_reconnect_limit_the_client_gives_up_until_told_to_reconnect(
    open_client: OpenClient, chat_server: RunningServer, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    async with proxy_to(chat_server.target) as proxy:
        client = await open_client(
            alice,
            target=proxy.target,
            reconnect=replace(QUICK_ATTEMPTS, max_attempts=2),
        )
        events = EventLog(client)
        await events.until(of_kind(CaughtUp))
        proxy.cut()
        first = await events.first(Disconnected)
        rest = await events.until(of_kind(Disconnected))
        proxy.restore()
        await client.reconnect()
        await events.first(Connected)

    assert first.will_reconnect
    assert [e.attempt for e in rest if isinstance(e, Reconnecting)] == [1, 2]
    assert isinstance(rest[-1], Disconnected)
    assert not rest[-1].will_reconnect


async def test_the_token_is_refreshed_before_every_connect(
    open_client: OpenClient, chat_server: RunningServer, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    issued: list[str] = []

    async def provider() -> str:
        issued.append(token(alice))
        return issued[-1]

    async with proxy_to(chat_server.target) as proxy:
        client = await open_client(alice, target=proxy.target, token=provider)
        events = EventLog(client)
        await events.until(of_kind(Connected))
        assert len(issued) == 1
        proxy.cut()
        await events.until(of_kind(Reconnecting))
        proxy.restore()
        await events.until(of_kind(Connected))

    assert len(issued) >= 2
    assert client.user_id == alice


async def test_a_silent_server_is_detected_by_the_heartbeat(
    open_client: OpenClient, chat_server: RunningServer, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    async with proxy_to(chat_server.target) as proxy:
        client = await open_client(alice, target=proxy.target)
        events = EventLog(client)
        await events.until(of_kind(CaughtUp))
        # The link stays up but carries nothing: no reset tells the client the server is gone.
        proxy.freeze()
        lost = await events.first(Disconnected, within=10)
        proxy.thaw()
        await events.first(Connected, within=20)

    assert isinstance(lost.error, Unavailable)
    assert "sent nothing" in lost.error.message


async def test_a_session_replaced_by_the_server_reconnects_as_asked(
    open_client: OpenClient, chat_server: RunningServer, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    client = await open_client(alice, "phone")
    events = EventLog(client)
    await events.until(of_kind(CaughtUp))

    # Another session of the same device replaces the client's: the server sends `reconnect`.
    async with connect(chat_server.channel, alice, "phone"):
        ended = await events.first(Disconnected)
        resumed = await events.until(of_kind(Connected))

    assert ended.error is None
    assert ended.will_reconnect
    assert [e.attempt for e in resumed if isinstance(e, Reconnecting)] == [1]


async def test_a_client_pushed_back_by_a_lagging_server_waits_retry_after_then_connects(
    database_url: str, user_ids: Iterator[str]
) -> None:
    pushback = {"admission_lag": 0.2, "pushback_retry_after": 0.5, "pushback_spread": 0.0}
    settings = settings_for(database_url, sessions=FAST_SESSIONS | pushback)
    async with start_app(settings) as server:
        client = new_client(server.target, next(user_ids))
        events = EventLog(client)
        await client.open()
        try:

            def lagging_until_pushed_back() -> bool:
                # The loop (the server's and the client's) stands still, as in a long garbage
                # collection, until the client's hello lands while the server sees it lag.
                if not client.stats().reconnect_attempts:
                    time.sleep(0.3)
                return client.stats().reconnect_attempts > 0

            await until(lagging_until_pushed_back, what="a pushback")
            pushed_back = time.monotonic()
            attempt = await events.first(Reconnecting)
            await events.first(Connected)
            waited = time.monotonic() - pushed_back
        finally:
            await client.close()
    assert attempt.delay >= 0.5
    assert waited >= 0.5 - 0.1  # the wait began as the pushback was read, just before here
    assert client.stats().connects == 1
