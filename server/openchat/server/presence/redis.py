"""Presence in Redis, shared by every node.

Layout (all keys under a configurable prefix):
- `presence:{user}`: a hash with one field per device, "session_id|node_id|expires_ms"
- `presence-gen:{user}`: the user's presence generation, incremented by every change
- `presence-seen:{user}`: when the user's last session ended (ms since the epoch)
- `presence-expiry`: a sorted set of "{user}\\0{device}" scored by expires_ms

Each operation is one Lua script, so concurrent nodes never interleave inside one; times come
from Redis's own clock (TIME), so nodes' clock skew cannot expire entries early. Expiry never
scans the keyspace: reaping reads only the due part of the sorted set, in bounded slices, so its
cost does not grow with the number of live sessions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from redis.asyncio import Redis

from openchat.server.domain.model import PresenceState, SessionKey
from openchat.server.observability.metrics import Metrics

_COMMON = """
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function expiry_of(value)
  return tonumber(string.match(value, '|(%d+)$'))
end
local function live_devices(hash, now)
  local live = 0
  local fields = redis.call('HGETALL', hash)
  for i = 2, #fields, 2 do
    if expiry_of(fields[i]) > now then live = live + 1 end
  end
  return live
end
local function owned_by(value, session)
  return value and string.sub(value, 1, #session + 1) == session .. '|'
end
-- A generation key that Redis lost (FLUSHALL, a restart without persistence) starts again from
-- the current time in microseconds, above every generation handed out before the loss, so
-- watchers never drop the states that follow it as stale.
local function next_generation(key)
  if redis.call('EXISTS', key) == 0 then
    local t = redis.call('TIME')
    redis.call('SET', key, t[1] .. string.format('%06d', tonumber(t[2])))
  end
  return redis.call('INCR', key)
end
"""

# KEYS: hash, gen, expiry zset. ARGV: device, "session|node", ttl_ms, zset member.
_CONNECT = (
    _COMMON
    + """
local now = now_ms()
local expires = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. expires)
redis.call('ZADD', KEYS[3], expires, ARGV[4])
local gen = next_generation(KEYS[2])
return {gen, live_devices(KEYS[1], now)}
"""
)

# KEYS: hash, gen, expiry zset, seen. ARGV: device, session, zset member.
_DISCONNECT = (
    _COMMON
    + """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not owned_by(current, ARGV[2]) then return false end
local now = now_ms()
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[3])
local gen = next_generation(KEYS[2])
local live = live_devices(KEYS[1], now)
if live == 0 then redis.call('SET', KEYS[4], now) end
return {gen, live, now}
"""
)

# KEYS: hash, gen, expiry zset. ARGV: device, "session|node", ttl_ms, zset member, session.
# Extends the session's entry; recreates it when Redis lost it (the node still holds the session,
# so it is live) and then returns the user's new presence; leaves a newer session's entry alone.
_REFRESH = (
    _COMMON
    + """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current and not owned_by(current, ARGV[5]) then return false end
local now = now_ms()
local expires = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. expires)
redis.call('ZADD', KEYS[3], expires, ARGV[4])
if current then return false end
return {next_generation(KEYS[2]), live_devices(KEYS[1], now)}
"""
)

# KEYS: expiry zset. ARGV: key prefix, slice size.
_REAP = (
    _COMMON
    + """
local now = now_ms()
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local changes = {}
for _, member in ipairs(due) do
  local sep = string.find(member, '\\0', 1, true)
  local user = string.sub(member, 1, sep - 1)
  local device = string.sub(member, sep + 1)
  local hash = ARGV[1] .. 'presence:' .. user
  local current = redis.call('HGET', hash, device)
  if current and expiry_of(current) > now then
    redis.call('ZADD', KEYS[1], expiry_of(current), member)
  else
    redis.call('ZREM', KEYS[1], member)
    if current then
      redis.call('HDEL', hash, device)
      local gen = next_generation(ARGV[1] .. 'presence-gen:' .. user)
      local live = live_devices(hash, now)
      if live == 0 then redis.call('SET', ARGV[1] .. 'presence-seen:' .. user, now) end
      table.insert(changes, {user, gen, live, now})
    end
  end
