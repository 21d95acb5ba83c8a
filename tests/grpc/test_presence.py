"""Presence over session streams: watchers, GetPresence, heartbeat timeouts, dead clients."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import pytest

from openchat.server.auth.tokens import issue_token
from openchat.v1 import message_pb2, presence_pb2, presence_service_pb2, presence_service_pb2_grpc
from tests.support.api import Api
from tests.support.presence import keep_pinging, presence_until, watch
from tests.support.processes import python_process, wait_for_line
from tests.support.servers import RunningServer, bearer, start_app
from tests.support.settings import TEST_SECRET, settings_for
from tests.support.streams import connect, open_call, read_to_end

# Short enough for fast tests; the defaults (30 s / 60 s) come from the design document.
FAST_SESSIONS = {
    "heartbeat_interval": 0.5,
    "heartbeat_timeout": 1.5,
    "presence_coalesce": 1.0,
}


@pytest.fixture
async def fast_server(database_url: str) -> AsyncIterator[RunningServer]:
    """A server with short heartbeats."""
    async with start_app(settings_for(database_url, sessions=FAST_SESSIONS)) as running:
        yield running


async def test_watchers_see_users_come_and_go(
    server: RunningServer, user_ids: Iterator[str]
) -> None:
    carol, bob = next(user_ids), next(user_ids)
    async with connect(server.channel, carol) as watcher:
        (initial,) = await watch(watcher, bob)
        assert (initial.user_id, initial.online, initial.device_count) == (bob, False, 0)
        async with connect(server.channel, bob, "phone"):
            online = await presence_until(watcher, bob, online=True)
            assert online.device_count == 1
        offline = await presence_until(watcher, bob, online=False)
        assert offline.device_count == 0
        assert offline.HasField("last_seen")


async def test_get_presence_counts_devices(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    stub = presence_service_pb2_grpc.PresenceServiceStub(server.channel)
    bob, nobody = next(user_ids), next(user_ids)
    async with connect(server.channel, bob, "phone"), connect(server.channel, bob, "laptop"):
        response = await stub.GetPresence(
            presence_service_pb2.GetPresenceRequest(user_ids=[bob, nobody]),
            metadata=bearer(bob),
        )
        by_user = {p.user_id: p for p in response.presences}
        assert (by_user[bob].online, by_user[bob].device_count) == (True, 2)
        assert (by_user[nobody].online, by_user[nobody].HasField("last_seen")) == (False, False)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.GetPresence(presence_service_pb2.GetPresenceRequest(), metadata=bearer(bob))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_silent_session_times_out_and_its_user_goes_offline_once(
    fast_server: RunningServer, user_ids: Iterator[str]
) -> None:
    carol, bob = next(user_ids), next(user_ids)
    async with connect(fast_server.channel, carol) as watcher:
        await watch(watcher, bob)
        silent = open_call(fast_server.channel, bob)
        await silent.write(
            presence_service_pb2.ClientFrame(hello=presence_service_pb2.Hello(device_id="d"))
        )
        await presence_until(watcher, bob, online=True)
        # Carol keeps pinging; Bob sends nothing after hello.
        pinger = asyncio.create_task(keep_pinging(watcher))
        try:
            _, error = await read_to_end(silent)
            assert error is not None
            assert error.code() == grpc.StatusCode.UNAVAILABLE
            assert "no frame from the client" in (error.details() or "")
            await presence_until(watcher, bob, online=False)
        finally:
            pinger.cancel()


async def test_flapping_user_does_not_storm_watchers(
    fast_server: RunningServer, user_ids: Iterator[str]
) -> None:
    carol, bob = next(user_ids), next(user_ids)
    async with connect(fast_server.channel, carol) as watcher:
        await watch(watcher, bob)
        for _ in range(10):  # 20 changes, well within one coalescing window
            async with connect(fast_server.channel, bob, "phone"):
                pass
        # A last, lasting change marks the end: every earlier frame has arrived before it.
        async with connect(fast_server.channel, bob, "laptop"):
            seen: list[presence_pb2.Presence] = []
            async with asyncio.timeout(10):
                while not (seen and seen[-1].online):
                    seen.append((await watcher.next("presence")).presence)
    # The first change goes out at once; the rest of the window collapses into its final
    # state; the marker may share that window or open the next: at most 3 frames, not 21.
    assert len(seen) <= 3
    assert all(presence.user_id == bob for presence in seen)


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["frozen", "killed"])
async def test_dead_client_process_is_noticed(
    fast_server: RunningServer, user_ids: Iterator[str], fault: str
) -> None:
    carol, bob = next(user_ids), next(user_ids)
    token = issue_token(TEST_SECRET, bob, ttl_seconds=600)
    async with connect(fast_server.channel, carol) as watcher:
        await watch(watcher, bob)
        pinger = asyncio.create_task(keep_pinging(watcher))
        try:
            async with python_process(
                "tests.support.pinging_client", [fast_server.target, token, "phone"]
            ) as client:
                await wait_for_line(client, "welcome", within=20)
                await presence_until(watcher, bob, online=True)
                client.send_signal(signal.SIGSTOP if fault == "frozen" else signal.SIGKILL)
                # Within the heartbeat timeout (1.5 s) plus the reaper's tick.
                await presence_until(watcher, bob, online=False, within=5)
        finally:
            pinger.cancel()


@pytest.mark.slow
async def test_http2_keepalive_notices_a_frozen_client_long_before_the_heartbeat(
    database_url: str, user_ids: Iterator[str]
) -> None:
    """With a 60 s application heartbeat, only HTTP/2 keepalive can notice a frozen client
    within seconds; grpc's ping_timeout_ms must be set for the keepalive timeout to hold."""
    sessions: dict[str, Any] = {
        "heartbeat_interval": 30.0,
        "heartbeat_timeout": 60.0,
        "keepalive_time": 0.5,
        "keepalive_timeout": 1.0,
    }
    carol, bob = next(user_ids), next(user_ids)
    token = issue_token(TEST_SECRET, bob, ttl_seconds=600)
    async with (
        start_app(settings_for(database_url, sessions=sessions)) as server,
        connect(server.channel, carol) as watcher,
    ):
        await watch(watcher, bob)
        async with python_process(
            "tests.support.pinging_client",
            [server.target, token, "phone", "--interval", "100"],
        ) as client:
            await wait_for_line(client, "welcome", within=20)
            await presence_until(watcher, bob, online=True)
            client.send_signal(signal.SIGSTOP)
            await presence_until(watcher, bob, online=False, within=8)


