"""`Client`: the SDK's entry point, which puts the store, the outbox, the inbox and the session
together and offers the server's operations as typed methods."""

from __future__ import annotations

import asyncio
import logging
import os
import platform
import random
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Self, TypeVar

import grpc
from google.protobuf.field_mask_pb2 import FieldMask

from openchat.client._convert import (
    ack_from_pb,
    content_to_pb,
    conversation_from_pb,
    delivery_event_from_pb,
    message_from_pb,
    presence_from_pb,
    timestamp,
)
from openchat.client._counters import Counters
from openchat.client._event_queue import EventQueue
from openchat.client._events import Event, MessageReceived, OutboxChanged
from openchat.client._exceptions import ClientClosed, OpenChatError, ServiceError
from openchat.client._inbox import Inbox
from openchat.client._models import (
    ClientStats,
    Content,
    Conversation,
    DeliveryEvent,
    Message,
    MessageAck,
    MessageKind,
    OutboxEntry,
    Presence,
)
from openchat.client._outbox import Outbox
from openchat.client._policies import ReconnectPolicy, RetryPolicy
from openchat.client._rpc import Rpc, Wakeup, retrying
from openchat.client._session import Session
from openchat.client._store import LocalStore
from openchat.client._tokens import TokenProvider, Tokens
from openchat.client._version import version
from openchat.v1 import (
    conversation_service_pb2,
    message_pb2,
    messaging_service_pb2,
    presence_service_pb2,
    sync_service_pb2,
)

_log = logging.getLogger("openchat.client")

# The `muted_until` that never ends (the largest time the contract knows).
_FOREVER = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)

Response = TypeVar("Response")
Request = TypeVar("Request")

# Messages per Sync response and conversation, and per ListMessages page (the servers' maxima).
SYNC_LIMIT = 1000
PAGE_LIMIT = 500
# Set once a store's cursors were started (see `catch_up_history`).
_CURSORS_STARTED = "cursors_started"


@dataclass(frozen=True)
class _Parts:
    """What an open client runs on."""

    rpc: Rpc
    inbox: Inbox
    outbox: Outbox
    session: Session | None


