"""The session hub of one node: the one object the transport talks to about session streams.

It only puts together the parts, each of which owns one thing:

- `registry.py`: the live sessions (open, close, replace) and their presence entries;
- `stream.py`: what a session's client receives (welcome, catch-up, live frames, in order);
- `watching.py`: whose presence each session receives;
- `actions.py`: pongs and typing indicators;
- `fanout.py`: delivery of the cluster's events to the sessions here;
- `liveness.py`: the heartbeat timeout and the upkeep of presence entries;
- `admission.py`: pushback of new sessions while the event loop lags.

The transport imports this module only: `Session` is re-exported for its annotations.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime

from openchat.server.domain.errors import OpenChatError
from openchat.server.domain.frames import Outbound, ReconnectRequest
from openchat.server.domain.model import PresenceState
from openchat.server.observability.metrics import Metrics
from openchat.server.ports import (
    ConversationStore,
    EventBus,
    MemberDirectory,
    MessageStore,
    PresenceRegistry,
)
from openchat.server.sessions.actions import ClientActions
from openchat.server.sessions.admission import Admission
from openchat.server.sessions.fanout import ClusterFanout
from openchat.server.sessions.liveness import Liveness
from openchat.server.sessions.registry import SessionRegistry
from openchat.server.sessions.session import Session
from openchat.server.sessions.stream import StreamAssembler
from openchat.server.sessions.watching import PresenceWatch
from openchat.server.settings import SessionSettings

__all__ = ["Session", "SessionHub"]


class SessionHub:
    """Live sessions of this node, and delivery to them."""

    def __init__(
        self,
        *,
        settings: SessionSettings,
        presence: PresenceRegistry,
        cluster: EventBus,
        members: MemberDirectory,
        conversations: ConversationStore,
        messages: MessageStore,
        metrics: Metrics,
        loop_lag: Callable[[], float],
        max_sessions_per_user: int = 0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._presence = presence
        self._admission = Admission(settings, lag=loop_lag, metrics=metrics)
        self._watch = PresenceWatch(presence, coalesce_seconds=settings.presence_coalesce)
        self._actions = ClientActions(
            cluster=cluster, members=members, conversations=conversations, clock=clock
        )
        self._registry = SessionRegistry(
            queue_capacity=settings.queue_capacity,
            max_sessions_per_user=max_sessions_per_user,
            presence=presence,
            cluster=cluster,
            metrics=metrics,
            close_hooks=(self._watch.forget, self._actions.forget),
        )
        self._stream = StreamAssembler(
            settings=settings, conversations=conversations, messages=messages, clock=clock
        )
        self._fanout = ClusterFanout(
            cluster=cluster,
            registry=self._registry,
            watch=self._watch,
            members=members,
            metrics=metrics,
            clock=clock,
        )
        self._liveness = Liveness(
            settings=settings, registry=self._registry, presence=presence, metrics=metrics
        )

    def start(self) -> None:
        self._fanout.start()
        self._liveness.start()

    async def stop(self, farewell: ReconnectRequest, *, grace: float) -> None:
        """Refuse new sessions and ask every client to reconnect elsewhere; each session ends
        once its client has closed its side and its sends in flight are answered, and those
        still open after `grace` seconds are closed."""
        if not self._registry.drain():
            return
        await self._liveness.stop()
        self._fanout.stop()
        await self._registry.close_all(farewell, grace=grace)

    def sessions(self) -> list[Session]:
        return self._registry.sessions()

    def session_counts(self) -> tuple[int, int]:
        """Sessions open now, and sessions closed since the start."""
        return self._registry.open_count, self._registry.closed

    def pushback(self) -> ReconnectRequest | None:
        """What to answer a new session instead of its welcome while this node is too busy to
        open it (None: open it)."""
        return self._admission.pushback()

    async def open(self, user_id: str, device_id: str) -> Session:
        """Register a new session of the device, replacing any older one."""
        return await self._registry.open(user_id, device_id)

    async def close(self, session: Session, error: OpenChatError | None = None) -> None:
        """Close the session (idempotent; `error` becomes the stream's status) and release its
        presence at once."""
        await self._registry.close(session, error)

    def frames(
        self,
        session: Session,
        *,
        cursors: Mapping[str, int],
        resume_all: bool,
        deletions_after: int | None,
    ) -> AsyncIterator[Outbound]:
        """Everything the session's client receives; raises the close error, if any."""
        return self._stream.frames(
            session, cursors=cursors, resume_all=resume_all, deletions_after=deletions_after
        )

    async def pong(self, session: Session, nonce: int) -> None:
        await self._actions.pong(session, nonce)

    async def watch(self, session: Session, user_ids: Sequence[str]) -> None:
        """Replace the users whose presence the session receives; sends their current state."""
        await self._watch.watch(session, user_ids)

    async def typing(self, session: Session, conversation_id: str, typing: bool) -> None:
        """Forward a typing indicator to the other members (rate-limited, advisory)."""
        await self._actions.typing(session, conversation_id, typing)

    async def presence(self, user_ids: Sequence[str]) -> list[PresenceState]:
        return await self._presence.lookup(user_ids)
