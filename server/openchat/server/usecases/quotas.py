"""Per-user rate limits of the use cases: what one user may do per unit of time, so that one
user (or a stolen token) cannot take the service from the others (docs/security.md)."""

from __future__ import annotations

import asyncio
import random

from openchat.server.domain.errors import GroupCreationRateExceeded, SendRateExceeded
from openchat.server.ports import RateLimiter

SECONDS_PER_HOUR = 3600.0
# A send over its user's burst waits for its slot when that comes within this long, rather
# than being refused: a client that sends a little too fast is slowed down, not failed.
SEND_MAX_DELAY_SECONDS = 0.5
# A refusal is answered after at most this long (the retry delay it carries is what remains).
# A client that ignores RetryInfo and resends at once then costs the server one refusal per
# second per concurrent call, not thousands: answering at once would let 64 callers spend the
# server's CPU on refusals and slow everyone down (docs/benchmarks.md, fairness).
REFUSAL_HOLD_SECONDS = 1.0


class Quotas:
    """Slows down, then refuses, what a user does beyond their rates; a rate of 0 is no limit."""

    def __init__(
        self, limiter: RateLimiter, *, send_rate: float, send_burst: int, groups_per_hour: int
    ) -> None:
        self._limiter = limiter
        self._send_rate = send_rate
        self._send_burst = send_burst
        self._groups_per_hour = groups_per_hour

    async def send(self, user_id: str) -> None:
        """Return when the user may send (at once, or after a short wait for their slot);
        raise SendRateExceeded when they are too far over their rate."""
        if not self._send_rate:
            return
        rate, burst = self._send_rate, self._send_burst
        retry_after = await self._admit(f"send:{user_id}", rate, burst, SEND_MAX_DELAY_SECONDS)
        if retry_after is not None:
            raise SendRateExceeded(rate, burst, retry_after)

    async def create_group(self, user_id: str) -> None:
        """Raise GroupCreationRateExceeded when the user created their groups of the hour."""
        if not self._groups_per_hour:
            return
        per_hour = self._groups_per_hour
        retry_after = await self._admit(
            f"groups:{user_id}", per_hour / SECONDS_PER_HOUR, per_hour, 0.0
        )
        if retry_after is not None:
            raise GroupCreationRateExceeded(per_hour, retry_after)

    async def _admit(self, key: str, rate: float, burst: int, max_delay: float) -> float | None:
        """None once admitted (after the admission's delay); else the retry delay, after
        holding the refusal."""
        admission = await self._limiter.acquire(key, rate, burst, max_delay)
        hold = admission.delay if admission.admitted else _refusal_hold(admission.delay)
        if hold > 0:
            await asyncio.sleep(hold)
        if admission.admitted:
            return None
        # Never 0: the same request sent at once would be refused again.
        return max(admission.delay - hold, 1.0 / rate / 10)


def _refusal_hold(delay: float) -> float:
    """How long a refusal is held: at most REFUSAL_HOLD_SECONDS, and between half of that and
    all of it at random, so that callers refused together (a flood's closed loop) come back
    spread out rather than in one burst that stalls everyone else's calls for its length."""
    longest = min(delay, REFUSAL_HOLD_SECONDS)
    return longest * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not security