async def test_slow_consumer_is_cut_off_and_then_syncs_everything(
    database_url: str, user_ids: Iterator[str]
) -> None:
    settings = settings_for(database_url, sessions={"queue_capacity": 16})
    alice, bob = next(user_ids), next(user_ids)
    async with start_app(settings) as server:
        local_api = Api(server.channel)
        group = await local_api.create_group(alice, [bob])
        reader_less = open_call(server.channel, bob)
        await reader_less.write(
            presence_service_pb2.ClientFrame(hello=presence_service_pb2.Hello(device_id="d"))
        )
        big = message_pb2.Content(text="x" * 60_000)
        async with connect(server.channel, alice, "watcher") as watcher:
            (bob_presence,) = await watch(watcher, bob)
            assert bob_presence.online
            # Far more than HTTP/2 windows and socket buffers hold: the session queue fills.
            sent = 0
            async with asyncio.timeout(60):
                while True:
                    await local_api.send(alice, group.conversation_id, content=big)
                    sent += 1
                    if not watcher.frames.empty():
                        frame = watcher.frames.get_nowait()
                        if frame.WhichOneof("frame") == "presence" and not frame.presence.online:
                            break
        # The client reads again: what was queued, then the status.
        frames, error = await read_to_end(reader_less, within=30)
        received = sum(frame.WhichOneof("frame") == "message" for frame in frames)
        assert error is not None
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "reconnect and sync" in (error.details() or "")
        assert received < sent
        # Nothing was lost: a resumed session gets the rest.
        async with connect(server.channel, bob, resume={group.conversation_id: received}) as again:
            rest = await again.messages(sent - received, within=30)
            assert [m.seq for m in rest] == list(range(received + 1, sent + 1))


async def test_watching_the_documented_maximum_twice_never_cuts_a_prompt_client_off(
    server: RunningServer, user_ids: Iterator[str]
) -> None:
    """Two WatchPresence frames of 1,000 users (the documented maximum) queue their snapshots
    at once, more than the session queue's 1,024 frames: presence frames are coalesced per
    user and do not count against the capacity, so the session stays open."""
    carol = next(user_ids)
    first, second = [next(user_ids) for _ in range(1000)], [next(user_ids) for _ in range(1000)]
    async with connect(server.channel, carol) as watcher:
        for users in (first, second):
            await watcher.send(
                presence_service_pb2.ClientFrame(
                    watch_presence=presence_service_pb2.WatchPresence(user_ids=users)
                )
            )
        await watcher.send(
            presence_service_pb2.ClientFrame(ping=presence_service_pb2.Ping(nonce=7))
        )
        # The frames are handled in order, so the pong follows both snapshots.
        seen: set[str] = set()
        async with asyncio.timeout(10):  # the stream ends (SLOW_CONSUMER) when this fails
            while (frame := await watcher.frames.get()).WhichOneof("frame") != "pong":
                if frame.WhichOneof("frame") == "presence":
                    seen.add(frame.presence.user_id)
        assert not watcher.ended.is_set()
        # Every user of the second, current, watch had their state sent.
        assert set(second) <= seen
