"""The in-process presence registry, for a single node: sessions die with the process, so
nothing ever expires."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from openchat.server.domain.model import PresenceState, SessionKey


class InProcessPresenceRegistry:
    """PresenceRegistry in memory."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._clock = clock
        # user_id -> device_id -> session_id
        self._devices: dict[str, dict[str, str]] = {}
        self._generations: dict[str, int] = {}
        self._last_seen: dict[str, datetime] = {}

    async def connect(self, session: SessionKey) -> PresenceState:
        self._devices.setdefault(session.user_id, {})[session.device_id] = session.session_id
        return self._changed(session.user_id)

    async def disconnect(self, session: SessionKey) -> PresenceState | None:
        devices = self._devices.get(session.user_id, {})
        if devices.get(session.device_id) != session.session_id:
            return None
        del devices[session.device_id]
        if not devices:
            del self._devices[session.user_id]
            self._last_seen[session.user_id] = self._clock()
        return self._changed(session.user_id)

    async def refresh(self, sessions: Sequence[SessionKey]) -> list[PresenceState]:
        return []  # entries live as long as the process, which is as long as its sessions

    async def lookup(self, user_ids: Sequence[str]) -> list[PresenceState]:
        return [self._state(user_id) for user_id in user_ids]

    async def reap_expired(self) -> list[PresenceState]:
        return []

    def _changed(self, user_id: str) -> PresenceState:
        self._generations[user_id] = self._generations.get(user_id, 0) + 1
        return self._state(user_id)

    def _state(self, user_id: str) -> PresenceState:
        devices = self._devices.get(user_id, {})
        return PresenceState(
            user_id=user_id,
            online=bool(devices),
            device_count=len(devices),
            last_seen=None if devices else self._last_seen.get(user_id),
            generation=self._generations.get(user_id, 0),
        )
