"""`serve --workers N`: a real supervisor with worker processes on one port, sharing
PostgreSQL and Redis; the host's one /metrics and /healthz on the supervisor."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.api import Api
from tests.support.processes import (
    ServerProcess,
    environment,
    free_port,
    run_cli,
    serve,
    server_environment,
)
from tests.support.streams import connect
from tests.support.waiting import until

SESSIONS = 16
# A connection of its own per channel (channels with equal arguments share one otherwise).
OWN_CONNECTION = [("grpc.use_local_subchannel_pool", 1)]


@pytest.fixture
async def host(
    fresh_postgres_url: str, redis_url: str, tmp_path: Path
) -> AsyncIterator[tuple[ServerProcess, str]]:
    """A supervisor of two workers, and the address of its metrics listener."""
    metrics = f"127.0.0.1:{free_port()}"
    env = server_environment(
        fresh_postgres_url,
        free_port(),
        OPENCHAT_REDIS_URL=redis_url,
        OPENCHAT_REDIS_PREFIX=f"test-{uuid.uuid4().hex[:8]}:",
    ) | {"OPENCHAT_METRICS_LISTEN": metrics}
    async with serve(env, tmp_path / "host.log", "--workers", "2", wait=False) as supervisor:

        async def workers_up() -> bool:
            # Each worker publishes its gauges when it creates its metrics, before it migrates
            # and binds the port (wait_serving waits for that). Three processes importing the
            # server at once on a loaded machine take longer than one.
            with contextlib.suppress(aiohttp.ClientError):
                return len(await _samples(metrics, "openchat_sessions_active")) == 2
            return False

        await until(workers_up, within=120, what="both workers in /metrics")
        await supervisor.wait_serving()
        yield supervisor, metrics


async def _get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


async def _health(metrics: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(f"http://{metrics}/healthz") as response:
        report: dict[str, Any] = await response.json()
        return report


async def _samples(metrics: str, name: str) -> list[tuple[dict[str, str], float]]:
    status, text = await _get(f"http://{metrics}/metrics")
    assert status == 200
    return [
        (sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


async def _sends_on_new_connections(target: str, user: str, conversation_id: str, n: int) -> None:
    """`n` sends, each on a connection of its own (the kernel picks a worker per connection)."""
    for _ in range(n):
        async with grpc.aio.insecure_channel(target, options=OWN_CONNECTION) as channel:
            await Api(channel).send(user, conversation_id, "hello")


pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


async def test_workers_share_the_port_survive_a_kill_and_drain_on_sigterm(
    host: tuple[ServerProcess, str], user_ids: Iterator[str]
) -> None:
    supervisor, metrics = host
    alice, bob = next(user_ids), next(user_ids)
    group = await Api(supervisor.channel).create_group(alice, [bob])

    # Sessions on connections of their own land on both workers: /metrics shows each
    # worker's sessions under its pid.
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(SESSIONS):
            channel = await stack.enter_async_context(
                grpc.aio.insecure_channel(supervisor.target, options=OWN_CONNECTION)
            )
            await stack.enter_async_context(connect(channel, bob, uuid.uuid4().hex))

        async def per_worker() -> dict[str, float]:
            sessions = await _samples(metrics, "openchat_sessions_active")
            by_pid = {labels["pid"]: value for labels, value in sessions}
            return by_pid if sum(by_pid.values()) == SESSIONS else {}

        by_pid = await until(per_worker, what=f"{SESSIONS} sessions in /metrics")
        assert len(by_pid) == 2, by_pid
        assert all(count > 0 for count in by_pid.values()), by_pid

    report = await _health(metrics)
    assert report["status"] == "serving"
    assert report["running"] == 2
    pids = {worker["pid"] for worker in report["workers"]}
    assert {int(pid) for pid in by_pid} == pids

    await _sends_on_new_connections(supervisor.target, alice, group.conversation_id, 6)

    # kill -9 of one worker: the port keeps serving on the other, and the supervisor
    # starts a new one.
    victim = report["workers"][0]["pid"]
    os.kill(victim, signal.SIGKILL)

    async def reaped() -> bool:
        # Connections that reach the dying worker's queue before the kernel closes it are
        # reset (clients retry those); from its exit on, the kernel routes around it.
        now = await _health(metrics)
        return not now["workers"][0]["running"] or now["workers"][0]["pid"] != victim

    await until(reaped, within=10, what="the killed worker reaped")
    await _sends_on_new_connections(supervisor.target, alice, group.conversation_id, 6)

    async def restarted() -> dict[str, Any]:
        now = await _health(metrics)
        pids = {worker["pid"] for worker in now["workers"]}
        serving = await _samples(metrics, "openchat_sessions_active")
        published = {int(labels["pid"]) for labels, _ in serving}
        return now if now["running"] == 2 and victim not in pids and pids == published else {}

    report = await until(
        restarted, within=120, what="the killed worker restarted (a start is slow on a loaded host)"
    )
    assert report["workers"][0]["restarts"] == 1
    await _sends_on_new_connections(supervisor.target, alice, group.conversation_id, 6)

    # One /metrics for the host: counters of every worker, the killed one included.
    sent = await _samples(metrics, "openchat_messages_sent_total")
    assert sum(value for _, value in sent) == 18

    # SIGTERM drains both workers and the supervisor exits 0.
    assert await supervisor.terminate() == 0
    assert "worker_killed_after_grace" not in supervisor.log()


async def test_several_workers_without_redis_are_refused(tmp_path: Path) -> None:
    env = environment(OPENCHAT_DATABASE_URL="postgresql://postgres@127.0.0.1:5432/x")
    result = await run_cli("serve", "--workers", "2", env=env)
    assert result.returncode == 2
    assert "2 workers need OPENCHAT_REDIS_URL" in result.stderr


async def test_several_workers_on_sqlite_are_refused(tmp_path: Path, redis_url: str) -> None:
    env = environment(
        OPENCHAT_WORKERS="3",
        OPENCHAT_REDIS_URL=redis_url,
        OPENCHAT_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
    )
    result = await run_cli("serve", env=env)
    assert result.returncode == 2
    assert "3 workers need PostgreSQL" in result.stderr


async def test_a_port_in_use_stops_the_supervisor_with_a_message(redis_url: str) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = f"127.0.0.1:{holder.getsockname()[1]}"
        env = environment(
            OPENCHAT_LISTEN=taken,
            OPENCHAT_REDIS_URL=redis_url,
            OPENCHAT_DATABASE_URL="postgresql://postgres@127.0.0.1:5432/x",
        )
        result = await run_cli("serve", "--workers", "2", env=env)
    assert result.returncode == 2
    assert f"OPENCHAT_LISTEN: cannot listen on {taken} (address already in use)" in result.stderr


async def test_several_workers_with_a_web_listener_are_refused(redis_url: str) -> None:
    env = environment(
        OPENCHAT_REDIS_URL=redis_url,
        OPENCHAT_DATABASE_URL="postgresql://postgres@127.0.0.1:5432/x",
        OPENCHAT_WEB_LISTEN="127.0.0.1:0",
    )
    result = await run_cli("serve", "--workers", "2", env=env)
    assert result.returncode == 2
    assert "2 workers cannot serve OPENCHAT_WEB_LISTEN" in result.stderr
