"""The RateLimiter contract, for the in-process limiter and the Redis one (on the shared Redis,
under a key prefix of its own per test, removed afterwards). Rates are slow enough that no
test gets more capacity by being slow."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from openchat.server.limits.redis import RedisRateLimiter
from openchat.server.limits.token_bucket import InProcessRateLimiter
from openchat.server.observability.metrics import Metrics
from openchat.server.ports import RateLimiter

RATE = 0.1  # one event every 10 s after the burst
BURST = 3
INTERVAL = 1 / RATE


@pytest.fixture(params=["in_process", "redis"])
async def limiter(request: pytest.FixtureRequest, redis_url: str) -> AsyncIterator[RateLimiter]:
    if request.param == "in_process":
        yield InProcessRateLimiter()
        return
    client = Redis.from_url(redis_url)
    prefix = f"test:{uuid.uuid4().hex}:"
    try:
        yield RedisRateLimiter(client, key_prefix=prefix, metrics=Metrics())
    finally:
        keys = [key async for key in client.scan_iter(f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


async def test_a_burst_is_admitted_at_once_then_events_are_refused_with_the_wait(
    limiter: RateLimiter,
) -> None:
    for _ in range(BURST):
        admission = await limiter.acquire("alice", RATE, BURST, 0.0)
        assert (admission.admitted, admission.delay) == (True, 0.0)
    refused = await limiter.acquire("alice", RATE, BURST, 0.0)
    assert not refused.admitted
    assert INTERVAL / 2 < refused.delay <= INTERVAL
    # Another key has a schedule of its own.
    assert (await limiter.acquire("bob", RATE, BURST, 0.0)).admitted


async def test_events_over_the_burst_wait_for_their_slot_up_to_the_max_delay(
    limiter: RateLimiter,
) -> None:
    for _ in range(BURST):
        await limiter.acquire("alice", RATE, BURST, 0.0)
    first = await limiter.acquire("alice", RATE, BURST, 2 * INTERVAL)
    second = await limiter.acquire("alice", RATE, BURST, 2 * INTERVAL)
    assert first.admitted
    assert second.admitted
    # Each admitted event reserved its slot: the second waits one interval more.
    assert INTERVAL / 2 < first.delay <= INTERVAL
    assert second.delay - first.delay == pytest.approx(INTERVAL, abs=INTERVAL / 10)
    third = await limiter.acquire("alice", RATE, BURST, 2 * INTERVAL)
    assert not third.admitted
    assert 2 * INTERVAL < third.delay <= 3 * INTERVAL
