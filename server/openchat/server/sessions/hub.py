"""The session hub of one node: its live sessions, and fan-out to them from the cluster bus.

Every node subscribes to the cluster topics (in-process for one node, Redis pub/sub for many)
and delivers each event to its own sessions: messages to the members' devices (except the
sending device), receipts to the senders, typing to the other members, presence to watchers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime

import structlog

from openchat.server.directory.members import MembershipCache
from openchat.server.domain.errors import (
    HeartbeatTimeout,
    OpenChatError,
    SessionLimitExceeded,
    SlowConsumer,
    StreamProtocolViolation,
    Unavailable,
)
from openchat.server.domain.events import (
    DELIVER_MESSAGE,
    DELIVER_RECEIPT,
    DELIVER_TYPING,
    PRESENCE_CHANGED,
    SESSION_REPLACED,
    MessagePersisted,
    PresenceChanged,
    ReceiptDelivery,
    SessionReplaced,
    TypingDelivery,
)
from openchat.server.domain.frames import CaughtUp, Outbound, Pong, ReconnectRequest, Welcome
from openchat.server.domain.ids import new_id
from openchat.server.domain.model import Message, PresenceState, SessionKey, Typing
from openchat.server.observability.metrics import Metrics
from openchat.server.ports import ConversationStore, EventBus, MessageStore, PresenceRegistry
from openchat.server.sessions.batch_loader import BatchLoader
from openchat.server.sessions.presence_coalescer import PresenceCoalescer
from openchat.server.sessions.sequencer import MessageSequencer
from openchat.server.sessions.session import Session
from openchat.server.settings import SessionSettings

_log = structlog.get_logger(__name__)

CATCH_UP_PAGE = 200
# How long a pong may wait for others to share its watermark query: nothing waits on a pong
# but the client's liveness check, whose timeout is tens of seconds.
PONG_LINGER_SECONDS = 0.05
# A member's typing indicator is forwarded at most this often per conversation and session.
TYPING_MIN_INTERVAL_SECONDS = 1.0
MAX_WATCHED_USERS = 1000
# A session refused for the user's session limit is told to try again after this long.
SESSION_LIMIT_RETRY_SECONDS = 10.0
REPLACED = ReconnectRequest("replaced by a newer session of this device", 0.0, cause="replaced")


class SessionHub:
    """Live sessions of this node, and delivery to them."""

    def __init__(
        self,
        *,
        node_id: str,
        settings: SessionSettings,
        presence: PresenceRegistry,
        cluster: EventBus,
        members: MembershipCache,
        conversations: ConversationStore,
        messages: MessageStore,
        max_sessions_per_user: int = 0,
        metrics: Metrics | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.node_id = node_id
        self._metrics = metrics or Metrics()
        self._settings = settings
        self._presence = presence
        self._cluster = cluster
        self._members = members
        self._messages = messages
        # Sessions one user may hold across the cluster (the presence registry counts them);
        # 0: no limit.
        self._max_sessions = max_sessions_per_user
        self._clock = clock
        self._by_user: dict[str, dict[str, Session]] = {}
        self._watchers: dict[str, set[Session]] = {}
        self._watching: dict[Session, frozenset[str]] = {}
        self._typing_sent: dict[tuple[Session, str], float] = {}
        self._coalescer = PresenceCoalescer(settings.presence_coalesce, self._deliver_presence)
        # The reads every pong and every hello make, batched across sessions.
        self._watermarks = BatchLoader(conversations.watermarks, linger=PONG_LINGER_SECONDS)
        self._heads = BatchLoader(conversations.heads_for_members)
        self._pages = BatchLoader(messages.read_ranges)
        self._unsubscribe: list[Callable[[], None]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._draining = False
        self._metrics.track(self._metrics.sessions_active, lambda: len(self.sessions()))
        self._metrics.track(
            self._metrics.session_queue_depth_max,
            lambda: max((session.backlog for session in self.sessions()), default=0),
        )
        self._metrics.track(
            self._metrics.session_queue_depth_total,
            lambda: sum(session.backlog for session in self.sessions()),
        )

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        handlers = {
            DELIVER_MESSAGE: self._on_message,
            DELIVER_RECEIPT: self._on_receipt,
            DELIVER_TYPING: self._on_typing,
            PRESENCE_CHANGED: self._on_presence,
            SESSION_REPLACED: self._on_replaced,
        }
        self._unsubscribe = [
            self._cluster.subscribe(topic, handler)  # type: ignore[arg-type]
            for topic, handler in handlers.items()
        ]
        self._tasks = [
            asyncio.create_task(self._close_idle_sessions(), name="heartbeat-reaper"),
            asyncio.create_task(self._refresh_presence(), name="presence-refresh"),
            asyncio.create_task(self._reap_dead_nodes(), name="presence-reaper"),
        ]

    async def stop(self, farewell: ReconnectRequest) -> None:
        """Refuse new sessions, ask every client to reconnect elsewhere, close every session."""
        if self._draining:
            return
        self._draining = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        await asyncio.gather(
            *(self.close(session, farewell=farewell) for session in self.sessions()),
            return_exceptions=True,
        )

    def sessions(self) -> list[Session]:
        return [session for sessions in self._by_user.values() for session in sessions.values()]

    # --- opening and closing sessions ------------------------------------------------------

    async def open(self, user_id: str, device_id: str) -> Session:
        """Register a new session of the device, replacing any older one."""
        if self._draining:
            raise Unavailable("the server is shutting down; reconnect to another node")
        key = SessionKey(user_id, device_id, new_id())
        session = Session(
            key, capacity=self._settings.queue_capacity, on_overflow=self._close_later
        )
        for other in list(self._by_user.get(user_id, {}).values()):
            if other.device_id == device_id:
                await self.close(other, farewell=REPLACED)
        self._by_user.setdefault(user_id, {})[key.session_id] = session
        await self._cluster.publish(
            SESSION_REPLACED, SessionReplaced(user_id, device_id, key.session_id)
        )
        state = await self._presence.connect(key)
        if 0 < self._max_sessions < state.device_count:
            # Counted after registering, so that concurrent opens cannot all pass; undone at
            # once (the user stays online through their other sessions).
            refusal = SessionLimitExceeded(self._max_sessions, SESSION_LIMIT_RETRY_SECONDS)
            await self.close(session, refusal)
            raise refusal
        await self._publish_presence(state)
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
        sessions = self._by_user.get(session.user_id, {})
        sessions.pop(session.key.session_id, None)
        if not sessions:
            self._by_user.pop(session.user_id, None)
        self._unwatch(session)
        reason = _close_reason(error, farewell)
        self._metrics.session_disconnects.labels(reason).inc()
        _log.info("session_closed", session_id=session.key.session_id, reason=reason)
        try:
            state = await self._presence.disconnect(session.key)
        except Exception as failure:  # noqa: BLE001 - the entry expires on its own
            _log.warning("presence_disconnect_failed", error=repr(failure))
            return
        if state is not None:
            await self._publish_presence(state)

    async def _publish_presence(self, state: PresenceState) -> None:
        self._metrics.presence_changes.labels("online" if state.online else "offline").inc()
        await self._cluster.publish(PRESENCE_CHANGED, PresenceChanged(state))

    def _close_later(self, session: Session, error: OpenChatError) -> None:
        # Called synchronously from Session.push during fan-out.
        task = asyncio.create_task(self.close(session, error))
        self._tasks.append(task)
        task.add_done_callback(self._tasks.remove)

    # --- the stream ------------------------------------------------------------------------

    async def frames(
        self, session: Session, *, cursors: Mapping[str, int], resume_all: bool
    ) -> AsyncIterator[Outbound]:
        """Everything the session's client receives: the welcome, the catch-up (when asked
        for), then live frames until the session closes; raises the close error, if any."""
        yield Welcome(
            session_id=session.key.session_id,
            user_id=session.user_id,
            heartbeat_interval=self._settings.heartbeat_interval,
            heartbeat_timeout=self._settings.heartbeat_timeout,
            server_time=self._clock(),
        )
        sequencer = MessageSequencer(self._fetch_range)
        if cursors or resume_all:
            sent = 0
            async for message in self._catch_up(session.user_id, cursors, resume_all, sequencer):
                for frame in await sequencer.accept(message):
                    yield frame
                    sent += 1
            yield CaughtUp(sent)
        while (live := await session.next_frame()) is not None:
            if isinstance(live, Message):
                for message in await sequencer.accept(live):
                    yield message
            else:
                yield live
        if session.close_error is not None:
            raise session.close_error

    async def _catch_up(
        self,
        user_id: str,
        cursors: Mapping[str, int],
        resume_all: bool,
        sequencer: MessageSequencer,
    ) -> AsyncIterator[Message]:
        """Messages after the cursors, in seq order per conversation, read after the session
        was registered: whatever this read misses arrives live, so there is no hole between
        the two parts (and the sequencer drops what arrives twice)."""
        targets: dict[str, tuple[int, int]] = {}
        for head in await self._heads.get(user_id):
            if head.conversation_id in cursors or resume_all:
                after = cursors.get(head.conversation_id, 0)
                sequencer.start_at(head.conversation_id, after)
                if head.last_seq > after:
                    targets[head.conversation_id] = (after, head.last_seq)
        while targets:
            # Seqs have no gaps, so a page is a range: (after, after + CATCH_UP_PAGE], capped
            # at the head. Sessions resuming a conversation from the same seq share its read.
            ranges = [
                (conversation_id, after, min(last, after + CATCH_UP_PAGE))
                for conversation_id, (after, last) in targets.items()
            ]
            pages = await asyncio.gather(*(self._pages.get(key) for key in ranges))
            remaining: dict[str, tuple[int, int]] = {}
            for conversation_id, page in zip(targets, pages, strict=True):
                for message in page:
                    yield message
                last = targets[conversation_id][1]
                if page and page[-1].seq < last:
                    remaining[conversation_id] = (page[-1].seq, last)
            targets = remaining

    async def _fetch_range(
        self, conversation_id: str, after_seq: int, before_seq: int
    ) -> list[Message]:
        return await self._messages.list_range(
            conversation_id,
            after_seq=after_seq,
            before_seq=before_seq,
            newest_first=False,
            limit=before_seq - after_seq - 1,
        )

    # --- client frames ---------------------------------------------------------------------

    async def pong(self, session: Session, nonce: int) -> None:
        watermark = await self._watermarks.get(session.user_id)
        session.push(Pong(nonce=nonce, server_time=self._clock(), watermark=watermark))

    async def watch(self, session: Session, user_ids: Sequence[str]) -> None:
        """Replace the users whose presence the session receives; sends their current state."""
        self._unwatch(session)
        watched = frozenset(user_ids[:MAX_WATCHED_USERS])
        self._watching[session] = watched
        for user_id in watched:
            self._watchers.setdefault(user_id, set()).add(session)
        for state in await self._presence.lookup(sorted(watched)):
            self._coalescer.seen(state)
            session.push(state)

    async def typing(self, session: Session, conversation_id: str, typing: bool) -> None:
        """Forward a typing indicator to the other members (rate-limited; non-members and
        unknown conversations are ignored, as typing is advisory)."""
        if session.user_id not in await self._members.members(conversation_id):
            return
        now = asyncio.get_running_loop().time()
        key = (session, conversation_id)
        if typing and now - self._typing_sent.get(key, -TYPING_MIN_INTERVAL_SECONDS) < (
            TYPING_MIN_INTERVAL_SECONDS
        ):
            return
        self._typing_sent[key] = now
        event = TypingDelivery(Typing(conversation_id, session.user_id, typing))
        await self._cluster.publish(DELIVER_TYPING, event)

    async def presence(self, user_ids: Sequence[str]) -> list[PresenceState]:
        return await self._presence.lookup(user_ids)

    def _unwatch(self, session: Session) -> None:
        for user_id in self._watching.pop(session, frozenset()):
            watchers = self._watchers.get(user_id)
            if watchers is None:
                continue
            watchers.discard(session)
            if not watchers:
                del self._watchers[user_id]
                self._coalescer.forget(user_id)
        for key in [key for key in self._typing_sent if key[0] is session]:
            del self._typing_sent[key]

    # --- fan-out from the cluster ----------------------------------------------------------

    async def _on_message(self, event: MessagePersisted) -> None:
        message = event.message
        pushed = 0
        for session in await self._member_sessions(message.conversation_id):
            if session.user_id == message.sender_id and (
                session.device_id == event.origin_device_id
            ):
                continue
            session.push(message)
            pushed += 1
        if pushed:
            self._metrics.messages_delivered.inc(pushed)
            latency = (self._clock() - message.server_time).total_seconds()
            self._metrics.deliver_latency.observe(max(latency, 0.0))

    async def _on_receipt(self, event: ReceiptDelivery) -> None:
        for session in self._sessions_of(event.recipient_ids):
            session.push(event.receipt)

    async def _on_typing(self, event: TypingDelivery) -> None:
        typing = event.typing
        for session in await self._member_sessions(typing.conversation_id):
            if session.user_id != typing.user_id:
                session.push(typing)

    async def _on_presence(self, event: PresenceChanged) -> None:
        if event.state.user_id in self._watchers:
            self._coalescer.offer(event.state)

    async def _on_replaced(self, event: SessionReplaced) -> None:
        for session in list(self._by_user.get(event.user_id, {}).values()):
            if session.device_id == event.device_id and session.key.session_id != event.session_id:
                await self.close(session, farewell=REPLACED)

    def _deliver_presence(self, state: PresenceState) -> None:
        for session in self._watchers.get(state.user_id, ()):
            session.push(state)

    async def _member_sessions(self, conversation_id: str) -> list[Session]:
        members = await self._members.members(conversation_id)
        local = self._by_user
        users: Iterable[str] = (
            (user for user in members if user in local)
            if len(members) <= len(local)
            else (user for user in local if user in members)
        )
        return [session for user in users for session in local[user].values()]

    def _sessions_of(self, user_ids: Iterable[str]) -> list[Session]:
        return [
            session for user_id in user_ids for session in self._by_user.get(user_id, {}).values()
        ]

    # --- liveness --------------------------------------------------------------------------

    async def _close_idle_sessions(self) -> None:
        """The application heartbeat: close sessions that sent nothing for the timeout."""
        timeout = self._settings.heartbeat_timeout
        while True:
            await asyncio.sleep(min(1.0, timeout / 4))
            for session in self.sessions():
                if session.idle_for() > timeout:
                    self._metrics.heartbeat_timeouts.inc()
                    await self.close(session, HeartbeatTimeout(timeout))

    async def _refresh_presence(self) -> None:
        """Keep this node's registry entries alive; if the node dies they expire."""
        while True:
            await asyncio.sleep(self._settings.heartbeat_interval / 2)
            try:
                await self._presence.refresh([session.key for session in self.sessions()])
            except Exception as error:  # noqa: BLE001 - retried on the next tick
                _log.warning("presence_refresh_failed", error=repr(error))

    async def _reap_dead_nodes(self) -> None:
        """Expire the entries of nodes that died without cleaning up, and tell watchers."""
        while True:
            await asyncio.sleep(min(5.0, self._settings.heartbeat_timeout / 4))
            try:
                for state in await self._presence.reap_expired():
                    await self._publish_presence(state)
            except Exception as error:  # noqa: BLE001 - retried on the next tick
                _log.warning("presence_reap_failed", error=repr(error))


def _close_reason(error: OpenChatError | None, farewell: ReconnectRequest | None) -> str:
    """A metric label: why a session ended (a small, fixed set of values)."""
    if error is not None:
        return _ERROR_REASONS.get(type(error), "error")
    if farewell is not None:
        return farewell.cause
    return "client"


_ERROR_REASONS: dict[type[OpenChatError], str] = {
    HeartbeatTimeout: "heartbeat_timeout",
    SlowConsumer: "slow_consumer",
    SessionLimitExceeded: "session_limit",
    StreamProtocolViolation: "protocol_violation",
}