end
return {#due, changes}
"""
)

# ARGV: key prefix, user ids...
_LOOKUP = (
    _COMMON
    + """
local now = now_ms()
local states = {}
for i = 2, #ARGV do
  local user = ARGV[i]
  local gen = tonumber(redis.call('GET', ARGV[1] .. 'presence-gen:' .. user) or '0')
  local seen = tonumber(redis.call('GET', ARGV[1] .. 'presence-seen:' .. user) or '0')
  table.insert(states, {live_devices(ARGV[1] .. 'presence:' .. user, now), gen, seen})
end
return states
"""
)

# Expired entries removed per reaping call; the reaper calls again while slices come back full.
REAP_SLICE = 500


def _from_ms(value: int) -> datetime | None:
    return datetime.fromtimestamp(value / 1000, UTC) if value else None


class RedisPresenceRegistry:
    """PresenceRegistry in Redis."""

    def __init__(
        self,
        redis: Redis,
        *,
        node_id: str,
        ttl_seconds: float,
        key_prefix: str = "openchat:",
        metrics: Metrics,
    ) -> None:
        self._redis = redis
        self._metrics = metrics
        self._node_id = node_id
        self._ttl_ms = int(ttl_seconds * 1000)
        self._prefix = key_prefix
        self._connect = redis.register_script(_CONNECT)
        self._disconnect = redis.register_script(_DISCONNECT)
        self._refresh = redis.register_script(_REFRESH)
        self._reap = redis.register_script(_REAP)
        self._lookup = redis.register_script(_LOOKUP)

    async def connect(self, session: SessionKey) -> PresenceState:
        keys, args = self._entry(session)
        with self._metrics.redis_timer("presence_connect"):
            generation, live = await self._connect(keys=keys, args=args)
        return PresenceState(session.user_id, live > 0, live, None, generation)

    async def disconnect(self, session: SessionKey) -> PresenceState | None:
        with self._metrics.redis_timer("presence_disconnect"):
            result = await self._disconnect(
                keys=[
                    self._hash(session),
                    self._gen(session.user_id),
                    self._expiry(),
                    self._seen(session.user_id),
                ],
                args=[session.device_id, session.session_id, _member(session)],
            )
        if not result:
            return None
        generation, live, now_ms = result
        return PresenceState(
            session.user_id, live > 0, live, None if live else _from_ms(now_ms), generation
        )

    async def refresh(self, sessions: Sequence[SessionKey]) -> list[PresenceState]:
        with self._metrics.redis_timer("presence_refresh"):
            async with self._redis.pipeline(transaction=False) as pipe:
                for session in sessions:
                    keys, args = self._entry(session)
                    await self._refresh(keys=keys, args=[*args, session.session_id], client=pipe)
                results = await pipe.execute()
        recreated: list[PresenceState] = []
        for session, result in zip(sessions, results, strict=True):
            if result:
                generation, live = result
                recreated.append(PresenceState(session.user_id, True, live, None, generation))
        return recreated

    async def lookup(self, user_ids: Sequence[str]) -> list[PresenceState]:
        if not user_ids:
            return []
        with self._metrics.redis_timer("presence_lookup"):
            rows = await self._lookup(args=[self._prefix, *user_ids])
        return [
            PresenceState(user_id, live > 0, live, None if live else _from_ms(seen), generation)
            for user_id, (live, generation, seen) in zip(user_ids, rows, strict=True)
        ]

    async def reap_expired(self) -> list[PresenceState]:
        states: list[PresenceState] = []
        while True:
            with self._metrics.redis_timer("presence_reap"):
                due, changes = await self._reap(
                    keys=[self._expiry()], args=[self._prefix, REAP_SLICE]
                )
            states.extend(
                PresenceState(
                    user.decode(), live > 0, live, None if live else _from_ms(now_ms), generation
                )
                for user, generation, live, now_ms in changes
            )
            if due < REAP_SLICE:
                return states

    def _entry(self, session: SessionKey) -> tuple[list[str], list[str | int]]:
        """The keys and arguments that write a session's entry (connect, refresh)."""
        keys = [self._hash(session), self._gen(session.user_id), self._expiry()]
        args: list[str | int] = [
            session.device_id,
            f"{session.session_id}|{self._node_id}",
            self._ttl_ms,
            _member(session),
        ]
        return keys, args

    def _hash(self, session: SessionKey) -> str:
        return f"{self._prefix}presence:{session.user_id}"

    def _gen(self, user_id: str) -> str:
        return f"{self._prefix}presence-gen:{user_id}"

    def _seen(self, user_id: str) -> str:
        return f"{self._prefix}presence-seen:{user_id}"

    def _expiry(self) -> str:
        return f"{self._prefix}presence-expiry"


def _member(session: SessionKey) -> str:
    return f"{session.user_id}\0{session.device_id}"