class Client:
    """An OpenChat client for one user on one device.

    `async with Client(target, token=..., device_id=...) as client:` opens the local store,
    resumes the outbox, and (with `live`, the default) keeps a session stream open, which
    delivers messages, receipts, presence and typing to `events()`. It returns at once, even
    when the server is unreachable: the client keeps connecting in the background and sends
    what was written meanwhile as soon as it can.

    - `target`: the server, "host:port". `credentials`: TLS credentials (None = plaintext),
      for example `tls_credentials(ca_file=..., cert_file=..., key_file=...)`.
    - `token`: a bearer token, or a callable (sync or async) returning a fresh one; it is
      called before every (re)connect and when the server answers UNAUTHENTICATED.
    - `device_id`: stable per installation; one Client per device id at a time (a second
      session of the same device replaces the first).
    - `store_path`: the SQLite file holding the outbox, the cursors and received messages.
      None keeps them in memory: nothing survives the process. One store per user and device.
    - `live`: False for scripts that only call methods (no stream; `sync()` fetches news).
    - `catch_up_history`: on a new store, deliver every conversation's existing messages
      (True), or only those after the first connect (False; older ones via `history()`).
    - `retry` / `reconnect`: timeouts and backoff of calls and of the session stream.
    - `max_buffered_events`: events queued before the stream stops reading (back-pressure)
      and other events than messages are dropped (counted in `stats().events_dropped`).
    """

    def __init__(
        self,
        target: str,
        *,
        token: str | TokenProvider,
        device_id: str,
        store_path: str | os.PathLike[str] | None = None,
        live: bool = True,
        catch_up_history: bool = True,
        retry: RetryPolicy | None = None,
        reconnect: ReconnectPolicy | None = None,
        credentials: grpc.ChannelCredentials | None = None,
        app: str = "openchat-python",
        max_buffered_events: int = 10_000,
    ) -> None:
        if not device_id:
            raise ValueError("device_id must not be empty")
        self._target = target
        self._tokens = Tokens(token)
        self._device_id = device_id
        self._live = live
        self._catch_up_history = catch_up_history
        self._retry = retry or RetryPolicy()
        self._reconnect = reconnect or ReconnectPolicy()
        self._credentials = credentials
        self._app = app
        self._rng = random.Random()  # noqa: S311 - jitter, not secrets
        self._counters = Counters()
        self._wakeup = Wakeup()
        self._events = EventQueue(max_buffered_events, self._counters)
        self._store = LocalStore(store_path)
        self._running: _Parts | None = None
        self._closed = False
        self._sync_task: asyncio.Task[None] | None = None

    # --- lifecycle --------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def open(self) -> None:
        """Open the store, resume the outbox and (when live) start the session."""
        if self._closed:
            raise ClientClosed("a closed client cannot be opened again: make a new one")
        if self._running is not None:
            return
        await self._store.open()
        rpc = Rpc(
            self._target, self._tokens, credentials=self._credentials, reconnect=self._reconnect
        )
        inbox = Inbox(self._store, self._events, self._fetch_range, self._counters)
        await inbox.load()
        outbox = Outbox(
            self._store,
            self._send_attempt,
            self._retry,
            counters=self._counters,
            wakeup=self._wakeup,
            on_settled=lambda entry: self._events.put(OutboxChanged(entry)),
            rng=self._rng,
        )
        session = None
        if self._live:
            session = Session(
                rpc,
                device_id=self._device_id,
                client_info=presence_service_pb2.ClientInfo(
                    app=self._app,
                    version=version(),
                    platform=f"python {platform.python_version()}",
                ),
                inbox=inbox,
                events=self._events,
                policy=self._reconnect,
                counters=self._counters,
                wakeup=self._wakeup,
                rng=self._rng,
                prepare=self._start_cursors,
                request_sync=self._sync_soon,
            )
        self._running = _Parts(rpc, inbox, outbox, session)
        await outbox.start()
        if session is not None:
            session.start()

    async def close(self) -> None:
        """Stop the session and the outbox (pending messages stay in the store) and release
        everything. Events still queued can no longer be read."""
        parts, self._running = self._running, None
        if parts is None:
            return
        self._closed = True
        if parts.session is not None:
            await parts.session.stop()
        if self._sync_task is not None:
            self._sync_task.cancel()
            await asyncio.gather(self._sync_task, return_exceptions=True)
        await parts.outbox.stop()
        await parts.inbox.stop()
        self._events.close()
        await parts.rpc.close()
        await self._store.close()

    # --- state ------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while the session stream is open."""
        session = None if self._running is None else self._running.session
        return session is not None and session.connected

    @property
    def user_id(self) -> str | None:
        """The user the server knows this client as (from the session's welcome)."""
        session = None if self._running is None else self._running.session
        return None if session is None else session.user_id

    @property
    def outbox(self) -> Outbox:
        """The messages this client wrote, with their state (pending, sent, failed)."""
        return self._parts().outbox

    def stats(self) -> ClientStats:
        """A snapshot of the client's counters (reconnections, retries, outbox depth...)."""
        depth = 0 if self._running is None else self._running.outbox.depth
        return self._counters.snapshot(connected=self.connected, outbox_depth=depth)

    async def reconnect(self) -> None:
        """Connect now: skip the backoff wait, or start again after the client gave up."""
        session = self._parts().session
        if session is not None:
            session.reconnect_now()

    # --- events -----------------------------------------------------------------------------

    async def events(self) -> AsyncIterator[Event]:
        """Everything that happens, in order, until the client is closed. Iterate it from one
        task. A message counts as delivered (its cursor is saved, a delivery ack sent) when
        this iterator hands it over."""
        while (event := await self._events.get()) is not None:
            await self._hand_over(event)
            yield event

    async def poll_events(self) -> list[Event]:
        """The events already queued, without waiting (for scripts that call `sync()`)."""
        taken: list[Event] = []
        while (event := self._events.get_nowait()) is not None:
            await self._hand_over(event)
            taken.append(event)
        return taken

    async def _hand_over(self, event: Event) -> None:
        if isinstance(event, MessageReceived) and (parts := self._running) is not None:
            message = event.message
            await parts.inbox.given(message)
            if parts.session is not None:
                parts.session.acknowledge(message.conversation_id, message.seq)

    # --- messages ---------------------------------------------------------------------------

    async def send(
        self,
        conversation_id: str,
        text: str = "",
        *,
        content: Content | None = None,
        client_msg_id: str | None = None,
        # The overall deadline has a policy default and ends in SendTimeout, naming the message.
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> MessageAck:
        """Send a message and wait for the server's ack (at most `timeout` seconds, by default
        the retry policy's total_timeout). The message goes through the outbox: it is sent in
        order after this conversation's earlier messages and retried with the same
        client_msg_id, so it is stored exactly once. Raises the server's error when it is
        refused (InvalidArgument, PermissionDenied...: never retried), SendTimeout when the
        deadline passes (the message stays pending and still goes out)."""
        entry = await self.enqueue(
            conversation_id, text, content=content, client_msg_id=client_msg_id
        )
        wait = self._retry.total_timeout if timeout is None else timeout
        return await self.outbox.wait(entry.client_msg_id, wait)

    async def enqueue(
        self,
        conversation_id: str,
        text: str = "",
        *,
        content: Content | None = None,
        client_msg_id: str | None = None,
    ) -> OutboxEntry:
        """Write a message to the outbox and return at once (offline-first apps): it is sent
        as soon as possible; follow it with `outbox.wait()` or `OutboxChanged` events."""
        if content is None:
            content = Content(text=text)
        elif text:
            raise ValueError("pass either text or content, not both")
        return await self.outbox.add(conversation_id, content, client_msg_id)

    async def _send_attempt(self, entry: OutboxEntry, time_limit: float) -> MessageAck:
        rpc = self._parts().rpc
        request = messaging_service_pb2.SendMessageRequest(
            conversation_id=entry.conversation_id,
            client_msg_id=entry.client_msg_id,
            content=content_to_pb(entry.content),
        )
        response = await rpc.unary(rpc.messaging.SendMessage, request, time_limit)
        return ack_from_pb(response.ack)

    async def history(
        self, conversation_id: str, *, before_seq: int | None = None, limit: int = 50
    ) -> list[Message]:
        """Up to `limit` messages with seq < `before_seq`, oldest first. Without `before_seq`:
        the newest this client received (a live client; the server's newest otherwise). Served
        from the local store when it holds the whole range, else by the server (and stored)."""
        parts = self._parts()
        if not 1 <= limit <= PAGE_LIMIT:
            raise ValueError(f"limit must be between 1 and {PAGE_LIMIT}")
        upper = before_seq or 0
        if before_seq is None and self._live and (cursor := parts.inbox.cursor(conversation_id)):
            upper = cursor + 1
        if upper > 1:
            first = max(1, upper - limit)
            stored = await self._store.messages(
                conversation_id, first, upper - 1, viewer=self.user_id or ""
            )
            if len(stored) == upper - first:
                # Every entry of the range is here, changes folded into their messages.
                return [m for m in stored if m.kind is MessageKind.MESSAGE and not m.deleted_for_me]
        response = await self._call(
            parts.rpc.messaging.ListMessages,
            messaging_service_pb2.ListMessagesRequest(
                conversation_id=conversation_id,
                before_seq=upper,
                order=messaging_service_pb2.MESSAGE_ORDER_NEWEST_FIRST,
                page_size=limit,
            ),
        )
        messages = [message_from_pb(m) for m in reversed(response.messages)]
        await self._store.put_messages(messages)
        return messages

    async def sync(self) -> int:
        """Fetch everything new since the cursors, in every conversation, into the event queue,
        and apply the deletions this user made on other devices since the deletion cursor;
        returns how many messages were queued. A live client does this by itself."""
        parts = self._parts()
        await self._start_cursors()
        queued = 0
        while True:
            response = await self._call(
                parts.rpc.sync.Sync,
                sync_service_pb2.SyncRequest(
                    cursors=[
                        sync_service_pb2.SyncCursor(conversation_id=c, after_seq=s)
                        for c, s in sorted(parts.inbox.cursors().items())
                    ],
                    limit=SYNC_LIMIT,
                    deletions_after=parts.inbox.deletions_cursor(),
                ),
            )
            await parts.inbox.apply_deletions(
                [message_from_pb(m) for m in response.deletions], response.deletions_position
            )
            more = response.has_more_conversations or response.has_more_deletions
            for conversation in response.conversations:
                queued += await parts.inbox.accept(
                    [message_from_pb(m) for m in conversation.messages]
                )
                more = more or conversation.has_more
            if not more:
                return queued

    def _sync_soon(self) -> None:
        if self._sync_task is None or self._sync_task.done():
            self._sync_task = asyncio.create_task(self._background_sync(), name="openchat-sync")

    async def _background_sync(self) -> None:
        try:
            await self.sync()
        except OpenChatError as error:
            _log.warning("background sync failed: %s", error)

    async def _fetch_range(self, conversation_id: str, after: int, before: int) -> list[Message]:
        """Messages with after < seq < before, oldest first (at most one page: the inbox asks
        again for what remains)."""
        response = await self._call(
            self._parts().rpc.messaging.ListMessages,
            messaging_service_pb2.ListMessagesRequest(
                conversation_id=conversation_id,
                after_seq=after,
                before_seq=before,
                order=messaging_service_pb2.MESSAGE_ORDER_OLDEST_FIRST,
                page_size=min(PAGE_LIMIT, before - after - 1),
                # Every entry of the range (changes, deleted-for-me placeholders): the
                # inbox's sequence has no holes.
                include_changes=True,
            ),
        )
        return [message_from_pb(m) for m in response.messages]

    async def _start_cursors(self) -> None:
        """Without `catch_up_history`, a new store starts at each conversation's newest seq."""
        if self._catch_up_history or await self._store.setting(_CURSORS_STARTED):
            return
        conversations = await self.list_conversations()
        await self._parts().inbox.start_at({c.conversation_id: c.last_seq for c in conversations})
        await self._store.set_setting(_CURSORS_STARTED, "1")

    async def mark_read(self, conversation_id: str, seq: int) -> int:
        """Mark the conversation read up to `seq`; returns the read position (never lowered)."""
        response = await self._call(
            self._parts().rpc.messaging.MarkRead,
            messaging_service_pb2.MarkReadRequest(conversation_id=conversation_id, seq=seq),
        )
        return response.read_seq

    async def get_delivery_timeline(self, message_id: str) -> list[DeliveryEvent]:
        """What happened to a message this user sent: stored, delivered, read, pushed..."""
        response = await self._call(
            self._parts().rpc.messaging.GetDeliveryTimeline,
            messaging_service_pb2.GetDeliveryTimelineRequest(message_id=message_id),
        )
        return [delivery_event_from_pb(e) for e in response.events]

    # --- changing messages ------------------------------------------------------------------
    # Each change is an entry of the conversation's sequence: every member's client receives
    # it (MessageReceived, with its `kind`), and the local store folds it into its target.
    # Retries of one call reuse one request_id, so a change is applied once.

    async def edit_message(
        self,
        conversation_id: str,
        message_id: str,
        text: str,
        *,
        attributes: Mapping[str, str] | None = None,
        request_id: str | None = None,
    ) -> MessageAck:
        """Replace the text (and attributes) of a message this user sent."""
        response = await self._call(
            self._parts().rpc.messaging.EditMessage,
            messaging_service_pb2.EditMessageRequest(
                conversation_id=conversation_id,
                message_id=message_id,
                content=message_pb2.Content(text=text, attributes=dict(attributes or {})),
                request_id=request_id or str(uuid.uuid4()),
            ),
        )
        return ack_from_pb(response.ack)

    async def recall_message(
        self, conversation_id: str, message_id: str, *, request_id: str | None = None
    ) -> MessageAck:
        """Recall a message for everyone (its sender, in time; a group's owner, any time)."""
        response = await self._call(
            self._parts().rpc.messaging.RecallMessage,
            messaging_service_pb2.RecallMessageRequest(
                conversation_id=conversation_id,
                message_id=message_id,
                request_id=request_id or str(uuid.uuid4()),
            ),
        )
        return ack_from_pb(response.ack)

    async def delete_messages(self, conversation_id: str, message_ids: Iterable[str]) -> int:
        """Hide messages from this user's history on all their devices; returns how many
        were newly hidden. This device's store hides them at once; every live device of the
        user (this one included) also gets a MessagesDeleted event."""
        ids = list(message_ids)
        parts = self._parts()
        response = await self._call(
            parts.rpc.messaging.DeleteMessages,
            messaging_service_pb2.DeleteMessagesRequest(
                conversation_id=conversation_id, message_ids=ids
            ),
        )
        await parts.inbox.hide(conversation_id, ids)
        return response.deleted_count

    async def add_reaction(
        self, conversation_id: str, message_id: str, emoji: str, *, request_id: str | None = None
    ) -> MessageAck:
        response = await self._call(
            self._parts().rpc.messaging.AddReaction,
            messaging_service_pb2.AddReactionRequest(
                conversation_id=conversation_id,
                message_id=message_id,
                emoji=emoji,
                request_id=request_id or str(uuid.uuid4()),
            ),
        )
        return ack_from_pb(response.ack)

    async def remove_reaction(
        self, conversation_id: str, message_id: str, emoji: str, *, request_id: str | None = None
    ) -> MessageAck:
        response = await self._call(
            self._parts().rpc.messaging.RemoveReaction,
            messaging_service_pb2.RemoveReactionRequest(
                conversation_id=conversation_id,
                message_id=message_id,
                emoji=emoji,
                request_id=request_id or str(uuid.uuid4()),
            ),
        )
        return ack_from_pb(response.ack)

    async def forward_messages(
        self,
        conversation_id: str,
        message_ids: Iterable[str],
        to_conversation_id: str,
        *,
        request_id: str | None = None,
    ) -> list[MessageAck]:
        """Copy messages into another conversation of this user, as new messages of theirs."""
        response = await self._call(
            self._parts().rpc.messaging.ForwardMessages,
            messaging_service_pb2.ForwardMessagesRequest(
                conversation_id=conversation_id,
                message_ids=list(message_ids),
                target_conversation_id=to_conversation_id,
                request_id=request_id or uuid.uuid4().hex,
            ),
        )
        return [ack_from_pb(ack) for ack in response.acks]

    async def get_read_by(
        self, conversation_id: str, message_id: str
    ) -> tuple[list[str], list[str]]:
        """For a message this user sent: the members who read it, and those who have not."""
        response = await self._call(
            self._parts().rpc.messaging.GetReadBy,
            messaging_service_pb2.GetReadByRequest(
                conversation_id=conversation_id, message_id=message_id
            ),
        )
        return list(response.reader_ids), list(response.unread_member_ids)

    # --- conversations ----------------------------------------------------------------------

    async def mute(self, conversation_id: str, until: datetime | None = None) -> Conversation:
        """No push notifications (except mentions) until `until`, or forever without it."""
        return await self._mute_until(conversation_id, until or _FOREVER)

    async def unmute(self, conversation_id: str) -> Conversation:
        return await self._mute_until(conversation_id, None)

    async def _mute_until(self, conversation_id: str, until: datetime | None) -> Conversation:
        request = conversation_service_pb2.UpdateMemberSettingsRequest(
            conversation_id=conversation_id, update_mask=FieldMask(paths=["muted_until"])
        )
        if until is not None:
            request.muted_until.CopyFrom(timestamp(until))
        return await self._update_settings(request)

    async def pin(self, conversation_id: str, pinned: bool = True) -> Conversation:
        """Pin (or unpin) a conversation to the top of this user's list."""
        return await self._update_settings(
            conversation_service_pb2.UpdateMemberSettingsRequest(
                conversation_id=conversation_id,
                update_mask=FieldMask(paths=["pinned"]),
                pinned=pinned,
            )
        )

    async def _update_settings(
        self, request: conversation_service_pb2.UpdateMemberSettingsRequest
    ) -> Conversation:
        response = await self._call(self._parts().rpc.conversations.UpdateMemberSettings, request)
        return conversation_from_pb(response.conversation)

    async def create_group(
        self, title: str, member_ids: Iterable[str] = (), *, request_id: str | None = None
    ) -> Conversation:
        """Create a group owned by this user. Retries reuse one request_id: one group."""
        response = await self._call(
            self._parts().rpc.conversations.CreateGroup,
            conversation_service_pb2.CreateGroupRequest(
                title=title, member_ids=list(member_ids), request_id=request_id or str(uuid.uuid4())
            ),
        )
        return conversation_from_pb(response.conversation)

    async def get_or_create_direct(self, peer_id: str) -> Conversation:
        """The direct conversation with `peer_id`, created on first use."""
        response = await self._call(
            self._parts().rpc.conversations.GetOrCreateDirect,
            conversation_service_pb2.GetOrCreateDirectRequest(peer_id=peer_id),
        )
        return conversation_from_pb(response.conversation)

    async def add_members(self, conversation_id: str, member_ids: Iterable[str]) -> Conversation:
        response = await self._call(
            self._parts().rpc.conversations.AddMembers,
            conversation_service_pb2.AddMembersRequest(
                conversation_id=conversation_id, member_ids=list(member_ids)
            ),
        )
        return conversation_from_pb(response.conversation)

    async def remove_members(self, conversation_id: str, member_ids: Iterable[str]) -> Conversation:
        """Remove members (only the owner removes others; anyone may remove themselves)."""
        response = await self._call(
            self._parts().rpc.conversations.RemoveMembers,
            conversation_service_pb2.RemoveMembersRequest(
                conversation_id=conversation_id, member_ids=list(member_ids)
            ),
        )
        return conversation_from_pb(response.conversation)

    async def get_conversation(self, conversation_id: str) -> Conversation:
        response = await self._call(
            self._parts().rpc.conversations.GetConversation,
            conversation_service_pb2.GetConversationRequest(conversation_id=conversation_id),
        )
        return conversation_from_pb(response.conversation)

    async def list_conversations(self) -> list[Conversation]:
        """Every conversation this user belongs to (all pages), as an inbox shows them:
        pinned first, then the most recently active, with unread and mention counts."""
        rpc = self._parts().rpc
        found: list[Conversation] = []
        token = ""
        while True:
            response = await self._call(
                rpc.conversations.ListConversations,
                conversation_service_pb2.ListConversationsRequest(page_size=200, page_token=token),
            )
            found.extend(conversation_from_pb(c) for c in response.conversations)
            token = response.next_page_token
            if not token:
                return found

    # --- presence ---------------------------------------------------------------------------

    async def get_presence(self, user_ids: Sequence[str]) -> list[Presence]:
        response = await self._call(
            self._parts().rpc.presence.GetPresence,
            presence_service_pb2.GetPresenceRequest(user_ids=list(user_ids)),
        )
        return [presence_from_pb(p) for p in response.presences]

    async def watch_presence(self, user_ids: Iterable[str]) -> None:
        """Receive PresenceChanged events for these users (replacing the previous set), now
        and after every reconnect. Needs a live client."""
        session = self._parts().session
        if session is None:
            raise ClientClosed("presence events need a live client")
        session.watch(tuple(user_ids))

    async def set_typing(self, conversation_id: str, typing: bool = True) -> bool:
        """Tell the other members this user is typing (or stopped). Advisory: dropped, and
        False returned, while disconnected."""
        session = self._parts().session
        return session is not None and session.typing(conversation_id, typing)

    # --- calls ------------------------------------------------------------------------------

    def _parts(self) -> _Parts:
        if self._running is None:
            raise ClientClosed("the client is not open: use `async with Client(...)`")
        return self._running

    async def _call(
        self, method: grpc.aio.UnaryUnaryMultiCallable[Request, Response], request: Request
    ) -> Response:
        """A unary call, retried on transient failures within the retry policy's deadline."""
        rpc = self._parts().rpc

        async def on_retry(error: ServiceError) -> None:
            self._counters.call_retries += 1

        return await retrying(
            lambda time_limit: rpc.unary(method, request, time_limit),
            self._retry,
            self._rng,
            deadline=asyncio.get_running_loop().time() + self._retry.total_timeout,
            on_retry=on_retry,
            wakeup=self._wakeup,
        )
