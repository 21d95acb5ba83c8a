"""Per-user rate limits of the use cases: what one user may do per unit of time, so that one
user (or a stolen token) cannot take the service from the others (docs/security.md)."""

from __future__ import annotations

from openchat.server.domain.errors import GroupCreationRateExceeded, SendRateExceeded
from openchat.server.ports import RateLimiter

SECONDS_PER_HOUR = 3600.0


class Quotas:
    """Refuses what a user does beyond their rates; a rate of 0 is no limit."""

    def __init__(
        self, limiter: RateLimiter, *, send_rate: float, send_burst: int, groups_per_hour: int
    ) -> None:
        self._limiter = limiter
        self._send_rate = send_rate
        self._send_burst = send_burst
        self._groups_per_hour = groups_per_hour

    async def send(self, user_id: str) -> None:
        """Raise SendRateExceeded when the user is over their send rate."""
        if not self._send_rate:
            return
        wait = await self._limiter.acquire(f"send:{user_id}", self._send_rate, self._send_burst)
        if wait:
            raise SendRateExceeded(self._send_rate, self._send_burst, wait)

    async def create_group(self, user_id: str) -> None:
        """Raise GroupCreationRateExceeded when the user created their groups of the hour."""
        if not self._groups_per_hour:
            return
        per_hour = self._groups_per_hour
        wait = await self._limiter.acquire(
            f"groups:{user_id}", per_hour / SECONDS_PER_HOUR, per_hour
        )
        if wait:
            raise GroupCreationRateExceeded(per_hour, wait)
