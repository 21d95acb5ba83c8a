"""Token buckets in Redis, shared by every node, so that a user spreading calls over the
cluster gets the same rate as on one node.

A bucket is a hash `{prefix}rate:{key}` holding its tokens and when they were counted; one Lua
script refills, takes and stores atomically, with Redis's own clock (TIME), so nodes' clock
skew cannot mint tokens. The key expires once the bucket would be full again, so idle users
cost no memory. When Redis fails, this node's own buckets answer until it is back: a limiter
must not take sends down with it, and each node then limits on its own.
"""

from __future__ import annotations

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from openchat.server.limits.token_bucket import InProcessRateLimiter
from openchat.server.observability.metrics import Metrics

_log = structlog.get_logger(__name__)

# KEYS: bucket. ARGV: rate per second, burst. Returns the milliseconds until a token is there
# (0: one was taken), as a string (Lua numbers become integers on the way out).
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local rate = tonumber(ARGV[1]) / 1000
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1000)
return tostring(wait)
"""


class RedisRateLimiter:
    """RateLimiter in Redis (one round trip per call)."""

    def __init__(self, redis: Redis, *, key_prefix: str, metrics: Metrics) -> None:
        self._prefix = f"{key_prefix}rate:"
        self._metrics = metrics
        self._take = redis.register_script(_TAKE)
        self._fallback = InProcessRateLimiter()

    async def acquire(self, key: str, rate: float, burst: int) -> float:
        try:
            with self._metrics.redis_timer("rate_limit"):
                wait_ms = await self._take(keys=[self._prefix + key], args=[rate, burst])
        except (RedisError, OSError) as error:  # limit on this node until Redis is back
            _log.warning("rate_limit_redis_failed", error=repr(error))
            return await self._fallback.acquire(key, rate, burst)
        return float(wait_ms) / 1000
