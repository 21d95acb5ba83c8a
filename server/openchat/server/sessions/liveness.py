"""The timers that keep sessions and their presence honest: close sessions whose client went
quiet, keep this node's presence entries alive, and expire the entries of nodes that died."""

from __future__ import annotations

import structlog

from openchat.server.background.periodic import PeriodicTask
from openchat.server.domain.errors import HeartbeatTimeout
from openchat.server.observability.metrics import Metrics
from openchat.server.ports import PresenceRegistry
from openchat.server.sessions.registry import SessionRegistry
from openchat.server.settings import SessionSettings

_log = structlog.get_logger(__name__)


class Liveness:
    """Three periodic tasks over the registry's sessions, between start() and stop()."""

    def __init__(
        self,
        *,
        settings: SessionSettings,
        registry: SessionRegistry,
        presence: PresenceRegistry,
        metrics: Metrics,
    ) -> None:
        self._timeout = settings.heartbeat_timeout
        self._registry = registry
        self._presence = presence
        self._metrics = metrics
        self._tasks = [
            PeriodicTask("heartbeat-reaper", min(1.0, self._timeout / 4), self._close_idle),
            PeriodicTask(
                "presence-refresh", settings.heartbeat_interval / 2, self._refresh_presence
            ),
            PeriodicTask("presence-reaper", min(5.0, self._timeout / 4), self._reap_dead_nodes),
        ]

    def start(self) -> None:
        for task in self._tasks:
            task.start()

    async def stop(self) -> None:
        for task in self._tasks:
            await task.stop()

    async def _close_idle(self) -> None:
        """The application heartbeat: close sessions that sent nothing for the timeout."""
        for session in self._registry.sessions():
            if session.idle_for() > self._timeout:
                self._metrics.heartbeat_timeouts.inc()
                await self._registry.close(session, HeartbeatTimeout(self._timeout))

    async def _refresh_presence(self) -> None:
        """Keep this node's registry entries alive (if the node dies they expire), and recreate
        those the registry lost, so presence heals within one refresh interval."""
        sessions = self._registry.sessions()
        recreated = await self._presence.refresh([session.key for session in sessions])
        if not recreated:
            return
        _log.warning("presence_entries_recreated", users=len(recreated))
        for state in recreated:
            await self._registry.publish_presence(state)
        # A session that closed while the refresh ran may have had its entry recreated after
        # its disconnect removed it: remove it again (the registry ignores entries it lacks).
        users = {state.user_id for state in recreated}
        for session in sessions:
            if session.closed and session.user_id in users:
                gone = await self._presence.disconnect(session.key)
                if gone is not None:
                    await self._registry.publish_presence(gone)

    async def _reap_dead_nodes(self) -> None:
        """Expire the entries of nodes that died without cleaning up, and tell watchers."""
        for state in await self._presence.reap_expired():
            await self._registry.publish_presence(state)
