"""The send quota under a flood: the refusals of callers refused together are answered spread
out over time, not at one instant (each would come back at once, in one burst that stalls the
other users' calls: docs/benchmarks.md, fairness)."""

from __future__ import annotations

import asyncio

from openchat.server.domain.errors import SendRateExceeded
from openchat.server.limits.token_bucket import InProcessRateLimiter
from openchat.server.usecases.quotas import SEND_MAX_DELAY_SECONDS, Quotas

RATE = 100.0  # sends a second: a slot every 10 ms, so 0.5 s of them are 50 waiting sends
FLOOD = 100  # concurrent sends of one user


async def test_the_refusals_of_a_flood_are_answered_spread_out() -> None:
    quotas = Quotas(InProcessRateLimiter(), send_rate=RATE, send_burst=1, groups_per_hour=0)
    loop = asyncio.get_running_loop()
    started = loop.time()

    async def refused_after() -> float | None:
        """Seconds until the send was refused; None when it was admitted."""
        try:
            await quotas.send("flooder")
        except SendRateExceeded:
            return loop.time() - started
        return None

    answers = await asyncio.gather(*(refused_after() for _ in range(FLOOD)))
    refusals = [seconds for seconds in answers if seconds is not None]
    admitted = FLOOD - len(refusals)

    assert admitted == 1 + round(SEND_MAX_DELAY_SECONDS * RATE), "the burst and 0.5 s of slots"
    # Each refusal carries the same delay (until the next admissible slot): held for exactly
    # that long, all of them would be answered at one instant.
    assert max(refusals) - min(refusals) > SEND_MAX_DELAY_SECONDS / 5, refusals
    assert max(refusals) <= SEND_MAX_DELAY_SECONDS + 0.1
