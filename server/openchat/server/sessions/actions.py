"""What a session's client asks of the server besides sending and watching: a pong for each
ping (with the watermark by which an idle client notices a missed push) and forwarding its
typing indicators to the other members."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from openchat.server.domain.delivery import Typing
from openchat.server.domain.events import DELIVER_TYPING, TypingDelivery
from openchat.server.domain.frames import Pong
from openchat.server.ports import ConversationStore, EventBus, MemberDirectory
from openchat.server.sessions.batch_loader import BatchLoader
from openchat.server.sessions.session import Session

# How long a pong may wait for others to share its watermark query: nothing waits on a pong
# but the client's liveness check, whose timeout is tens of seconds.
PONG_LINGER_SECONDS = 0.05
# A member's typing indicator is forwarded at most this often per conversation and session.
TYPING_MIN_INTERVAL_SECONDS = 1.0


class ClientActions:
    """Pongs and typing indicators of this node's sessions."""

    def __init__(
        self,
        *,
        cluster: EventBus,
        members: MemberDirectory,
        conversations: ConversationStore,
        clock: Callable[[], datetime],
    ) -> None:
        self._cluster = cluster
        self._members = members
        self._clock = clock
        # The read every pong makes, batched across sessions.
        self._watermarks = BatchLoader(conversations.watermarks, linger=PONG_LINGER_SECONDS)
        self._typing_sent: dict[tuple[Session, str], float] = {}

    async def pong(self, session: Session, nonce: int) -> None:
        watermark = await self._watermarks.get(session.user_id)
        session.push(Pong(nonce=nonce, server_time=self._clock(), watermark=watermark))

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

    def forget(self, session: Session) -> None:
        """The session closed: drop its rate-limit entries."""
        for key in [key for key in self._typing_sent if key[0] is session]:
            del self._typing_sent[key]
