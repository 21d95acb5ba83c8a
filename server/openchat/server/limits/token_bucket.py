"""Rate limits in this process: a token bucket per session frame kind, and GCRA schedules by
key for one node."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from openchat.server.domain.model import Admission


class TokenBucket:
    """Holds at most `burst` tokens and gains `rate` per second; each admitted event takes one.
    Starts full, so a client that was quiet may burst."""

    __slots__ = ("_burst", "_rate", "_tokens", "_updated")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self._rate = rate
        self._burst = burst
        self._tokens = float(burst)
        self._updated = now

    def take(self, now: float) -> float:
        """Take a token: 0.0 when taken, else the seconds until one is there (none taken)."""
        self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        self._updated = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self._rate


def admit(
    tat: float, now: float, rate: float, burst: int, max_delay: float
) -> tuple[Admission, float]:
    """The generic cell rate algorithm: `tat` (the theoretical arrival time) is when the key's
    schedule is free again; an event reserves the next slot, 1/rate after it. The event is over
    its burst by how far that slot lies beyond burst/rate from now. Returns the admission and
    the new `tat`. (The Lua script in limits/redis.py is the same computation.)"""
    interval = 1.0 / rate
    slot = max(tat, now) + interval
    excess = slot - now - burst * interval
    if excess <= max_delay:
        return Admission(admitted=True, delay=max(excess, 0.0)), slot
    return Admission(admitted=False, delay=excess), tat


class InProcessRateLimiter:
    """RateLimiter for one node. At most `max_keys` schedules are kept, least recently used
    first out: an evicted key starts afresh, which only ever errs towards admitting."""

    def __init__(
        self, *, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._max_keys = max_keys
        self._clock = clock
        self._tats: OrderedDict[str, float] = OrderedDict()

    async def acquire(self, key: str, rate: float, burst: int, max_delay: float) -> Admission:
        now = self._clock()
        admission, self._tats[key] = admit(self._tats.get(key, now), now, rate, burst, max_delay)
        self._tats.move_to_end(key)
        if len(self._tats) > self._max_keys:
            self._tats.popitem(last=False)
        return admission
