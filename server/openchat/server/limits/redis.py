"""Rate limits in Redis, shared by every node, so that a user spreading calls over the cluster
gets the same rate as on one node.

A key's schedule is one string, `{prefix}rate:{key}`, holding its theoretical arrival time
(GCRA, limits/token_bucket.py's `admit`); one Lua script reads, decides and stores it
atomically, with Redis's own clock (TIME), so nodes' clock skew cannot mint capacity. The key
expires once the schedule is free again, so idle users cost no memory. When Redis fails, this
node's own schedules answer until it is back: a limiter must not take sends down with it, and
each node then limits on its own.
"""

from __future__ import annotations

import structlog
from redis.asyncio import Redis

from openchat.server.domain.model import Admission
from openchat.server.failures import is_transient
from openchat.server.limits.token_bucket import InProcessRateLimiter
from openchat.server.observability.metrics import Metrics

_log = structlog.get_logger(__name__)

# KEYS: schedule. ARGV: rate per second, burst, max delay in ms. Returns {admitted (1 or 0),
# delay in ms as a string (Lua numbers become integers on the way out)}; times in ms.
_ADMIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = 1000 / tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
local slot = math.max(tat, now) + interval
local excess = slot - now - tonumber(ARGV[2]) * interval
if excess <= tonumber(ARGV[3]) then
  redis.call('SET', KEYS[1], tostring(slot), 'PX', math.ceil(slot - now) + 1000)
  return {1, tostring(math.max(excess, 0))}
end
return {0, tostring(excess)}
"""


class RedisRateLimiter:
    """RateLimiter in Redis (one round trip per call)."""

    def __init__(self, redis: Redis, *, key_prefix: str, metrics: Metrics) -> None:
        self._prefix = f"{key_prefix}rate:"
        self._metrics = metrics
        self._admit = redis.register_script(_ADMIT)
        self._fallback = InProcessRateLimiter()

    async def acquire(self, key: str, rate: float, burst: int, max_delay: float) -> Admission:
        try:
            with self._metrics.redis_timer("rate_limit"):
                admitted, delay_ms = await self._admit(
                    keys=[self._prefix + key], args=[rate, burst, max_delay * 1000]
                )
        except Exception as error:
            if not is_transient(error):
                raise
            # Limit on this node until Redis is back.
            _log.warning("rate_limit_redis_failed", error=repr(error))
            return await self._fallback.acquire(key, rate, burst, max_delay)
        return Admission(admitted=bool(admitted), delay=float(delay_ms) / 1000)
