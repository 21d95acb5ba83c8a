"""Presence watches: whose presence each session of this node receives, and the coalesced
delivery of their changes to the watching sessions."""

from __future__ import annotations

from collections.abc import Sequence

from openchat.server.domain.model import PresenceState
from openchat.server.ports import PresenceRegistry
from openchat.server.sessions.presence_coalescer import PresenceCoalescer
from openchat.server.sessions.session import Session

MAX_WATCHED_USERS = 1000


class PresenceWatch:
    """Watched user -> watching sessions, and each session's watched users."""

    def __init__(self, presence: PresenceRegistry, *, coalesce_seconds: float) -> None:
        self._presence = presence
        self._watchers: dict[str, set[Session]] = {}
        self._watching: dict[Session, frozenset[str]] = {}
        self._coalescer = PresenceCoalescer(coalesce_seconds, self._deliver)

    async def watch(self, session: Session, user_ids: Sequence[str]) -> None:
        """Replace the users whose presence the session receives; sends their current state."""
        self.forget(session)
        session.drop_presence()  # of the users watched before; the snapshot below follows
        watched = frozenset(user_ids[:MAX_WATCHED_USERS])
        self._watching[session] = watched
        for user_id in watched:
            self._watchers.setdefault(user_id, set()).add(session)
        for state in await self._presence.lookup(sorted(watched)):
            self._coalescer.seen(state)
            session.push(state)

    def forget(self, session: Session) -> None:
        """The session watches nobody any more (it closed, or it watches others now)."""
        for user_id in self._watching.pop(session, frozenset()):
            watchers = self._watchers.get(user_id)
            if watchers is None:
                continue
            watchers.discard(session)
            if not watchers:
                del self._watchers[user_id]
                self._coalescer.forget(user_id)

    def offer(self, state: PresenceState) -> None:
        """A user's presence changed somewhere in the cluster."""
        if state.user_id in self._watchers:
            self._coalescer.offer(state)

    def _deliver(self, state: PresenceState) -> None:
        for session in self._watchers.get(state.user_id, ()):
            session.push(state)
