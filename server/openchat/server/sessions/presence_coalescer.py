"""Coalescing of presence changes per watched user, so that a user flapping between online and
offline does not storm watchers: within each window a user produces at most two events, the
first change at once and the latest state at the window's end if it differs from what was sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from openchat.server.domain.model import PresenceState


def _visible(state: PresenceState) -> tuple[bool, int]:
    return state.online, state.device_count


class PresenceCoalescer:
    """Leading- and trailing-edge throttle of presence states, per user."""

    def __init__(self, window_seconds: float, deliver: Callable[[PresenceState], None]) -> None:
        self._window = window_seconds
        self._deliver = deliver
        self._latest: dict[str, PresenceState] = {}
        self._sent: dict[str, PresenceState] = {}
        self._cooling: dict[str, asyncio.TimerHandle] = {}

    def offer(self, state: PresenceState) -> None:
        """A new state of a watched user (stale generations are ignored)."""
        latest = self._latest.get(state.user_id)
        if latest is not None and latest.generation >= state.generation:
            return
        self._latest[state.user_id] = state
        if state.user_id not in self._cooling:
            self._send_if_changed(state.user_id)

    def forget(self, user_id: str) -> None:
        """Nobody here watches the user any more."""
        self._latest.pop(user_id, None)
        self._sent.pop(user_id, None)
        timer = self._cooling.pop(user_id, None)
        if timer is not None:
            timer.cancel()

    def seen(self, state: PresenceState) -> None:
        """A state sent to watchers by other means (the snapshot on watch)."""
        latest = self._latest.get(state.user_id)
        if latest is None or latest.generation < state.generation:
            self._latest[state.user_id] = state
            self._sent[state.user_id] = state

    def _send_if_changed(self, user_id: str) -> None:
        state = self._latest[user_id]
        sent = self._sent.get(user_id)
        if sent is not None and _visible(sent) == _visible(state):
            return
        self._sent[user_id] = state
        self._deliver(state)
        if self._window > 0:
            self._cooling[user_id] = asyncio.get_running_loop().call_later(
                self._window, self._cool_down, user_id
            )

    def _cool_down(self, user_id: str) -> None:
        del self._cooling[user_id]
        if user_id in self._latest:
            self._send_if_changed(user_id)
