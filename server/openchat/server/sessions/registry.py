"""The live sessions of this node: opening one (which replaces an older session of the same
device, here and on every other node), closing one, and telling the presence registry and the
cluster about both.

What else holds per-session state (presence watches, typing limits) registers a close hook, so
that closing a session releases it without the registry knowing what it is.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Collection, Iterable, Sequence

import structlog

from openchat.server.background.cancellation import cancel_and_wait
from openchat.server.domain.errors import (
    HeartbeatTimeout,
    OpenChatError,
    SessionLimitExceeded,
    SlowConsumer,
    StreamProtocolViolation,
    Unavailable,
)
from openchat.server.domain.events import (
    PRESENCE_CHANGED,
    SESSION_REPLACED,
    PresenceChanged,
    SessionReplaced,
)
from openchat.server.domain.frames import ReconnectRequest
from openchat.server.domain.ids import new_id
from openchat.server.domain.model import PresenceState, SessionKey
from openchat.server.observability.metrics import Metrics
from openchat.server.ports import EventBus, PresenceRegistry
from openchat.server.sessions.session import Session

_log = structlog.get_logger(__name__)

# A session refused for the user's session limit is told to try again after this long.
SESSION_LIMIT_RETRY_SECONDS = 10.0
REPLACED = ReconnectRequest("replaced by a newer session of this device", 0.0, cause="replaced")

# Called (synchronously) with each session as it closes, to release what is kept for it.
CloseHook = Callable[[Session], None]


class SessionRegistry:
    """This node's live sessions, by user."""

    def __init__(
        self,
        *,
        queue_capacity: int,
        max_sessions_per_user: int = 0,
        presence: PresenceRegistry,
        cluster: EventBus,
        metrics: Metrics,
        close_hooks: Sequence[CloseHook] = (),
    ) -> None:
        self._queue_capacity = queue_capacity
        # Sessions one user may hold across the cluster (the presence registry counts them);
        # 0: no limit.
        self._max_sessions = max_sessions_per_user
        self._presence = presence
        self._cluster = cluster
        self._metrics = metrics
        self._close_hooks = close_hooks
        self._by_user: dict[str, dict[str, Session]] = {}
        # Closes of slow consumers, started from a synchronous push during fan-out.
        self._closing: set[asyncio.Task[None]] = set()
        self._draining = False
        # Sessions open now, and closed since the start, kept as they change: the garbage
        # collector's timers read them several times a second, and counting 10,000 sessions
        # each time cost 3-5 % of the server's CPU in a ramp or a storm.
        self.open_count = 0
        self.closed = 0
        self._emptied = asyncio.Event()  # set when the last session closes
        metrics.track(metrics.sessions_active, lambda: self.open_count)
        metrics.track(
            metrics.session_queue_depth_max,
            lambda: max((session.backlog for session in self.sessions()), default=0),
        )
        metrics.track(
            metrics.session_queue_depth_total,
            lambda: sum(session.backlog for session in self.sessions()),
        )

    def sessions(self) -> list[Session]:
        return [session for sessions in self._by_user.values() for session in sessions.values()]

    def sessions_of(self, user_ids: Collection[str]) -> list[Session]:
        """The sessions of these users here. Walks the smaller side: a 1,000-member group on a
        node with a few sessions costs a few lookups, and so does a small group on a full node."""
        local = self._by_user
        users: Iterable[str] = (
            (user for user in user_ids if user in local)
            if len(user_ids) <= len(local)
            else (user for user in local if user in user_ids)
        )
        return [session for user in users for session in local[user].values()]

    async def open(self, user_id: str, device_id: str) -> Session:
        """Register a new session of the device, replacing any older one."""
        if self._draining:
            raise Unavailable("the server is shutting down; reconnect to another node")
        key = SessionKey(user_id, device_id, new_id())
        session = Session(key, capacity=self._queue_capacity, on_overflow=self._close_later)
        for other in self.sessions_of((user_id,)):
            if other.device_id == device_id:
                await self.close(other, farewell=REPLACED)
        self._by_user.setdefault(user_id, {})[key.session_id] = session
        self.open_count += 1
        try:
            await self._cluster.publish(
                SESSION_REPLACED, SessionReplaced(user_id, device_id, key.session_id)
            )
            state = await self._presence.connect(key)
            if 0 < self._max_sessions < state.device_count:
                # Counted after registering, so that concurrent opens cannot all pass; undone
                # below (the user stays online through their other sessions).
                raise SessionLimitExceeded(self._max_sessions, SESSION_LIMIT_RETRY_SECONDS)
            await self.publish_presence(state)
        except BaseException as failure:
            # Refused for the limit, Redis unreachable, or the call cancelled: the caller never
            # gets the session, so it must not stay registered, nor be refreshed back into
            # presence.
            await self.close(
                session, failure if isinstance(failure, SessionLimitExceeded) else None
            )
            raise
        _log.info("session_opened", session_id=key.session_id, device_id=device_id)
        return session

    async def close(
        self,
        session: Session,
        error: OpenChatError | None = None,
        farewell: ReconnectRequest | None = None,
    ) -> None:
        """Close the session (idempotent) and release its presence at once."""
        if not session.close(error, farewell):
            return
        self.closed += 1
        sessions = self._by_user.get(session.user_id, {})
        if sessions.pop(session.key.session_id, None) is not None:
            self.open_count -= 1
        if not sessions:
            self._by_user.pop(session.user_id, None)
            if not self._by_user:
                self._emptied.set()
        for hook in self._close_hooks:
            hook(session)
        reason = _close_reason(error, farewell, draining=session.draining)
        self._metrics.session_disconnects.labels(reason).inc()
        _log.info("session_closed", session_id=session.key.session_id, reason=reason)
        try:
            state = await self._presence.disconnect(session.key)
        except Exception as failure:  # noqa: BLE001 - the entry expires on its own
            _log.warning("presence_disconnect_failed", error=repr(failure))
            return
        if state is not None:
            await self.publish_presence(state)

    def drain(self) -> bool:
        """Refuse new sessions from now on; False when that was already so."""
        if self._draining:
            return False
        self._draining = True
        return True

    async def close_all(self, farewell: ReconnectRequest, *, grace: float) -> None:
        """Ask every client to reconnect (after drain()), keeping its session open so that its
        sends in flight are still answered: each session ends once its client has closed its
        side and they are; those still open after `grace` seconds are closed."""
        await cancel_and_wait(set(self._closing))
        for session in self.sessions():
            session.drain(farewell)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                while self._by_user:
                    self._emptied.clear()
                    await self._emptied.wait()
        await asyncio.gather(
            *(self.close(session) for session in self.sessions()), return_exceptions=True
        )

    async def publish_presence(self, state: PresenceState) -> None:
        """Tell every node (and so every watcher) that a user's presence changed."""
        self._metrics.presence_changes.labels("online" if state.online else "offline").inc()
        await self._cluster.publish(PRESENCE_CHANGED, PresenceChanged(state))

    def _close_later(self, session: Session, error: OpenChatError) -> None:
        # Called synchronously from Session.push during fan-out.
        task = asyncio.create_task(self.close(session, error))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)


def _close_reason(
    error: OpenChatError | None, farewell: ReconnectRequest | None, *, draining: bool
) -> str:
    """A metric label: why a session ended (a small, fixed set of values)."""
    if error is not None:
        return _ERROR_REASONS.get(type(error), "error")
    if farewell is not None:
        return farewell.cause
    return "draining" if draining else "client"


_ERROR_REASONS: dict[type[OpenChatError], str] = {
    HeartbeatTimeout: "heartbeat_timeout",
    SlowConsumer: "slow_consumer",
    SessionLimitExceeded: "session_limit",
    StreamProtocolViolation: "protocol_violation",
}
